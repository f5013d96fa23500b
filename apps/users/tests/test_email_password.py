"""E-mail verification links, e-mail change, password reset and change."""

from __future__ import annotations

import statistics
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import time_machine
from django.contrib.auth.hashers import get_hasher
from django.core.signals import request_finished
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from apps.common.services import run_after_response, take_after_response
from apps.common.throttles import PasswordResetThrottle
from apps.notifications.models import Delivery
from apps.users.models import User
from apps.users.services import token_pair_for
from apps.users.tests.conftest import Outbox
from apps.users.tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

VERIFY_TEMPLATE = "email_verification"
RESET_TEMPLATE = "password_reset"
NEW_PASSWORD = "Chadar-Trek-2027!"


def _query(link: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlparse(link).query).items()}


@pytest.fixture
def request_reset(api_client: Any, django_capture_on_commit_callbacks: Any) -> Any:
    """Ask for a reset and run what the request queued on commit (the lookup-and-mail task)."""

    def _request(email: str) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return api_client.post("/api/v1/auth/password/reset/", {"email": email})

    return _request


def _register(api_client: Any, email: str = "new@example.com") -> Any:
    return api_client.post("/api/v1/auth/register/", {"email": email, "password": "Kedarkantha-2026"}, format="json")


def test_registration_mails_a_signed_verification_link(api_client: Any, sent: Outbox) -> None:
    assert _register(api_client).status_code == 201
    (message,) = sent.of(VERIFY_TEMPLATE)
    assert message["email"] == "new@example.com"
    assert message["category"] == "security"
    assert message["sensitive"]
    token = _query(message["context"]["link"])["token"]
    response = api_client.post("/api/v1/auth/email/verify/", {"token": token}, format="json")
    assert response.status_code == 200
    assert response.json()["email_verified"] is True
    assert User.objects.get(email="new@example.com").email_verified


