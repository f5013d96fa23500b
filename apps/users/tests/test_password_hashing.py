"""No password is hashed or checked while a transaction of the code under test is open, and no more hashes run at
once than there are CPUs (apps/users/passwords.py).

A hash inside a transaction holds its locks for the length of the hash: under SQLite the one write lock of
the database. The test hasher notes, for every hash and every check, how many transactions the request had
open. The routes come from the OpenAPI document (every operation whose body has a password field): each needs
a successful call below, so a new one fails this test until it has one. The admin's forms are added by hand.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.contrib.auth import hashers
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.tokens import default_token_generator
from django.db import connection
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from apps.users.models import User
from apps.users.passwords import HASHING_SLOTS, PBKDF2PasswordHasher
from apps.users.services import token_pair_for
from apps.users.tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Roopkund-Skeleton-Lake-2027"


class Recorder:
    """Collects (what, transactions open) for each hash and check made inside ``recording()``."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []
        self.baseline: int | None = None

    def note(self, what: str) -> None:
        if self.baseline is not None:
            self.calls.append((what, len(connection.atomic_blocks) - self.baseline))

    @contextmanager
    def recording(self) -> Iterator[None]:
        self.baseline = len(connection.atomic_blocks)  # the test's own transaction
        try:
            yield
        finally:
            self.baseline = None


RECORDER = Recorder()


class RecordingHasher(MD5PasswordHasher):
    """The test suite's fast hasher, reporting every hash and check to ``RECORDER``."""

    def encode(self, password: str, salt: str) -> str:
        RECORDER.note("hash")
        return super().encode(password, salt)

    def verify(self, password: str, encoded: str) -> bool:
        RECORDER.note("check")
        return super().verify(password, encoded)


@pytest.fixture
def recorder(settings: Any) -> Iterator[Recorder]:
    settings.PASSWORD_HASHERS = [f"{__name__}.RecordingHasher"]
    RECORDER.calls.clear()
    yield RECORDER
    RECORDER.calls.clear()


def _bearer(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for(user)['access']}")
    return client


def _admin(make_user: Callable[..., User]) -> Client:
    client = Client()
    client.force_login(make_user(staff_role="super_admin"))
    return client


# Each case prepares what it needs, then makes its one request inside ``recording()``; (status expected).
Case = Callable[[Callable[..., User], Recorder], Any]


def _register(make_user: Callable[..., User], recorder: Recorder) -> Any:
    with recorder.recording():
        return APIClient().post("/api/v1/auth/register/", {"email": "new@example.com", "password": NEW_PASSWORD})


def _login(make_user: Callable[..., User], recorder: Recorder) -> Any:
    user = make_user()
    with recorder.recording():
        return APIClient().post("/api/v1/auth/login/", {"email": user.email, "password": DEFAULT_PASSWORD})


def _password_change(make_user: Callable[..., User], recorder: Recorder) -> Any:
    client = _bearer(make_user())
    body = {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}
    with recorder.recording():
        return client.post("/api/v1/auth/password/change/", body)


def _password_reset_confirm(make_user: Callable[..., User], recorder: Recorder) -> Any:
    user = make_user()
    body = {
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
        "new_password": NEW_PASSWORD,
    }
    with recorder.recording():
        return APIClient().post("/api/v1/auth/password/reset/confirm/", body)


def _email_change(make_user: Callable[..., User], recorder: Recorder) -> Any:
    client = _bearer(make_user())
    with recorder.recording():
        return client.post("/api/v1/users/me/email/", {"email": "moved@example.com", "password": DEFAULT_PASSWORD})


def _account_delete(make_user: Callable[..., User], recorder: Recorder) -> Any:
    client = _bearer(make_user())
    with recorder.recording():
        return client.post("/api/v1/users/me/delete/", {"password": DEFAULT_PASSWORD})


def _admin_login(make_user: Callable[..., User], recorder: Recorder) -> Any:
    staff = make_user(staff_role="super_admin")
    with recorder.recording():
        return Client().post(
            "/admin/login/", {"username": staff.email, "password": DEFAULT_PASSWORD, "next": "/admin/"}
        )


