"""The service as real server processes: `make run`'s (runserver, threaded, ``config.settings.dev``, SQLite in a
throwaway file) and production's (gunicorn with deploy/gunicorn.conf.py and ``config.settings.prod``).

What only a real server shows: a response header the server refuses (a 500 instead of the 413 envelope), the
listen backlog and the SQLite write lock under concurrent sign-ups, and what DEBUG does to unknown addresses.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection

from apps.common.tests.production_env import production_env
from scripts.bench import fetch, free_port, post_sos, stop_process_group

pytestmark = pytest.mark.slow

ROOT = Path(settings.BASE_DIR)
# Set by the test settings for this process; the servers get their own.
_TEST_ONLY_ENV = ("DATABASE_URL", "REDIS_URL", "OTP_REDIS_URL", "DJANGO_SETTINGS_MODULE", "OBS_TEST_CACHE_PREFIX")
SIGN_UPS = 32
PASSWORD = "Hampta-Pass-Crossing-2026"


@dataclass(frozen=True)
class Server:
    base: str
    log: Path
    database: Path

    @property
    def address(self) -> tuple[str, int]:
        parts = urlsplit(self.base)
        return parts.hostname or "127.0.0.1", parts.port or 80


def _env(**values: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in _TEST_ONLY_ENV}
    return {**env, "PYTHONUNBUFFERED": "1", **values}


@contextlib.contextmanager
def _serve(command: list[str], env: dict[str, str], port: int, log: Path, database: Path) -> Iterator[Server]:
    server = Server(f"http://127.0.0.1:{port}", log, database)
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 180  # generous: start-up on a loaded machine
        while True:
            with contextlib.suppress(OSError):
                if fetch(f"{server.base}/health/")[0] == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{command[1]} did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield server
    finally:
        stop_process_group(process, timeout=30)


@pytest.fixture(scope="module")
def devserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`make run`: migrate, the demo data, then runserver (threaded, no autoreloader) on a free port, SQLite in a
    temp file.

    Sign-ups are throttled per address (5 a minute); the throttle is opened here so that the sign-ups of the
    concurrency test all reach the database, which is what is under test.
    """
    base = tmp_path_factory.mktemp("devserver")
    database = base / "db.sqlite3"
    env = _env(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        DATABASE_URL=f"sqlite:///{database}",
        MEDIA_ROOT=str(base / "media"),
        THROTTLE_REGISTER="1000/min",
    )
    for step in (["migrate", "--noinput"], ["seed_demo", "--if-empty"]):  # what `make run` does before serving
        done = subprocess.run([sys.executable, "manage.py", *step], cwd=ROOT, env=env, capture_output=True, check=False)
        assert done.returncode == 0, (step, done.stdout.decode()[-2000:], done.stderr.decode()[-4000:])
    port = free_port()
    command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    with _serve(command, env, port, base / "runserver.log", database) as server:
        yield server


@pytest.fixture(scope="module")
def prodserver(tmp_path_factory: pytest.TempPathFactory, django_db_setup: None) -> Iterator[Server]:
    """gunicorn with the production configuration and settings (plain HTTP on loopback, one worker)."""
    base = tmp_path_factory.mktemp("prodserver")
    database = base / "unused.sqlite3"  # the server reads the test PostgreSQL database; nothing here writes
    db = connection.settings_dict
    port = free_port()
    env = _env(
        # Exactly the documented production list (.env.production.example), pointed at the test services ...
        **production_env(
            ALLOWED_HOSTS="127.0.0.1",
            DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            REDIS_URL=settings.CELERY_BROKER_URL,
        ),
        # ... plus plain HTTP on loopback, one worker, and cache keys of its own.
        CACHE_KEY_PREFIX=f"obs-test-prodserver-{uuid.uuid4().hex[:8]}",
        SECURE_SSL_REDIRECT="false",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
    )
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    command = [gunicorn, "-c", "deploy/gunicorn.conf.py", "config.wsgi:application"]
    with _serve(command, env, port, base / "gunicorn.log", database) as server:
        yield server


