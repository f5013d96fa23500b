"""Per-participant paperwork as data: what each person of a booking still has to provide, and its readable names.

Every participant owes a health declaration, the waiver, a photo ID and a fitness proof. A declaration or the
waiver counts once given; a photo ID or a fitness proof counts only once staff approved the latest one sent
(a pending upload is still missing: nobody has looked at it yet, and a rejected one has to be sent again).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils.translation import gettext_noop

from apps.bookings.models import Booking, BookingDocument, BookingParticipant

# The checklist in the order people see it: code (API, stable) -> readable name (messages, manifests; Hindi in
# the catalogue, translated by the templates with ``{% translate %}``).
CHECKLIST: dict[str, str] = {
    "health_declaration": gettext_noop("Health declaration"),
    "waiver": gettext_noop("Waiver"),
    "id_document": gettext_noop("Photo ID"),
    "fitness_proof": gettext_noop("Fitness proof"),
}
REVIEWED_KINDS = (BookingDocument.Kind.ID_DOCUMENT, BookingDocument.Kind.FITNESS_PROOF)


def checklist_label(code: str) -> str:
    """The readable name of a checklist item (English; the code itself for an unknown one)."""
    return CHECKLIST.get(code, code)


def _documents_of(booking: Booking, participant: BookingParticipant) -> list[BookingDocument]:
    """The participant's documents, newest first (one without a participant is the lead's)."""
    documents = [
        doc
        for doc in booking.documents.all()
        if doc.participant_id == participant.pk or (doc.participant_id is None and participant.is_lead)
    ]
    return sorted(documents, key=lambda doc: doc.created_at, reverse=True)


def document_state(documents: list[BookingDocument], kind: str) -> str:
    """``missing`` (never sent) or the status of the latest document of ``kind`` among ``documents``."""
    newest_first = sorted(documents, key=lambda doc: doc.created_at, reverse=True)
    latest = next((doc for doc in newest_first if doc.kind == kind), None)
    return "missing" if latest is None else str(latest.status)


def participant_missing(booking: Booking, participant: BookingParticipant) -> list[str]:
    """The checklist codes ``participant`` still owes (the booking's documents prefetched or loaded)."""
    missing = []
    if participant.health_declared_at is None:
        missing.append("health_declaration")
    if participant.waiver_accepted_at is None:
        missing.append("waiver")
    documents = _documents_of(booking, participant)
    for kind in REVIEWED_KINDS:
        if document_state(documents, kind) != BookingDocument.Status.APPROVED:
            missing.append(str(kind.value))
    return missing


def fitness_state(booking: Booking, participant: BookingParticipant) -> str:
    """``missing``, ``pending``, ``approved`` or ``rejected``: the participant's latest fitness proof."""
    return document_state(_documents_of(booking, participant), BookingDocument.Kind.FITNESS_PROOF)


def booking_missing_kinds(booking: Booking) -> list[str]:
    """The checklist codes some participant of ``booking`` still owes, in checklist order."""
    owed: set[str] = set()
    for participant in booking.participants.all():
        owed.update(participant_missing(booking, participant))
    return [code for code in CHECKLIST if code in owed]


def missing_by_participant(booking: Booking) -> list[dict[str, Any]]:
    """For messages: ``[{"name": "Asha Rao", "labels": ["Photo ID", "Fitness proof"]}, ...]``, readable names
    only (never a code), one entry per participant who still owes something."""
    rows = []
    for participant in booking.participants.all():
        codes = participant_missing(booking, participant)
        if codes:
            rows.append({"name": participant.name, "labels": [checklist_label(code) for code in codes]})
    return rows


def missing_readable(booking: Booking) -> list[str]:
    """``["Asha Rao: Photo ID, Fitness proof", ...]``: what each participant owes, in words."""
    return [f"{row['name']}: {', '.join(row['labels'])}" for row in missing_by_participant(booking)]


def _latest_status(kind: str) -> Subquery:
    return Subquery(
        BookingDocument.objects.filter(participant=OuterRef("pk"), kind=kind)
        .order_by("-created_at")
        .values("status")[:1]
    )


def documents_missing_q() -> Q:
    """The rule of :func:`booking_missing_kinds` as a filter on bookings: some participant lacks a declaration or
    the waiver, or the latest photo ID or fitness proof they sent is not approved (or there is none)."""
    owing = Q(health_declared_at__isnull=True) | Q(waiver_accepted_at__isnull=True)
    annotations = {}
    for kind in REVIEWED_KINDS:
        name = f"latest_{kind.value}"
        annotations[name] = _latest_status(kind)
        owing |= Q(**{f"{name}__isnull": True}) | ~Q(**{name: BookingDocument.Status.APPROVED})
    participants = BookingParticipant.objects.filter(booking=OuterRef("pk")).annotate(**annotations).filter(owing)
    return Q(Exists(participants))


def current_emergency_contact(booking: Booking) -> dict[str, str] | None:
    """The booker's current primary emergency contact (else their first; ``user.emergency_contacts`` prefetched in
    that order), else the one on file when they booked; ``None`` when there is neither."""
    current = next(iter(booking.user.emergency_contacts.all()), None)
    if current is not None:
        return {"name": current.name, "relation": current.relationship, "phone": current.phone}
    return booking_time_contact(booking)


def booking_time_contact(booking: Booking) -> dict[str, str] | None:
    """The emergency contact as it was when the booking was made (kept for the record)."""
    if not booking.emergency_contact_phone:
        return None
    return {
        "name": booking.emergency_contact_name,
        "relation": booking.emergency_contact_relation,
        "phone": booking.emergency_contact_phone,
    }
