"""Production settings: the documented variables are exactly what is required, production starts with them
from an empty environment, and it refuses every backend that delivers to nobody."""

from __future__ import annotations

import http.client
import importlib
import inspect
import json
import pkgutil
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings

from apps.bookings.gateways import GATEWAYS
from apps.common.tests.production_env import (
    ROOT,
    clean_env,
    example_optional_names,
    example_variables,
    production_env,
    readme_required_names,
    write_env_file,
)
from config.production_checks import LIVE_BACKENDS, LIVE_PAYMENT_GATEWAYS, REQUIRED_ENV, production_problems

PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
DAPHNE = str(Path(sys.executable).with_name("daphne"))

# What the production settings compute when everything is set as documented.
LIVE_SETTINGS: dict[str, Any] = {
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "NOTIFICATIONS_SMS_BACKEND": "apps.notifications.backends.sms.MSG91SMSBackend",
    "NOTIFICATIONS_PUSH_BACKEND": "apps.notifications.backends.push.FCMPushBackend",
    "PAYMENTS_GATEWAY": "razorpay",
    "DATABASES": {"default": {"ENGINE": "django.db.backends.postgresql"}},
    "OBS_FRONTEND_URL": "https://obsexperiences.in",
}


def run(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


# --- one list: .env.production.example = README = what the settings require ------------------------------


def test_readme_lists_exactly_the_required_variables_of_the_example() -> None:
    assert readme_required_names() == list(example_variables())


def test_the_example_documents_the_choices_it_does_not_take() -> None:
    # A required choice ("this or that") is listed by one name; the other is documented as optional.
    optional = example_optional_names()
    for choice in REQUIRED_ENV:
        names = choice if isinstance(choice, tuple) else (choice,)
        listed = [name for name in names if name in example_variables()]
        assert len(listed) == 1, f"{choice}: exactly one of them is a required line of the example"
        assert set(names) - set(listed) <= optional


@pytest.mark.parametrize("name", list(example_variables()))
def test_every_listed_variable_is_required(name: str) -> None:
    env = production_env()
    assert production_problems(env, LIVE_SETTINGS) == []
    del env[name]
    problems = production_problems(env, LIVE_SETTINGS)
    assert len(problems) == 1
    assert problems[0].startswith("missing: ")
    assert name in problems[0]


def test_the_example_as_shipped_is_refused_until_its_secrets_are_filled_in() -> None:
    blank = [name for name, value in example_variables().items() if not value]
    assert {"SECRET_KEY", "RAZORPAY_KEY_SECRET", "RAZORPAY_WEBHOOK_SECRET", "MSG91_AUTH_KEY"} <= set(blank)
    problems = production_problems(example_variables(), LIVE_SETTINGS)
    assert len(problems) == 1
    for name in blank:
        assert name in problems[0]


# --- fake delivery is refused, by class ---------------------------------------------------------------------


def _email_backends() -> list[str]:
    import django.core.mail.backends as package

    return [
        f"{package.__name__}.{module.name}.EmailBackend"
        for module in pkgutil.iter_modules(package.__path__)
        if module.name != "base"
    ]


def _provider_classes(module_name: str) -> list[str]:
    module = importlib.import_module(module_name)
    return [
        f"{module_name}.{name}"
        for name, cls in inspect.getmembers(module, inspect.isclass)
        if cls.__module__ == module_name and callable(getattr(cls, "send", None))
    ]


BACKENDS_BY_SETTING = {
    "EMAIL_BACKEND": _email_backends(),
    "NOTIFICATIONS_SMS_BACKEND": _provider_classes("apps.notifications.backends.sms"),
    "NOTIFICATIONS_PUSH_BACKEND": _provider_classes("apps.notifications.backends.push"),
}
CASES = [(setting, backend) for setting, backends in BACKENDS_BY_SETTING.items() for backend in backends]


def test_every_channel_has_fake_backends_to_refuse_and_one_live_one() -> None:
    for setting, backends in BACKENDS_BY_SETTING.items():
        assert set(LIVE_BACKENDS[setting]) <= set(backends), setting
        assert len(backends) > len(LIVE_BACKENDS[setting]), setting
    assert {"console", "locmem", "dummy", "filebased"} <= {b.split(".")[-2] for b in _email_backends()}


@pytest.mark.parametrize(
    ("setting", "backend"), CASES, ids=[f"{s}={b.rsplit('.', 2)[-2]}.{b.rsplit('.', 1)[-1]}" for s, b in CASES]
)
def test_production_refuses_every_backend_but_the_live_provider(setting: str, backend: str) -> None:
    problems = production_problems(production_env(), {**LIVE_SETTINGS, setting: backend})
    if backend in LIVE_BACKENDS[setting]:
        assert problems == []
    else:
        assert problems == [f"{setting}={backend} delivers to nobody; production uses {LIVE_BACKENDS[setting][0]}"]


@pytest.mark.parametrize("gateway", sorted(GATEWAYS))
def test_production_refuses_every_payment_gateway_but_the_live_one(gateway: str) -> None:
    problems = production_problems(production_env(), {**LIVE_SETTINGS, "PAYMENTS_GATEWAY": gateway})
    assert (problems == []) == (gateway in LIVE_PAYMENT_GATEWAYS)
    assert "local" in GATEWAYS
    assert "local" not in LIVE_PAYMENT_GATEWAYS


def test_production_refuses_sqlite_and_a_plain_http_frontend() -> None:
    problems = production_problems(
        production_env(),
        {
            **LIVE_SETTINGS,
            "DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3"}},
            "OBS_FRONTEND_URL": "http://obsexperiences.in",
        },
    )
    assert [p.split(" ")[0] for p in problems] == ["DATABASE_URL", "OBS_FRONTEND_URL"]


