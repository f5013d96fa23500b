"""One sign-in policy for every password form: the API's auth/login/ and the admin's /admin/login/.

Each rule is checked on both entry points: a per-IP rate shared by both, and a lockout per (address, IP) after
LOGIN_FAILURE_LIMIT failures that both count towards and both respect.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from apps.common.throttles import LoginThrottle
from apps.users.models import User
from apps.users.tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

WRONG = "Not-the-password-1"
HOME_IP, OTHER_IP = "203.0.113.7", "198.51.100.9"


@dataclass
class Answer:
    status: int
    signed_in: bool
    text: str
    retry_after: str | None


def _api(email: str, password: str, ip: str) -> Answer:
    response = APIClient().post(
        "/api/v1/auth/login/", {"email": email, "password": password}, format="json", REMOTE_ADDR=ip
    )
    return Answer(
        response.status_code, "access" in response.json(), response.content.decode(), response.get("Retry-After")
    )


def _admin(email: str, password: str, ip: str) -> Answer:
    browser = Client()
    response = browser.post(
        "/admin/login/", {"username": email, "password": password, "next": "/admin/"}, REMOTE_ADDR=ip
    )
    signed_in = response.status_code == 302 and browser.get("/admin/", REMOTE_ADDR=ip).status_code == 200
    return Answer(response.status_code, signed_in, response.content.decode(), response.get("Retry-After"))


ENTRY_POINTS: dict[str, Callable[[str, str, str], Answer]] = {"api": _api, "admin": _admin}
FAILED = {"api": 401, "admin": 200}  # the API's 401 envelope; the admin's form shown again with an error


@pytest.fixture
def staff(make_user: Callable[..., User]) -> User:
    """A super admin: may sign in on both entry points."""
    return make_user(email="ops.lead@example.com", staff_role="super_admin")


@pytest.fixture
def no_rate_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lift the per-IP rate so that the lockout alone is under test."""
    monkeypatch.setattr(LoginThrottle, "rate", "100000/min", raising=False)


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_39_wrong_passwords_then_the_right_one_does_not_sign_in(entry: str, staff: User, no_rate_limit: None) -> None:
    sign_in = ENTRY_POINTS[entry]
    answers = [sign_in(staff.email, WRONG, HOME_IP) for _ in range(39)]
    right = sign_in(staff.email, DEFAULT_PASSWORD, HOME_IP)
    assert [a.status for a in answers] == [FAILED[entry]] * 9 + [429] * 30
    assert (right.status, right.signed_in) == (429, False)


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_the_lockout_says_why_and_for_how_long(entry: str, staff: User, no_rate_limit: None) -> None:
    sign_in = ENTRY_POINTS[entry]
    for _ in range(10):
        locked = sign_in(staff.email, WRONG, HOME_IP)
    assert locked.status == 429
    assert locked.retry_after == "900"  # LOGIN_LOCKOUT_MINUTES = 15
    assert "Too many failed sign-ins for this account from your network. Try again in 15 minutes" in locked.text
    if entry == "api":
        assert json.loads(locked.text)["error"]["code"] == "login_locked"


