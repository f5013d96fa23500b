"""A real browser (Debian's Chromium driven by Playwright, never a downloaded browser build) against a
live server: Swagger UI is fully self-hosted, and an ops manager's batch made in the admin goes public.

Runs when /usr/bin/chromium exists (`apt-get install chromium`); otherwise skipped with that message.
Screenshots: var/test-artifacts/; the back-office walk-through's under var/screenshots/ for review.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

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


HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def fetch_schema(base: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{base}/api/schema/?format=json", timeout=30) as response:
        schema: dict[str, Any] = json.load(response)
    return schema


def with_synthetic_operations(schema: dict[str, Any], count: int) -> dict[str, Any]:
    """A copy of the schema with ``count`` more operations (two per path, in four tags of their own)."""
    grown = copy.deepcopy(schema)
    for number in range(count):
        path = f"/api/v1/synthetic/{number // 2}/"
        method = ("get", "post")[number % 2]
        grown["paths"].setdefault(path, {})[method] = {
            "operationId": f"synthetic{number}",
            "summary": f"Synthetic operation {number}",
            "tags": [f"synthetic {number % 4}"],
            "responses": {"200": {"description": "OK"}},
        }
    return grown


def without_operation(schema: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    smaller = copy.deepcopy(schema)
    del smaller["paths"][path][method]
    return smaller


def documented_operations(schema: dict[str, Any]) -> Counter[tuple[str, str]]:
    """(METHOD, path) -> how many times Swagger UI must show it: once under each of its tags."""
    return Counter(
        {
            (method.upper(), path): len(operation.get("tags") or ["default"])
            for path, item in schema["paths"].items()
            for method, operation in item.items()
            if method in HTTP_METHODS
        }
    )


# True once the operations Swagger UI has mounted cover the viewport. Past 150 rows (tags and operations of open
# tags) Swagger UI 5.33+ mounts only the rows in and near the viewport (`.operations-virtual__item`); below that
# every operation is in the page and there is nothing to wait for.
_ROWS_COVER_VIEWPORT = """() => {
  const list = document.querySelector('.operations-virtual__list');
  if (!list) return document.querySelectorAll('.opblock-tag').length > 0;
  const rows = list.querySelectorAll('.operations-virtual__item');
  if (!rows.length) return false;
  const top = rows[0].getBoundingClientRect().top, bottom = rows[rows.length - 1].getBoundingClientRect().bottom;
  const atStart = parseFloat(list.style.paddingTop || '0') === 0;
  const atEnd = parseFloat(list.style.paddingBottom || '0') === 0;
  return (atStart || top <= 0) && (atEnd || bottom >= window.innerHeight);
}"""
_MOUNTED_OPERATIONS = """() => [...document.querySelectorAll('.opblock')].map(block => [
  block.id,
  block.querySelector('.opblock-summary-method').textContent,
  block.querySelector('.opblock-summary-path').dataset.path,
])"""
_SCROLL_HALF_A_VIEWPORT = """() => {
  const before = window.scrollY;
  window.scrollBy(0, Math.floor(window.innerHeight / 2));
  return window.scrollY !== before;
}"""


def swagger_ui_operations(page: Any) -> Counter[tuple[str, str]]:
    """Every operation Swagger UI shows, found by scrolling the whole page half a viewport at a time.

    A row is in the page only while it is near the viewport (list virtualization), so counting ``.opblock``
    once sees the first screen only; each operation block is told apart by its id (tag and operationId).
    """
    seen: dict[str, tuple[str, str]] = {}
    page.evaluate("() => window.scrollTo(0, 0)")
    while True:
        page.wait_for_function(_ROWS_COVER_VIEWPORT, polling=100)
        for block_id, method, path in page.evaluate(_MOUNTED_OPERATIONS):
            seen[block_id] = (method.strip().upper(), path)
        if not page.evaluate(_SCROLL_HALF_A_VIEWPORT):
            return Counter(seen.values())


def open_swagger_ui(page: Any, base: str, schema: dict[str, Any], fragment: str = "") -> None:
    """Swagger UI at /api/docs/ with ``schema`` served in place of the app's document (same address)."""
    body = json.dumps(schema)
    page.route(
        f"{base}/api/schema/**",
        lambda route: route.fulfill(status=200, content_type="application/json", body=body),
    )
    page.goto(f"{base}/api/docs/{fragment}", wait_until="networkidle")
    page.wait_for_selector(".opblock-tag", timeout=120_000)