@pytest.mark.slow
def test_fake_delivery_stops_production_at_start_with_one_message_listing_everything() -> None:
    env = clean_env(
        {
            **production_env(SECRET_KEY=""),
            "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
            "NOTIFICATIONS_SMS_BACKEND": "apps.notifications.backends.sms.LocmemSMSBackend",
            "NOTIFICATIONS_PUSH_BACKEND": "apps.notifications.backends.push.ConsolePushBackend",
            "PAYMENTS_GATEWAY": "local",
        }
    )
    for command in ([PYTHON, "manage.py", "check"], [PYTHON, "-c", "import config.wsgi"]):
        result = run(*command, env=env)
        assert result.returncode != 0
        raised = "django.core.exceptions.ImproperlyConfigured: "
        assert result.stderr.count(raised) == 1, result.stderr
        message = result.stderr[result.stderr.index(raised) :]
        for expected in (
            "missing: SECRET_KEY\n",
            "EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend delivers to nobody",
            "NOTIFICATIONS_SMS_BACKEND=apps.notifications.backends.sms.LocmemSMSBackend delivers to nobody",
            "NOTIFICATIONS_PUSH_BACKEND=apps.notifications.backends.push.ConsolePushBackend delivers to nobody",
            "PAYMENTS_GATEWAY=local takes no money",
        ):
            assert expected in message, message


# --- production starts as documented --------------------------------------------------------------------


@pytest.fixture
def fresh_database() -> Iterator[str]:
    """An empty PostgreSQL database on the test server, dropped afterwards; yields its URL."""
    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_prodstart"[:63]
    admin = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"], "dbname": "postgres"}
    if db.get("PASSWORD"):
        admin["password"] = db["PASSWORD"]
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    try:
        yield f"postgres://{db['USER']}{password}@{admin['host']}:{admin['port']}/{name}"
    finally:
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _websocket_status_line(port: int, path: str, host: str) -> str:
    """The first line a server answers to a WebSocket upgrade request (``HTTP/1.1 101 ...`` when it upgrades)."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request.encode())
        return conn.recv(1024).decode("latin-1").split("\r\n", 1)[0]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(port: int, path: str, host: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": host})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.slow
def test_production_starts_with_exactly_the_documented_variables(fresh_database: str, tmp_path: Path) -> None:
    """`env -i PATH=...` plus the example's list (its blanks filled in, the database and Redis pointed at the
    test servers): migrate, check --deploy, then gunicorn answering /health/ and /ready/."""
    variables = production_env(DATABASE_URL=fresh_database, REDIS_URL=settings.CELERY_BROKER_URL)
    env = clean_env(variables)

    migrate = run(PYTHON, "manage.py", "migrate", "--noinput", env=env, timeout=600)
    assert migrate.returncode == 0, migrate.stdout[-2000:] + migrate.stderr[-4000:]
    plan = run(PYTHON, "manage.py", "migrate", "--plan", env=env)
    assert plan.returncode == 0, plan.stderr
    assert "No planned migration operations." in plan.stdout, plan.stdout

    # As README.md runs it on a plain host: the filled-in file loaded by the shell.
    env_file = tmp_path / ".env.production"
    write_env_file(env_file, variables)
    loaded = f"set -a && . {shlex.quote(str(env_file))} && set +a && exec {shlex.quote(PYTHON)} manage.py"
    check = run("sh", "-c", f"{loaded} check --deploy --fail-level WARNING", env=clean_env({}))
    assert check.returncode == 0, check.stdout + check.stderr
    assert "System check identified no issues" in check.stdout

    port = _free_port()
    gunicorn_command = [GUNICORN, "config.wsgi:application", "--config", "deploy/gunicorn.conf.py"]
    log = tmp_path / "gunicorn.log"
    host = variables["ALLOWED_HOSTS"].split(",")[0]
    with log.open("w") as out:
        server = subprocess.Popen(
            [*gunicorn_command, "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, log.read_text()[-4000:]
            try:
                status, body = _get(port, "/health/", host)
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()[-4000:]
                time.sleep(0.5)
        assert (status, body) == (200, b'{"status":"ok"}')
        status, body = _get(port, "/ready/", host)
        assert status == 200, body
        assert json.loads(body)["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}
        # The image's HEALTHCHECK, in the same environment.
        probe = run(PYTHON, "deploy/healthcheck.py", "web", "--port", str(port), env=env, timeout=30)
        assert probe.returncode == 0, probe.stderr
    finally:
        server.terminate()
        server.wait(timeout=60)

    # The WebSocket process, as README.md starts it (daphne on config.asgi), in the same environment: it serves
    # HTTP and upgrades /ws/v1/live/.
    port = _free_port()
    log = tmp_path / "daphne.log"
    with log.open("w") as out:
        realtime = subprocess.Popen(
            [DAPHNE, "--bind", "127.0.0.1", "--port", str(port), "--proxy-headers", "config.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert realtime.poll() is None, log.read_text()[-4000:]
            try:
                status, body = _get(port, "/health/", host)
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()[-4000:]
                time.sleep(0.5)
        assert (status, body) == (200, b'{"status":"ok"}')
        assert _websocket_status_line(port, "/ws/v1/live/", host).startswith("HTTP/1.1 101")
    finally:
        realtime.terminate()
        realtime.wait(timeout=60)


def test_the_sellers_gstin_must_be_registered_in_the_sellers_state() -> None:
    env = production_env(OBS_COMPANY_STATE="29")  # Karnataka, while the GSTIN is Uttarakhand's (05)
    assert production_problems(env, LIVE_SETTINGS) == [
        "OBS_COMPANY_GSTIN 05AAACO4321K1ZP is registered in state 05, not OBS_COMPANY_STATE=29"
    ]
