from __future__ import annotations

from datetime import UTC, datetime

from apps.notifications import planning
from apps.notifications.planning import message
from apps.notifications.tests.factories import DeviceFactory
from apps.users.tests.factories import UserFactory

HOLD = {
    "trek_name": "Kedarkantha",
    "hold_expires_at": "10:15",
    "booking_reference": "OBS-42",
    "start_date": "2026-12-20",
}
NOW = datetime(2026, 12, 1, 4, 30, tzinfo=UTC)


def test_planning_decides_channels_and_rows_without_the_database() -> None:
    """No ``db`` fixture: any query here would raise (pytest-django blocks database access)."""
    priya = UserFactory.build(email="priya@example.com", phone="+919812345678", is_active=True)
    ravi = UserFactory.build(email="ravi@example.com", phone="+919812345679", is_active=True)
    phone = DeviceFactory.build(user=priya)
    messages = [
        message(template="hold_expiring", category="booking", context=HOLD, user=priya),
        message(template="hold_expiring", category="booking", context=HOLD, user=ravi, sensitive=True),
        message(template="hold_expiring", category="security", context=HOLD, user=ravi, email="ops@example.com"),
    ]
    preferences = {
        priya.pk: {"booking": {"email": False, "sms": True, "push": True}},
        ravi.pk: {"booking": {"email": True, "sms": False, "push": False}},
    }
    holders = planning.preference_holders(messages)
    wanted = planning.channels_wanted(messages, preferences)
    plans = [planning.plan(m, ch, {priya.pk: [phone]}, NOW) for m, ch in zip(messages, wanted, strict=True)]

    assert holders == [priya, ravi], "security messages ignore preferences"
    assert wanted == [["inbox", "sms", "push"], ["inbox", "email"], ["inbox", "email"]]
    assert sorted((d.channel, d.recipient) for d in plans[0].deliveries) == [
        ("push", f"device:{phone.pk}"),
        ("sms", "+919812345678"),
    ]
    assert plans[0].inbox is not None
    assert plans[0].inbox.user is priya
    assert plans[1].inbox is None, "a sensitive message keeps no inbox row"
    assert [(d.channel, d.recipient, d.user) for d in plans[2].deliveries] == [
        ("email", "ravi@example.com", ravi),
        ("email", "ops@example.com", None),
    ]
    assert all(d.next_attempt_at == NOW for plan in plans for d in plan.deliveries)
