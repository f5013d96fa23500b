"""The deferred user: a view that reads the signed-in user in its own first statement (``POST /api/v1/bookings/``)
answers exactly what the usual read would have made it answer, for every state a user's authority can be in.

Each case is one user state (active; deactivated, password changed or deleted after the token was issued) and
one request (a bookable batch, a full one, an unknown one, an invalid body, a malformed batch id). A refused user
gets the 401 (status and error code) that an endpoint authenticating as usual gives the same token, before any
other answer, and nothing is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from apps.bookings.models import Booking, BookingParticipant
from apps.bookings.tests.conftest import people
from apps.common.models import AuditLog
from apps.notifications.models import Notification
from apps.treks.models import Batch
from apps.treks.tests.factories import BatchFactory
from apps.users.authentication import _deferred, ensure_verified, is_deferred
from apps.users.models import User
from apps.users.services import token_pair_for
from apps.users.tiers import tier_discount_percent

pytestmark = pytest.mark.django_db

USUAL = "/api/v1/bookings/"  # GET: the same view, authenticated as every other endpoint is
SOS = "/api/v1/emergency/sos/"
SOS_BODY = {"latitude": 32.3182, "longitude": 77.1874, "accuracy_m": 12, "battery_pct": 41, "message": "fell"}


def _client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def _deactivate(user: User) -> None:
    User.objects.filter(pk=user.pk).update(is_active=False)


def _change_password(user: User) -> None:
    user.set_password("a-new-Passw0rd-for-the-test")
    user.save(update_fields=["password"])


def _delete(user: User) -> None:
    User.objects.filter(pk=user.pk).delete()


CHANGES: dict[str, Callable[[User], None]] = {
    "deactivated": _deactivate,
    "password_changed": _change_password,
    "deleted": _delete,
}


def _bodies(open_batch: Batch, full_batch: Batch) -> dict[str, dict[str, Any]]:
    return {
        "bookable": {"batch": str(open_batch.pk), "participants": people(1)},
        "full": {"batch": str(full_batch.pk), "participants": people(1)},
        "unknown_batch": {"batch": "00000000-0000-0000-0000-000000000000", "participants": people(1)},
        "invalid_body": {"batch": str(open_batch.pk), "participants": []},
        "malformed_batch_id": {"batch": "not-a-uuid", "participants": people(1)},
    }


def _written() -> tuple[int, ...]:
    return (
        Booking.objects.count(),
        BookingParticipant.objects.count(),
        AuditLog.objects.count(),
        Notification.objects.count(),
        sum(Batch.objects.values_list("seats_taken", flat=True)),
    )


@pytest.mark.parametrize("change", sorted(CHANGES))
@pytest.mark.parametrize("body", ["bookable", "full", "unknown_batch", "invalid_body", "malformed_batch_id"])
def test_a_refused_user_gets_the_usual_401_first_and_nothing_is_written(make_user, change: str, body: str) -> None:
    user = make_user()
    token = token_pair_for(user)["access"]
    open_batch, full_batch = BatchFactory(total_seats=5), BatchFactory(total_seats=1)
    Batch.objects.filter(pk=full_batch.pk).update(seats_taken=1, status=Batch.Status.FULL)
    CHANGES[change](user)
    usual = _client(token).get(USUAL)
    assert usual.status_code == 401
    before = _written()
    response = _client(token).post(USUAL, _bodies(open_batch, full_batch)[body], format="json")
    assert response.status_code == 401, response.content
    assert response.json()["error"]["code"] == usual.json()["error"]["code"]
    assert response.headers.get("WWW-Authenticate") == usual.headers.get("WWW-Authenticate")
    assert _written() == before


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("bookable", 201, None),
        ("full", 409, "batch_full"),
        ("unknown_batch", 404, "not_found"),
        ("invalid_body", 400, "validation_error"),
        ("malformed_batch_id", 400, "validation_error"),
    ],
)
def test_an_active_user_gets_the_answer_of_the_request(make_user, body: str, status: int, code: str | None) -> None:
    user = make_user()
    open_batch, full_batch = BatchFactory(total_seats=5), BatchFactory(total_seats=1)
    Batch.objects.filter(pk=full_batch.pk).update(seats_taken=1, status=Batch.Status.FULL)
    response = _client(token_pair_for(user)["access"]).post(USUAL, _bodies(open_batch, full_batch)[body], format="json")
    assert response.status_code == status, response.content
    if code is not None:
        assert response.json()["error"]["code"] == code


_MISSING = object()
# the user id claim of a validly signed token, by class: absent, null, wrong types, out of range, not finite, text that
# is no id (empty, null byte, Devanagari, a huge one), another user's id as an integer
HOSTILE_CLAIMS = [
    _MISSING, None, True, 0, 123, -1, 2**200, 1.5, float("nan"), float("inf"), "", "not-a-user-id", "\x00",
    "उपयोगकर्ता", "a" * 100_000, [], ["00000000-0000-0000-0000-000000000000"], {"id": 1},
]  # fmt: skip


@pytest.mark.parametrize("claim", HOSTILE_CLAIMS, ids=range(len(HOSTILE_CLAIMS)))
@pytest.mark.parametrize("path", [USUAL, SOS])
def test_a_token_whose_user_id_is_no_user_gets_the_usual_401(make_user, claim: Any, path: str) -> None:
    batch = BatchFactory(total_seats=5)
    body = SOS_BODY if path == SOS else {"batch": str(batch.pk), "participants": people(1)}
    token = AccessToken.for_user(make_user())
    if claim is _MISSING:
        del token["user_id"]
    else:
        token["user_id"] = claim
    usual = _client(str(token)).get(USUAL)
    response = _client(str(token)).post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert (response.status_code, response.json()["error"]["code"]) == (401, usual.json()["error"]["code"])
    assert Booking.objects.count() == 0


def test_the_booking_is_made_for_the_whole_user_read_in_the_look(make_user) -> None:
    """The booker's row read in the look is the whole user: tier discount and the lead's experience come from it."""
    user = make_user(tribe_tier=User.TribeTier.TRAIL_BLAZER, experience_level=User.ExperienceLevel.INTERMEDIATE)
    batch = BatchFactory(total_seats=5, price=Decimal("10000.00"))
    client = _client(token_pair_for(user)["access"])
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(USUAL, {"batch": str(batch.pk), "participants": people(1)}, format="json")
    assert response.status_code == 201, response.content
    booking = Booking.objects.get(pk=response.json()["id"])
    assert booking.tier_discount_percent == tier_discount_percent(User.objects.get(pk=user.pk)) > 0
    lead = booking.participants.get(is_lead=True)
    assert lead.experience_level == User.ExperienceLevel.INTERMEDIATE
    statements = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) == 2, statements  # the look (the user in it) and the write


def test_reading_a_field_of_a_deferred_user_verifies_it_first(make_user) -> None:
    active, inactive = make_user(first_name="Asha"), make_user()
    deferred = _deferred(AccessToken.for_user(active))
    assert is_deferred(deferred)
    assert deferred.first_name == "Asha"  # one read: the whole user, checked
    assert not is_deferred(deferred)
    assert deferred.get_deferred_fields() == set()
    token = AccessToken.for_user(inactive)
    _deactivate(inactive)
    unverified = _deferred(token)
    with pytest.raises(AuthenticationFailed):
        _ = unverified.email
    with pytest.raises(AuthenticationFailed):
        ensure_verified(_deferred(token))


@pytest.mark.parametrize("change", sorted(CHANGES))
@pytest.mark.parametrize("request_kind", ["new", "replay", "invalid_body", "no_key"])
def test_an_sos_of_a_refused_user_gets_the_usual_401_and_writes_nothing(
    make_user, change: str, request_kind: str
) -> None:
    from apps.emergency.models import Incident

    user = make_user(phone="+919811111111")
    client = _client(token_pair_for(user)["access"])
    key = "8f0b3c52-4a55-4d0e-9d7e-6f1f0c1d2e3a"
    if request_kind == "replay":
        if change == "deleted":
            pytest.skip("a trekker with an incident cannot be deleted (the incident protects them)")
        assert client.post(SOS, SOS_BODY, format="json", HTTP_IDEMPOTENCY_KEY=key).status_code == 201
    CHANGES[change](user)
    usual = client.get(USUAL)
    incidents, alerts = Incident.objects.count(), Notification.objects.count()
    body = {"latitude": "north"} if request_kind == "invalid_body" else SOS_BODY
    headers = {} if request_kind == "no_key" else {"HTTP_IDEMPOTENCY_KEY": key}
    response = client.post(SOS, body, format="json", **headers)
    assert (response.status_code, response.json()["error"]["code"]) == (401, usual.json()["error"]["code"])
    assert (Incident.objects.count(), Notification.objects.count()) == (incidents, alerts)


@pytest.mark.parametrize(("path", "body"), [(USUAL, "bookable"), (USUAL, "invalid_body"), (SOS, "sos")])
def test_a_database_that_fails_is_answered_as_for_the_usual_read(make_user, path: str, body: str) -> None:
    """Every statement failing (the database gone): the answer the usual read's failure gets, never a 500."""
    from django.db import OperationalError

    user = make_user()
    client = _client(token_pair_for(user)["access"])
    payload = SOS_BODY if body == "sos" else _bodies(BatchFactory(), BatchFactory())[body]

    def down(*args: Any) -> Any:
        raise OperationalError("server closed the connection unexpectedly")

    with connection.execute_wrapper(down):
        usual = client.get(USUAL)
        response = client.post(
            path, payload, format="json", HTTP_IDEMPOTENCY_KEY="8f0b3c52-4a55-4d0e-9d7e-6f1f0c1d2e3a"
        )
    assert usual.status_code == 503
    assert (response.status_code, response.json()["error"]["code"]) == (503, usual.json()["error"]["code"])


def test_the_default_throttles_read_no_field_of_a_deferred_user(make_user, monkeypatch: pytest.MonkeyPatch) -> None:
    """Production throttles the booking view by user (tests turn throttles off): the throttles use the user's id
    and ``is_authenticated`` only, so the look is still where the row is read (2 statements for a 201)."""
    from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

    from apps.bookings.views.bookings import BookingListCreateView

    monkeypatch.setattr(BookingListCreateView, "throttle_classes", [AnonRateThrottle, UserRateThrottle])
    client = _client(token_pair_for(make_user())["access"])
    batch = BatchFactory(total_seats=5)
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(USUAL, {"batch": str(batch.pk), "participants": people(1)}, format="json")
    assert response.status_code == 201, response.content
    statements = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) == 2, statements
