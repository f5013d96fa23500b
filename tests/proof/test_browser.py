"""A real browser (Debian's Chromium driven by Playwright, never a downloaded browser build) against a
live server: Swagger UI is fully self-hosted, and an ops manager's batch made in the admin goes public.

Runs when /usr/bin/chromium exists (`apt-get install chromium`); otherwise skipped with that message.
Screenshots: var/test-artifacts/; the back-office walk-through's under var/screenshots/ for review.
"""

from __future__ import annotations

import contextlib
import json
import os
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from apps.treks.tests.factories import TrekFactory
from apps.users.tests.factories import DEFAULT_PASSWORD, UserFactory

CHROMIUM = Path(os.environ.get("OBS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"Chromium not installed at {CHROMIUM}: `apt-get install chromium` (see README) runs this group",
    ),
]


@contextmanager
def chromium_page() -> Iterator[Any]:
    """A fresh page; Django's ORM must not be used inside (Playwright runs an event loop in this thread)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.set_default_timeout(30_000)
            yield page
        finally:
            browser.close()


def test_swagger_ui_is_self_hosted_and_lists_operations(live_server: Any) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with urllib.request.urlopen(f"{live_server.url}/api/schema/?format=json", timeout=30) as response:
        schema = json.load(response)
    documented = sum(
        1 for item in schema["paths"].values() for method in item if method in {"get", "post", "put", "patch", "delete"}
    )
    requested: list[str] = []
    failed: list[str] = []
    with chromium_page() as page:
        page.on("request", lambda request: requested.append(request.url))
        page.on("requestfailed", lambda request: failed.append(request.url))
        page.goto(f"{live_server.url}/api/docs/", wait_until="networkidle")
        # Swagger UI renders the operations in steps: wait (generously, a loaded machine is slow) for all of them.
        with contextlib.suppress(PlaywrightTimeoutError):
            page.wait_for_function(
                f"document.querySelectorAll('.opblock').length >= {documented}", timeout=180_000, polling=500
            )
        operations = page.locator(".opblock").count()
        title = page.locator(".info .title").inner_text()
        page.screenshot(path=str(ARTIFACTS / "swagger-ui.png"), full_page=False)
    foreign = [url for url in requested if not url.startswith((live_server.url, "data:", "blob:"))]
    assert not foreign, f"Swagger UI fetched from outside the server: {foreign}"
    assert not failed, f"requests that failed: {failed}"
    assert "OBS Experiences API" in title
    assert operations == documented


def test_ops_manager_creates_a_batch_in_the_admin_and_it_is_public(live_server: Any) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    UserFactory(email="ops@example.com", staff_role="ops_manager")
    trek = TrekFactory(name="Kuari Pass", slug="kuari-pass", duration_days=5)
    start = timezone.localdate() + timedelta(days=45)
    end = start + timedelta(days=4)
    with chromium_page() as page:
        page.goto(f"{live_server.url}/admin/login/?next=/admin/")
        page.fill("#id_username", "ops@example.com")
        page.fill("#id_password", DEFAULT_PASSWORD)
        page.click("#login-form [type=submit]")
        page.wait_for_url(f"{live_server.url}/admin/")
        page.screenshot(path=str(ARTIFACTS / "admin-home-ops-manager.png"))
        page.goto(f"{live_server.url}/admin/treks/batch/add/?trek={trek.pk}")
        page.fill("#id_start_date", start.isoformat())
        page.fill("#id_end_date", end.isoformat())
        page.fill("#id_total_seats", "14")
        page.fill("#id_price", "15999.00")
        page.screenshot(path=str(ARTIFACTS / "admin-batch-add.png"))
        page.click("[name=_save]")
        page.wait_for_selector("text=was added successfully")
        page.screenshot(path=str(ARTIFACTS / "admin-batch-saved.png"))
    with urllib.request.urlopen(f"{live_server.url}/api/v1/treks/kuari-pass/batches/", timeout=30) as response:
        batches = json.load(response)["results"]
    assert [(b["start_date"], b["end_date"], b["total_seats"], b["price"]) for b in batches] == [
        (start.isoformat(), end.isoformat(), 14, "15999.00")
    ]


SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("#id_username", email)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.click("#login-form [type=submit]")
    page.wait_for_url(f"{base}/admin/")


def test_ops_manager_runs_the_week_and_an_sos_in_the_admin(live_server: Any) -> None:
    """This week's departures on the dashboard; an SOS acknowledged, updated and resolved from its page."""
    from apps.bookings import services as bookings
    from apps.bookings.tests.conftest import people
    from apps.emergency.models import Incident
    from apps.emergency.tests.factories import IncidentFactory, LocationPingFactory
    from apps.treks.tests.factories import BatchFactory

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    UserFactory(email="ops@example.com", staff_role="ops_manager")
    trekker = UserFactory(first_name="Asha", last_name="Rao", phone="+919800000042")
    batch = BatchFactory(
        trek=TrekFactory(name="Brahmatal", slug="brahmatal"), start_date=timezone.localdate() + timedelta(days=3)
    )
    bookings.booking_create(user=trekker, batch_id=batch.pk, participants=people(2))
    incident = IncidentFactory(trekker=trekker, batch=batch)
    LocationPingFactory(incident=incident)
    with chromium_page() as page:
        foreign: list[str] = []
        page.on(
            "request",
            lambda r: (
                foreign.append(r.url)
                if not r.url.startswith((live_server.url, "data:")) and "tile.openstreetmap" not in r.url
                else None
            ),
        )
        sign_in(page, live_server.url, "ops@example.com")
        week = page.locator("#dashboard-departures-week")
        assert "Brahmatal" in week.inner_text()
        assert "2 / " in week.inner_text()  # seats booked of the batch's total
        assert "Asha Rao" in page.locator("#dashboard-incidents").inner_text()
        page.screenshot(path=str(SCREENSHOTS / "dashboard-ops-manager.png"), full_page=True)

        page.click("#dashboard-incidents a")
        page.wait_for_selector("#incident-map .leaflet-container, #incident-map.leaflet-container")
        page.screenshot(path=str(SCREENSHOTS / "incident-open.png"), full_page=True)
        page.click("#incident-acknowledge")
        page.wait_for_selector("text=Incident acknowledged.")
        page.fill("#id_handling_note", "Guide is with the trekker, walking down")
        page.click("#incident-note")
        page.wait_for_selector("text=Incident update posted.")
        page.screenshot(path=str(SCREENSHOTS / "incident-acknowledged-with-update.png"), full_page=True)
        page.fill("#id_handling_note", "Reached the road head, no injury")
        page.click("#incident-resolve")
        page.wait_for_selector("text=Incident resolved.")
        page.screenshot(path=str(SCREENSHOTS / "incident-resolved.png"), full_page=True)
        page.goto(f"{live_server.url}/admin/emergency/incident/")
        page.screenshot(path=str(SCREENSHOTS / "incident-list.png"), full_page=True)
    assert not foreign, f"the admin fetched from outside the server: {foreign}"
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.status == "resolved"
    assert incident.resolution_notes == "Reached the road head, no injury"
    assert incident.updates.filter(kind="note", note="Guide is with the trekker, walking down").exists()


