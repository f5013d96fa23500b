"""Faults an ops person meets: the database drops a connection, Redis goes away, a worker dies mid-task."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from rest_framework.test import APIClient

from apps.common.models import AuditLog
from apps.treks.models import Region
from apps.treks.tests.factories import BatchFactory, TrekFactory
from apps.users.services import token_pair_for
from apps.users.tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connections are refused at once


def _terminate_backend(pid: int) -> None:
    """Kill a PostgreSQL backend from another connection, as a failover or an admin would."""
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.django_db(transaction=True)
def test_connection_dropped_between_two_writes_is_503_and_writes_nothing(monkeypatch: Any) -> None:
    from apps.treks.services import catalog

    staff = UserFactory(staff_role="content")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for(staff)['access']}")
    original_audit = catalog.audit
    dropped: list[int] = []

    def drop_then_audit(**kwargs: Any) -> Any:
        # The region row is written; before the audit row, the server loses this connection.
        pid = connection.connection.info.backend_pid
        _terminate_backend(pid)
        dropped.append(pid)
        return original_audit(**kwargs)

    monkeypatch.setattr(catalog, "audit", drop_then_audit)
    response = client.post("/api/v1/regions/", {"name": "Zanskar"}, format="json")

    assert dropped, "the hook ran between the two writes"
    assert response.status_code == 503, response.content
    error = response.json()["error"]
    assert (error["code"], error["status_code"]) == ("service_unavailable", 503)
    assert "Zanskar" not in response.content.decode() or error["message"]
    connection.close()  # this process's connection is dead; the next query reconnects
    assert not Region.objects.filter(name="Zanskar").exists(), "no partial write survives"
    assert not AuditLog.objects.filter(action="region.created").exists()


# --- Redis down --------------------------------------------------------------------------------------


def _dead_redis_caches() -> dict[str, Any]:
    caches = {alias: dict(conf) for alias, conf in settings.CACHES.items()}
    caches["default"]["LOCATION"] = DEAD_REDIS
    return caches


@pytest.mark.django_db
def test_with_redis_down_the_catalog_still_serves() -> None:
    trek = TrekFactory(slug="brahmatal")
    BatchFactory(trek=trek)
    with override_settings(CACHES=_dead_redis_caches()):
        client = APIClient()
        listing = client.get("/api/v1/treks/")
        detail = client.get("/api/v1/treks/brahmatal/")
        batches = client.get("/api/v1/treks/brahmatal/batches/")
    assert listing.status_code == 200, listing.content
    assert [t["slug"] for t in listing.json()["results"]] == ["brahmatal"]
    assert detail.status_code == 200
    assert batches.json()["count"] == 1


@pytest.mark.django_db
def test_with_redis_down_otp_answers_503() -> None:
    with override_settings(CACHES=_dead_redis_caches(), OTP_REDIS_URL=DEAD_REDIS):
        response = APIClient().post("/api/v1/auth/otp/send/", {"phone": "+919812345601"}, format="json")
        verify = APIClient().post(
            "/api/v1/auth/otp/verify/", {"phone": "+919812345601", "code": "123456"}, format="json"
        )
    for answer in (response, verify):
        assert answer.status_code == 503, answer.content
        assert answer.json()["error"]["status_code"] == 503
        assert answer.json()["error"]["code"] in {"otp_unavailable", "service_unavailable"}


# SOS with Redis down: apps/emergency/tests/test_outage.py posts an SOS with the cache and the broker on a
# dead port (201, every delivery committed) and delivers the alerts once Redis is back.


# --- a worker killed mid-task ------------------------------------------------------------------------


def _broker_prefix(queue: str) -> str:
    return f"{queue}:"


def _start_worker(queue: str, log: Path) -> subprocess.Popen[bytes]:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "OBS_TEST_CACHE_PREFIX": str(settings.CACHES["default"]["KEY_PREFIX"]),
        "CELERY_QUEUE": queue,
        "CELERY_VISIBILITY_TIMEOUT": "3",  # an unacknowledged task returns to the queue after 3 s
        "CELERY_LOST_TASK_SCAN_SECONDS": "1",  # and is looked for every second
        # Broker keys of their own: the unacknowledged index and its lock are not shared with other test runs.
        "CELERY_BROKER_KEY_PREFIX": _broker_prefix(queue),
        "OBS_CELERY_WORKER": "1",
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "-c", "1", "-P", "solo"),
                *("-I", "tests.proof.fault_tasks", "--without-heartbeat", "--without-gossip", "--without-mingle"),
                *("-l", "info", "-n", f"{queue}-{uuid.uuid4().hex[:6]}@%h"),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 180
    while "ready." not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"celery worker did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    return process


def _wait_for(predicate: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return bool(predicate())


@pytest.fixture
def worker_logs(tmp_path: Path) -> Path:
    return tmp_path


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_task_of_a_killed_worker_is_redelivered(worker_logs: Path) -> None:
    from config.celery import app

    queue = f"proof-{uuid.uuid4().hex[:10]}"
    token = uuid.uuid4().hex
    first = _start_worker(queue, worker_logs / "first.log")
    second = None
    try:
        # A connection of its own to the test broker: app.conf may have been read earlier in this process.
        options = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS, "global_keyprefix": _broker_prefix(queue)}
        with app.connection_for_write(settings.CELERY_BROKER_URL, transport_options=options) as broker:
            app.send_task("proof.count_attempts_then_finish", args=[token, 600], queue=queue, connection=broker)
        # Bounds are generous: on a loaded machine a worker may take long to start; nothing here is timed.
        started = _wait_for(lambda: cache.get(f"proof:{token}:attempts") == 1, 180)
        assert started, (worker_logs / "first.log").read_text()[-3000:]
        first.kill()  # SIGKILL in the middle of the task: no ack, no reject, no goodbye
        first.wait(timeout=10)
        assert cache.get(f"proof:{token}:done") is None
        second = _start_worker(queue, worker_logs / "second.log")
        # The new worker scans for unacknowledged messages at start and every second after; the message is
        # handed out again once it is older than the visibility timeout.
        redelivered = _wait_for(lambda: cache.get(f"proof:{token}:done") is not None, 300)
        assert redelivered, (worker_logs / "second.log").read_text()[-3000:]
        assert cache.get(f"proof:{token}:attempts") == 2
        assert cache.get(f"proof:{token}:done") == 2
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
