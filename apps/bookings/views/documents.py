"""The pre-trek checklist: declarations, uploads, review and signed downloads."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.bookings import selectors
from apps.bookings.errors import BookingClosed, DocumentInvalid
from apps.bookings.models import BookingDocument
from apps.bookings.serializers.paperwork import (
    BookingDocumentSerializer,
    ChecklistSerializer,
    DocumentReviewSerializer,
    DocumentSubmitSerializer,
)
from apps.bookings.services import documents as document_services
from apps.bookings.views.common import BOOKING_ID, DOCUMENT_ID
from apps.common.exceptions import InvalidTransition, NotFound
from apps.common.parsers import JSONParser
from apps.common.renderers import stored_file_renderers
from apps.common.schema import error_responses
from apps.users.current import authenticated_user
from apps.users.permissions import HasCapability
from apps.users.roles import Capability


def _documents_booking(request: Request, booking_id: Any) -> Any:
    return selectors.booking_get(
        user=authenticated_user(request), booking_id=booking_id, staff_capability=Capability.DOCUMENTS_REVIEW
    )


@extend_schema(tags=["bookings"], parameters=[BOOKING_ID])
class BookingDocumentsView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        summary="The pre-trek checklist with short-lived download links",
        description="The booker, or staff with `documents.review`: every participant's checklist (health "
        "declaration, waiver, photo ID, fitness proof) with what they still owe (`participants[].missing_documents`"
        "; a photo ID or fitness proof counts once staff approved it), and each uploaded file with its participant, "
        "review state and a signed download link valid a few minutes (`bookingDocumentDownloadGet`).",
        responses={200: ChecklistSerializer, **error_responses(401, 404)},
    )
    def get(self, request: Request, booking_id: Any) -> Response:
        booking = _documents_booking(request, booking_id)
        return Response(ChecklistSerializer(booking, context={"request": request}).data)

    @extend_schema(
        summary="Declare health, accept the waiver or upload a document (owner)",
        description="The booker, while the booking is pending or confirmed (else 409 `booking_closed`). By "
        "`kind`: `health_declaration` takes `answers`, `waiver` takes `waiver_version` (the time, IP and "
        "browser are recorded), `id_document` and `fitness_proof` take a `file` (multipart; PDF, JPEG or PNG "
        "up to 10 MB, else 400 `document_invalid`), each for the participant at position `participant` (0, the "
        "lead, when not given; 400 for a position the booking does not have). An uploaded file waits for staff "
        "review (`pending`). Sending a kind again replaces it. Answers the checklist.",
        request={"multipart/form-data": DocumentSubmitSerializer, "application/json": DocumentSubmitSerializer},
        responses={200: ChecklistSerializer, **error_responses(400, DocumentInvalid, 401, 404, BookingClosed)},
    )
    def post(self, request: Request, booking_id: Any) -> Response:
        booking = selectors.booking_get(user=authenticated_user(request), booking_id=booking_id, staff_capability="-")
        data = DocumentSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        kind, participant = data.validated_data["kind"], data.validated_data["participant"]
        if kind == "health_declaration":
            document_services.health_declare(
                booking=booking, answers=data.validated_data["answers"], participant=participant
            )
        elif kind == "waiver":
            document_services.waiver_accept(
                booking=booking,
                version=data.validated_data["waiver_version"],
                ip=request.META.get("REMOTE_ADDR"),
                user_agent=request.headers.get("User-Agent", ""),
                participant=participant,
            )
        else:
            document_services.document_upload(
                booking=booking, kind=kind, upload=data.validated_data["file"], participant=participant
            )
        booking = _documents_booking(request, booking_id)
        return Response(ChecklistSerializer(booking, context={"request": request}).data)


@extend_schema(tags=["bookings"], parameters=[BOOKING_ID, DOCUMENT_ID])
class DocumentReviewView(APIView):
    permission_classes = [HasCapability(Capability.DOCUMENTS_REVIEW)]

    @extend_schema(
        summary="Approve or reject a photo ID or fitness proof",
        description="Staff with `documents.review`, on a submitted photo ID or fitness proof (reviewed already: "
        "409 `invalid_transition`). A rejection needs a `note` (400 without one): it tells the booker what to send "
        "again, naming the participant and the document; they are notified. Audited.",
        request=DocumentReviewSerializer,
        responses={200: BookingDocumentSerializer, **error_responses(400, 401, 403, 404, InvalidTransition)},
    )
    def post(self, request: Request, booking_id: Any, document_id: Any) -> Response:
        document = BookingDocument.objects.filter(pk=document_id, booking_id=booking_id).first()
        if document is None:
            raise NotFound("No such document.")
        data = DocumentReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = document_services.document_review(
            actor=authenticated_user(request),
            document=document,
            approve=data.validated_data["decision"] == "approve",
            note=data.validated_data["note"],
        )
        return Response(BookingDocumentSerializer(document).data)


# The types an uploaded document can have (sniffed from its first bytes on upload).
DOCUMENT_MEDIA_TYPES = tuple(media for _, media in document_services.SIGNATURES)


@extend_schema(tags=["bookings"])
class DocumentDownloadView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    renderer_classes = [JSONRenderer, *stored_file_renderers(*DOCUMENT_MEDIA_TYPES, "application/octet-stream")]
    metadata_class = None  # OPTIONS answers 405 in the envelope: a file renderer has no metadata to render

    @extend_schema(
        summary="Download a document through a signed link (valid a few minutes)",
        description="No sign-in: the `token` of a link from the checklist is the authority. Answers the file "
        "with its own media type (PDF, JPEG or PNG) as an attachment, never cached. An invalid or expired "
        "token is 404, as a JSON envelope.",
        parameters=[OpenApiParameter("token", OpenApiTypes.STR, required=True)],
        responses={
            **{(200, media): OpenApiTypes.BINARY for media in DOCUMENT_MEDIA_TYPES},
            **error_responses(NotFound),
        },
    )
    def get(self, request: Request) -> HttpResponseBase:
        document = document_services.document_from_token(request.query_params.get("token", ""))
        if document is None:
            raise NotFound("This link is invalid or has expired.")
        response = FileResponse(document.file.open("rb"), content_type=document.content_type, as_attachment=True)
        response["Cache-Control"] = "private, no-store"
        return response
