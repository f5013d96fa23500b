"""A new message notifies the other participants through the notification system, per their preferences."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core import mail
from django.db import transaction

from apps.messaging import services
from apps.messaging.tests.factories import group_with
from apps.notifications.backends import push
from apps.notifications.models import Delivery, Notification, NotificationPreference
from apps.notifications.tests.factories import DeviceFactory
from apps.users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_push_outbox() -> Iterator[None]:
    push.outbox.clear()
    yield
    push.outbox.clear()


@pytest.fixture
def chat(make_user: Callable[..., User]) -> tuple[User, User, User, Any]:
    sender = make_user(first_name="Priya", last_name="Sharma")
    reader = make_user(first_name="Tenzing")
    other = make_user(first_name="Meera")
    return sender, reader, other, group_with(sender, reader, other, title="Hampta Pass")


def test_new_message_notifies_the_other_participants(chat, django_capture_on_commit_callbacks) -> None:
    sender, reader, other, conversation = chat
    DeviceFactory(user=reader)
    with django_capture_on_commit_callbacks(execute=True):
        message = services.message_send(
            conversation=conversation, sender=sender, message_body="Bus leaves at 6 from Manali"
        )

    notes = Notification.objects.filter(category="message", template="new_message")
    assert set(notes.values_list("user_id", flat=True)) == {reader.pk, other.pk}  # not the sender
    note = notes.get(user=reader)
    assert note.title == "Priya Sharma · Hampta Pass"
    assert note.body == "Bus leaves at 6 from Manali"
    assert note.data["conversation_id"] == str(conversation.pk)
    assert note.data["message_id"] == str(message.pk)
    # Default preferences for messages: push on, e-mail and SMS off.
    assert [(p.title, p.body) for p in push.outbox] == [("Priya Sharma · Hampta Pass", "Bus leaves at 6 from Manali")]
    assert mail.outbox == []
    assert set(Delivery.objects.values_list("channel", "user_id")) == {("push", reader.pk)}


def test_preferences_are_respected(chat, django_capture_on_commit_callbacks) -> None:
    sender, reader, other, conversation = chat
    DeviceFactory(user=reader)
    NotificationPreference.objects.create(user=reader, category="message", channel="push", enabled=False)
    NotificationPreference.objects.create(user=other, category="message", channel="email", enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(conversation=conversation, sender=sender, message_body="Carry a rain cover")
    assert push.outbox == []
    assert [m.to for m in mail.outbox] == [[other.email]]
    assert mail.outbox[0].subject == "Priya Sharma in Hampta Pass"
    assert "Carry a rain cover" in mail.outbox[0].body


def test_one_notification_per_unread_streak(chat) -> None:
    sender, reader, _, conversation = chat
    services.message_send(conversation=conversation, sender=sender, message_body="one")
    services.message_send(conversation=conversation, sender=sender, message_body="two")
    assert Notification.objects.filter(user=reader).count() == 1
    services.conversation_mark_read(conversation=conversation, user=reader)
    services.message_send(conversation=conversation, sender=sender, message_body="three")
    assert Notification.objects.filter(user=reader).count() == 2


def test_departed_and_inactive_participants_are_not_notified(make_user: Callable[..., User]) -> None:
    sender, gone, inactive = make_user(), make_user(), make_user()
    batch_id = uuid.uuid4()
    for member in (sender, gone, inactive):
        conversation = services.batch_conversation_join(batch_id=batch_id, user=member)
    services.batch_conversation_leave(batch_id=batch_id, user=gone)
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    services.message_send(conversation=conversation, sender=sender, message_body="hello?")
    assert not Notification.objects.exists()


def test_direct_message_notification_names_the_sender(make_user: Callable[..., User]) -> None:
    sender, reader = make_user(first_name="Asha", last_name="Rawat"), make_user()
    conversation, _ = services.conversation_get_or_create_direct(user=sender, other=reader)
    services.message_send(conversation=conversation, sender=sender, message_body="x" * 300)
    note = Notification.objects.get(user=reader)
    assert note.title == "Asha Rawat"
    assert len(note.body) == 140
    assert note.body.endswith("…")


def test_nothing_is_sent_when_the_send_rolls_back(chat, django_capture_on_commit_callbacks) -> None:
    sender, reader, _, conversation = chat
    DeviceFactory(user=reader)

    class Boom(Exception):
        pass

    def send_then_fail() -> None:
        with transaction.atomic():
            services.message_send(conversation=conversation, sender=sender, message_body="never mind")
            raise Boom

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Boom):
        send_then_fail()
    assert callbacks == []
    assert push.outbox == []
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()