def test_verification_link_expires(api_client: Any, sent: Outbox, settings: Any) -> None:
    _register(api_client)
    token = _query(sent.last_link(VERIFY_TEMPLATE))["token"]
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=settings.EMAIL_VERIFICATION_MAX_AGE + 5)):
        response = api_client.post("/api/v1/auth/email/verify/", {"token": token}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "verification_link_expired"
    assert not User.objects.get(email="new@example.com").email_verified


@pytest.mark.parametrize("token", ["garbage", "eyJ1IjoiMSJ9:1tQ:abc"])
def test_tampered_verification_link(api_client: Any, token: str) -> None:
    response = api_client.post("/api/v1/auth/email/verify/", {"token": token}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "verification_link_invalid"


def test_resend_verification(client_for: Any, make_user: Any, sent: Outbox) -> None:
    unverified = make_user(email_verified=False)
    assert client_for(unverified).post("/api/v1/auth/email/verify/resend/").status_code == 202
    assert len(sent.of(VERIFY_TEMPLATE)) == 1
    verified = make_user()
    assert client_for(verified).post("/api/v1/auth/email/verify/resend/").status_code == 202
    assert len(sent.of(VERIFY_TEMPLATE)) == 1


def test_email_change_takes_effect_only_when_the_new_address_is_confirmed(
    client_for: Any, user: User, sent: Outbox, api_client: Any
) -> None:
    old = user.email
    client = client_for(user)
    response = client.post("/api/v1/users/me/email/", {"email": "Moved@Example.com", "password": DEFAULT_PASSWORD})
    assert response.status_code == 202
    user.refresh_from_db()
    assert user.email == old
    message = sent.of(VERIFY_TEMPLATE)[-1]
    assert message["email"] == "moved@example.com"
    token = _query(message["context"]["link"])["token"]
    assert api_client.post("/api/v1/auth/email/verify/", {"token": token}).status_code == 200
    user.refresh_from_db()
    assert user.email == "moved@example.com"
    assert user.email_verified
    # the same link cannot be replayed once the address changed
    assert api_client.post("/api/v1/auth/email/verify/", {"token": token}).status_code == 400


def test_email_change_needs_the_password(client_for: Any, user: User, sent: Outbox) -> None:
    response = client_for(user).post("/api/v1/users/me/email/", {"email": "x@example.com", "password": "wrong"})
    assert response.status_code == 400
    assert not sent


def test_email_change_to_a_taken_address_conflicts_on_confirmation(
    client_for: Any, user: User, make_user: Any, sent: Outbox, api_client: Any
) -> None:
    make_user(email="taken@example.com")
    response = client_for(user).post(
        "/api/v1/users/me/email/", {"email": "taken@example.com", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 202  # no hint whether the address is in use
    token = _query(sent.last_link(VERIFY_TEMPLATE))["token"]
    confirm = api_client.post("/api/v1/auth/email/verify/", {"token": token})
    assert confirm.status_code == 409
    assert confirm.json()["error"]["code"] == "email_taken"


# --- password reset ---------------------------------------------------------------------------------


def test_reset_answers_are_identical_for_known_and_unknown_addresses(
    request_reset: Any, api_client: Any, user: User, sent: Outbox
) -> None:
    known = request_reset(user.email.upper())
    unknown = request_reset("nobody@example.com")
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    (message,) = sent.of(RESET_TEMPLATE)
    assert message["email"] == user.email
    assert message["sensitive"] is True


def test_reset_confirm_changes_the_password_and_revokes_every_session(
    request_reset: Any, api_client: Any, user: User, sent: Outbox
) -> None:
    sessions = [token_pair_for(user) for _ in range(3)]
    request_reset(user.email)
    params = _query(sent.last_link(RESET_TEMPLATE))

    response = api_client.post(
        "/api/v1/auth/password/reset/confirm/", {**params, "new_password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True).exists()
    for pair in sessions:
        refresh = api_client.post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]})
        assert refresh.status_code == 401
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
        assert api_client.get("/api/v1/users/me/").status_code == 401  # access tokens die with the password
        api_client.credentials()
    # single use
    again = api_client.post(
        "/api/v1/auth/password/reset/confirm/", {**params, "new_password": "Another-Pass-99"}, format="json"
    )
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "reset_link_invalid"


def test_reset_confirm_verifies_the_address(request_reset: Any, api_client: Any, make_user: Any, sent: Outbox) -> None:
    user = make_user(email_verified=False)
    request_reset(user.email)
    params = _query(sent.last_link(RESET_TEMPLATE))
    api_client.post("/api/v1/auth/password/reset/confirm/", {**params, "new_password": NEW_PASSWORD})
    user.refresh_from_db()
    assert user.email_verified


@pytest.mark.parametrize(
    "payload",
    [
        {"uid": "bm9wZQ", "token": "abc-def"},
        {"uid": "!!!", "token": "abc-def"},
    ],
)
def test_reset_confirm_with_bad_link(api_client: Any, payload: dict[str, str]) -> None:
    response = api_client.post("/api/v1/auth/password/reset/confirm/", {**payload, "new_password": NEW_PASSWORD})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "reset_link_invalid"


def test_reset_confirm_rejects_a_weak_password(request_reset: Any, api_client: Any, user: User, sent: Outbox) -> None:
    request_reset(user.email)
    params = _query(sent.last_link(RESET_TEMPLATE))
    response = api_client.post("/api/v1/auth/password/reset/confirm/", {**params, "new_password": "12345678"})
    assert response.status_code == 400
    assert "new_password" in response.json()["error"]["details"]


def test_inactive_account_gets_no_reset_mail(request_reset: Any, api_client: Any, make_user: Any, sent: Outbox) -> None:
    user = make_user(is_active=False)
    assert request_reset(user.email).status_code == 202
    assert not sent


def test_password_reset_is_throttled(api_client: Any) -> None:
    codes = [
        api_client.post("/api/v1/auth/password/reset/", {"email": f"n{i}@example.com"}).status_code for i in range(6)
    ]
    assert codes == [202] * 5 + [429]


def _real_notify(monkeypatch: pytest.MonkeyPatch) -> None:
    """Undo the ``sent`` capture: messages go through ``notify()`` (deliveries, e-mail), as in production."""
    from apps.notifications.services import notify

    monkeypatch.setattr("apps.users.sending._notify", lambda **kwargs: notify(**kwargs))


@pytest.fixture
def handed_over() -> Iterator[list[Any]]:
    """The work requests hand over to after their response, collected here instead of run."""
    collected: list[Any] = []

    def collect(**kwargs: Any) -> None:
        collected.extend(take_after_response())

    request_finished.disconnect(dispatch_uid="common.run_after_response")
    request_finished.connect(collect, dispatch_uid="test.collect_after_response")
    try:
        yield collected
    finally:
        request_finished.disconnect(dispatch_uid="test.collect_after_response")
        request_finished.connect(run_after_response, dispatch_uid="common.run_after_response")


@pytest.mark.django_db(transaction=True)
def test_reset_request_does_the_same_work_for_known_and_unknown_addresses(
    api_client: Any, make_user: Any, handed_over: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the request itself runs (SQL, password hashing) does not depend on the address; the lookup and the
    e-mail are handed over to after the response."""
    _real_notify(monkeypatch)
    user = make_user()
    hasher_calls: Counter[str] = Counter()
    hasher = get_hasher()
    for name in ("encode", "verify"):
        original = getattr(type(hasher), name)
        monkeypatch.setattr(
            type(hasher),
            name,
            lambda self, *a, _n=name, _o=original, **k: (hasher_calls.update([_n]), _o(self, *a, **k))[1],
        )

    def request(email: str) -> tuple[Any, int, int, int]:
        hasher_calls.clear()
        before = len(handed_over)
        with CaptureQueriesContext(connection) as queries:
            response = api_client.post("/api/v1/auth/password/reset/", {"email": email})
        return response, len(queries), sum(hasher_calls.values()), len(handed_over) - before

    known, known_sql, known_hashes, known_handed = request(user.email)
    unknown, unknown_sql, unknown_hashes, unknown_handed = request("nobody@example.com")

    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert known_sql == unknown_sql
    assert known_hashes == unknown_hashes
    assert known_handed == unknown_handed == 1
    assert not Delivery.objects.exists(), "nothing about the account was done inside the request"

    known_work, unknown_work = handed_over
    known_work()
    assert Delivery.objects.filter(template=RESET_TEMPLATE, recipient=user.email).count() == 1
    unknown_work()
    assert Delivery.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_reset_timing_is_the_same_for_known_and_unknown_addresses(
    live_server: Any, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over HTTP against a live server with tasks in-process (as under ``make run``): 20 interleaved pairs,
    the order flipped every pair; the medians differ by less than 10 ms. Each request waits until the server
    has finished the previous one, including its work after the response."""
    _real_notify(monkeypatch)
    monkeypatch.setattr(PasswordResetThrottle, "rate", "10000/min", raising=False)
    user = make_user()
    finished = threading.Event()
    request_finished.connect(lambda **kwargs: finished.set(), weak=False, dispatch_uid="test.reset_finished")
    url = f"{live_server.url}/api/v1/auth/password/reset/"

    def timed(email: str) -> float:
        finished.clear()
        start = time.perf_counter()
        response = requests.post(url, json={"email": email}, timeout=30)
        elapsed = time.perf_counter() - start
        assert response.status_code == 202, response.text
        assert finished.wait(30), "the server did not finish the request"
        return elapsed

    try:
        timed(user.email), timed("warm-up@example.com")
        known: list[float] = []
        unknown: list[float] = []
        for index in range(20):
            pair = [(user.email, known), (f"nobody{index}@example.com", unknown)]
            for email, bucket in pair if index % 2 == 0 else reversed(pair):
                bucket.append(timed(email))
    finally:
        request_finished.disconnect(dispatch_uid="test.reset_finished")

    difference_ms = abs(statistics.median(known) - statistics.median(unknown)) * 1000
    assert difference_ms < 10, (statistics.median(known), statistics.median(unknown))
    assert Delivery.objects.filter(template=RESET_TEMPLATE, recipient=user.email).count() == 21


# --- password change --------------------------------------------------------------------------------


def test_password_change_revokes_other_sessions_and_returns_a_new_pair(
    client_for: Any, user: User, api_client: Any
) -> None:
    other = token_pair_for(user)
    response = client_for(user).post(
        "/api/v1/auth/password/change/", {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 200
    assert api_client.post("/api/v1/auth/token/refresh/", {"refresh": other["refresh"]}).status_code == 401
    assert api_client.post("/api/v1/auth/token/refresh/", {"refresh": response.json()["refresh"]}).status_code == 200


def test_password_change_needs_the_current_password(client_for: Any, user: User) -> None:
    response = client_for(user).post(
        "/api/v1/auth/password/change/", {"current_password": "nope", "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)
