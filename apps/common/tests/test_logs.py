"""Logs of every process are JSON lines through one redaction, with the request id, in production format.

A real worker, beat and gunicorn are started with ``LOG_FORMAT=json`` and their whole output is read.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import pytest
from django.core import signing
from django.db import connection
from rest_framework.test import APIClient

from apps.common.context import request_id_var, task_var
from apps.common.logging import JsonFormatter, RedactingFilter, RequestIDFilter, redact, redact_data
from apps.common.observability import on_before_task_publish

ROOT = Path(__file__).resolve().parents[3]

PHONE = "+919812345678"
EMAIL = "trekker.one@example.com"
PASSWORD = "hunter2-Summit"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoiNDIifQ.c2lnbmF0dXJlLXNlY3JldA"
DOWNLOAD_TOKEN = signing.dumps({"d": str(uuid.uuid4()), "u": str(uuid.uuid4())}, salt="bookings.document-download")
OTP = "482913"
LAT, LNG = "30.733315", "79.066978"
TEST_LINE = (
    f"password={PASSWORD} phone {PHONE} mail {EMAIL} token={DOWNLOAD_TOKEN} bearer {JWT} "
    f"{OTP} is your OBS Experiences verification code; at {LAT}, {LNG}"
)
# What must never appear (the last 4 digits of the phone and the e-mail's domain may).
LEAKS = ["hunter2", "98123", "trekker.one", DOWNLOAD_TOKEN, JWT.split(".")[1], OTP, LAT, LNG]

# Celery writes these from its signal handlers with os.write, deliberately outside logging (no locks there).
CELERY_SIGNAL_NOTICES = re.compile(r"worker: (Warm|Cold) shutdown \(MainProcess\)")


def _json_lines(output: str) -> list[dict[str, Any]]:
    """Every line of ``output`` as a JSON object; fails on any line that is not one."""
    records = []
    for line in output.splitlines():
        if not line.strip() or CELERY_SIGNAL_NOTICES.fullmatch(line.strip()):
            continue
        try:
            records.append(json.loads(line))
        except ValueError:
            pytest.fail(f"not a JSON line: {line!r}\n--- output ---\n{output[-4000:]}")
    return records


def _assert_no_leak(output: str) -> None:
    for secret in LEAKS:
        assert secret not in output, f"{secret!r} leaked:\n{output[-4000:]}"


def _wait_for(predicate: Callable[[], bool], seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def _test_db_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


# --- redaction, one mechanism --------------------------------------------------------------------


def test_redact_masks_every_kind_of_personal_data() -> None:
    cleaned = redact(TEST_LINE)
    _assert_no_leak(cleaned)
    assert "+******5678" in cleaned
    assert "t***@example.com" in cleaned


@pytest.mark.parametrize(
    "raw",
    [
        f"your code is {OTP}",
        f'{{"code": "{OTP}"}}',
        f"https://maps.google.com/?q={LAT},{LNG}",
        f"{{'latitude': Decimal('{LAT}'), 'longitude': Decimal('{LNG}')}}",
        "sms to +91 98123 45678",
    ],
)
def test_redact_forms(raw: str) -> None:
    cleaned = redact(raw)
    for secret in (OTP, LAT, LNG, "98123"):
        assert secret not in cleaned, cleaned


def test_redact_data_blanks_sensitive_keys_and_masks_strings() -> None:
    data = {
        "phone": PHONE,
        "trekker_phone": "9812345678",
        "latitude": 30.733315,
        "code": OTP,
        "status_code": 500,
        "note": [f"call {PHONE}", ("mail", EMAIL)],
        "nested": {"refresh": JWT, "access_token": "abc"},
    }
    cleaned = redact_data(data)
    _assert_no_leak(json.dumps(cleaned))
    assert cleaned["status_code"] == 500
    assert "9812345678" not in json.dumps(cleaned)
    assert "30.733315" not in json.dumps(cleaned)


def test_log_record_extras_and_tracebacks_are_redacted() -> None:
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "sent to %s", (PHONE,), None)
    record.data = {"return_value": TEST_LINE}
    try:
        raise ValueError(f"failed for {EMAIL} with token={DOWNLOAD_TOKEN}")
    except ValueError:
        record.exc_info = sys.exc_info()
    RequestIDFilter().filter(record)
    RedactingFilter().filter(record)
    line = JsonFormatter("%(levelname)s %(message)s").format(record)
    json.loads(line)
    _assert_no_leak(line)
    assert "ValueError" in line


def test_task_context_names_the_task_in_records() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    rid, task = request_id_var.set("req-7"), task_var.set(("bookings.send_refund", "task-1"))
    try:
        RequestIDFilter().filter(record)
    finally:
        request_id_var.reset(rid)
        task_var.reset(task)
    assert (record.request_id, record.task_name, record.task_id) == ("req-7", "bookings.send_refund", "task-1")


def test_publishing_a_task_inside_a_request_puts_the_request_id_on_the_message() -> None:
    headers: dict[str, Any] = {}
    on_before_task_publish(headers=headers)
    assert headers == {}, "outside a request no id is invented"
    token = request_id_var.set("req-publish")
    try:
        on_before_task_publish(headers=headers)
    finally:
        request_id_var.reset(token)
    assert headers == {"request_id": "req-publish"}


# --- a real worker ---------------------------------------------------------------------------------


@pytest.fixture
def celery_worker_env() -> dict[str, str]:
    return {"LOG_FORMAT": "json", "SLOW_QUERY_MS": "200"}


@pytest.fixture
def celery_worker_imports() -> list[str]:
    return ["apps.common.tests.tasks"]


@pytest.mark.worker
@pytest.mark.urls("apps.common.tests.urls")
def test_worker_logs_json_lines_redacted_with_the_enqueuing_request_id(celery_worker: Any) -> None:
    from apps.common.metrics import render_metrics

    response = APIClient().post(
        "/obs-test/enqueue/",
        {"text": TEST_LINE, "sleep_seconds": 0.3},
        format="json",
        HTTP_X_REQUEST_ID="req-worker-1",
    )
    assert response.status_code == 202
    assert _wait_for(lambda: "tests.log_line" in celery_worker.output() and "succeeded" in celery_worker.output()), (
        celery_worker.output()[-3000:]
    )
    output = celery_worker.stop()

    records = _json_lines(output)
    _assert_no_leak(output)
    task_records = [r for r in records if r.get("task_name") == "tests.log_line"]
    messages = [r["message"] for r in task_records]
    assert any(m.startswith("task says: password=[redacted]") for m in messages), messages
    assert any("slow query" in m and "pg_sleep" in m and "on task tests.log_line" in m for m in messages), messages
    assert any("succeeded" in m for m in messages), messages
    assert {r["request_id"] for r in task_records} == {"req-worker-1"}
    assert any(r["logger"] == "celery.apps.worker" and r["message"].endswith("ready.") for r in records)
    # The worker counted the outcome in Redis; any web process exports it.
    assert 'obs_celery_tasks_total{state="success",task="tests.log_line"} 1.0' in render_metrics().decode()


# --- beat ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_beat_logs_json_lines(tmp_path: Path) -> None:
    queue = f"test-beat-{uuid.uuid4().hex[:10]}"
    log = tmp_path / "beat.log"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "LOG_FORMAT": "json", "CELERY_QUEUE": queue}
    command = [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "info", f"--schedule={tmp_path / 's'}"]
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        assert _wait_for(lambda: "Starting..." in log.read_text()), log.read_text()[-3000:]
    finally:
        process.terminate()
        process.wait(timeout=30)
        from django.core.cache import cache

        cache.client.get_client().delete(queue)  # in case beat sent a due job
    records = _json_lines(log.read_text())
    assert any(r["logger"] == "celery.beat" and r["message"] == "beat: Starting..." for r in records), records


# --- gunicorn --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_gunicorn_access_log_is_json_with_request_id_and_no_tokens_and_metrics_add_up(
    transactional_db: None, tmp_path: Path
) -> None:
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _test_db_url(),
        "LOG_FORMAT": "json",
        "GUNICORN_BIND": "127.0.0.1:0",
        "GUNICORN_WORKERS": "2",
        "METRICS_TOKEN": "scrape-secret",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--config", "deploy/gunicorn.conf.py"]
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        assert _wait_for(lambda: log.read_text().count("Booting worker") >= 2), log.read_text()[-3000:]
        port = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", log.read_text())
        assert port, log.read_text()
        base = f"http://127.0.0.1:{port.group(1)}"

        def get(path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
            try:
                with urlopen(Request(base + path, headers=headers or {}), timeout=30) as answer:
                    return answer.status, answer.read()
            except OSError as exc:  # HTTPError: a non-2xx answer
                return getattr(exc, "code", 0), exc.read() if hasattr(exc, "read") else b""

        status, body = get(
            f"/api/v1/bookings/documents/download/?token={DOWNLOAD_TOKEN}&page=2", {"X-Request-ID": "req-gun-1"}
        )
        assert status == 404, (body, log.read_text()[-3000:])

        def health_servers() -> set[int]:
            lines = [line for line in log.read_text().splitlines() if '"path": "/health/"' in line]
            return {json.loads(line)["process"] for line in lines}

        health_checks = 0
        while len(health_servers()) < 2 and health_checks < 200:  # until both workers have served some
            assert get("/health/")[0] == 200
            health_checks += 1
        assert get("/metrics")[0] == 404
        status, body = get("/metrics", {"Authorization": "Bearer scrape-secret"})
        assert status == 200
        metrics = body.decode()
    finally:
        process.terminate()
        process.wait(timeout=30)
    output = log.read_text()
    records = _json_lines(output)
    _assert_no_leak(output)
    access = [r for r in records if r["logger"] == "gunicorn.access"]
    download = [r for r in access if r["path"] == "/api/v1/bookings/documents/download/"]
    assert len(download) == 1, access
    assert download[0]["request_id"] == "req-gun-1"
    assert download[0]["status"] == "404"
    assert "token=[redacted]&page=2" in download[0]["message"]
    assert all(re.fullmatch(r"[0-9a-f]{32}|req-gun-1", r["request_id"]) for r in access), access
    # Both workers served health checks; the scrape, answered by one of them, adds up both (multiprocess mode).
    assert len(health_servers()) == 2
    total = re.search(
        r'django_http_responses_total_by_status_view_method_total\{[^}]*view="health"[^}]*\} (\S+)', metrics
    )
    assert total is not None, metrics[:3000]
    assert float(total.group(1)) == health_checks
