"""The pre-trek checklist: health declaration, waiver, ID and fitness-proof uploads, staff review."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from apps.bookings.errors import BookingClosed, DocumentInvalid, EmergencyContactRequired
from apps.bookings.models import ACTIVE_STATUSES, Booking, BookingDocument, BookingParticipant
from apps.bookings.paperwork import checklist_label
from apps.bookings.services.common import _notify_booking
from apps.common.audit import AuditAction, audit
from apps.common.exceptions import InvalidTransition, ValidationFailed
from apps.users.models import EmergencyContact, User
from apps.users.roles import Capability, has_capability

logger = logging.getLogger(__name__)

SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
URL_SALT = "bookings.document-download"


def _require_open(booking: Booking) -> None:
    if booking.status not in ACTIVE_STATUSES:
        raise BookingClosed()


def sniff_content_type(upload: UploadedFile) -> str:
    """The file's type judged by its content (not its name or the client's header); 400 if not PDF/JPEG/PNG."""
    if upload.size is None or upload.size > settings.BOOKINGS_DOCUMENT_MAX_BYTES:
        raise DocumentInvalid(details={"file": ["At most 10 MB."]})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for magic, content_type in SIGNATURES:
        if head.startswith(magic):
            if content_type != "application/pdf":
                _check_image(upload)
            return content_type
    raise DocumentInvalid(details={"file": ["Only PDF, JPEG or PNG files are accepted."]})


def _check_image(upload: UploadedFile) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(upload) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise DocumentInvalid(details={"file": ["The image is damaged."]}) from exc
    finally:
        upload.seek(0)


def participant_at(booking: Booking, position: int | None) -> BookingParticipant:
    """The booking's participant at ``position`` (as the booking lists them; the lead when not given); 400 else."""
    participant = booking.participants.filter(position=position or 0).first()
    if participant is None:
        raise ValidationFailed(details={"participant": ["This booking has no participant at that position."]})
    return participant


def health_declare(*, booking: Booking, answers: dict[str, Any], participant: int | None = None) -> BookingParticipant:
    """Record the health declaration of the participant at position ``participant`` (the lead by default)."""
    _require_open(booking)
    person = participant_at(booking, participant)
    now = timezone.now()
    with transaction.atomic():
        BookingParticipant.objects.filter(pk=person.pk).update(
            health_declaration=answers, health_declared_at=now, updated_at=now
        )
        if person.is_lead:  # the booking-level copy the lead's declaration always was
            Booking.objects.filter(pk=booking.pk).update(
                health_declaration=answers, health_declared_at=now, updated_at=now
            )
    person.refresh_from_db()
    return person


def waiver_accept(
    *, booking: Booking, version: str, ip: str | None, user_agent: str, participant: int | None = None
) -> BookingParticipant:
    """Record that the participant at position ``participant`` (the lead by default) accepted the current waiver."""
    _require_open(booking)
    if version != settings.BOOKINGS_WAIVER_VERSION:
        raise ValidationFailed(
            details={"waiver_version": [f"The current waiver is version {settings.BOOKINGS_WAIVER_VERSION}."]}
        )
    person = participant_at(booking, participant)
    now = timezone.now()
    accepted = {
        "waiver_version": version,
        "waiver_accepted_at": now,
        "waiver_ip": ip,
        "waiver_user_agent": user_agent[:300],
    }
    with transaction.atomic():
        BookingParticipant.objects.filter(pk=person.pk).update(**accepted, updated_at=now)
        if person.is_lead:
            Booking.objects.filter(pk=booking.pk).update(**accepted, updated_at=now)
    person.refresh_from_db()
    return person


def document_upload(
    *, booking: Booking, kind: str, upload: UploadedFile, participant: int | None = None
) -> BookingDocument:
    """Store a photo ID or fitness proof of the participant at position ``participant`` (the lead by default).

    Every upload waits for staff review (``pending``): nothing is approved without a person looking at it.
    """
    _require_open(booking)
    if kind not in BookingDocument.Kind.values:
        raise ValidationFailed(details={"kind": ["Unknown document kind."]})
    person = participant_at(booking, participant)
    content_type = sniff_content_type(upload)
    document = BookingDocument(
        booking=booking, participant=person, kind=kind, content_type=content_type, size=upload.size or 0
    )
    document.file.save("upload", upload, save=False)
    document.save()
    return document


def document_review(*, actor: User, document: BookingDocument, approve: bool, note: str = "") -> BookingDocument:
    """Staff approve or reject a photo ID or fitness proof; a rejection needs a reason, which the booker is sent."""
    note = note.strip()
    if not approve and not note:
        raise ValidationFailed(details={"note": ["Say why the document is rejected: the trekker is sent it."]})
    with transaction.atomic():
        document = (
            BookingDocument.objects.select_for_update(of=("self",))
            .select_related("participant", "booking__batch__trek", "booking__user")
            .get(pk=document.pk)
        )
        if document.status != BookingDocument.Status.PENDING:
            raise InvalidTransition(f"This document is already {document.status}.", details={"from": document.status})
        document.status = BookingDocument.Status.APPROVED if approve else BookingDocument.Status.REJECTED
        document.reviewed_by = actor
        document.reviewed_at = timezone.now()
        document.review_note = note[:500]
        document.save()
        audit(
            actor=actor,
            action=AuditAction.DOCUMENT_APPROVED if approve else AuditAction.DOCUMENT_REJECTED,
            target=document,
            changes={"kind": document.kind, "participant": str(document.participant_id), "note": note},
        )
        if not approve:
            _notify_booking(
                document.booking,
                "document_rejected",
                document_kind=checklist_label(document.kind),
                participant_name=document.participant.name if document.participant else document.booking.trekker_name,
                note=document.review_note,
                dedupe=str(document.pk),
            )
    return document


def document_download_token(*, document: BookingDocument, user: Any) -> str:
    return signing.dumps({"d": str(document.pk), "u": str(user.pk)}, salt=URL_SALT)


def document_from_token(token: str) -> BookingDocument | None:
    """The document a download link names, if the link is genuine, fresh, and its holder may still see it."""
    try:
        data = signing.loads(token, salt=URL_SALT, max_age=settings.BOOKINGS_DOCUMENT_URL_SECONDS)
    except signing.BadSignature:
        return None
    document = BookingDocument.objects.select_related("booking").filter(pk=data.get("d")).first()
    holder = User.objects.filter(pk=data.get("u"), is_active=True).first()
    if document is None or holder is None:
        return None
    if document.booking.user_id != holder.pk and not has_capability(holder, Capability.DOCUMENTS_REVIEW):
        return None
    return document


def require_emergency_contact(booking: Booking) -> None:
    """409 ``emergency_contact_required`` unless someone can be called for the booking: the booker's current
    emergency contact (their profile) or the one on file when they booked. Asked before money is taken, so a
    booking is never confirmed without one."""
    if booking.emergency_contact_phone:
        return
    if not EmergencyContact.objects.filter(user_id=booking.user_id).exists():
        raise EmergencyContactRequired()
