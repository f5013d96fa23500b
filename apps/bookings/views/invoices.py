"""GST tax invoices and credit notes (JSON and PDF) and the billing details of a booking."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.bookings import selectors
from apps.bookings.errors import GstinInvalid
from apps.bookings.invoice_pdf import render_tax_document_pdf
from apps.bookings.serializers.invoices import (
    BillingInputSerializer,
    BillingSerializer,
    TaxDocumentDetailSerializer,
    TaxDocumentSerializer,
)
from apps.bookings.services.invoices import booking_billing_update
from apps.bookings.views.common import BOOKING_ID
from apps.common.parsers import JSONParser
from apps.common.renderers import stored_file_renderers
from apps.common.schema import error_responses
from apps.users.current import authenticated_user
from apps.users.roles import Capability

DOCUMENT_ID = OpenApiParameter("document_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


@extend_schema(tags=["invoices"], parameters=[BOOKING_ID])
class BookingBillingView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="bookingBillingGet",
        summary="Billing details of a booking (who its tax invoices are made out to)",
        description="The billing name, GSTIN and state of the booking, and the place of supply and tax split its "
        "next invoices will carry. The booker, or staff with `bookings.view`.",
        responses={200: BillingSerializer, **error_responses(401, 404)},
    )
    def get(self, request: Request, booking_id: Any) -> Response:
        booking = selectors.booking_get(user=authenticated_user(request), booking_id=booking_id)
        return Response(BillingSerializer(booking).data)

    @extend_schema(
        operation_id="bookingBillingUpdate",
        summary="Set the billing details of a booking",
        description="A registered buyer gives a GSTIN (its format and check character are verified; its first two "
        "digits are the billing state) and the registered name; anyone may give a billing name and state. The "
        "place of supply follows: the company's own state means CGST + SGST, any other IGST. Applies to the "
        "invoices issued from now on; those already issued keep theirs. The booker, or staff with "
        "`bookings.manage`. Every field is replaced (empty clears it).",
        request=BillingInputSerializer,
        responses={200: BillingSerializer, **error_responses(400, 401, 404, GstinInvalid)},
    )
    def put(self, request: Request, booking_id: Any) -> Response:
        user = authenticated_user(request)
        booking = selectors.booking_get(user=user, booking_id=booking_id, staff_capability=Capability.BOOKINGS_MANAGE)
        data = BillingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = booking_billing_update(actor=user, booking=booking, **data.validated_data)
        return Response(BillingSerializer(booking).data)


@extend_schema(tags=["invoices"], parameters=[BOOKING_ID])
class BookingInvoicesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="bookingInvoices",
        summary="Tax invoices and credit notes of a booking",
        description="One tax invoice per captured payment and one credit note per refund, oldest first, each with "
        "its number (`OBS/2026-27/000123`, `OBS-CN/2026-27/000007`), totals in rupees and the link to its PDF. "
        "The booker, or staff with `invoices.view` (finance). Someone else's booking is 404.",
        responses={200: TaxDocumentSerializer(many=True), **error_responses(401, 404)},
    )
    def get(self, request: Request, booking_id: Any) -> Response:
        documents = selectors.booking_tax_documents(user=authenticated_user(request), booking_id=booking_id)
        return Response(TaxDocumentSerializer(documents, many=True).data)


@extend_schema(tags=["invoices"], parameters=[DOCUMENT_ID])
class TaxDocumentView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="taxDocumentGet",
        summary="A tax invoice or credit note as data (JSON)",
        description="The document exactly as issued, in `data`: seller and buyer with their GSTINs, place of "
        "supply, SAC 998555 (tour operator services), lines with CGST + SGST or IGST, totals and the amount in "
        "words. The booker, or staff with `invoices.view`; anything else is 404.",
        responses={200: TaxDocumentDetailSerializer, **error_responses(401, 404)},
    )
    def get(self, request: Request, document_id: Any) -> Response:
        document = selectors.tax_document_get(user=authenticated_user(request), document_id=document_id)
        return Response(TaxDocumentDetailSerializer(document).data)


@extend_schema(tags=["invoices"], parameters=[DOCUMENT_ID])
class TaxDocumentPdfView(APIView):
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer, *stored_file_renderers("application/pdf")]
    metadata_class = None  # OPTIONS answers 405 in the envelope: a file renderer has no metadata to render

    @extend_schema(
        operation_id="taxDocumentPdf",
        summary="A tax invoice or credit note as a PDF",
        description="The printable document (A4), drawn from the data as issued, as an attachment named after its "
        "number. The booker, or staff with `invoices.view`; anything else is 404 (a JSON envelope).",
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, **error_responses(401, 404)},
    )
    def get(self, request: Request, document_id: Any) -> HttpResponseBase:
        document = selectors.tax_document_get(user=authenticated_user(request), document_id=document_id)
        response = HttpResponse(render_tax_document_pdf(document.data), content_type="application/pdf")
        filename = document.number.replace("/", "-")
        response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response
