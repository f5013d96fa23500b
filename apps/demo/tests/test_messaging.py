"""Demo conversations: a direct and a group conversation, loaded once, that notify nobody."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from apps.messaging.models import Conversation, Message, MessageEdit
from apps.notifications.models import Notification
from apps.users.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_conversations_idempotently() -> None:
    call_command("seed_demo", stdout=StringIO())
    conversations = Conversation.objects.count()
    messages = Message.objects.count()
    assert conversations >= 2
    assert messages >= 5
    trekker = User.objects.get(email="trekker@demo.obsexperiences.in")
    assert Conversation.objects.filter(kind="direct", participants=trekker).exists()
    call_command("seed_demo", stdout=StringIO())
    assert (Conversation.objects.count(), Message.objects.count()) == (conversations, messages)
    assert not MessageEdit.objects.exists()
    assert not Notification.objects.filter(category="message").exists()  # seeded history pings nobody
