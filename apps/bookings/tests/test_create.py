from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.bookings import services
from apps.bookings.errors import AlreadyBooked, BatchFull
from apps.bookings.models import Booking
from apps.bookings.tests.conftest import people
from apps.common.models import AuditLog
from apps.common.tests.race import Race
from apps.notifications.models import Category, Channel, Delivery, Device, Notification, NotificationPreference
from apps.treks.models import Batch
from apps.treks.tests.factories import BatchFactory
from apps.users.models import EmergencyContact, PointsTransaction
from apps.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_create_holds_seats_prices_and_snapshots(client_for, make_user, batch):
    user = make_user(phone="+919812345678", obs_points=1500, tribe_tier="trail_blazer")
    EmergencyContact.objects.create(
        user=user, name="Asha", relationship="sister", phone="+919800000001", is_primary=True
    )
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        response = client_for(user).post(
            "/api/v1/bookings/",
            {"batch": str(batch.pk), "participants": [{"name": "Lead", "age": 31}, {"name": "Friend", "age": 28}]},
            format="json",
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert body["seats"] == 2
    # 2 x 12500 = 25000; 5 % tier = 1250; 23750 + 5 % GST 1187.50 = 24937.50
    assert body["pricing"]["base_amount"] == "25000.00"
    assert body["pricing"]["tier_discount"] == "1250.00"
    assert body["pricing"]["tax_amount"] == "1187.50"
    assert body["pricing"]["final_amount"] == "24937.50"
    assert body["balance_due"] == "24937.50"
    booking = Booking.objects.get(pk=body["id"])
    assert booking.hold_expires_at == now + timedelta(minutes=30)
    assert booking.trekker_name == "Lead"
    assert booking.trekker_phone == "+919812345678"
    assert booking.emergency_contact_name == "Asha"
    assert [p["is_lead"] for p in body["participants"]] == [True, False]
    batch.refresh_from_db()
    assert batch.seats_taken == 2
    assert not PointsTransaction.objects.filter(user=user).exists()  # never at creation
    assert Notification.objects.filter(user=user, template="booking_held").exists()
    assert set(body["missing_documents"]) == {"health_declaration", "waiver", "id_document", "fitness_proof"}


@pytest.mark.parametrize("count", [0, 7])
def test_participants_between_1_and_6(auth_client, batch, count):
    response = auth_client.post(
        "/api/v1/bookings/", {"batch": str(batch.pk), "participants": people(count)}, format="json"
    )
    assert response.status_code == 400
    assert "participants" in response.json()["error"]["details"]


def test_invalid_payloads(auth_client, batch):
    for payload in (
        {},
        {"batch": "nope", "participants": people(1)},
        {"batch": str(batch.pk), "participants": [{"name": "X", "age": 0}]},
        {"batch": str(batch.pk), "participants": people(1), "source": "fax"},
    ):
        assert auth_client.post("/api/v1/bookings/", payload, format="json").status_code == 400


def test_unauthenticated_401(api_client, batch):
    response = api_client.post("/api/v1/bookings/", {"batch": str(batch.pk), "participants": people(1)}, format="json")
    assert response.status_code == 401


def test_unknown_batch_404(auth_client):
    response = auth_client.post(
        "/api/v1/bookings/", {"batch": "00000000-0000-0000-0000-000000000000", "participants": people(1)}, format="json"
    )
    assert response.status_code == 404


def test_full_batch_is_409_batch_full(auth_client):
    batch = BatchFactory(total_seats=2)
    response = auth_client.post("/api/v1/bookings/", {"batch": str(batch.pk), "participants": people(3)}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "batch_full"
    batch.refresh_from_db()
    assert batch.seats_taken == 0
    assert not Booking.objects.exists()


def test_past_or_cancelled_batch_not_bookable(auth_client):
    past = BatchFactory(start_date=timezone.localdate(), status=Batch.Status.OPEN)
    cancelled = BatchFactory(status=Batch.Status.CANCELLED)
    for b in (past, cancelled):
        response = auth_client.post("/api/v1/bookings/", {"batch": str(b.pk), "participants": people(1)}, format="json")
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "batch_not_bookable"


def test_one_active_booking_per_user_and_batch(auth_client, user, batch, book):
    book(user, batch)
    response = auth_client.post("/api/v1/bookings/", {"batch": str(batch.pk), "participants": people(1)}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_booked"
    batch.refresh_from_db()
    assert batch.seats_taken == 1


def test_database_refuses_a_second_active_booking(user, batch, book):
    first = book(user, batch)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            user=user,
            batch=batch,
            seats=1,
            unit_price=first.unit_price,
            base_amount=first.base_amount,
            tax_rate=first.tax_rate,
            tax_amount=first.tax_amount,
            final_amount=first.final_amount,
            hold_expires_at=first.hold_expires_at,
            trekker_name="x",
            trekker_age=30,
        )


def test_seats_beyond_total_refused_by_the_database(batch):
    with pytest.raises(IntegrityError), transaction.atomic():
        Batch.objects.filter(pk=batch.pk).update(seats_taken=batch.total_seats + 1)


@pytest.mark.django_db(transaction=True)
def test_fifty_threads_for_the_last_ten_seats(race: Race):
    batch = BatchFactory(total_seats=30, seats_taken=20)
    users = [UserFactory() for _ in range(50)]
    attempts = (
        partial(services.booking_create, user=user, batch_id=batch.pk, participants=people(1)) for user in users
    )
    outcomes = race(*attempts, catch=Exception).codes()
    batch.refresh_from_db()
    assert outcomes.count("ok") == 10
    assert outcomes.count("batch_full") == 40
    assert batch.seats_taken == 30
    assert batch.status == "full"
    assert Booking.objects.filter(batch=batch, status="pending").count() == 10


@pytest.mark.django_db(transaction=True)
def test_same_user_racing_twice_gets_one_booking(race: Race):
    batch = BatchFactory(total_seats=10)
    user = UserFactory()
    attempts = (
        partial(services.booking_create, user=user, batch_id=batch.pk, participants=people(1)) for _ in range(4)
    )
    codes = race(*attempts, catch=Exception).codes()
    batch.refresh_from_db()
    assert sorted(codes) == ["already_booked"] * 3 + ["ok"]
    assert batch.seats_taken == 1


def test_amounts_are_decimal(user, batch, book):
    booking = book(user, batch)
    assert isinstance(booking.final_amount, Decimal)


# --- statements ------------------------------------------------------------------------------------------
# The request's own transaction is BEGIN/COMMIT in production (not statements a cursor sends); under the test
# transaction it is a savepoint, which is left out. The catalog version bump runs after commit (not here).


def _post_counted(client, payload) -> tuple[Any, int]:
    """The response and the statements of the request (its outer savepoint left out)."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.post("/api/v1/bookings/", payload, format="json")
    statements = [q["sql"] for q in ctx.captured_queries]
    savepoints = [sql.split('"')[1] for sql in statements if sql.startswith("SAVEPOINT")]
    if savepoints:  # the first one is the request's transaction
        statements = [sql for sql in statements if f'"{savepoints[0]}"' not in sql]
    return response, len(statements)


@pytest.mark.parametrize("devices", [0, 2])
@pytest.mark.parametrize("seats", [1, 6])
def test_booking_201_statements(client_for, make_user, batch, seats, devices, django_capture_on_commit_callbacks):
    """The look (the booker's row, checked as authentication checks it, with the batch, trek, emergency contact and
    the booker's notification preferences and push devices), then one write of the booking with its participants,
    its audit row and the booker's ``booking_held`` message (inbox row and deliveries): 2 statements, nothing read back,
    whatever the seats and devices. The message honours the stored preferences and reaches every device, and
    its deliveries go to the broker on commit in one message."""
    user = make_user()
    EmergencyContact.objects.create(user=user, name="Asha", relationship="sister", phone="+919800000001")
    NotificationPreference.objects.create(user=user, category=Category.BOOKING, channel=Channel.SMS, enabled=False)
    for i in range(devices):
        Device.objects.create(user=user, token=f"token-{user.pk}-{i}", platform="android", last_seen_at=timezone.now())
    client = client_for(user)
    with django_capture_on_commit_callbacks() as callbacks:
        response, statements = _post_counted(client, {"batch": str(batch.pk), "participants": people(seats)})
    assert response.status_code == 201, response.content
    assert statements == 2
    assert Booking.objects.get(pk=response.json()["id"]).emergency_contact_name == "Asha"
    inbox = Notification.objects.get(user=user, template="booking_held")
    deliveries = list(Delivery.objects.filter(notification=inbox))
    channels = sorted(delivery.channel for delivery in deliveries)
    assert channels == sorted([Channel.EMAIL] + [Channel.PUSH] * devices)  # SMS switched off by the booker
    queued = [item for callback in callbacks if hasattr(callback, "__self__") for item in callback.__self__.items]
    assert sorted(queued) == sorted(str(delivery.pk) for delivery in deliveries)


def test_booking_held_message_is_what_notify_writes(client_for, make_user, batch):
    """The message written with the booking is the one ``notify()`` writes for it: same inbox row, same
    deliveries (channel, recipient, context, language)."""
    from apps.bookings.services.common import _notify_booking

    user = make_user()
    Device.objects.create(user=user, token=f"token-{user.pk}", platform="ios", last_seen_at=timezone.now())
    response = client_for(user).post(
        "/api/v1/bookings/", {"batch": str(batch.pk), "participants": people(2)}, format="json"
    )
    assert response.status_code == 201, response.content
    booking = Booking.objects.select_related("batch__trek", "user").get(pk=response.json()["id"])

    def written() -> list[tuple[Any, ...]]:
        inbox = Notification.objects.get(user=user, template="booking_held")
        rows = Delivery.objects.filter(notification=inbox).order_by("channel", "recipient")
        head = (inbox.title, inbox.body, inbox.dedupe_key, inbox.category)
        return [head, *((d.channel, d.recipient, d.template, d.context, d.language) for d in rows)]

    by_hold = written()
    hold_expires_at = timezone.localtime(booking.hold_expires_at).strftime("%d %b %H:%M")
    Delivery.objects.filter(notification__user=user).delete()
    Notification.objects.filter(user=user).delete()
    with transaction.atomic():
        _notify_booking(booking, "booking_held", hold_expires_at=hold_expires_at)
    assert written() == by_hold


@pytest.mark.parametrize("case", ["batch_full", "already_booked_and_full", "batch_not_bookable", "unknown_batch"])
def test_booking_refusals_in_1_statement(client_for, make_user, book, case):
    """A refused booking is one statement, whatever the reason: the look, which reads and checks the booker too."""
    user = make_user()
    batch = BatchFactory(total_seats=2)
    batch_id: str = str(batch.pk)
    expected = (409, case)
    if case == "batch_full":
        book(make_user(), batch, seats=2)
    elif case == "already_booked_and_full":
        book(user, batch, seats=1)
        book(make_user(), batch, seats=1)
        expected = (409, "already_booked")
    elif case == "batch_not_bookable":
        Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.CANCELLED)
    elif case == "unknown_batch":
        batch_id, expected = "00000000-0000-0000-0000-000000000000", (404, "not_found")
    response, statements = _post_counted(client_for(user), {"batch": batch_id, "participants": people(1)})
    assert (response.status_code, response.json()["error"]["code"]) == expected
    assert statements == 1


def test_already_booked_with_seats_left_writes_nothing(auth_client, user, batch, book):
    """The unique index decides: the seats taken for the second attempt go back with its transaction."""
    first = book(user, batch, seats=2)
    response = auth_client.post("/api/v1/bookings/", {"batch": str(batch.pk), "participants": people(3)}, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (409, "already_booked")
    batch.refresh_from_db()
    assert batch.seats_taken == 2
    assert list(Booking.objects.filter(user=user).values_list("pk", flat=True)) == [first.pk]


def test_response_is_what_a_read_returns(client_for, make_user, batch):
    """The 201 body is built from what was written; it equals the booking as read back from the database."""
    user = make_user(phone="+919812345678", obs_points=1500, tribe_tier="trail_blazer")
    EmergencyContact.objects.create(user=user, name="Asha", relationship="sister", phone="+919800000001")
    client = client_for(user)
    created = client.post(
        "/api/v1/bookings/",
        {"batch": str(batch.pk), "participants": [{"name": "Lead", "age": 31}, {"name": "Kid", "age": 9}]},
        format="json",
    )
    assert created.status_code == 201, created.content
    read = client.get(f"/api/v1/bookings/{created.json()['id']}/")
    assert created.json() == read.json()


def test_last_seats_response_shows_the_batch_full(client_for, make_user):
    batch = BatchFactory(total_seats=3)
    created = client_for(make_user()).post(
        "/api/v1/bookings/", {"batch": str(batch.pk), "participants": people(3)}, format="json"
    )
    assert created.json()["batch"]["status"] == "full"
    batch.refresh_from_db()
    assert (batch.status, batch.seats_taken) == ("full", 3)


def test_booking_data_is_what_the_serializer_gives(make_user, book, pay):
    """The create response is built without the serializer; it must say exactly what BookingSerializer says,
    for a booking fresh from the hold and for bookings read back in other states (coupon, payment, documents)."""
    from django.core.files.base import ContentFile

    from apps.bookings.models import BookingDocument
    from apps.bookings.serializers import BookingSerializer, booking_data
    from apps.bookings.tests.factories import CouponFactory

    user = make_user(phone="+919812345678", obs_points=1500, tribe_tier="trail_blazer")
    EmergencyContact.objects.create(user=user, name="Asha", relationship="sister", phone="+919800000001")
    fresh = book(user, BatchFactory(total_seats=8), seats=3)
    assert booking_data(fresh) == BookingSerializer(fresh).data
    coupon = CouponFactory()
    with_coupon = book(make_user(), BatchFactory(), coupon_code=coupon.code)
    assert with_coupon.coupon is not None
    assert booking_data(with_coupon) == BookingSerializer(with_coupon).data
    paid = pay(book(make_user(), BatchFactory(), seats=2))
    BookingDocument.objects.create(
        booking=paid,
        kind=BookingDocument.Kind.ID_DOCUMENT,
        file=ContentFile(b"%PDF-1.4", name="id.pdf"),
        content_type="application/pdf",
        size=8,
    )
    for booking in Booking.objects.filter(pk__in=[fresh.pk, with_coupon.pk, paid.pk]).select_related(
        "batch__trek", "user", "coupon"
    ):
        assert booking_data(booking) == BookingSerializer(booking).data
    assert booking_data(paid)["confirmed_at"] is not None
    assert booking_data(paid)["documents"] != []


def test_the_portable_seat_hold_answers_like_the_postgresql_one(auth_client, user, monkeypatch):
    """The path `make run` takes on SQLite (separate statements), driven here on PostgreSQL: same answers."""
    monkeypatch.setattr(connection, "vendor", "sqlite")
    open_batch = BatchFactory(total_seats=3)
    full = BatchFactory(total_seats=2)
    past = BatchFactory(start_date=timezone.localdate(), status=Batch.Status.OPEN)
    cancelled = BatchFactory(status=Batch.Status.CANCELLED)

    def post(batch: Any, count: int) -> Any:
        return auth_client.post(
            "/api/v1/bookings/", {"batch": str(batch.pk), "participants": people(count)}, format="json"
        )

    made = post(open_batch, 2)
    assert made.status_code == 201, made.content
    assert [p["name"] for p in made.json()["participants"]] == [p["name"] for p in people(2)]
    again = post(open_batch, 1)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_booked")
    assert post(full, 3).json()["error"]["code"] == "batch_full"
    assert {post(b, 1).json()["error"]["code"] for b in (past, cancelled)} == {"batch_not_bookable"}
    unknown = auth_client.post(
        "/api/v1/bookings/", {"batch": "00000000-0000-0000-0000-000000000000", "participants": people(1)}, format="json"
    )
    assert unknown.status_code == 404
    open_batch.refresh_from_db()
    full.refresh_from_db()
    assert (open_batch.seats_taken, full.seats_taken) == (2, 0)
    assert Booking.objects.filter(user=user).count() == 1


def test_booking_moves_the_catalog_version_in_its_write(client_for, make_user, django_capture_on_commit_callbacks):
    """The seats a booking takes show in the cached catalog at once after its commit: the catalog version moves
    in the booking's own write statement (no statement after commit) and this process drops its copy of it; a
    refused booking moves nothing."""
    from apps.treks.catalog_cache import catalog_version
    from apps.treks.models import CatalogVersion
    from apps.treks.tests.factories import TrekFactory

    trek = TrekFactory(slug="kedarkantha")
    batch = BatchFactory(trek=trek, total_seats=3)
    public = client_for(make_user())
    first = public.get("/api/v1/treks/")
    assert first.json()["results"][0]["next_batch"]["seats_left"] == 3
    before = catalog_version()
    booker = client_for(make_user())
    with django_capture_on_commit_callbacks(execute=True):
        response, statements = _post_counted(booker, {"batch": str(batch.pk), "participants": people(2)})
    assert (response.status_code, statements) == (201, 2)
    moved = CatalogVersion.objects.get().value
    assert before is not None
    assert moved > before
    after = public.get("/api/v1/treks/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200
    assert after.json()["results"][0]["next_batch"]["seats_left"] == 1

    with django_capture_on_commit_callbacks(execute=True):
        again = booker.post("/api/v1/bookings/", {"batch": str(batch.pk), "participants": people(1)}, format="json")
    assert again.json()["error"]["code"] == "already_booked"
    assert CatalogVersion.objects.get().value == moved


# --- the look and the write ------------------------------------------------------------------------------
# A plain booking is a read (the look) and one write statement taking the seats and writing the booking, each on
# its own: one statement is one transaction. What happens when the batch changes between the two is below.


def _between_look_and_write(monkeypatch: pytest.MonkeyPatch, change: Callable[[], None]) -> list[int]:
    """Run ``change`` once, right after the first look (another request's commit landing in between); the
    number of looks made is appended to the list returned."""
    from apps.bookings.services import holds

    real, looks = holds._look, []

    def look(**kwargs: Any) -> Any:
        looks.append(len(looks) + 1)
        read = real(**kwargs)
        if looks == [1]:
            change()
        return read

    monkeypatch.setattr(holds, "_look", look)
    return looks


@pytest.mark.django_db(transaction=True)
def test_plain_booking_runs_no_transaction_of_its_own():
    """The look and the write are the booking's own statements, each in autocommit (no BEGIN or COMMIT round
    trip); with a coupon, the write and the coupon's use share one transaction. (What follows the write is the
    after-commit work: the catalog version's first row here, and the deliveries' tasks, run eagerly in tests.)"""
    from apps.bookings.tests.factories import CouponFactory
    from apps.common.prepared import statement_text

    batch = BatchFactory(total_seats=5)
    plain_user, coupon_user, coupon = UserFactory(), UserFactory(), CouponFactory()
    sent: list[tuple[str, bool]] = []

    def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        sent.append((statement_text(sql), connection.get_autocommit() and not connection.in_atomic_block))
        return execute(sql, params, many, context)

    def own() -> list[tuple[str, bool]]:
        """The statements up to the booking's write (the one taking the seats)."""
        write = next(i for i, (sql, _) in enumerate(sent) if "took AS (UPDATE" in sql)
        return sent[: write + 1]

    with connection.execute_wrapper(record):
        plain = services.booking_create(user=plain_user, batch_id=batch.pk, participants=people(2))
    assert [autocommit for _, autocommit in own()] == [True, True]
    assert "SELECT t.slug" in own()[0][0]
    assert Booking.objects.get(pk=plain.pk).seats == 2
    sent.clear()
    with connection.execute_wrapper(record):
        services.booking_create(user=coupon_user, batch_id=batch.pk, participants=people(1), coupon_code=coupon.code)
    assert [autocommit for _, autocommit in own()] == [True, True, False]  # the look, the coupon's read; the write
    coupon_use = [autocommit for sql, autocommit in sent[len(own()) :] if "bookings_coupon" in sql]
    assert len(coupon_use) >= 2  # the lock and the count of its use
    assert not any(coupon_use)  # in the write's transaction
    batch.refresh_from_db()
    assert batch.seats_taken == 3


@pytest.mark.django_db(transaction=True)
def test_last_seat_taken_between_look_and_write(monkeypatch):
    """Another booker takes the last seats after the look: the write takes and writes nothing, the second look
    answers 409 ``batch_full``, and nothing of the refused booking exists (no booking, audit row or message)."""
    batch = BatchFactory(total_seats=2)
    loser = UserFactory()
    looks = _between_look_and_write(
        monkeypatch,
        lambda: Batch.objects.filter(pk=batch.pk).update(seats_taken=2, status=Batch.Status.FULL),
    )
    with pytest.raises(BatchFull):
        services.booking_create(user=loser, batch_id=batch.pk, participants=people(1))
    assert looks == [1, 2]
    batch.refresh_from_db()
    assert (batch.seats_taken, batch.status) == (2, "full")
    assert not Booking.objects.filter(user=loser).exists()
    assert not Notification.objects.filter(user=loser).exists()
    assert not AuditLog.objects.filter(action="booking.created").exists()


@pytest.mark.django_db(transaction=True)
def test_price_changed_between_look_and_write(monkeypatch):
    """The write takes the seats only at the price the booking was priced at: a new price in between makes the
    hold look again and price the booking at the new one."""
    batch = BatchFactory(total_seats=4, price=Decimal("10000.00"))
    looks = _between_look_and_write(
        monkeypatch, lambda: Batch.objects.filter(pk=batch.pk).update(price=Decimal("12500.00"))
    )
    booking = services.booking_create(user=UserFactory(), batch_id=batch.pk, participants=people(2))
    assert looks == [1, 2]
    stored = Booking.objects.get(pk=booking.pk)
    assert (booking.unit_price, stored.unit_price) == (Decimal("12500.00"), Decimal("12500.00"))
    assert stored.base_amount == Decimal("25000.00")
    batch.refresh_from_db()
    assert batch.seats_taken == 2


@pytest.mark.django_db(transaction=True)
def test_same_booker_booking_between_look_and_write(monkeypatch):
    """The booker's other booking commits after the look (a double tap): the unique index refuses the write,
    which fails as a whole, seats included: 409 ``already_booked`` and one booking, one seat taken."""
    batch = BatchFactory(total_seats=5)
    user = UserFactory()
    first: list[Booking] = []

    def other_request() -> None:
        first.append(services.booking_create(user=user, batch_id=batch.pk, participants=people(1)))

    looks = _between_look_and_write(monkeypatch, other_request)
    with pytest.raises(AlreadyBooked):
        services.booking_create(user=user, batch_id=batch.pk, participants=people(3))
    assert looks == [1, 2]  # the second is the other request's own look
    batch.refresh_from_db()
    assert batch.seats_taken == 1
    assert list(Booking.objects.filter(user=user).values_list("pk", flat=True)) == [first[0].pk]
    assert Notification.objects.filter(user=user, template="booking_held").count() == 1


def test_a_refused_write_leaves_the_callers_transaction_usable(monkeypatch):
    """Inside a caller's transaction (demo data, staff tools), the write has its savepoint: the same booker's second
    booking, refused by the unique index, leaves that transaction usable, with one booking and one seat taken."""
    batch = BatchFactory(total_seats=5)
    user = UserFactory()
    _between_look_and_write(
        monkeypatch, lambda: services.booking_create(user=user, batch_id=batch.pk, participants=people(1))
    )
    with transaction.atomic():
        with pytest.raises(AlreadyBooked):
            services.booking_create(user=user, batch_id=batch.pk, participants=people(2))
        batch.refresh_from_db()  # the transaction still answers
        assert batch.seats_taken == 1
        assert Booking.objects.filter(user=user).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_batch_changing_at_every_look_ends_in_batch_full(monkeypatch):
    """The hold looks at most three times: a batch whose price moves after every look is refused with 409
    ``batch_full`` after the third write took nothing, and nothing of the booking exists."""
    from apps.bookings.services import holds

    batch = BatchFactory(total_seats=4, price=Decimal("10000.00"))
    user = UserFactory()
    real, looks = holds._look, []

    def look(**kwargs: Any) -> Any:
        read = real(**kwargs)
        looks.append(1)
        Batch.objects.filter(pk=batch.pk).update(price=Decimal("10000.00") + len(looks))
        return read

    monkeypatch.setattr(holds, "_look", look)
    with pytest.raises(BatchFull):
        services.booking_create(user=user, batch_id=batch.pk, participants=people(1))
    assert len(looks) == 3
    batch.refresh_from_db()
    assert batch.seats_taken == 0
    assert not Booking.objects.filter(user=user).exists()
    assert not Notification.objects.filter(user=user).exists()


@pytest.mark.django_db(transaction=True)
def test_add_ons_taken_for_a_write_that_took_no_seats_go_back(monkeypatch):
    """With add-ons, their stock is taken before the write in the hold's transaction: when the last seats go to
    someone else between the look and the write, the hold answers 409 ``batch_full`` and the stock goes back."""
    from apps.bookings.models import AddOn, AddOnStock

    batch = BatchFactory(total_seats=2)
    coat = AddOn.objects.create(
        trek=batch.trek, kind="rental", name="Down jacket", price=Decimal("199.99"), gst_rate=Decimal("0.12"),
        sizes=["S"], stock_per_departure=3,
    )  # fmt: skip
    user = UserFactory()
    looks = _between_look_and_write(
        monkeypatch, lambda: Batch.objects.filter(pk=batch.pk).update(seats_taken=2, status=Batch.Status.FULL)
    )
    with pytest.raises(BatchFull):
        services.booking_create(
            user=user, batch_id=batch.pk, participants=people(1), add_ons=[{"add_on": coat.pk, "size": "S"}]
        )
    assert looks == [1]  # refused at the write: its stock was taken, so no second look
    assert sum(AddOnStock.objects.filter(add_on=coat).values_list("taken", flat=True)) == 0
    assert not Booking.objects.filter(user=user).exists()
