"""Per-participant paperwork: each person's checklist, staff review of IDs and fitness proofs, readable names."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps as global_apps
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.bookings.admin.filters import documents_missing_q
from apps.bookings.models import Booking, BookingDocument, BookingParticipant
from apps.bookings.paperwork import missing_readable
from apps.bookings.tests.test_documents_waitlist import PDF, upload
from apps.common.models import AuditLog
from apps.notifications.models import Delivery

API = "/api/v1/bookings"
pytestmark = pytest.mark.django_db
EVERYTHING = ["health_declaration", "waiver", "id_document", "fitness_proof"]


def _declare_everything(client: Any, booking: Booking, position: int) -> None:
    url = f"{API}/{booking.pk}/documents/"
    for body in (
        {"kind": "health_declaration", "answers": {"asthma": False}, "participant": position},
        {"kind": "waiver", "waiver_version": "2026-01", "participant": position},
    ):
        assert client.post(url, body, format="json").status_code == 200
    for kind in ("id_document", "fitness_proof"):
        response = client.post(
            url,
            {"kind": kind, "participant": position, "file": SimpleUploadedFile("d.pdf", PDF, "application/pdf")},
            format="multipart",
        )
        assert response.status_code == 200, response.content


def _review(reviewer: Any, document: BookingDocument, decision: str, note: str = "") -> Any:
    url = f"{API}/{document.booking_id}/documents/{document.pk}/review/"
    return reviewer.post(url, {"decision": decision, "note": note}, format="json")


def test_each_participant_has_a_checklist_of_their_own(client_for, user, staff_user, batch, book) -> None:
    booking = book(user, batch, seats=2)
    client, reviewer = client_for(user), client_for(staff_user("cs"))
    _declare_everything(client, booking, position=1)  # the friend, not the lead
    checklist = client.get(f"{API}/{booking.pk}/documents/").json()
    lead, friend = checklist["participants"]
    assert lead["missing_documents"] == EVERYTHING
    # sent, but nobody has looked at them yet: still missing
    assert friend["missing_documents"] == ["id_document", "fitness_proof"]
    assert friend["fitness_status"] == "pending"
    assert friend["health_declared_at"] is not None
    assert {doc["participant"] for doc in checklist["documents"]} == {1}

    for document in BookingDocument.objects.filter(booking=booking):
        assert _review(reviewer, document, "approve").status_code == 200
    data = client.get(f"{API}/{booking.pk}/").json()
    assert data["participants"][1]["missing_documents"] == []
    assert data["participants"][1]["fitness_status"] == "approved"
    assert data["participants"][0]["missing_documents"] == [
        "health_declaration",
        "waiver",
        "id_document",
        "fitness_proof",
    ]
    assert data["missing_documents"] == EVERYTHING

    _declare_everything(client, booking, position=0)
    assert client.get(f"{API}/{booking.pk}/").json()["missing_documents"] == ["id_document", "fitness_proof"]
    for document in BookingDocument.objects.filter(booking=booking, status="pending"):
        assert _review(reviewer, document, "approve").status_code == 200
    assert client.get(f"{API}/{booking.pk}/").json()["missing_documents"] == []
    # the admin's "documents missing" filter says the same
    assert not Booking.objects.filter(pk=booking.pk).filter(documents_missing_q()).exists()

    # a newer upload replaces the approved one: missing again until reviewed
    upload(client, booking, "id_document", PDF)
    assert client.get(f"{API}/{booking.pk}/").json()["missing_documents"] == ["id_document"]
    assert Booking.objects.filter(pk=booking.pk).filter(documents_missing_q()).exists()


def test_a_participant_the_booking_does_not_have_is_refused(client_for, user, batch, book) -> None:
    booking = book(user, batch, seats=2)
    response = client_for(user).post(
        f"{API}/{booking.pk}/documents/",
        {"kind": "health_declaration", "answers": {"asthma": False}, "participant": 4},
        format="json",
    )
    assert response.status_code == 400
    assert "participant" in response.json()["error"]["details"]
    for bad in (-1, 6, "1e999", "NaN", None):
        body = {"kind": "waiver", "waiver_version": "2026-01", "participant": bad}
        assert client_for(user).post(f"{API}/{booking.pk}/documents/", body, format="json").status_code == 400


def test_a_rejected_id_tells_the_booker_whose_document_and_why_in_words(
    client_for, make_user, staff_user, batch, book, django_capture_on_commit_callbacks
) -> None:
    user = make_user(first_name="Priya")
    booking = book(user, batch, seats=2)
    upload(client_for(user), booking, "id_document", PDF)
    document = BookingDocument.objects.get(booking=booking)
    assert document.status == "pending", "an ID is never approved without review"
    reviewer_user = staff_user("ops_manager")
    with django_capture_on_commit_callbacks(execute=True):
        response = _review(client_for(reviewer_user), document, "reject", "The photo is cut off")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "rejected"
    delivery = Delivery.objects.get(template="document_rejected")
    assert delivery.context["document_kind"] == "Photo ID"
    assert delivery.context["participant_name"] == "Trekker 0"
    message = mail.outbox[-1]
    assert "Photo ID" in message.subject
    assert "Trekker 0" in message.body
    assert "The photo is cut off" in message.body
    assert "id_document" not in message.subject + message.body
    entry = AuditLog.objects.get(action="document.rejected", target_id=str(document.pk))
    assert entry.actor_id == reviewer_user.pk
    assert entry.changes["kind"] == "id_document"


def test_messages_name_what_is_missing_per_person_in_words(user, batch, book) -> None:
    booking = book(user, batch, seats=2)
    booking = Booking.objects.prefetch_related("participants", "documents").get(pk=booking.pk)
    assert missing_readable(booking) == [
        "Trekker 0: Health declaration, Waiver, Photo ID, Fitness proof",
        "Trekker 1: Health declaration, Waiver, Photo ID, Fitness proof",
    ]


def test_booking_level_paperwork_is_carried_to_the_lead(user, batch, book) -> None:
    """The data migration: a declaration, waiver and documents given per booking become the lead's."""
    from importlib import import_module

    migration = import_module("apps.bookings.migrations.0013_paperwork_to_lead_participant")
    booking = book(user, batch, seats=2)
    now = timezone.now()
    Booking.objects.filter(pk=booking.pk).update(
        health_declaration={"asthma": True}, health_declared_at=now, waiver_version="2026-01", waiver_accepted_at=now
    )
    document = BookingDocument.objects.create(
        booking=booking, kind="id_document", status="approved", content_type="application/pdf", size=1, file="x.pdf"
    )
    user.experience_level = "intermediate"
    user.save(update_fields=["experience_level"])
    migration.to_lead(global_apps, None)
    lead, friend = BookingParticipant.objects.filter(booking=booking).order_by("position")
    assert lead.health_declaration == {"asthma": True}
    assert (lead.health_declared_at, lead.waiver_accepted_at, lead.waiver_version) == (now, now, "2026-01")
    assert lead.experience_level == "intermediate"
    assert friend.health_declared_at is None
    document.refresh_from_db()
    assert document.participant_id == lead.pk