@pytest.mark.parametrize(("first", "second"), [("api", "admin"), ("admin", "api")])
def test_both_entry_points_count_towards_one_lockout(first: str, second: str, staff: User, no_rate_limit: None) -> None:
    for _ in range(5):
        ENTRY_POINTS[first](staff.email, WRONG, HOME_IP)
    for _ in range(4):
        assert ENTRY_POINTS[second](staff.email, WRONG, HOME_IP).status == FAILED[second]
    assert ENTRY_POINTS[second](staff.email, WRONG, HOME_IP).status == 429
    for sign_in in ENTRY_POINTS.values():
        assert sign_in(staff.email, DEFAULT_PASSWORD, HOME_IP).status == 429


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_the_lock_is_per_address_and_ip(
    entry: str, staff: User, make_user: Callable[..., User], no_rate_limit: None
) -> None:
    """An attacker cannot lock the owner out from elsewhere, nor lock other accounts from their own address."""
    sign_in = ENTRY_POINTS[entry]
    colleague = make_user(email="finance.lead@example.com", staff_role="super_admin")
    for _ in range(10):
        sign_in(staff.email, WRONG, HOME_IP)
    assert sign_in(staff.email, DEFAULT_PASSWORD, HOME_IP).status == 429
    assert sign_in(staff.email, DEFAULT_PASSWORD, OTHER_IP).signed_in
    assert sign_in(colleague.email, DEFAULT_PASSWORD, HOME_IP).signed_in


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_spellings_of_one_address_share_one_count(entry: str, staff: User, no_rate_limit: None) -> None:
    sign_in = ENTRY_POINTS[entry]
    spellings = [staff.email, staff.email.upper(), f" {staff.email} ", staff.email.title()]
    for index in range(10):
        sign_in(spellings[index % len(spellings)], WRONG, HOME_IP)
    assert sign_in(staff.email, DEFAULT_PASSWORD, HOME_IP).status == 429


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_unknown_addresses_lock_alike(entry: str, staff: User, no_rate_limit: None) -> None:
    """The answers do not tell whether an address has an account."""
    sign_in = ENTRY_POINTS[entry]
    known = [sign_in(staff.email, WRONG, HOME_IP).status for _ in range(11)]
    unknown = [sign_in("nobody@example.com", WRONG, HOME_IP).status for _ in range(11)]
    assert known == unknown


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_the_lock_ends_after_the_cool_off(entry: str, staff: User, no_rate_limit: None) -> None:
    sign_in = ENTRY_POINTS[entry]
    for _ in range(10):
        sign_in(staff.email, WRONG, HOME_IP)
    with time_machine.travel(timezone.now() + timedelta(minutes=14)):
        assert sign_in(staff.email, DEFAULT_PASSWORD, HOME_IP).status == 429  # and the wait starts again
    with time_machine.travel(timezone.now() + timedelta(minutes=14 + 16)):
        assert sign_in(staff.email, DEFAULT_PASSWORD, HOME_IP).signed_in


@pytest.mark.parametrize(
    "command",
    [
        ("axes_reset_username", "ops.lead@example.com"),
        ("axes_reset_ip", HOME_IP),
        ("axes_reset_ip_username", HOME_IP, "ops.lead@example.com"),
        ("axes_reset",),
    ],
    ids=lambda c: c[0],
)
@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_staff_unlock_with_the_axes_reset_commands(
    entry: str, command: tuple[str, ...], staff: User, no_rate_limit: None
) -> None:
    sign_in = ENTRY_POINTS[entry]
    for _ in range(10):
        sign_in(staff.email, WRONG, HOME_IP)
    call_command(*command, stdout=io.StringIO())
    assert sign_in(staff.email, DEFAULT_PASSWORD, HOME_IP).signed_in


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_a_successful_sign_in_clears_the_count(entry: str, staff: User, no_rate_limit: None) -> None:
    sign_in = ENTRY_POINTS[entry]
    for _ in range(3):
        for _ in range(9):
            assert sign_in(staff.email, WRONG, HOME_IP).status == FAILED[entry]
        assert sign_in(staff.email, DEFAULT_PASSWORD, HOME_IP).signed_in


def test_the_api_sign_in_records_last_login(staff: User) -> None:
    assert _api(staff.email, DEFAULT_PASSWORD, HOME_IP).signed_in
    staff.refresh_from_db()
    assert staff.last_login is not None


@pytest.mark.parametrize(("first", "second"), [("api", "admin"), ("admin", "api")])
def test_one_rate_per_ip_for_both_entry_points(first: str, second: str, make_user: Callable[..., User]) -> None:
    """THROTTLE_LOGIN (10 a minute per client IP) counts sign-in attempts on both entry points together."""
    statuses = [ENTRY_POINTS[first](f"a{n}@example.com", WRONG, HOME_IP).status for n in range(6)]
    statuses += [ENTRY_POINTS[second](f"b{n}@example.com", WRONG, HOME_IP).status for n in range(5)]
    assert statuses == [FAILED[first]] * 6 + [FAILED[second]] * 4 + [429]
    assert ENTRY_POINTS[first]("c@example.com", WRONG, OTHER_IP).status == FAILED[first]  # another client


def test_the_admin_rate_limit_says_why(make_user: Callable[..., User]) -> None:
    for n in range(10):
        _admin(f"a{n}@example.com", WRONG, HOME_IP)
    refused = _admin("a@example.com", WRONG, HOME_IP)
    assert refused.status == 429
    assert refused.retry_after is not None
    assert int(refused.retry_after) > 0
    assert "Too many sign-in attempts from your network" in refused.text


def test_the_admin_sign_in_page_still_shows_when_locked(staff: User, no_rate_limit: None) -> None:
    for _ in range(10):
        _admin(staff.email, WRONG, HOME_IP)
    assert Client().get("/admin/login/", REMOTE_ADDR=HOME_IP).status_code == 200
