from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

import pytest
import responses
from django.conf import settings
from django.utils import timezone

from apps.common.tests.race import Race
from apps.notifications.backends import sms
from apps.notifications.models import Delivery
from apps.notifications.policy import retry_delay
from apps.notifications.services import deliveries_sweep, delivery_retry, delivery_send, notify
from apps.notifications.services.delivery import _claim
from apps.notifications.tasks import deliver, sweep
from apps.notifications.tests.factories import DeliveryFactory
from apps.users.tests.factories import UserFactory

MSG91_URL = "https://control.msg91.com/api/v5/flow"


@pytest.fixture
def msg91(settings: Any) -> Any:
    settings.NOTIFICATIONS_SMS_BACKEND = "apps.notifications.backends.sms.MSG91SMSBackend"
    settings.MSG91_AUTH_KEY = "test-auth-key"
    settings.MSG91_DEFAULT_TEMPLATE_ID = "tmpl-default"
    settings.MSG91_TEMPLATE_IDS = {"hold_expiring": "tmpl-hold"}
    settings.MSG91_SENDER_ID = "OBSEXP"
    with responses.RequestsMock() as mocked:
        yield mocked


def test_running_a_delivery_task_twice_sends_once(db: None) -> None:
    delivery = DeliveryFactory()
    assert deliver.apply(args=(str(delivery.pk),)).get() == "sent"
    assert deliver.apply(args=(str(delivery.pk),)).get() == "skipped"
    delivery.refresh_from_db()
    assert len(sms.outbox) == 1
    assert (delivery.status, delivery.attempts) == ("sent", 1)
    assert delivery.sent_at is not None
    assert delivery.provider_message_id == "locmem-1"


def test_a_missing_delivery_is_skipped(db: None) -> None:
    assert delivery_send(delivery_id="00000000-0000-0000-0000-000000000000") == "skipped"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_concurrent_tasks_for_one_delivery_send_once(race: Race) -> None:
    delivery = DeliveryFactory()
    outcomes = race(*(partial(delivery_send, delivery_id=str(delivery.pk)) for _ in range(4)))
    assert sorted(outcomes) == ["sent", "skipped", "skipped", "skipped"]
    assert len(sms.outbox) == 1


def test_retry_delay_grows_exponentially_with_jitter_up_to_a_cap(settings: Any) -> None:
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 30
    settings.NOTIFICATIONS_RETRY_MAX_SECONDS = 600
    for attempt, ceiling in [(1, 30), (2, 60), (3, 120), (4, 240), (5, 480), (6, 600), (12, 600)]:
        delays = {retry_delay(attempt) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays), attempt
        assert len(delays) > 1, "jittered"


def test_provider_failure_retries_with_backoff_then_marks_failed(db: None, msg91: Any, settings: Any) -> None:
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    msg91.add(responses.POST, MSG91_URL, json={"type": "error", "message": "upstream down"}, status=503)
    delivery = DeliveryFactory()

    before = timezone.now()
    assert delivery_send(delivery_id=str(delivery.pk)) == "retrying"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("queued", 1)
    assert "503" in delivery.last_error
    wait = (delivery.next_attempt_at - before).total_seconds()
    assert settings.NOTIFICATIONS_RETRY_BASE_SECONDS / 2 <= wait <= settings.NOTIFICATIONS_RETRY_BASE_SECONDS + 1

    assert delivery_send(delivery_id=str(delivery.pk)) == "retrying"
    delivery.refresh_from_db()
    second_wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert second_wait > settings.NOTIFICATIONS_RETRY_BASE_SECONDS / 2 - 1

    assert delivery_send(delivery_id=str(delivery.pk)) == "failed"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert len(msg91.calls) == 3
    assert delivery_send(delivery_id=str(delivery.pk)) == "skipped"
    assert len(msg91.calls) == 3