def test_ops_manager_books_a_phone_customer_and_records_cash_in_the_admin(live_server: Any) -> None:
    """A caller with no account: found by nobody, opened, booked on the phone, paid in cash at the office."""
    from apps.bookings.models import Booking
    from apps.treks.tests.factories import BatchFactory

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    ops = UserFactory(email="ops@example.com", staff_role="ops_manager")
    batch = BatchFactory(
        trek=TrekFactory(name="Kedarkantha", slug="kedarkantha"),
        start_date=timezone.localdate() + timedelta(days=30),
        total_seats=12,
    )
    with chromium_page() as page:
        sign_in(page, live_server.url, "ops@example.com")
        page.goto(f"{live_server.url}/admin/bookings/booking/")
        page.click("#phone-booking")
        page.wait_for_selector("#phone-booking-form")
        page.fill("#id_phone", "98765 43210")
        page.fill("#id_first_name", "Meera")
        page.fill("#id_last_name", "Iyer")
        page.fill("#id_age", "31")
        page.fill("#id_others", "Ravi Iyer, 34")
        page.select_option("#id_batch", str(batch.pk))
        page.select_option("#id_source", "phone")
        page.screenshot(path=str(SCREENSHOTS / "phone-booking-form.png"), full_page=True)
        page.click("#phone-booking-submit")
        page.wait_for_selector("text=held for Meera Iyer")
        page.screenshot(path=str(SCREENSHOTS / "phone-booking-held.png"), full_page=True)
        page.click("#booking-offline-payment")
        page.wait_for_selector("#offline-payment-form")
        page.select_option("#id_method", "cash")
        page.fill("#id_receipt_reference", "CASH-0001")
        page.screenshot(path=str(SCREENSHOTS / "offline-payment-form.png"), full_page=True)
        page.click("#offline-payment-submit")
        page.wait_for_selector("text=Confirmed")
        page.screenshot(path=str(SCREENSHOTS / "phone-booking-paid-in-cash.png"), full_page=True)
    booking = Booking.objects.select_related("user").get()
    assert booking.user.phone == "+919876543210"
    assert not booking.user.phone_verified
    assert (booking.status, booking.source, booking.created_by_id, booking.seats) == ("confirmed", "phone", ops.pk, 2)
    assert booking.amount_paid == booking.final_amount
    payment = booking.payments.get()
    assert (payment.gateway, payment.method, payment.receipt_reference, payment.recorded_by_id) == (
        "offline", "cash", "CASH-0001", ops.pk,
    )  # fmt: skip
