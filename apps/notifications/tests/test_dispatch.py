from __future__ import annotations

import logging
from typing import Any

import pytest
from django.core import mail
from django.db import connection, transaction
from django.template import TemplateDoesNotExist
from django.test.utils import CaptureQueriesContext

from apps.common.prepared import statement_text
from apps.common.tests.race import Race
from apps.notifications.backends import push, sms
from apps.notifications.models import Delivery, Notification, NotificationPreference
from apps.notifications.services import message, notify, notify_many, preferences_update
from apps.notifications.tests.factories import DeviceFactory
from apps.users.tests.factories import UserFactory

HOLD = {
    "trek_name": "Kedarkantha",
    "hold_expires_at": "10:15",
    "booking_reference": "OBS-42",
    "start_date": "2026-12-20",
}


@pytest.fixture
def trekker(db: None) -> Any:
    return UserFactory(phone="+919812345678", first_name="Priya")


def test_notify_creates_inbox_row_and_one_delivery_per_channel_and_recipient(
    trekker: Any, django_capture_on_commit_callbacks: Any
) -> None:
    phone_a, phone_b = DeviceFactory(user=trekker), DeviceFactory(user=trekker)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        deliveries = notify(template="hold_expiring", category="booking", context=HOLD, user=trekker)

    assert sorted(d.channel for d in deliveries) == ["email", "push", "push", "sms"]
    assert len(callbacks) == 1, "one message carrying every delivery id, sent on commit"
    notification = Notification.objects.get(user=trekker)
    assert notification.title == "Your seat is held until 10:15"
    assert all(d.notification_id == notification.pk for d in deliveries)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    assert mail.outbox[0].to == [trekker.email]
    assert "Kedarkantha" in mail.outbox[0].subject
    assert [m.to for m in sms.outbox] == ["+919812345678"]
    assert sorted(m.token for m in push.outbox) == sorted([phone_a.token, phone_b.token])