def test_retries_are_scheduled_by_the_task_itself(
    db: None, msg91: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 4
    msg91.add(responses.POST, MSG91_URL, body="gateway timeout", status=504)
    user = UserFactory(phone="+919812345601")
    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = notify(
            template="hold_expiring",
            category="booking",
            context={"trek_name": "Brahmatal", "hold_expires_at": "09:50", "booking_reference": "OBS-9"},
            user=user,
            channels=["sms"],
        )
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 4)
    assert len(msg91.calls) == 4


def test_provider_recovers_on_a_later_attempt(db: None, msg91: Any) -> None:
    msg91.add(responses.POST, MSG91_URL, body="oops", status=500)
    msg91.add(responses.POST, MSG91_URL, json={"type": "success", "message": "3763646c3058313231393138"})
    delivery = DeliveryFactory()
    assert delivery_send(delivery_id=str(delivery.pk)) == "retrying"
    assert delivery_send(delivery_id=str(delivery.pk)) == "sent"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.provider_message_id) == ("sent", 2, "3763646c3058313231393138")
    assert "500" in delivery.last_error, "the last error stays for the record"


def test_sweeper_recovers_a_delivery_whose_enqueue_was_lost(
    db: None, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    user = UserFactory(phone="+919812345602")
    # The commit happened, the message to the broker did not (callbacks captured and dropped).
    with django_capture_on_commit_callbacks(execute=False):
        [delivery] = notify(
            template="hold_expiring",
            category="booking",
            context={"trek_name": "Brahmatal", "hold_expires_at": "09:50", "booking_reference": "OBS-9"},
            user=user,
            channels=["sms"],
        )
    assert sms.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_sweep()["requeued"] == 0, "not yet: it may still be in the queue"
    later = timezone.now() + timedelta(seconds=settings.NOTIFICATIONS_QUEUED_GRACE_SECONDS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_sweep(now=later)["requeued"] == 1
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert len(sms.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_sweep(now=later + timedelta(hours=1))["requeued"] == 0


def test_sweep_task_runs_the_sweeper(db: None) -> None:
    assert sweep.apply().get() == {"requeued": 0, "unknown_failed": 0, "unknown_requeued": 0}


def test_worker_killed_mid_send_is_not_sent_again(
    db: None, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    delivery = DeliveryFactory()
    assert _claim(str(delivery.pk)) is not None  # committed "sending"; then the worker dies before recording
    # The broker hands the task to another worker (acks_late + reject_on_worker_lost): it must not send.
    assert deliver.apply(args=(str(delivery.pk),)).get() == "skipped"
    assert sms.outbox == []
    # The sweeper later settles it without resending: the provider may have taken the message.
    later = timezone.now() + timedelta(seconds=settings.NOTIFICATIONS_SENDING_TIMEOUT_SECONDS + 1)
    assert deliveries_sweep(now=timezone.now())["unknown_failed"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_sweep(now=later)["unknown_failed"] == 1
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert "outcome unknown" in delivery.last_error
    assert sms.outbox == []


def test_emergency_delivery_to_a_responder_stuck_in_sending_is_sent_again(
    db: None, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    delivery = DeliveryFactory(
        user=UserFactory(staff_role="ops_manager"),
        category="emergency",
        template="sos_alert",
        context={"trekker_name": "Priya", "trek_name": "Hampta Pass", "ops_phone": "+911140000000"},
    )
    _claim(str(delivery.pk))
    later = timezone.now() + timedelta(seconds=settings.NOTIFICATIONS_SENDING_TIMEOUT_SECONDS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_sweep(now=later)["unknown_requeued"] == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert len(sms.outbox) == 1


def test_emergency_delivery_to_an_outside_number_stuck_in_sending_is_not_sent_again(
    db: None, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    delivery = DeliveryFactory(
        category="emergency",
        template="sos_alert",
        context={"trekker_name": "Priya", "trek_name": "Hampta Pass", "ops_phone": "+911140000000"},
    )
    _claim(str(delivery.pk))
    later = timezone.now() + timedelta(seconds=settings.NOTIFICATIONS_SENDING_TIMEOUT_SECONDS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_sweep(now=later)["unknown_failed"] == 1
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert sms.outbox == []


def test_sensitive_delivery_that_fails_keeps_no_content(db: None, msg91: Any, settings: Any) -> None:
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 1
    msg91.add(responses.POST, MSG91_URL, body="", status=502)
    delivery = DeliveryFactory(template="otp", category="security", context={"code": "112233"}, sensitive=True)
    assert delivery_send(delivery_id=str(delivery.pk)) == "failed"
    delivery.refresh_from_db()
    assert delivery.context == {}
    assert "112233" not in delivery.last_error
    assert "112233" in msg91.calls[0].request.body.decode()


def test_staff_retry_queues_a_failed_delivery_again(
    db: None, msg91: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 1
    msg91.add(responses.POST, MSG91_URL, body="", status=500)
    msg91.add(responses.POST, MSG91_URL, json={"type": "success", "message": "abc"})
    delivery = DeliveryFactory()
    delivery_send(delivery_id=str(delivery.pk))
    staff = UserFactory(staff_role="ops_manager")
    with django_capture_on_commit_callbacks(execute=True):
        delivery_retry(actor=staff, delivery=delivery)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 1)
    from apps.common.models import AuditLog

    assert AuditLog.objects.filter(action="delivery.retried", target_id=str(delivery.pk)).exists()
    from apps.common.exceptions import InvalidTransition

    with pytest.raises(InvalidTransition):
        delivery_retry(actor=staff, delivery=delivery)


def test_sensitive_delivery_cannot_be_retried_once_its_content_is_gone(db: None) -> None:
    delivery = DeliveryFactory(status="failed", sensitive=True, context={})
    from apps.common.exceptions import InvalidTransition

    with pytest.raises(InvalidTransition, match="sensitive"):
        delivery_retry(actor=UserFactory(staff_role="ops_manager"), delivery=delivery)


def test_queued_deliveries_of_removed_devices_are_cancelled(db: None) -> None:
    delivery = DeliveryFactory(channel="push", recipient="device:gone", template="hold_expiring")
    assert delivery_send(delivery_id=str(delivery.pk)) == "cancelled"
    delivery.refresh_from_db()
    assert delivery.status == "cancelled"


def test_test_mode_redirects_every_sms_and_email(
    db: None, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core import mail

    settings.NOTIFICATIONS_REDIRECT_PHONE = "+919000000000"
    settings.NOTIFICATIONS_REDIRECT_EMAIL = "qa@obsexperiences.in"
    user = UserFactory(phone="+919812345603")
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            template="hold_expiring",
            category="booking",
            context={"trek_name": "Brahmatal", "hold_expires_at": "09:50", "booking_reference": "OBS-9"},
            user=user,
            channels=["sms", "email"],
        )
    assert [m.to for m in sms.outbox] == ["+919000000000"]
    assert mail.outbox[0].to == ["qa@obsexperiences.in"]


def test_a_late_success_after_the_sweeper_gave_up_is_recorded_as_sent(db: None, settings: Any) -> None:
    from apps.notifications.services.delivery import _record_outcome

    delivery = DeliveryFactory()
    claim = _claim(str(delivery.pk))
    assert claim is not None
    deliveries_sweep(now=timezone.now() + timedelta(seconds=settings.NOTIFICATIONS_SENDING_TIMEOUT_SECONDS + 1))
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    _record_outcome(claim, status="sent", provider_id="late-1")  # the slow worker finally reports
    delivery.refresh_from_db()
    assert (delivery.status, delivery.provider_message_id) == ("sent", "late-1")


def test_a_stale_failure_does_not_overwrite_a_newer_attempt(db: None) -> None:
    from apps.notifications.services.delivery import _record_outcome

    delivery = DeliveryFactory()
    stale = _claim(str(delivery.pk))
    assert stale is not None
    Delivery.objects.filter(pk=delivery.pk).update(status="sent", sent_at=timezone.now(), attempts=2)
    _record_outcome(stale, status="queued", error="DeliveryError: timeout")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")


def test_beat_runs_the_sweeper_every_minute() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["notifications-sweep"]
    assert entry["task"] == "notifications.sweep"
    assert entry["schedule"] == 60.0
