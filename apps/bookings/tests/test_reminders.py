from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings
from django.core import mail

from apps.bookings.services import reminders
from apps.bookings.tasks import hold_expiry_reminders, pretrek_reminders
from apps.notifications.backends import sms
from apps.notifications.models import Delivery, Notification
from apps.users.tests.factories import UserFactory

IST = ZoneInfo("Asia/Kolkata")


class _Related(list):  # type: ignore[type-arg]
    """A prefetched relation of a stand-in: ``.all()`` answers its rows."""

    def all(self) -> _Related:
        return self


def _person(name: str, *, done: bool) -> SimpleNamespace:
    when = datetime(2026, 11, 1, tzinfo=IST) if done else None
    return SimpleNamespace(pk=uuid.uuid4(), name=name, is_lead=True, health_declared_at=when, waiver_accepted_at=when)


def _approved(person: SimpleNamespace, kind: str) -> SimpleNamespace:
    return SimpleNamespace(
        kind=kind, status="approved", participant_id=person.pk, created_at=datetime(2026, 11, 2, tzinfo=IST)
    )


def _booking(user: Any, start: date, *, paperwork_done: bool = True, **extra: Any) -> SimpleNamespace:
    batch = SimpleNamespace(start_date=start, trek=SimpleNamespace(name="Kedarkantha"))
    person = _person("Priya Rao", done=paperwork_done)
    documents = [_approved(person, kind) for kind in ("id_document", "fitness_proof")] if paperwork_done else []
    fields: dict[str, Any] = {
        "reference": "OBS-REMIND1",
        "seats": 1,
        "final_amount": Decimal("9450.00"),
        "balance_due": Decimal("0"),
        "participants": _Related([person]),
        "documents": _Related(documents),
        **extra,
    }
    return SimpleNamespace(pk=uuid.uuid4(), user=user, batch=batch, status="confirmed", **fields)


@pytest.fixture
def bookings(monkeypatch: pytest.MonkeyPatch) -> list[SimpleNamespace]:
    """Bookings as the reminder jobs read them through the selectors (stand-ins with the fields they use)."""
    rows: list[SimpleNamespace] = []
    monkeypatch.setattr(
        reminders, "bookings_starting_on", lambda *, start_date: [b for b in rows if b.batch.start_date == start_date]
    )
    monkeypatch.setattr(
        reminders,
        "bookings_with_hold_expiring",
        lambda *, after, until: [
            b for b in rows if getattr(b, "hold_expires_at", None) and after < b.hold_expires_at <= until
        ],
    )
    return rows


def test_pretrek_reminders_go_seven_days_and_one_day_before_once_per_booking_and_kind(
    db: None, bookings: list[SimpleNamespace], django_capture_on_commit_callbacks: Any
) -> None:
    today = date(2026, 12, 1)
    user = UserFactory(phone="+919812345611", first_name="Priya")
    in_seven = _booking(user, today + timedelta(days=7), balance_due=Decimal("4500.00"), paperwork_done=False)
    tomorrow = _booking(user, today + timedelta(days=1), balance_due=Decimal("0"))
    bookings += [in_seven, tomorrow, _booking(user, today + timedelta(days=3))]

    with django_capture_on_commit_callbacks(execute=True):
        sent = reminders.send_pretrek_reminders(today=today)
    assert sent == 4  # (email + sms) x two bookings; no devices
    assert Notification.objects.filter(user=user).count() == 2
    keys = set(Delivery.objects.values_list("dedupe_key", flat=True))
    assert keys == {f"booking:{in_seven.pk}:pretrek-7d", f"booking:{tomorrow.pk}:pretrek-1d"}
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == ["Kedarkantha starts in 7 days", "Tomorrow: Kedarkantha starts"]
    seven_day_mail = next(m for m in mail.outbox if "7 days" in m.subject)
    assert "Balance due: Rs 4500.00" in seven_day_mail.body
    # what is missing, by participant and in words: never the checklist's codes
    assert "Priya Rao: Health declaration, Waiver, Photo ID, Fitness proof" in seven_day_mail.body
    assert "id_document" not in seven_day_mail.body
    assert "health_declaration" not in seven_day_mail.body
    html = seven_day_mail.alternatives[0][0]
    assert "Priya Rao: Health declaration, Waiver, Photo ID, Fitness proof" in html
    tomorrow_mail = next(m for m in mail.outbox if "Tomorrow" in m.subject)
    assert "Balance due" not in tomorrow_mail.body
    assert "Documents still missing" not in tomorrow_mail.body
    assert any("tomorrow" in m.text for m in sms.outbox)

    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.send_pretrek_reminders(today=today) == 0, "the job running twice sends nothing new"
    assert len(mail.outbox) == 2


def test_hold_expiry_reminder_ten_minutes_before_once(
    db: None, bookings: list[SimpleNamespace], django_capture_on_commit_callbacks: Any
) -> None:
    now = datetime(2026, 12, 1, 11, 0, tzinfo=IST)
    user = UserFactory(phone="+919812345612")
    soon = _booking(user, date(2026, 12, 20), hold_expires_at=now + timedelta(minutes=9, seconds=30))
    later = _booking(user, date(2026, 12, 20), hold_expires_at=now + timedelta(minutes=14))
    bookings += [soon, later]
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.send_hold_expiry_reminders(now=now) == 2  # email + sms for `soon`
    assert {d.dedupe_key for d in Delivery.objects.all()} == {f"booking:{soon.pk}:hold-expiring"}
    assert "held until 11:09" in sms.outbox[0].text
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.send_hold_expiry_reminders(now=now + timedelta(minutes=1)) == 0
        assert reminders.send_hold_expiry_reminders(now=now + timedelta(minutes=5)) == 2  # now `later` is due
    assert Delivery.objects.filter(dedupe_key=f"booking:{later.pk}:hold-expiring").count() == 2


def test_tasks_use_the_local_date_and_clock(db: None, bookings: list[SimpleNamespace]) -> None:
    user = UserFactory()
    bookings.append(_booking(user, date(2026, 12, 8)))
    # 09:00 in Kolkata on 1 December is 03:30 UTC: the job must target 8 December (and 2 December).
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=IST), tick=False):
        assert pretrek_reminders.apply().get() == 1  # e-mail only (no phone, no devices)
        assert hold_expiry_reminders.apply().get() == 0


def test_beat_schedule_registers_the_jobs() -> None:
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["bookings-pretrek-reminders"]["task"] == "bookings.pretrek_reminders"
    assert schedule["bookings-pretrek-reminders"]["schedule"] == crontab(hour=9, minute=0)
    assert schedule["bookings-hold-expiry-reminders"]["task"] == "bookings.hold_expiry_reminders"
    assert schedule["bookings-hold-expiry-reminders"]["schedule"] == 60.0
    assert settings.CELERY_TIMEZONE == "Asia/Kolkata"
    from config.celery import app

    app.loader.import_default_modules()
    for entry in schedule.values():
        assert entry["task"] in app.tasks, entry["task"]