def _post(server: Server, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(
        server.base + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def _envelope(status: int, content_type: str, body: bytes) -> dict[str, Any]:
    assert content_type.startswith("application/json"), (status, content_type, body[:200])
    error: dict[str, Any] = json.loads(body)["error"]
    assert error["status_code"] == status
    assert error["request_id"]
    return error


# --- `make run`: concurrent writers on SQLite ----------------------------------------------------------------


def test_concurrent_sign_ups_and_an_sos_all_succeed_under_make_run(devserver: Server) -> None:
    """32 sign-ups at once (each hashes a password), and an SOS sent while they are served: no 5xx, no refusal."""
    run = uuid.uuid4().hex[:8]
    status, trekker = _post(
        devserver, "/api/v1/auth/register/", {"email": f"sos-{run}@example.com", "password": PASSWORD}
    )
    assert status == 201, trekker

    start = threading.Barrier(SIGN_UPS + 1)
    outcomes: list[Any] = [None] * SIGN_UPS

    def sign_up(index: int) -> None:
        start.wait()
        try:
            outcomes[index] = _post(
                devserver, "/api/v1/auth/register/", {"email": f"rush-{run}-{index}@example.com", "password": PASSWORD}
            )[0]
        except OSError as exc:  # refused or reset: the server never answered
            outcomes[index] = type(exc).__name__

    threads = [threading.Thread(target=sign_up, args=(index,)) for index in range(SIGN_UPS)]
    for thread in threads:
        thread.start()
    start.wait()  # every sign-up is on its way
    sos = post_sos(f"{devserver.base}/api/v1/emergency/sos/", {"Authorization": f"Bearer {trekker['access']}"})
    for thread in threads:
        thread.join(timeout=600)

    assert sos == 201
    assert outcomes == [201] * SIGN_UPS
    database = sqlite3.connect(devserver.database)
    try:
        assert database.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        emails = database.execute("SELECT count(*) FROM users_user WHERE email LIKE ?", (f"%{run}%",)).fetchone()
    finally:
        database.close()
    assert emails == (SIGN_UPS + 1,)


def _get_json(server: Server, path: str, token: str = "") -> Any:
    status, _, body = fetch(server.base + path, {"Authorization": f"Bearer {token}"} if token else None)
    assert status == 200, (path, status, body[:300])
    return json.loads(body)


def test_a_trekker_books_a_demo_departure_under_make_run(devserver: Server) -> None:
    """The embedded default books like production: a hold (201), then the same booker again (409), on SQLite."""
    run = uuid.uuid4().hex[:8]
    status, trekker = _post(
        devserver, "/api/v1/auth/register/", {"email": f"book-{run}@example.com", "password": PASSWORD}
    )
    assert status == 201, trekker
    token = trekker["access"]
    cards = _get_json(devserver, "/api/v1/treks/?page_size=100")["results"]
    batch = next(
        b
        for card in cards
        for b in _get_json(devserver, f"/api/v1/treks/{card['slug']}/batches/")["results"]
        if b["status"] == "open" and b["seats_left"] >= 2
    )
    body = {"batch": batch["id"], "participants": [{"name": "Lead", "age": 31}, {"name": "Friend", "age": 28}]}
    auth = {"Authorization": f"Bearer {token}"}
    status, booking = _post(devserver, "/api/v1/bookings/", body, auth)
    assert status == 201, booking
    assert booking["seats"] == 2
    assert [p["name"] for p in booking["participants"]] == ["Lead", "Friend"]
    status, again = _post(devserver, "/api/v1/bookings/", body, auth)
    assert status == 409, again
    assert _get_json(devserver, f"/api/v1/batches/{batch['id']}/")["seats_left"] == batch["seats_left"] - 2


# --- bodies over the limit -----------------------------------------------------------------------------------


@pytest.mark.parametrize("server_name", ["devserver", "prodserver"])
def test_a_body_over_the_limit_is_the_413_envelope(server_name: str, request: pytest.FixtureRequest) -> None:
    server: Server = request.getfixturevalue(server_name)
    body = json.dumps({"email": "a@example.com", "password": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE}).encode()
    connection = http.client.HTTPConnection(*server.address, timeout=120)
    try:
        connection.request("POST", "/api/v1/auth/login/", body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        error = _envelope(response.status, response.getheader("Content-Type", ""), response.read())
        assert (response.status, error["code"]) == (413, "request_too_large")
        # The server deals with the unread body (reads it, or closes): the next request is answered.
        connection.request("GET", "/health/")
        assert connection.getresponse().status == 200
    finally:
        connection.close()


# --- JSON everywhere under /api/, DEBUG on (`make run`) or off (production) ----------------------------------


@pytest.mark.parametrize("server_name", ["devserver", "prodserver"])
def test_unknown_addresses_under_api_are_json_and_the_root_is_an_index(
    server_name: str, request: pytest.FixtureRequest
) -> None:
    server: Server = request.getfixturevalue(server_name)
    for path in ("/api", "/api/v1/no-such-area/", "/api/v1/caf%C3%A9/", "/api/v1/%00/", "/api/v1/" + "a" * 4000):
        status, headers, body = fetch(server.base + path)
        assert status == 404, path[:60]
        _envelope(status, headers.get("Content-Type", ""), body)
    status, headers, body = fetch(server.base + "/api/v1/treks")
    assert _envelope(status, headers.get("Content-Type", ""), body)["details"] == {"did_you_mean": "/api/v1/treks/"}

    status, headers, body = fetch(server.base + "/api/v1/")
    assert status == 200
    index = json.loads(body)
    assert len(index["areas"]) == 8
    for link in index["docs"].values():
        assert fetch(link)[0] == 200, link