def record_foreign_requests(page: Any, base: str) -> list[str]:
    """Requests to any other origin are recorded and refused (so a page cannot pass while it reaches out)."""
    foreign: list[str] = []

    def guard(route: Any) -> None:
        url = route.request.url
        if url.startswith((base, "data:", "blob:")):
            route.fallback()
        else:
            foreign.append(url)
            route.abort()

    page.route("**/*", guard)
    return foreign


@pytest.mark.parametrize("synthetic", [0, 200], ids=["app-schema", "app-schema-plus-200-operations"])
def test_swagger_ui_is_self_hosted_and_lists_every_operation(live_server: Any, synthetic: int) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    schema = with_synthetic_operations(fetch_schema(live_server.url), synthetic)
    documented = documented_operations(schema)
    assert ("GET", "/api/v1/") in documented  # the API index is documented too
    failed: list[str] = []
    with chromium_page() as page:
        foreign = record_foreign_requests(page, live_server.url)
        page.on("requestfailed", lambda request: failed.append(request.url))
        open_swagger_ui(page, live_server.url, schema)
        title = page.locator(".info .title").inner_text()
        page.screenshot(path=str(ARTIFACTS / f"swagger-ui-{synthetic}.png"), full_page=False)
        shown = swagger_ui_operations(page)
    assert not foreign, f"Swagger UI fetched from outside the server: {foreign}"
    assert not failed, f"requests that failed: {failed}"
    assert "OBS Experiences API" in title
    assert sum(documented.values()) >= 134 + synthetic
    assert shown == documented, {"missing": documented - shown, "unexpected": shown - documented}


def test_swagger_ui_operation_count_notices_a_missing_operation(live_server: Any) -> None:
    """The walk above is not blind: serve a schema one operation short and it is the one reported missing."""
    schema = with_synthetic_operations(fetch_schema(live_server.url), 200)
    smaller = without_operation(schema, "/api/v1/synthetic/57/", "post")
    with chromium_page() as page:
        open_swagger_ui(page, live_server.url, smaller)
        shown = swagger_ui_operations(page)
    assert documented_operations(schema) - shown == Counter({("POST", "/api/v1/synthetic/57/"): 1})


def test_swagger_ui_deep_link_to_an_area_with_a_long_document(live_server: Any) -> None:
    """The index's per-area links (`/api/docs/#/<area>`) land on the area with rows virtualized."""
    schema = with_synthetic_operations(fetch_schema(live_server.url), 200)
    with chromium_page() as page:
        open_swagger_ui(page, live_server.url, schema, fragment="#/notifications")
        heading = page.locator("#operations-tag-notifications")
        heading.wait_for(state="visible")
        page.wait_for_function(
            "() => { const r = document.querySelector('#operations-tag-notifications').getBoundingClientRect();"
            " return r.top >= -1 && r.top < window.innerHeight / 2; }"
        )
        assert page.locator(".operations-virtual__list").count() == 1  # the long document is virtualized


