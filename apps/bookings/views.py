"""Bookings API: thin views over the services and selectors."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any, cast

from django.http import FileResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.bookings import selectors, services
from apps.bookings.filters import BookingFilter
from apps.bookings.models import BookingDocument, Payment, WaitlistEntry
from apps.bookings.serializers import (
    BatchCancellationSerializer,
    BookingCreateSerializer,
    BookingDocumentSerializer,
    BookingSerializer,
    CancellationQuoteSerializer,
    CancelSerializer,
    ChecklistSerializer,
    DocumentReviewSerializer,
    DocumentSubmitSerializer,
    ManifestRowSerializer,
    PaymentOrderSerializer,
    PaymentSerializer,
    PaymentVerifySerializer,
    RevenueQuerySerializer,
    RevenueRowSerializer,
    WaitlistEntrySerializer,
    WaitlistJoinSerializer,
    WebhookAckSerializer,
)
from apps.bookings.services import documents as document_services
from apps.common.exceptions import NotFound
from apps.common.pagination import PageNumberPagination
from apps.common.permissions import HasCapability
from apps.common.schema import ErrorEnvelope, error_responses
from apps.treks.models import Batch
from apps.users.models import User
from apps.users.roles import Capability

BOOKING_ID = OpenApiParameter("booking_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
BATCH_ID = OpenApiParameter("batch_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
DOCUMENT_ID = OpenApiParameter("document_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


def _user(request: Request) -> User:
    return cast(User, request.user)


def _batch(batch_id: Any) -> Batch:
    batch = Batch.objects.select_related("trek", "guide").filter(pk=batch_id).first()
    if batch is None:
        raise NotFound("No such batch.")
    return batch


@extend_schema(tags=["bookings"])
class BookingListCreateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="List bookings",
        description=(
            "The caller's bookings. Staff holding `bookings.view` see every booking and may filter and search "
            "(`?mine=true` narrows to their own)."
        ),
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, many=True),
            OpenApiParameter("batch", OpenApiTypes.UUID),
            OpenApiParameter("trek", OpenApiTypes.STR, description="Trek slug"),
            OpenApiParameter("start_from", OpenApiTypes.DATE),
            OpenApiParameter("start_to", OpenApiTypes.DATE),
            OpenApiParameter("created_from", OpenApiTypes.DATE),
            OpenApiParameter("created_to", OpenApiTypes.DATE),
            OpenApiParameter("q", OpenApiTypes.STR, description="Name, e-mail, phone or reference"),
            OpenApiParameter("mine", OpenApiTypes.BOOL),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT),
        ],
        responses={200: BookingSerializer(many=True), **error_responses(400, 401)},
    )
    def get(self, request: Request) -> Response:
        everyone = request.query_params.get("mine", "").lower() not in ("1", "true", "yes")
        qs = selectors.booking_list(user=_user(request), everyone=everyone)
        filterset = BookingFilter(request.query_params, queryset=qs)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        paginator = PageNumberPagination()
        page: list[Any] | None = paginator.paginate_queryset(filterset.qs, request, view=self)
        return paginator.get_paginated_response(BookingSerializer(page, many=True).data)

    @extend_schema(
        summary="Book seats (a 30-minute hold)",
        request=BookingCreateSerializer,
        responses={
            201: BookingSerializer,
            **error_responses(400, 401, 404),
            409: OpenApiResponse(
                ErrorEnvelope, description="`batch_full`, `batch_not_bookable`, `already_booked` or `coupon_exhausted`"
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = BookingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = services.booking_create(
            user=_user(request),
            batch_id=data.validated_data["batch"],
            participants=data.validated_data["participants"],
            coupon_code=data.validated_data["coupon_code"] or None,
            source=data.validated_data["source"],
        )
        booking = selectors.booking_get(user=_user(request), booking_id=booking.pk)
        return Response(BookingSerializer(booking).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["bookings"], parameters=[BOOKING_ID])
class BookingDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: BookingSerializer, **error_responses(401, 404)})
    def get(self, request: Request, booking_id: Any) -> Response:
        return Response(BookingSerializer(selectors.booking_get(user=_user(request), booking_id=booking_id)).data)


@extend_schema(tags=["bookings"], parameters=[BOOKING_ID])
class BookingCancelView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Cancellation quote",
        description="What cancelling now would refund, by the policy table (days before the start).",
        responses={200: CancellationQuoteSerializer, **error_responses(401, 404)},
    )
    def get(self, request: Request, booking_id: Any) -> Response:
        booking = selectors.booking_get(user=_user(request), booking_id=booking_id)
        return Response(CancellationQuoteSerializer(services.cancellation_quote(booking=booking)).data)

    @extend_schema(
        summary="Cancel (owner or `bookings.manage` staff)",
        request=CancelSerializer,
        responses={200: BookingSerializer, **error_responses(400, 401, 404, 409)},
    )
    def post(self, request: Request, booking_id: Any) -> Response:
        booking = selectors.booking_get(
            user=_user(request), booking_id=booking_id, staff_capability=Capability.BOOKINGS_MANAGE
        )
        data = CancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.booking_cancel(booking=booking, actor=_user(request), reason=data.validated_data["reason"])
        booking = selectors.booking_get(
            user=_user(request), booking_id=booking_id, staff_capability=Capability.BOOKINGS_MANAGE
        )
        return Response(BookingSerializer(booking).data)


@extend_schema(tags=["payments"], parameters=[BOOKING_ID])
class BookingPaymentsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: PaymentSerializer(many=True), **error_responses(401, 404)})
    def get(self, request: Request, booking_id: Any) -> Response:
        booking = selectors.booking_get(user=_user(request), booking_id=booking_id)
        payments = Payment.objects.filter(booking=booking).select_related("booking").order_by("-created_at")
        return Response(PaymentSerializer(payments, many=True).data)

    @extend_schema(
        summary="Create a gateway order for the balance due",
        request=None,
        responses={
            201: PaymentOrderSerializer,
            **error_responses(401, 404, 502, 503),
            409: OpenApiResponse(
                ErrorEnvelope, description="`not_payable` (not pending, hold lapsed) or `nothing_to_pay`"
            ),
        },
    )
    def post(self, request: Request, booking_id: Any) -> Response:
        booking = selectors.booking_get(user=_user(request), booking_id=booking_id, staff_capability="-")
        payment = services.payment_order_create(booking=booking)
        return Response(PaymentOrderSerializer(payment).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["payments"])
class PaymentVerifyView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Verify a checkout payment",
        description="HMAC-SHA256 of the stored order id and the payment id with the key secret. Idempotent.",
        request=PaymentVerifySerializer,
        responses={200: PaymentSerializer, **error_responses(400, 401, 404)},
    )
    def post(self, request: Request) -> Response:
        data = PaymentVerifySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment = services.payment_verify(
            user=_user(request),
            order_id=data.validated_data["razorpay_order_id"],
            payment_id=data.validated_data["razorpay_payment_id"],
            signature=data.validated_data["razorpay_signature"],
        )
        payment = Payment.objects.select_related("booking").get(pk=payment.pk)
        return Response(PaymentSerializer(payment).data)


@method_decorator(csrf_exempt, name="dispatch")
@extend_schema(tags=["payments"])
class RazorpayWebhookView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes: list[Any] = []

    @extend_schema(
        summary="Razorpay webhook",
        description=(
            "Signed with the webhook secret over the raw body (`X-Razorpay-Signature`); each "
            "`X-Razorpay-Event-Id` is processed once, repeats answer 200 with status `duplicate`."
        ),
        request={"application/json": OpenApiTypes.OBJECT},
        responses={200: WebhookAckSerializer, **error_responses(400)},
    )
    def post(self, request: Request) -> Response:
        outcome = services.webhook_receive(
            body=request.body,
            signature=request.headers.get("X-Razorpay-Signature", ""),
            event_id=request.headers.get("X-Razorpay-Event-Id") or None,
        )
        return Response({"status": outcome})


@extend_schema(tags=["bookings"], parameters=[BATCH_ID])
class BatchBulkCancelView(APIView):
    permission_classes = [HasCapability(Capability.BOOKINGS_BULK_CANCEL)]

    @extend_schema(
        summary="Progress of the latest bulk cancellation",
        responses={200: BatchCancellationSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request: Request, batch_id: Any) -> Response:
        job = _batch(batch_id).bulk_cancellations.select_related("batch").order_by("-created_at").first()
        if job is None:
            raise NotFound("This batch has not been cancelled here.")
        return Response(BatchCancellationSerializer(job).data)

    @extend_schema(
        summary="Cancel a departure and all its bookings (full refunds, notifications)",
        description="The batch is cancelled at once; its bookings are cancelled by a background task (see GET).",
        request=CancelSerializer,
        responses={202: BatchCancellationSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, batch_id: Any) -> Response:
        data = CancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.batch_bulk_cancel_start(
            actor=_user(request), batch=_batch(batch_id), reason=data.validated_data["reason"]
        )
        job.refresh_from_db()
        return Response(BatchCancellationSerializer(job).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=["bookings"], parameters=[BATCH_ID])
class WaitlistView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: WaitlistEntrySerializer, **error_responses(401, 404)})
    def get(self, request: Request, batch_id: Any) -> Response:
        entry = WaitlistEntry.objects.filter(batch_id=batch_id, user=_user(request)).order_by("-created_at").first()
        if entry is None:
            raise NotFound("You are not on this waitlist.")
        entry.position = (  # type: ignore[attr-defined]
            WaitlistEntry.objects.filter(
                batch_id=batch_id, status=WaitlistEntry.Status.WAITING, created_at__lte=entry.created_at
            ).count()
            if entry.status == WaitlistEntry.Status.WAITING
            else None
        )
        return Response(WaitlistEntrySerializer(entry).data)

    @extend_schema(
        summary="Join the waitlist of a full batch",
        request=WaitlistJoinSerializer,
        responses={
            201: WaitlistEntrySerializer,
            **error_responses(400, 401, 404),
            409: OpenApiResponse(
                ErrorEnvelope, description="`waitlist_closed`, `waitlist_not_needed`, `already_waitlisted`"
            ),
        },
    )
    def post(self, request: Request, batch_id: Any) -> Response:
        data = WaitlistJoinSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.waitlist_join(
            user=_user(request), batch=_batch(batch_id), participants=data.validated_data["participants"]
        )
        return Response(WaitlistEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Leave the waitlist", responses={204: None, **error_responses(401, 404)})
    def delete(self, request: Request, batch_id: Any) -> Response:
        services.waitlist_leave(user=_user(request), batch=_batch(batch_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _documents_booking(request: Request, booking_id: Any) -> Any:
    return selectors.booking_get(
        user=_user(request), booking_id=booking_id, staff_capability=Capability.DOCUMENTS_REVIEW
    )


@extend_schema(tags=["bookings"], parameters=[BOOKING_ID])
class BookingDocumentsView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        summary="The pre-trek checklist with short-lived download links",
        responses={200: ChecklistSerializer, **error_responses(401, 404)},
    )
    def get(self, request: Request, booking_id: Any) -> Response:
        booking = _documents_booking(request, booking_id)
        return Response(ChecklistSerializer(booking, context={"request": request}).data)

    @extend_schema(
        summary="Declare health, accept the waiver or upload a document (owner)",
        request={"multipart/form-data": DocumentSubmitSerializer, "application/json": DocumentSubmitSerializer},
        responses={200: ChecklistSerializer, **error_responses(400, 401, 404, 409)},
    )
    def post(self, request: Request, booking_id: Any) -> Response:
        booking = selectors.booking_get(user=_user(request), booking_id=booking_id, staff_capability="-")
        data = DocumentSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        kind = data.validated_data["kind"]
        if kind == "health_declaration":
            document_services.health_declare(booking=booking, answers=data.validated_data["answers"])
        elif kind == "waiver":
            document_services.waiver_accept(
                booking=booking,
                version=data.validated_data["waiver_version"],
                ip=request.META.get("REMOTE_ADDR"),
                user_agent=request.headers.get("User-Agent", ""),
            )
        else:
            document_services.document_upload(booking=booking, kind=kind, upload=data.validated_data["file"])
        booking = _documents_booking(request, booking_id)
        return Response(ChecklistSerializer(booking, context={"request": request}).data)


@extend_schema(tags=["bookings"], parameters=[BOOKING_ID, DOCUMENT_ID])
class DocumentReviewView(APIView):
    permission_classes = [HasCapability(Capability.DOCUMENTS_REVIEW)]

    @extend_schema(
        summary="Approve or reject a fitness proof",
        request=DocumentReviewSerializer,
        responses={200: BookingDocumentSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, booking_id: Any, document_id: Any) -> Response:
        document = BookingDocument.objects.filter(pk=document_id, booking_id=booking_id).first()
        if document is None:
            raise NotFound("No such document.")
        data = DocumentReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = document_services.document_review(
            actor=_user(request),
            document=document,
            approve=data.validated_data["decision"] == "approve",
            note=data.validated_data["note"],
        )
        return Response(BookingDocumentSerializer(document).data)


@extend_schema(tags=["bookings"])
class DocumentDownloadView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        summary="Download a document through a signed link (valid a few minutes)",
        parameters=[OpenApiParameter("token", OpenApiTypes.STR, required=True)],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **error_responses(404)},
    )
    def get(self, request: Request) -> HttpResponseBase:
        document = document_services.document_from_token(request.query_params.get("token", ""))
        if document is None:
            raise NotFound("This link is invalid or has expired.")
        response = FileResponse(document.file.open("rb"), content_type=document.content_type, as_attachment=True)
        response["Cache-Control"] = "private, no-store"
        return response


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return b"" if data is None else str(data).encode()


class _Echo:
    def write(self, value: str) -> str:
        return value


MANIFEST_FIELDS = list(ManifestRowSerializer().fields)


def manifest_rows(batch: Batch) -> Iterator[dict[str, Any]]:
    for booking in selectors.manifest_bookings(batch=batch).iterator(chunk_size=200):
        missing = booking.missing_documents
        fitness = next((doc.status for doc in booking.documents.all() if doc.kind == "fitness_proof"), "missing")
        for participant in booking.participants.all():
            yield {
                "booking_reference": booking.reference,
                "booking_status": booking.status,
                "position": participant.position + 1,
                "is_lead": participant.is_lead,
                "name": participant.name,
                "age": participant.age,
                "phone": participant.phone,
                "email": participant.email,
                "emergency_contact_name": booking.emergency_contact_name,
                "emergency_contact_phone": booking.emergency_contact_phone,
                "emergency_contact_relation": booking.emergency_contact_relation,
                "missing_documents": " ".join(missing),
                "fitness_status": fitness,
                "amount_paid": str(booking.amount_paid),
                "balance_due": str(booking.balance_due),
            }


@extend_schema(tags=["operations"], parameters=[BATCH_ID])
class ManifestView(APIView):
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(
        summary="Participant manifest (JSON, or streamed CSV with `?format=csv` / `Accept: text/csv`)",
        description="Ops and customer success (`manifest.view`) and the batch's own guide.",
        responses={
            (200, "application/json"): ManifestRowSerializer(many=True),
            (200, "text/csv"): OpenApiTypes.STR,
            **error_responses(401, 403, 404),
        },
    )
    def get(self, request: Request, batch_id: Any) -> HttpResponseBase:
        batch = _batch(batch_id)
        if not selectors.can_view_manifest(user=_user(request), batch=batch):
            self.permission_denied(request, message="Only ops, customer success or this batch's guide.")
        if request.accepted_renderer.format == "csv":
            writer = csv.DictWriter(_Echo(), fieldnames=MANIFEST_FIELDS)

            def stream() -> Iterator[str]:
                yield writer.writeheader()
                for row in manifest_rows(batch):
                    yield writer.writerow(row)

            response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="manifest-{batch.pk}.csv"'
            response["Cache-Control"] = "private, no-store"
            return response
        return Response(list(manifest_rows(batch)))


@extend_schema(tags=["operations"])
class RevenueReportView(APIView):
    permission_classes = [HasCapability(Capability.REPORTS_VIEW)]

    @extend_schema(
        summary="Revenue by trek or month (captured payments minus processed refunds)",
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
            row["key"] = row["key"].date().isoformat() if hasattr(row["key"], "date") else row["key"]
            row["label"] = row["key"] if not isinstance(row["label"], str) else row["label"]
        return Response(RevenueRowSerializer(rows, many=True).data)