def _admin_add_user(make_user: Callable[..., User], recorder: Recorder) -> Any:
    client = _admin(make_user)
    body = {"email": "added@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "staff_role": ""}
    with recorder.recording():
        return client.post("/admin/users/user/add/", {**body, "usable_password": "true"})


def _admin_set_password(make_user: Callable[..., User], recorder: Recorder) -> Any:
    client, user = _admin(make_user), make_user()
    body = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true", "set-password": "1"}
    with recorder.recording():
        return client.post(f"/admin/users/user/{user.pk}/password/", body)


API_CASES: dict[tuple[str, str], tuple[Case, int]] = {
    ("POST", "/api/v1/auth/register/"): (_register, 201),
    ("POST", "/api/v1/auth/login/"): (_login, 200),
    ("POST", "/api/v1/auth/password/change/"): (_password_change, 200),
    ("POST", "/api/v1/auth/password/reset/confirm/"): (_password_reset_confirm, 200),
    ("POST", "/api/v1/users/me/email/"): (_email_change, 202),
    ("POST", "/api/v1/users/me/delete/"): (_account_delete, 204),
}
ADMIN_CASES: dict[tuple[str, str], tuple[Case, int]] = {
    ("POST", "/admin/login/"): (_admin_login, 302),
    ("POST", "/admin/users/user/add/"): (_admin_add_user, 302),
    ("POST", "/admin/users/user/{id}/password/"): (_admin_set_password, 302),
}


def _operations_taking_a_password() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    found = set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for media in operation.get("requestBody", {}).get("content", {}).values():
                body = media["schema"]
                if "$ref" in body:
                    body = components[body["$ref"].rsplit("/", 1)[-1]]
                if any("password" in name for name in body.get("properties", {})):
                    found.add((method.upper(), path))
    return found


def test_every_route_taking_a_password_has_a_case() -> None:
    found = _operations_taking_a_password()
    missing = sorted(f"{method} {path}" for method, path in found - set(API_CASES))
    assert not missing, "add a successful call for each to API_CASES:\n" + "\n".join(missing)
    assert not set(API_CASES) - found, "API_CASES lists an operation that takes no password any more"


@pytest.mark.parametrize("key", [*API_CASES, *ADMIN_CASES], ids=lambda key: f"{key[0]} {key[1]}")
def test_passwords_are_hashed_and_checked_outside_transactions(
    key: tuple[str, str], recorder: Recorder, make_user: Callable[..., User]
) -> None:
    case, expected = {**API_CASES, **ADMIN_CASES}[key]
    response = case(make_user, recorder)
    assert response.status_code == expected, response.content[:500]
    assert recorder.calls, "the request neither hashed nor checked a password"
    inside = [what for what, depth in recorder.calls if depth > 0]
    assert not inside, f"{key}: {inside} made inside a transaction ({recorder.calls})"


# --- at most one hash per CPU at a time --------------------------------------------------------------------


def test_the_default_hasher_is_djangos_with_a_limit() -> None:
    from config.settings import base

    assert base.PASSWORD_HASHERS[0] == "apps.users.passwords.PBKDF2PasswordHasher"
    limited, django = PBKDF2PasswordHasher(), hashers.PBKDF2PasswordHasher()
    assert limited.algorithm == django.algorithm
    assert limited.encode(NEW_PASSWORD, "salt" * 4, 1000) == django.encode(NEW_PASSWORD, "salt" * 4, 1000)
    assert limited.verify(NEW_PASSWORD, django.encode(NEW_PASSWORD, "salt" * 4, 1000))


def test_hashes_run_at_most_one_per_cpu_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    entered, release, lock = threading.Semaphore(0), threading.Event(), threading.Lock()
    running: list[int] = [0, 0]  # now, most at once

    def slow_encode(self: Any, password: str, salt: str, iterations: int | None = None) -> str:
        with lock:
            running[0] += 1
            running[1] = max(running)
        entered.release()
        release.wait(timeout=120)
        with lock:
            running[0] -= 1
        return "hashed"

    monkeypatch.setattr(hashers.PBKDF2PasswordHasher, "encode", slow_encode)
    threads = [
        threading.Thread(target=PBKDF2PasswordHasher().encode, args=(NEW_PASSWORD, "salt"))
        for _ in range(HASHING_SLOTS + 3)
    ]
    for thread in threads:
        thread.start()
    try:
        for _ in range(HASHING_SLOTS):
            assert entered.acquire(timeout=60), "a free slot was not taken"
        assert not entered.acquire(timeout=2), "a hash started while every slot was busy"
    finally:
        release.set()
        for thread in threads:
            thread.join(timeout=60)
    assert running == [0, HASHING_SLOTS]
