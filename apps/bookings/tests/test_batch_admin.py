"""The batch's admin page: its bookings and waitlist, the manifest with the admin session, cancel-departure."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.test import Client

from apps.bookings.models import BatchCancellation, Booking
from apps.treks.models import Batch
from apps.treks.tests.factories import BatchFactory, GuideFactory
from apps.users.models import User

pytestmark = pytest.mark.django_db


def _browser(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def booked(make_user: Callable[..., User], book: Callable[..., Booking], pay: Callable[[Booking], Booking]) -> Batch:
    batch = BatchFactory(total_seats=10, guide=GuideFactory(user__first_name="Tenzing", user__last_name="Bhutia"))
    pay(book(make_user(first_name="Asha"), batch, seats=2))
    return batch


def test_the_batch_page_lists_its_bookings_and_guide(booked: Batch, make_user: Callable[..., User]) -> None:
    page = _browser(make_user(staff_role="ops_manager")).get(f"/admin/treks/batch/{booked.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    booking = Booking.objects.get(batch=booked)
    assert booking.reference in html
    assert "Tenzing Bhutia" in html
    assert f"/admin/treks/batch/{booked.pk}/manifest.csv" in html
    assert [fs.opts.model._meta.model_name for fs in page.context["inline_admin_formsets"]] == [
        "booking",
        "waitlistentry",
        "basecheckin",
        "campcheckin",
    ]


def test_ops_see_the_guides_base_and_camp_check_ins_on_the_batch_page(
    booked: Batch, make_user: Callable[..., User]
) -> None:
    from apps.bookings.services import base_check_in_mark, camp_check_in_post

    guide = booked.guide.user  # type: ignore[union-attr]
    participant = Booking.objects.get(batch=booked).participants.get(position=1)
    base_check_in_mark(actor=guide, batch=booked, participant=participant, status="no_show", note="Missed the bus")
    camp_check_in_post(actor=guide, batch=booked, camp="Juda ka Talab")
    html = _browser(make_user(staff_role="ops_manager")).get(f"/admin/treks/batch/{booked.pk}/change/").content.decode()
    assert "Missed the bus" in html
    assert "No-show" in html
    assert "Juda ka Talab" in html


def test_an_ops_manager_downloads_the_manifest_with_the_admin_session(
    booked: Batch, make_user: Callable[..., User]
) -> None:
    browser = _browser(make_user(staff_role="ops_manager"))
    response = browser.get(f"/admin/treks/batch/{booked.pk}/manifest.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith('"booking_reference"')
    assert len(lines) == 3  # the header, two participants
    response = browser.get(f"/admin/treks/batch/{booked.pk}/manifest.json")
    assert response.status_code == 200
    rows = json.loads(response.content)
    assert [row["position"] for row in rows] == [1, 2]


@pytest.mark.parametrize("role", ["content", "finance"])
def test_a_role_without_manifest_view_is_refused(booked: Batch, make_user: Callable[..., User], role: str) -> None:
    browser = _browser(make_user(staff_role=role))
    assert browser.get(f"/admin/treks/batch/{booked.pk}/manifest.csv").status_code == 403
    assert browser.get(f"/admin/treks/batch/{booked.pk}/manifest.json").status_code == 403


def test_cancel_departure_runs_the_bulk_cancellation(booked: Batch, make_user: Callable[..., User]) -> None:
    content = _browser(make_user(staff_role="content"))  # may see batches, not cancel them
    action = {"action": "cancel_departure", "_selected_action": [str(booked.pk)]}
    content.post("/admin/treks/batch/", action)
    assert Batch.objects.get(pk=booked.pk).status == "open"
    ops = _browser(make_user(staff_role="ops_manager"))
    response = ops.post("/admin/treks/batch/", action)
    assert response.status_code == 302
    assert Batch.objects.get(pk=booked.pk).status == "cancelled"
    job = BatchCancellation.objects.get(batch=booked)  # its bookings are cancelled by the task, after commit
    assert (job.total, job.requested_by.staff_role) == (1, "ops_manager")
