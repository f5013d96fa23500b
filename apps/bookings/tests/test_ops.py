from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.bookings.models import Booking
from apps.treks.tests.factories import BatchFactory, GuideFactory, TrekFactory
from apps.users.models import EmergencyContact

pytestmark = pytest.mark.django_db


def _fill(make_user, book, batch, n: int) -> list[Booking]:
    return [book(make_user(), batch, seats=2) for _ in range(n)]


def test_own_list_has_constant_queries(client_for, make_user, book, django_assert_num_queries):
    user = make_user()
    client = client_for(user)
    book(user, BatchFactory())
    with django_assert_num_queries(5) as small:
        assert client.get("/api/v1/bookings/").status_code == 200
    for _ in range(6):
        book(user, BatchFactory())
    book(make_user(), BatchFactory())  # someone else's
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get("/api/v1/bookings/")
    assert response.json()["count"] == 7


def test_staff_list_filters_and_constant_queries(client_for, make_user, staff_user, book, django_assert_num_queries):
    trek = TrekFactory(slug="kedarkantha")
    batch = BatchFactory(trek=trek)
    other = BatchFactory(total_seats=20)
    _fill(make_user, book, batch, 2)
    priya = make_user(first_name="Priya", email="priya@example.com", phone="+919811111111")
    mine = book(priya, other)
    cs = client_for(staff_user("cs"))
    with django_assert_num_queries(5) as small:
        assert cs.get("/api/v1/bookings/?page_size=2").status_code == 200
    _fill(make_user, book, other, 5)
    with django_assert_num_queries(len(small.captured_queries)):
        response = cs.get("/api/v1/bookings/?page_size=100")
    assert response.json()["count"] == 8
    assert cs.get(f"/api/v1/bookings/?batch={batch.pk}").json()["count"] == 2
    assert cs.get("/api/v1/bookings/?trek=kedarkantha").json()["count"] == 2
    for q in ("priya", "PRIYA@example", "9811111111", mine.reference):
        results = cs.get("/api/v1/bookings/", {"q": q}).json()["results"]
        assert [r["id"] for r in results] == [str(mine.pk)], q
    assert cs.get("/api/v1/bookings/?status=confirmed").json()["count"] == 0
    assert cs.get("/api/v1/bookings/?status=pending&status=expired").json()["count"] == 8
    start = other.start_date.isoformat()
    assert cs.get(f"/api/v1/bookings/?start_from={start}&start_to={start}").json()["count"] >= 6
    assert cs.get("/api/v1/bookings/?status=bogus").status_code == 400
    # a trekker sees only their own, whatever the filters
    assert client_for(priya).get(f"/api/v1/bookings/?batch={batch.pk}").json()["count"] == 0
    assert cs.get("/api/v1/bookings/?mine=true").json()["count"] == 0


def test_manifest_json_and_csv(client_for, make_user, staff_user, book, pay):
    guide = GuideFactory()
    batch = BatchFactory(guide=guide)
    lead = make_user(first_name="Asha", phone="+919822222222")
    EmergencyContact.objects.create(
        user=lead, name="Ravi", relationship="father", phone="+919833333333", is_primary=True
    )
    pay(book(lead, batch, seats=2))
    book(make_user(), batch)
    ops = client_for(staff_user("ops_manager"))
    rows = ops.get(f"/api/v1/batches/{batch.pk}/manifest/").json()
    assert len(rows) == 3
    response = ops.get(f"/api/v1/batches/{batch.pk}/manifest/?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.streaming
    content = b"".join(response.streaming_content).decode()
    parsed = list(csv.DictReader(io.StringIO(content)))
    assert len(parsed) == 3
    first = parsed[0]
    assert first["is_lead"] == "True"
    # a leading + is a formula to a spreadsheet: the cell starts with a quote and shows as text
    assert first["phone"] == "'+919822222222"
    assert first["emergency_contact_name"] == "Ravi"
    assert first["emergency_contact_phone"] == "'+919833333333"
    assert first["balance_due"] == "0.00"
    # in words, this participant's own: never a code
    assert first["missing_documents"] == "Health declaration, Waiver, Photo ID, Fitness proof"
    assert first["fitness_status"] == "missing"
    # the current contact, and the one on file at booking time for the record
    assert first["booking_emergency_contact_name"] == "Ravi"
    # the batch's own guide may read it; another guide, a trekker and finance may not
    assert client_for(guide.user).get(f"/api/v1/batches/{batch.pk}/manifest/").status_code == 200
    assert client_for(GuideFactory().user).get(f"/api/v1/batches/{batch.pk}/manifest/").status_code == 403
    assert client_for(lead).get(f"/api/v1/batches/{batch.pk}/manifest/").status_code == 403
    assert client_for(staff_user("finance")).get(f"/api/v1/batches/{batch.pk}/manifest/").status_code == 403
    assert client_for(None).get(f"/api/v1/batches/{batch.pk}/manifest/").status_code == 401


def test_manifest_queries_do_not_grow(client_for, make_user, staff_user, book, django_assert_max_num_queries):
    batch = BatchFactory(total_seats=20)
    ops = client_for(staff_user("ops_manager"))
    _fill(make_user, book, batch, 1)
    with django_assert_max_num_queries(12) as small:
        ops.get(f"/api/v1/batches/{batch.pk}/manifest/")
    _fill(make_user, book, batch, 6)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(ops.get(f"/api/v1/batches/{batch.pk}/manifest/").json()) == 14


def test_revenue_report(client_for, make_user, staff_user, book, pay, django_capture_on_commit_callbacks):
    from apps.bookings import services

    trek = TrekFactory(slug="hampta-pass", name="Hampta Pass")
    b1 = pay(book(make_user(), BatchFactory(trek=trek, start_date=timezone.localdate() + timedelta(days=40))))
    pay(book(make_user(), BatchFactory(trek=trek)))
    pay(book(make_user(), BatchFactory()))
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(booking=b1, actor=b1.user)  # 90 % back
    finance = client_for(staff_user("finance"))
    today = timezone.localdate()
    params = {"date_from": (today - timedelta(days=1)).isoformat(), "date_to": today.isoformat(), "group_by": "trek"}
    rows = {r["key"]: r for r in finance.get("/api/v1/reports/revenue/", params).json()}
    assert rows["hampta-pass"]["gross_paise"] == 2625000
    assert rows["hampta-pass"]["refunded_paise"] == 1181250
    assert rows["hampta-pass"]["net_paise"] == 2625000 - 1181250
    assert rows["hampta-pass"]["bookings"] == 2
    monthly = finance.get("/api/v1/reports/revenue/", {**params, "group_by": "month"}).json()
    assert sum(r["gross_paise"] for r in monthly) == 3 * 1312500
    assert (
        finance.get("/api/v1/reports/revenue/", {"date_from": "2026-01-01", "date_to": "2027-06-01"}).status_code == 400
    )
    assert (
        finance.get("/api/v1/reports/revenue/", {"date_from": "2026-02-01", "date_to": "2026-01-01"}).status_code == 400
    )
    assert finance.get("/api/v1/reports/revenue/").status_code == 400
    assert client_for(staff_user("cs")).get("/api/v1/reports/revenue/", params).status_code == 403
    assert Decimal(b1.final_amount) == Decimal("13125.00")
