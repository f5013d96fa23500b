"""List endpoints run a fixed number of queries whatever the page size."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from apps.messaging.models import Conversation, ConversationParticipant, Message
from apps.users.models import User
from apps.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

Client = Callable[[User | None], APIClient]


@pytest.fixture
def busy_user() -> tuple[User, list[Conversation]]:
    """A user in 100 conversations of 3 people, each with 3 messages (one deleted, one replying)."""
    me = UserFactory()
    others = UserFactory.create_batch(6)
    now = timezone.now()
    conversations = Conversation.objects.bulk_create(
        [Conversation(kind="group", title=f"g{i}", last_message_at=now - timedelta(minutes=i)) for i in range(100)]
    )
    ConversationParticipant.objects.bulk_create(
        [
            ConversationParticipant(conversation=c, user=u, joined_at=now - timedelta(days=1))
            for i, c in enumerate(conversations)
            for u in (me, others[i % 6], others[(i + 1) % 6])
        ]
    )
    messages = []
    for i, c in enumerate(conversations):
        first = Message(
            conversation=c, sender=others[i % 6], message_body="hi", sent_at=now - timedelta(minutes=i, seconds=3)
        )
        messages += [
            first,
            Message(
                conversation=c,
                sender=me,
                message_body="yo",
                sent_at=now - timedelta(minutes=i, seconds=2),
                parent=first,
            ),
            Message(
                conversation=c,
                sender=others[(i + 1) % 6],
                message_body="x",
                sent_at=now - timedelta(minutes=i),
                deleted_at=now,
            ),
        ]
    Message.objects.bulk_create(messages)
    return me, conversations


def count_queries(client: APIClient, url: str, **params: object) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200, response.json()
    return len(ctx.captured_queries), response.json()


def test_conversation_list_query_count_is_constant(client_for: Client, busy_user) -> None:
    me, _ = busy_user
    client = client_for(me)
    counts = {}
    for size in (1, 20, 100):
        counts[size], body = count_queries(client, "/api/v1/conversations/", page_size=size)
        assert len(body["results"]) == size
        assert all(len(r["participants"]) == 3 for r in body["results"])
        assert all(r["last_message"]["is_deleted"] for r in body["results"])
        assert all(r["unread_count"] == 1 for r in body["results"])  # "hi"; "yo" is mine, "x" deleted
    assert counts[1] == counts[20] == counts[100]
    # user (token) + count + page + participants + last messages
    assert counts[100] == 5


def test_conversation_detail_query_count(client_for: Client, busy_user) -> None:
    me, conversations = busy_user
    count, body = count_queries(client_for(me), f"/api/v1/conversations/{conversations[0].pk}/")
    assert len(body["messages"]) == 3
    assert count <= 5


def test_message_list_query_count_is_constant(client_for: Client, busy_user) -> None:
    me, conversations = busy_user
    conversation = conversations[0]
    others = list(conversation.participants.exclude(pk=me.pk))
    now = timezone.now()
    Message.objects.bulk_create(
        [
            Message(
                conversation=conversation,
                sender=others[i % 2],
                message_body=f"m{i}",
                sent_at=now - timedelta(hours=1, seconds=i),
            )
            for i in range(150)
        ]
    )
    client = client_for(me)
    url = f"/api/v1/conversations/{conversation.pk}/messages/"
    counts = {}
    for size in (1, 20, 100):
        counts[size], body = count_queries(client, url, page_size=size)
        assert len(body["results"]) == size
        assert all(m["sender"]["id"] for m in body["results"])
    assert counts[1] == counts[20] == counts[100]
    # user (token) + conversation access + page
    assert counts[100] == 3