def test_nothing_is_sent_before_commit(trekker: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(template="hold_expiring", category="booking", context=HOLD, user=trekker, channels=["sms"])
    assert len(callbacks) == 1
    assert sms.outbox == []
    assert Delivery.objects.get().status == "queued"


@pytest.mark.django_db(transaction=True)
def test_rolled_back_transaction_sends_nothing() -> None:
    user = UserFactory(phone="+919812345679")
    DeviceFactory(user=user)

    def failing_booking() -> None:
        with transaction.atomic():
            notify(template="hold_expiring", category="booking", context=HOLD, user=user)
            raise RuntimeError("the booking failed")

    with pytest.raises(RuntimeError):
        failing_booking()

    assert Notification.objects.count() == 0
    assert Delivery.objects.count() == 0
    assert mail.outbox == []
    assert sms.outbox == []
    assert push.outbox == []


@pytest.mark.django_db(transaction=True)
def test_committed_transaction_sends_everything() -> None:
    user = UserFactory(phone="+919812345670")
    with transaction.atomic():
        notify(template="hold_expiring", category="booking", context=HOLD, user=user, channels=["inbox", "sms"])
        assert sms.outbox == []
    assert len(sms.outbox) == 1
    assert Delivery.objects.get().status == "sent"


def test_preferences_are_honoured(trekker: Any, django_capture_on_commit_callbacks: Any) -> None:
    DeviceFactory(user=trekker)
    preferences_update(
        user=trekker,
        changes=[
            {"category": "booking", "channel": "sms", "enabled": False},
            {"category": "booking", "channel": "push", "enabled": False},
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        deliveries = notify(template="hold_expiring", category="booking", context=HOLD, user=trekker)
    assert [d.channel for d in deliveries] == ["email"]
    assert sms.outbox == []
    assert push.outbox == []
    assert Notification.objects.filter(user=trekker).count() == 1, "the inbox is always kept"


def test_defaults_keep_marketing_opt_in(trekker: Any) -> None:
    DeviceFactory(user=trekker)
    assert notify(template="hold_expiring", category="marketing", context=HOLD, user=trekker) == []
    preferences_update(user=trekker, changes=[{"category": "marketing", "channel": "email", "enabled": True}])
    assert [d.channel for d in notify(template="hold_expiring", category="marketing", context=HOLD, user=trekker)] == [
        "email"
    ]


def test_explicit_channels_still_respect_preferences(trekker: Any) -> None:
    preferences_update(user=trekker, changes=[{"category": "reminder", "channel": "sms", "enabled": False}])
    assert notify(template="hold_expiring", category="reminder", context=HOLD, user=trekker, channels=["sms"]) == []


@pytest.mark.parametrize("category", ["security", "emergency"])
def test_security_and_emergency_ignore_preferences(
    trekker: Any, category: str, django_capture_on_commit_callbacks: Any
) -> None:
    # Even rows written behind the API's back (the database refuses them for these categories) cannot exist.
    with pytest.raises(Exception, match="notifpref_not_locked_category"), transaction.atomic():
        NotificationPreference.objects.create(user=trekker, category=category, channel="sms", enabled=False)
    # Switch off every switchable category: security/emergency still go through on the channels asked for.
    preferences_update(
        user=trekker,
        changes=[
            {"category": c, "channel": ch, "enabled": False} for c in ("booking", "reminder") for ch in ("sms", "email")
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        deliveries = notify(
            template="sos_alert",
            category=category,
            context={"trekker_name": "Priya", "trek_name": "Hampta Pass", "ops_phone": "+911140000000"},
            user=trekker,
            channels=["sms", "email"],
        )
    assert sorted(d.channel for d in deliveries) == ["email", "sms"]
    assert len(sms.outbox) == 1
    assert len(mail.outbox) == 1


def test_raw_phone_and_email_need_no_user(db: None, django_capture_on_commit_callbacks: Any) -> None:
    context = {
        "trekker_name": "Priya",
        "trek_name": "Hampta Pass",
        "ops_phone": "+911140000000",
        "location": "32.2,77.1",
    }
    with django_capture_on_commit_callbacks(execute=True):
        deliveries = notify(
            template="sos_alert", category="emergency", context=context, phone="+919900000001", email="Ops@Example.com"
        )
    assert {(d.channel, d.recipient, d.user_id) for d in deliveries} == {
        ("sms", "+919900000001", None),
        ("email", "ops@example.com", None),
    }
    assert Notification.objects.count() == 0
    assert "Priya triggered an SOS on Hampta Pass" in sms.outbox[0].text
    assert mail.outbox[0].to == ["ops@example.com"]


def test_dedupe_key_gives_at_most_one_delivery_per_channel_and_recipient(trekker: Any) -> None:
    first = notify(
        template="hold_expiring", category="booking", context=HOLD, user=trekker, dedupe_key="booking:1:hold"
    )
    again = notify(
        template="hold_expiring", category="booking", context=HOLD, user=trekker, dedupe_key="booking:1:hold"
    )
    assert len(first) == 2  # email and sms (no devices)
    assert again == []
    assert Delivery.objects.count() == 2
    assert Notification.objects.count() == 1
    # the same key for another recipient is a different delivery
    other = UserFactory()
    assert (
        len(notify(template="hold_expiring", category="booking", context=HOLD, user=other, dedupe_key="booking:1:hold"))
        == 1
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_concurrent_calls_with_one_dedupe_key_create_one_delivery(race: Race) -> None:
    user = UserFactory(phone="+919812340000")

    def call() -> int:
        with transaction.atomic():
            created = notify(
                template="hold_expiring",
                category="booking",
                context=HOLD,
                user=user,
                channels=["sms"],
                dedupe_key="booking:7:hold",
            )
        return len(created)

    outcomes = race(*(call for _ in range(4)), catch=BaseException)
    results, errors = outcomes.values, outcomes.errors
    assert errors == []
    assert sorted(results) == [0, 0, 0, 1]
    assert Delivery.objects.count() == 1
    assert len(sms.outbox) == 1


def test_sensitive_content_is_not_logged_nor_kept(
    db: None, caplog: pytest.LogCaptureFixture, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.NOTIFICATIONS_SMS_BACKEND = "apps.notifications.backends.sms.ConsoleSMSBackend"
    user = UserFactory(phone="+919811111111")
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        deliveries = notify(
            template="otp",
            category="security",
            context={"code": "493817"},
            user=user,
            channels=["inbox", "sms"],
            sensitive=True,
        )
    delivery = Delivery.objects.get(pk=deliveries[0].pk)
    assert delivery.status == "sent"
    assert delivery.context == {}, "the code is erased once the attempt is over"
    assert Notification.objects.count() == 0, "no inbox copy of a sensitive message"
    assert "493817" not in caplog.text
    assert "9811111111" not in caplog.text


def test_invalid_calls_are_refused(trekker: Any) -> None:
    with pytest.raises(ValueError, match="not a valid Category"):
        notify(template="otp", category="gossip", context={}, user=trekker)
    with pytest.raises(ValueError, match="not a valid Channel"):
        notify(template="otp", category="security", context={}, user=trekker, channels=["fax"])
    with pytest.raises(ValueError, match="needs a user"):
        notify(template="otp", category="security", context={})
    with pytest.raises(ValueError, match=r"E\.164"):
        notify(template="otp", category="security", context={}, phone="98123 45678")
    with pytest.raises(ValueError, match="not a valid address"):
        notify(template="otp", category="security", context={}, email="not-an-address")
    with pytest.raises(ValueError, match="not requested"):
        notify(template="otp", category="security", context={}, phone="+919812345678", channels=["email"])
    with pytest.raises(ValueError, match="JSON"):
        notify(template="otp", category="security", context={"x": object()}, phone="+919812345678")
    with pytest.raises(TemplateDoesNotExist):
        notify(template="no_such_template", category="security", context={}, phone="+919812345678")
    assert Delivery.objects.count() == 0


def _statements(queries: CaptureQueriesContext) -> list[str]:
    """The statements' texts (a prepared one's text, not ``EXECUTE``), savepoints left out."""
    sent = [statement_text(q["sql"]) for q in queries.captured_queries]
    return [sql for sql in sent if not sql.startswith(("SAVEPOINT", "RELEASE"))]


@pytest.mark.parametrize("users", [1, 3, 6])
def test_notify_many_writes_any_number_of_messages_in_three_statements(
    db: None, users: int, django_capture_on_commit_callbacks: Any
) -> None:
    """Preferences (one query), devices (one), inbox rows and deliveries (one statement); one broker message."""
    people = [UserFactory(phone=f"+91981234{index:04d}") for index in range(users)]
    for person in people:
        DeviceFactory(user=person)
    messages = [message(template="hold_expiring", category="booking", context=HOLD, user=p) for p in people]
    messages.append(message(template="hold_expiring", category="booking", context=HOLD, phone="+919800000000"))
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        CaptureQueriesContext(connection) as queries,
        transaction.atomic(),
    ):
        created = notify_many(messages)
    statements = _statements(queries)
    assert len(statements) == 3, statements
    assert [s.split()[0] for s in statements] == ["SELECT", "SELECT", "WITH"]
    assert len(created) == users * 3 + 1  # e-mail, SMS and push each, and the raw phone
    assert Notification.objects.filter(user__in=people).count() == users
    assert len(callbacks) == 1


def test_notify_many_with_a_known_dedupe_key_finds_the_inbox_rows_and_creates_only_new_deliveries(
    trekker: Any,
) -> None:
    first = notify(template="hold_expiring", category="booking", context=HOLD, user=trekker, dedupe_key="hold:1")
    other = UserFactory(phone="+919800000001")
    DeviceFactory(user=trekker)  # a new device since: only its push delivery is new
    created = notify_many(
        [
            message(template="hold_expiring", category="booking", context=HOLD, user=u, dedupe_key="hold:1")
            for u in (trekker, other)
        ]
    )
    assert sorted((d.user_id == trekker.pk, d.channel) for d in created) == [
        (False, "email"),
        (False, "sms"),
        (True, "push"),
    ]
    inbox = Notification.objects.get(user=trekker, dedupe_key="hold:1")
    assert {d.notification_id for d in first} == {inbox.pk}
    assert [d.notification_id for d in created if d.user_id == trekker.pk] == [inbox.pk]
    assert Notification.objects.filter(dedupe_key="hold:1").count() == 2


def test_every_notify_of_one_transaction_goes_to_the_broker_in_one_message(
    trekker: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from apps.notifications import tasks

    sent: list[Any] = []
    original = tasks.deliver_many.apply_async
    tasks.deliver_many.apply_async = lambda *a, **k: sent.append(k["args"])  # type: ignore[method-assign]
    try:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            one = notify(template="hold_expiring", category="booking", context=HOLD, user=trekker)
            two = notify(template="hold_expiring", category="booking", context=HOLD, phone="+919800000002")
    finally:
        tasks.deliver_many.apply_async = original  # type: ignore[method-assign]
    assert sent == [([str(d.pk) for d in one + two],)]
