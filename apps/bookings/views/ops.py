"""Operations and finance: manifests (JSON and streamed CSV) and the revenue report."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.bookings import selectors
from apps.bookings.paperwork import (
    booking_time_contact,
    checklist_label,
    current_emergency_contact,
    fitness_state,
    participant_missing,
)
from apps.bookings.serializers import ManifestRowSerializer
from apps.bookings.serializers.addons import add_ons_text
from apps.bookings.serializers.reports import RevenueQuerySerializer, RevenueRowSerializer
from apps.bookings.views.common import BATCH_ID, batch_or_404
from apps.common.csv_export import CSVRenderer, csv_response
from apps.common.exceptions import Forbidden, NotFound
from apps.common.schema import error_responses
from apps.treks.models import Batch
from apps.users.current import authenticated_user
from apps.users.permissions import HasCapability
from apps.users.roles import Capability

MANIFEST_FIELDS = list(ManifestRowSerializer().fields)


def manifest_rows(batch: Batch) -> Iterator[dict[str, Any]]:
    """One row per participant: their own paperwork, the booker's current emergency contact and, for the record,
    the one on file when they booked."""
    for booking in selectors.manifest_bookings(batch=batch).iterator(chunk_size=200):
        current = current_emergency_contact(booking) or {}
        at_booking = booking_time_contact(booking) or {}
        add_ons = add_ons_text(list(booking.add_ons.all()))
        for participant in booking.participants.all():
            yield {
                "booking_reference": booking.reference,
                "booking_status": booking.status,
                "position": participant.position + 1,
                "is_lead": participant.is_lead,
                "name": participant.name,
                "age": participant.age,
                "experience_level": participant.experience_level,
                "phone": participant.phone,
                "email": participant.email,
                "emergency_contact_name": current.get("name", ""),
                "emergency_contact_phone": current.get("phone", ""),
                "emergency_contact_relation": current.get("relation", ""),
                "booking_emergency_contact_name": at_booking.get("name", ""),
                "booking_emergency_contact_phone": at_booking.get("phone", ""),
                "booking_emergency_contact_relation": at_booking.get("relation", ""),
                "missing_documents": ", ".join(
                    checklist_label(code) for code in participant_missing(booking, participant)
                ),
                "fitness_status": fitness_state(booking, participant),
                "add_ons": add_ons if participant.is_lead else "",
                "amount_paid": str(booking.amount_paid),
                "balance_due": str(booking.balance_due),
            }


@extend_schema(tags=["operations"], parameters=[BATCH_ID])
class ManifestView(APIView):
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(
        operation_id="batchManifest",
        summary="Participant manifest (JSON, or streamed CSV with `?format=csv` / `Accept: text/csv`)",
        description=(
            "Ops and customer success (`manifest.view`) and the batch's acting guide (current guide role, active "
            "guide profile): one row per participant of the batch's pending and confirmed bookings, with the "
            "booker's current emergency contact (`emergency_contact_*`; the one given at booking time, kept for the "
            "record, in `booking_emergency_contact_*`), what that participant still owes (readable names), their "
            "fitness proof's review state, the booking's add-ons (on its lead's row) and the amounts. "
            "`?format=csv` or `Accept: text/csv` streams it as `text/csv` (an attachment); errors are JSON "
            "envelopes whatever the format. CSV cells that "
            "could start a spreadsheet formula begin with a single quote."
        ),
        responses={
            (200, "application/json"): ManifestRowSerializer(many=True),
            (200, "text/csv"): OpenApiTypes.STR,
            **error_responses(401, Forbidden, NotFound),
        },
    )
    def get(self, request: Request, batch_id: Any) -> HttpResponseBase:
        batch = batch_or_404(batch_id)
        if not selectors.can_view_manifest(user=authenticated_user(request), batch=batch):
            self.permission_denied(request, message="Only ops, customer success or this batch's guide.")
        if request.accepted_renderer.format == "csv":
            return csv_response(
                filename=f"manifest-{batch.pk}.csv", fieldnames=MANIFEST_FIELDS, rows=manifest_rows(batch)
            )
        return Response(list(manifest_rows(batch)))


@extend_schema(tags=["operations"])
class RevenueReportView(APIView):
    permission_classes = [HasCapability(Capability.REPORTS_VIEW)]

    @extend_schema(
        operation_id="revenueReport",
        summary="Revenue by trek or month (captured payments minus processed refunds), with its GST",
        description="Staff with `reports.view`. Amounts in paise (integers): `gross_paise` captured, "
        "`refunded_paise` processed refunds, `net_paise` the difference, one row per trek or per month of the "
        "range (at most 366 days). The GST columns come from the tax documents issued in the range: "
        "`taxable_paise`, `cgst_paise`, `sgst_paise`, `igst_paise` and `gst_paise` are what the tax invoices "
        "charged less what the credit notes gave back (a credit note is issued when the refund is recorded).",
        parameters=[
            OpenApiParameter("date_from", OpenApiTypes.DATE, required=True),
            OpenApiParameter("date_to", OpenApiTypes.DATE, required=True, description="At most 366 days after"),
            OpenApiParameter("group_by", OpenApiTypes.STR, enum=["trek", "month"]),
        ],
        responses={200: RevenueRowSerializer(many=True), **error_responses(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        query = RevenueQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.revenue_report(**query.validated_data)
        for row in rows:
            row["net_paise"] = row["gross_paise"] - row["refunded_paise"]
            row["gst_paise"] = row["cgst_paise"] + row["sgst_paise"] + row["igst_paise"]
            row["key"] = row["key"].date().isoformat() if hasattr(row["key"], "date") else row["key"]
            row["label"] = row["key"] if not isinstance(row["label"], str) else row["label"]
        return Response(RevenueRowSerializer(rows, many=True).data)
