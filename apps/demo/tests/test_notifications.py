"""Demo inbox: one welcome message for the demo trekker, however often the demo is loaded."""

from __future__ import annotations

from django.core.management import call_command

from apps.notifications.models import Notification


def test_demo_seed_adds_an_inbox_message_once(db: None) -> None:
    call_command("seed_demo")
    call_command("seed_demo")
    # (the demo bookings add booking and payment messages of their own, the community its badge messages)
    welcome = Notification.objects.filter(
        user__email="trekker@demo.obsexperiences.in", category="community", template="welcome"
    )
    assert welcome.count() == 1
