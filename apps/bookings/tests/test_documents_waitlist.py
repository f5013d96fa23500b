from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from apps.bookings import services
from apps.bookings.models import Booking, BookingDocument, WaitlistEntry
from apps.bookings.tests.conftest import people
from apps.notifications.models import Notification
from apps.treks.models import Batch
from apps.treks.tests.factories import BatchFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, format="PNG")
    return out.getvalue()


def upload(client, booking, kind: str, content: bytes, name: str = "doc.pdf"):
    return client.post(
        f"/api/v1/bookings/{booking.pk}/documents/",
        {"kind": kind, "file": SimpleUploadedFile(name, content, content_type="application/pdf")},
        format="multipart",
    )


def test_checklist_flow(client_for, user, staff_user, batch, book):
    booking = book(user, batch)
    client = client_for(user)
    checklist = client.get(f"/api/v1/bookings/{booking.pk}/documents/").json()
    assert checklist["missing_documents"] == ["health_declaration", "waiver", "id_document", "fitness_proof"]

    response = client.post(
        f"/api/v1/bookings/{booking.pk}/documents/",
        {"kind": "health_declaration", "answers": {"asthma": False, "heart_condition": False}},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert (
        client.post(
            f"/api/v1/bookings/{booking.pk}/documents/", {"kind": "waiver", "waiver_version": "1999-01"}, format="json"
        ).status_code
        == 400
    )
    response = client.post(
        f"/api/v1/bookings/{booking.pk}/documents/",
        {"kind": "waiver", "waiver_version": "2026-01"},
        format="json",
        HTTP_USER_AGENT="TrekApp/1.0",
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 200
    booking.refresh_from_db()
    assert (booking.waiver_version, booking.waiver_ip, booking.waiver_user_agent) == (
        "2026-01",
        "203.0.113.9",
        "TrekApp/1.0",
    )
    assert booking.waiver_accepted_at is not None
    assert upload(client, booking, "id_document", png_bytes(), "id.png").status_code == 200
    response = upload(client, booking, "fitness_proof", PDF)
    assert response.status_code == 200
    # uploaded is not approved: both wait for staff, and stay missing until then (no ID is approved unseen)
    assert response.json()["missing_documents"] == ["id_document", "fitness_proof"]
    assert response.json()["participants"][0]["fitness_status"] == "pending"
    photo_id = BookingDocument.objects.get(booking=booking, kind="id_document")
    assert photo_id.status == "pending"
    fitness = BookingDocument.objects.get(booking=booking, kind="fitness_proof")
    assert fitness.status == "pending"
    assert fitness.content_type == "application/pdf"

    # staff review: a trekker may not, documents.review may, once
    url = f"/api/v1/bookings/{booking.pk}/documents/{fitness.pk}/review/"
    assert client.post(url, {"decision": "approve"}, format="json").status_code == 403
    reviewer = client_for(staff_user("cs"))
    no_reason = reviewer.post(url, {"decision": "reject", "note": "  "}, format="json")
    assert no_reason.status_code == 400, "a rejection says why"
    assert reviewer.post(url, {"decision": "reject", "note": "blurry"}, format="json").status_code == 200
    assert reviewer.post(url, {"decision": "approve"}, format="json").status_code == 409
    id_url = f"/api/v1/bookings/{booking.pk}/documents/{photo_id.pk}/review/"
    assert reviewer.post(id_url, {"decision": "approve"}, format="json").status_code == 200
    assert client.get(f"/api/v1/bookings/{booking.pk}/").json()["missing_documents"] == ["fitness_proof"]


def test_uploads_are_checked_by_content_and_size(client_for, user, batch, book, settings):
    booking = book(user, batch)
    client = client_for(user)
    exe = upload(client, booking, "id_document", b"MZ\x90\x00 this is a program", "id.pdf")
    assert exe.status_code == 400
    assert exe.json()["error"]["code"] == "document_invalid"
    fake_png = upload(client, booking, "id_document", b"\x89PNG\r\n\x1a\n garbage", "id.png")
    assert fake_png.status_code == 400
    settings.BOOKINGS_DOCUMENT_MAX_BYTES = 10
    assert upload(client, booking, "id_document", PDF).status_code == 400
    assert not BookingDocument.objects.exists()
    missing_file = client.post(
        f"/api/v1/bookings/{booking.pk}/documents/", {"kind": "fitness_proof"}, format="multipart"
    )
    assert missing_file.status_code == 400


def test_signed_download_links(client_for, make_user, staff_user, batch, book):
    owner, stranger = make_user(), make_user()
    booking = book(owner, batch)
    upload(client_for(owner), booking, "fitness_proof", PDF)
    link = client_for(owner).get(f"/api/v1/bookings/{booking.pk}/documents/").json()["documents"][0]["download_url"]
    response = Client().get(link)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Cache-Control"] == "private, no-store"
    # staff entitled to documents get a link too; strangers and other roles do not see the booking
    assert client_for(staff_user("ops_manager")).get(f"/api/v1/bookings/{booking.pk}/documents/").status_code == 200
    assert client_for(stranger).get(f"/api/v1/bookings/{booking.pk}/documents/").status_code == 404
    assert client_for(staff_user("finance")).get(f"/api/v1/bookings/{booking.pk}/documents/").status_code == 404
    assert (
        client_for(stranger)
        .post(
            f"/api/v1/bookings/{booking.pk}/documents/", {"kind": "waiver", "waiver_version": "2026-01"}, format="json"
        )
        .status_code
        == 404
    )
    # links expire and cannot be forged
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert Client().get(link).status_code == 404
    assert Client().get(link[:-3] + "abc").status_code == 404


def test_documents_closed_for_cancelled_bookings(client_for, user, batch, book):
    booking = book(user, batch)
    services.booking_cancel(booking=booking, actor=user)
    assert upload(client_for(user), booking, "id_document", PDF).status_code == 409


# --- waitlist -----------------------------------------------------------------------------------------


def test_waitlist_join_leave_and_offer(client_for, make_user, book, pay):
    batch = BatchFactory(total_seats=2, start_date=timezone.localdate() + timedelta(days=30))
    holder = make_user()
    booked = pay(book(holder, batch, seats=2))
    first, second = make_user(), make_user()
    url = f"/api/v1/batches/{batch.pk}/waitlist/"
    assert client_for(first).post(url, {"participants": people(1)}, format="json").status_code == 201
    assert client_for(second).post(url, {"participants": people(1)}, format="json").status_code == 201
    dup = client_for(first).post(url, {"participants": people(1)}, format="json")
    assert dup.status_code == 409
    assert dup.json()["error"]["code"] == "already_waitlisted"
    assert client_for(second).get(url).json()["position"] == 2
    assert (
        client_for(holder).post(url, {"participants": people(1)}, format="json").json()["error"]["code"]
        == "already_booked"
    )

    services.booking_cancel(booking=booked, actor=holder)  # two seats free: both are offered, in order
    offers = WaitlistEntry.objects.filter(batch=batch, status="offered").order_by("created_at")
    assert [e.user for e in offers] == [first, second]
    offer = Booking.objects.get(user=first, batch=batch)
    assert offer.status == "pending"
    assert offer.source == "waitlist"
    assert offer.hold_expires_at - offer.created_at >= timedelta(hours=23, minutes=59)
    assert Notification.objects.filter(user=first, template="waitlist_offer").exists()
    batch.refresh_from_db()
    assert batch.seats_taken == 2

    # the first lets the offer lapse: nobody left to offer, the seat goes back on sale
    assert services.booking_expire(booking_id=offer.pk, now=offer.hold_expires_at + timedelta(seconds=1))
    batch.refresh_from_db()
    assert batch.seats_taken == 1
    assert batch.status == "open"
    assert (
        client_for(first).post(url, {"participants": people(1)}, format="json").json()["error"]["code"]
        == "waitlist_not_needed"
    )
    assert client_for(second).delete(url).status_code == 204
    assert client_for(second).delete(url).status_code == 404


def test_waitlist_fifo_does_not_let_smaller_requests_jump(make_user, book, pay):
    batch = BatchFactory(total_seats=3)
    holder = make_user()
    booked = pay(book(holder, batch, seats=1))
    book(make_user(), batch, seats=2)
    big, small = make_user(), make_user()
    services.waitlist_join(user=big, batch=Batch.objects.get(pk=batch.pk), participants=people(2))
    services.waitlist_join(user=small, batch=Batch.objects.get(pk=batch.pk), participants=people(1))
    services.booking_cancel(booking=booked, actor=holder)  # one seat: the first in line needs two
    assert not WaitlistEntry.objects.filter(status="offered").exists()


def test_waitlist_closes_seven_days_before_start(client_for, user):
    batch = BatchFactory(total_seats=1, seats_taken=1, start_date=timezone.localdate() + timedelta(days=7))
    response = client_for(user).post(
        f"/api/v1/batches/{batch.pk}/waitlist/", {"participants": people(1)}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "waitlist_closed"
    cancelled = BatchFactory(status=Batch.Status.CANCELLED)
    assert (
        client_for(user)
        .post(f"/api/v1/batches/{cancelled.pk}/waitlist/", {"participants": people(1)}, format="json")
        .status_code
        == 409
    )
    assert client_for(user).get(f"/api/v1/batches/{batch.pk}/waitlist/").status_code == 404


def test_a_link_dies_with_its_holders_access(client_for, user, staff_user, batch, book):
    from apps.users.services import user_set_role

    booking = book(user, batch)
    upload(client_for(user), booking, "fitness_proof", PDF)
    reviewer = staff_user("cs")
    link = client_for(reviewer).get(f"/api/v1/bookings/{booking.pk}/documents/").json()["documents"][0]["download_url"]
    assert Client().get(link).status_code == 200
    user_set_role(actor=staff_user("super_admin"), user=reviewer, role=None)
    assert Client().get(link).status_code == 404
