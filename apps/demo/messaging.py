"""Demo conversations between the demo users (idempotent: nothing is added once they exist)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from apps.demo.accounts import demo_user
from apps.messaging import services
from apps.messaging.models import Conversation

DEMO_GROUP_TITLE = "Hampta Pass — packing questions"


def seed_messaging(write: Callable[[str], None]) -> None:
    trekker, guide, ops, cs = (demo_user(r) for r in ("trekker", "guide", "ops", "cs"))
    if trekker is None or guide is None or ops is None or cs is None:
        write("  messaging: demo users missing, skipped")
        return
    start = timezone.now() - timedelta(hours=3)

    direct, created = services.conversation_get_or_create_direct(user=trekker, other=guide)
    if created:
        lines = [
            (trekker, "Namaste Tenzing! Is the trail to Balu ka Ghera muddy this week?"),
            (guide, "A little after the rain, nothing serious. Bring gaiters if you have them."),
            (trekker, "Great, and do we need microspikes for the pass?"),
            (guide, "Not this late in the season. Good trekking shoes are enough."),
        ]
        for minutes, (sender, text) in enumerate(lines):
            services.message_send(
                conversation=direct,
                sender=sender,
                message_body=text,
                now=start + timedelta(minutes=minutes * 7),
                notify_participants=False,
            )
        services.conversation_mark_read(conversation=direct, user=trekker, now=start + timedelta(minutes=15))

    if not Conversation.objects.filter(kind=Conversation.Kind.GROUP, title=DEMO_GROUP_TITLE).exists():
        group = services.conversation_create_group(user=ops, title=DEMO_GROUP_TITLE, participants=[trekker, guide, cs])
        lines = [
            (ops, "Welcome! Ask anything about gear and documents for Hampta Pass here."),
            (trekker, "Is a medical certificate required, or is the fitness form enough?"),
            (cs, "The fitness form is enough; upload it with your ID in the app before departure."),
        ]
        for minutes, (sender, text) in enumerate(lines):
            services.message_send(
                conversation=group,
                sender=sender,
                message_body=text,
                now=start + timedelta(minutes=60 + minutes * 5),
                notify_participants=False,
            )
    write(f"  messaging: {Conversation.objects.count()} conversations")
