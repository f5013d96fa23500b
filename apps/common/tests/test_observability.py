"""Sentry events without personal data, Prometheus metrics behind a token or the internal network, slow SQL."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sentry_sdk
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from apps.common.metrics import record_task_outcome, render_metrics
from apps.common.observability import init_sentry
from apps.common.tasks import heartbeat
from apps.common.tests.tasks import fail_with
from apps.common.tests.test_logs import EMAIL, JWT, LAT, LEAKS, LNG, OTP, PASSWORD, PHONE, ROOT, TEST_LINE
from apps.notifications.models import Delivery
from apps.notifications.tests.factories import DeliveryFactory
from config.celery import app

# --- Sentry ----------------------------------------------------------------------------------------


class CapturingTransport(Transport):
    """Keeps every envelope in memory instead of sending it (no network)."""

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        super().__init__(options)
        self.envelopes: list[Envelope] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)

    def text(self) -> str:
        return b"".join(envelope.serialize() for envelope in self.envelopes).decode()

    def items(self, kind: str) -> list[dict[str, Any]]:
        return [
            item.payload.json
            for envelope in self.envelopes
            for item in envelope.items
            if item.type == kind and item.payload.json is not None
        ]


@pytest.fixture
def sentry_transport() -> Iterator[CapturingTransport]:
    transport = CapturingTransport()
    init_sentry(dsn="https://public@sentry.invalid/1", environment="test", traces_sample_rate=1.0, transport=transport)
    try:
        yield transport
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)  # off again for the rest of the run


@pytest.mark.django_db
@pytest.mark.urls("apps.common.tests.urls")
def test_sentry_events_carry_no_personal_data(sentry_transport: CapturingTransport) -> None:
    body = {
        "phone": PHONE,
        "email": EMAIL,
        "password": PASSWORD,
        "latitude": LAT,
        "longitude": LNG,
        "code": OTP,
        "note": TEST_LINE,
    }
    response = Client(raise_request_exception=False).post(
        f"/obs-test/fail/?token={JWT}",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {JWT}",
        HTTP_X_REQUEST_ID="req-sentry-1",
    )
    assert response.status_code == 500
    logging.getLogger("apps.bookings").error("sms to %s failed", PHONE, extra={"email": EMAIL, "otp": OTP})
    sentry_sdk.add_breadcrumb(message=f"otp {OTP} sent to {PHONE}", data={"phone": PHONE, "lat": LAT})
    sentry_sdk.set_extra("trekker", {"email": EMAIL, "where": f"{LAT}, {LNG}"})
    sentry_sdk.capture_message(f"SOS from {EMAIL} at {LAT}, {LNG}")
    fail_with.apply(args=[TEST_LINE], throw=False)  # a Celery task failing (run in-process)
    sentry_sdk.flush()

    events = sentry_transport.items("event")
    exceptions = [v["type"] for e in events for v in e.get("exception", {}).get("values", [])]
    view_errors = [e for e in events if "could not reach" in str(e.get("exception"))]
    assert [e["tags"]["request_id"] for e in view_errors] == ["req-sentry-1"]
    assert exceptions.count("RuntimeError") == 2, exceptions  # the view's and the task's
    assert any(e.get("logentry", {}).get("formatted", "").startswith("sms to") for e in events)
    assert any(e.get("message", "").startswith("SOS from") for e in events)
    assert sentry_transport.items("transaction"), "a sampled request transaction was sent too"
    assert not sentry_sdk.get_client().should_send_default_pii()
    text = sentry_transport.text()
    for secret in [*LEAKS, PASSWORD, JWT.split(".")[1]]:
        assert secret not in text, f"{secret!r} reached Sentry"


@pytest.mark.slow
@pytest.mark.parametrize(("dsn", "expected"), [("", "None"), ("https://public@sentry.invalid/1", "sentry.invalid")])
def test_sentry_is_on_only_with_a_dsn(dsn: str, expected: str) -> None:
    code = "import django; django.setup(); import sentry_sdk; print(sentry_sdk.get_client().dsn)"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "SENTRY_DSN": dsn}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert expected in result.stdout, result.stderr[-2000:]


# --- /metrics -------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("token", "networks", "remote", "header", "status"),
    [
        ("", [], "127.0.0.1", "", 404),
        ("s3cret-token", [], "127.0.0.1", "Bearer wrong", 404),
        ("s3cret-token", [], "127.0.0.1", "Bearer s3cret-token", 200),
        ("", ["10.0.0.0/8"], "10.4.5.6", "", 200),
        ("", ["10.0.0.0/8"], "192.0.2.7", "", 404),
        ("", ["10.0.0.0/8"], "not-an-ip", "", 404),
    ],
)
def test_metrics_answer_only_the_token_or_the_internal_network(
    settings: Any, token: str, networks: list[str], remote: str, header: str, status: int
) -> None:
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS = token, networks
    response = Client().get("/metrics", REMOTE_ADDR=remote, HTTP_AUTHORIZATION=header)
    assert response.status_code == status
    if status == 404:
        assert response.json()["error"]["code"] == "not_found"
    else:
        assert response["Content-Type"].startswith("text/plain")


@pytest.mark.django_db
def test_metrics_network_check_uses_the_client_address_behind_a_proxy(settings: Any) -> None:
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    outside = Client().get("/metrics", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    inside = Client().get("/metrics", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert (outside.status_code, inside.status_code) == (404, 200)


def _sample(text: str, name: str, **labels: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0]))
            if all(found.get(k) == v for k, v in labels.items()):
                return float(line.rsplit(" ", 1)[1])
    return None


@pytest.mark.django_db
def test_metrics_report_requests_by_route_and_status(settings: Any) -> None:
    settings.METRICS_TOKEN = "t"
    client = Client()
    before = render_metrics().decode()
    for _ in range(3):
        client.get("/health/")
    client.get("/api/v1/treks/no-such-trek/")
    text = client.get("/metrics", HTTP_AUTHORIZATION="Bearer t").content.decode()
    name = "django_http_responses_total_by_status_view_method_total"
    health = (_sample(text, name, view="health", status="200") or 0) - (
        _sample(before, name, view="health", status="200") or 0
    )
    assert health == 3
    assert _sample(text, name, view="trek-detail", status="404")
    assert _sample(text, "django_http_requests_latency_seconds_by_view_method_count", view="health", method="GET")


@pytest.mark.django_db
def test_metrics_count_task_outcomes_from_the_shared_store() -> None:
    heartbeat.apply()
    heartbeat.apply()
    fail_with.apply(args=["x"], throw=False)
    record_task_outcome("common.heartbeat", "RETRY")
    text = render_metrics().decode()
    assert _sample(text, "obs_celery_tasks_total", task="common.heartbeat", state="success") == 2
    assert _sample(text, "obs_celery_tasks_total", task="common.heartbeat", state="retry") == 1
    assert _sample(text, "obs_celery_tasks_total", task="tests.fail_with", state="failure") == 1
    assert _sample(text, "obs_worker_heartbeat_age_seconds") is not None


@pytest.mark.django_db
def test_metrics_report_pending_sos_deliveries_and_their_age() -> None:
    old = DeliveryFactory.create_batch(2, category="emergency", channel="sms")
    DeliveryFactory(category="emergency", channel="push", status=Delivery.Status.SENDING)
    DeliveryFactory(category="emergency", channel="sms", status=Delivery.Status.SENT, sent_at=timezone.now())
    DeliveryFactory(category="booking", channel="email")
    Delivery.objects.filter(pk__in=[d.pk for d in old]).update(created_at=timezone.now() - timedelta(seconds=95))
    text = render_metrics().decode()
    assert _sample(text, "obs_notification_deliveries_pending", category="emergency", channel="sms") == 2
    assert _sample(text, "obs_notification_deliveries_pending", category="emergency", channel="push") == 1
    assert _sample(text, "obs_notification_deliveries_pending", category="booking", channel="email") == 1
    assert (_sample(text, "obs_notification_delivery_oldest_pending_seconds", category="emergency") or 0) >= 95
    assert _sample(text, "obs_metrics_source_up", source="database") == 1


@pytest.mark.django_db
def test_metrics_report_zero_age_when_no_sos_is_pending() -> None:
    text = render_metrics().decode()
    assert _sample(text, "obs_notification_delivery_oldest_pending_seconds", category="emergency") == 0


@pytest.mark.django_db
def test_metrics_report_the_celery_queue_length() -> None:
    queue = f"test-depth-{uuid.uuid4().hex[:10]}"
    previous = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager, app.conf.task_default_queue = False, queue
    try:
        empty = render_metrics().decode()
        for _ in range(3):
            heartbeat.apply_async()
        text = render_metrics().decode()
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = previous
        cache.client.get_client().delete(queue)
    assert _sample(empty, "obs_celery_queue_length", queue=queue) == 0
    assert _sample(text, "obs_celery_queue_length", queue=queue) == 3
    assert _sample(text, "obs_metrics_source_up", source="broker") == 1


@pytest.mark.django_db
def test_an_unreachable_source_is_reported_not_raised(monkeypatch: Any) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "get_many", broken)
    text = render_metrics().decode()
    assert _sample(text, "obs_metrics_source_up", source="cache") == 0
    assert _sample(text, "obs_metrics_source_up", source="database") == 1


# --- slow SQL -------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.urls("apps.common.tests.urls")
def test_slow_sql_is_logged_with_the_route(settings: Any, caplog: pytest.LogCaptureFixture) -> None:
    settings.SLOW_QUERY_MS = 200
    with caplog.at_level(logging.WARNING, logger="apps.common.observability"):
        response = Client().get("/obs-test/sleep/kedarkantha/?seconds=0.3", HTTP_X_REQUEST_ID="req-slow")
    assert response.status_code == 200
    slow = [r for r in caplog.records if r.getMessage().startswith("slow query")]
    assert len(slow) == 1, [r.getMessage() for r in caplog.records]
    record = slow[0]
    assert record.route == "GET /obs-test/sleep/<slug:slug>/"  # type: ignore[attr-defined]
    assert record.duration_ms >= 300  # type: ignore[attr-defined]
    assert "pg_sleep(%s)" in record.getMessage()
    assert "0.3" not in record.getMessage()


@pytest.mark.django_db
@pytest.mark.urls("apps.common.tests.urls")
def test_slow_sql_logging_is_off_at_zero(settings: Any, caplog: pytest.LogCaptureFixture) -> None:
    settings.SLOW_QUERY_MS = 0
    with caplog.at_level(logging.WARNING, logger="apps.common.observability"):
        Client().get("/obs-test/sleep/kedarkantha/?seconds=0.25")
    assert not [r for r in caplog.records if r.getMessage().startswith("slow query")]