def test_redoc_loads_nothing_from_other_origins(live_server: Any) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chromium_page() as page:
        foreign = record_foreign_requests(page, live_server.url)
        console: list[str] = []
        page.on("console", lambda message: console.append(message.text))
        page.goto(f"{live_server.url}/api/redoc/", wait_until="networkidle")
        page.wait_for_selector("h1:has-text('OBS Experiences API')", timeout=120_000)
        page.wait_for_load_state("networkidle")
        fonts = page.evaluate("() => getComputedStyle(document.querySelector('h1')).fontFamily")
        page.screenshot(path=str(ARTIFACTS / "redoc.png"), full_page=False)
    assert not foreign, f"ReDoc fetched from outside the server: {foreign}"
    # Only the attribution logo is refused by the page's policy, nothing ReDoc needs.
    refused = [line for line in console if "Content Security Policy" in line]
    assert all("cdn.redoc.ly/redoc/logo-mini.svg" in line for line in refused), refused
    assert fonts.startswith("system-ui"), fonts


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

        # This week's departure: its manifest downloads with the admin session, as the guide will read it.
        with page.expect_download() as download:
            week.locator("a.departure-manifest").first.click()
        rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
        assert download.value.suggested_filename == f"manifest-{batch.pk}.csv"
        assert sorted(row["name"] for row in rows) == ["Trekker 0", "Trekker 1"]
        assert {row["booking_status"] for row in rows} == {"pending"}
        week.locator("a.departure-page").first.click()
        page.wait_for_selector("text=Brahmatal")
        page.screenshot(path=str(SCREENSHOTS / "departure-this-week.png"), full_page=True)
        page.goto(f"{live_server.url}/admin/")

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


@pytest.fixture
def asgi_server(transactional_db: None) -> Iterator[str]:
    """The ASGI application (HTTP and WebSocket, as daphne serves it in production) in a daphne process of its own,
    on a free port, against the test database and channel layer (Django's ``live_server`` speaks WSGI only)."""
    from channels.routing import get_default_application
    from daphne.testing import DaphneProcess
    from django.db import connections

    connections.close_all()  # the forked server must not share this process's database connections
    process = DaphneProcess("127.0.0.1", get_default_application)
    process.start()
    try:
        if not process.ready.wait(60):
            raise RuntimeError(
                f"daphne did not start: {process.errors.get(False) if not process.errors.empty() else ''}"
            )
        yield f"http://127.0.0.1:{process.port.value}"
    finally:
        process.terminate()
        process.join(10)


def test_an_sos_arrives_on_the_live_incident_page(asgi_server: str) -> None:
    """An ops manager's live page opens a socket; an SOS raised through the API shows up on it without a reload."""
    import uuid

    from apps.users.services.auth import token_pair_for

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    UserFactory(email="ops@example.com", staff_role="ops_manager")
    token = token_pair_for(UserFactory(first_name="Meera", last_name="Iyer"))["access"]
    sos = urllib.request.Request(
        f"{asgi_server}/api/v1/emergency/sos/",
        data=json.dumps({"message": "Slipped on the moraine", "latitude": 32.2432, "longitude": 77.1892}).encode(),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": str(uuid.uuid4()),
        },
        method="POST",
    )
    with chromium_page() as page:
        sign_in(page, asgi_server, "ops@example.com")
        page.goto(f"{asgi_server}/admin/live/incidents/")
        page.wait_for_function("document.getElementById('live-status').textContent === 'live'")
        assert page.locator("#live-rows tr").count() == 0
        with urllib.request.urlopen(sos, timeout=30) as response:
            assert response.status == 201
            incident = json.load(response)
        row = page.locator(f"#incident-{incident['id']}")
        row.wait_for(timeout=30_000)
        text = row.inner_text()
        page.screenshot(path=str(SCREENSHOTS / "live-incidents-sos.png"), full_page=True)
    assert "Meera Iyer" in text
    assert "Slipped on the moraine" in text
    assert "open" in text
    assert "32.2432" in text


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
        page.fill("#id_emergency_contact_name", "Ravi Iyer")
        page.fill("#id_emergency_contact_relation", "husband")
        page.fill("#id_emergency_contact_phone", "98765 11111")
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
