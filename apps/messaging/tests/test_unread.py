"""Unread counts and read markers."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from apps.messaging import selectors, services
from apps.messaging.models import Conversation, ConversationParticipant
from apps.messaging.tests.factories import group_with
from apps.users.models import User

pytestmark = pytest.mark.django_db

Client = Callable[[User | None], APIClient]
T0 = datetime(2026, 5, 1, 6, 30, tzinfo=UTC)


def unread_in_list(client: APIClient) -> dict[str, int]:
    return {r["id"]: r["unread_count"] for r in client.get("/api/v1/conversations/").json()["results"]}


@pytest.fixture
def trio(make_user: Callable[..., User]) -> tuple[User, User, User, Conversation]:
    me, a, b = make_user(), make_user(), make_user()
    conversation = group_with(me, a, b, title="Valley of Flowers")
    ConversationParticipant.objects.filter(conversation=conversation).update(joined_at=T0 - timedelta(days=1))
    return me, a, b, conversation


def send(conversation: Conversation, sender: User, body: str, minutes: int):
    return services.message_send(
        conversation=conversation, sender=sender, message_body=body, now=T0 + timedelta(minutes=minutes)
    )


def test_unread_counts_messages_of_others_since_the_marker(client_for: Client, trio, make_user) -> None:
    me, a, b, conversation = trio
    silent = make_user()
    ConversationParticipant.objects.create(conversation=conversation, user=silent, joined_at=T0)
    send(conversation, a, "one", 1)
    send(conversation, b, "two", 2)
    send(conversation, me, "mine", 3)  # my own message: read by me, and it moves my marker
    send(conversation, a, "three", 4)
    deleted = send(conversation, b, "four", 5)
    services.message_delete(message=deleted, user=b)  # tombstones are not unread

    client = client_for(me)
    assert unread_in_list(client) == {str(conversation.pk): 1}  # "three"
    assert unread_in_list(client_for(a)) == {str(conversation.pk): 0}  # after "three" only "four", deleted
    assert unread_in_list(client_for(b)) == {str(conversation.pk): 0}
    assert unread_in_list(client_for(silent)) == {str(conversation.pk): 4}  # one, two, mine, three
    assert selectors.unread_count_for(conversation=conversation, user=silent) == 4
    assert selectors.unread_count_for(conversation=conversation, user=make_user()) == 0


def test_mark_read_up_to_now(client_for: Client, trio) -> None:
    me, a, _, conversation = trio
    send(conversation, a, "one", 1)
    send(conversation, a, "two", 2)
    client = client_for(me)
    response = client.post(f"/api/v1/conversations/{conversation.pk}/read/", {})
    assert response.status_code == 200, response.json()
    assert response.json()["unread_count"] == 0
    assert unread_in_list(client) == {str(conversation.pk): 0}
    marker = ConversationParticipant.objects.get(conversation=conversation, user=me).last_read_at
    assert marker is not None
    assert response.json()["last_read_at"] is not None


def test_mark_read_up_to_a_message(client_for: Client, trio) -> None:
    me, a, b, conversation = trio
    send(conversation, a, "one", 1)
    second = send(conversation, b, "two", 2)
    send(conversation, a, "three", 3)
    send(conversation, b, "four", 4)
    client = client_for(me)
    response = client.post(f"/api/v1/conversations/{conversation.pk}/read/", {"message": str(second.pk)})
    assert response.status_code == 200
    assert response.json() == {"last_read_at": "2026-05-01T12:02:00+05:30", "unread_count": 2}
    assert unread_in_list(client) == {str(conversation.pk): 2}


def test_read_marker_never_moves_backwards(client_for: Client, trio) -> None:
    me, a, _, conversation = trio
    first = send(conversation, a, "one", 1)
    send(conversation, a, "two", 2)
    client = client_for(me)
    client.post(f"/api/v1/conversations/{conversation.pk}/read/", {})
    response = client.post(f"/api/v1/conversations/{conversation.pk}/read/", {"message": str(first.pk)})
    assert response.status_code == 200
    assert response.json()["unread_count"] == 0


def test_read_markers_are_per_participant(client_for: Client, trio) -> None:
    me, a, b, conversation = trio
    send(conversation, a, "one", 1)
    client_for(me).post(f"/api/v1/conversations/{conversation.pk}/read/", {})
    assert unread_in_list(client_for(me)) == {str(conversation.pk): 0}
    assert unread_in_list(client_for(b)) == {str(conversation.pk): 1}


def test_mark_read_rejects_unknown_or_foreign_message(client_for: Client, trio, make_user) -> None:
    me, a, _, conversation = trio
    elsewhere = group_with(a, make_user())
    foreign = services.message_send(conversation=elsewhere, sender=a, message_body="other")
    client = client_for(me)
    for message_id in (str(foreign.pk), str(uuid.uuid4())):
        response = client.post(f"/api/v1/conversations/{conversation.pk}/read/", {"message": message_id})
        assert response.status_code == 400
        assert "message" in response.json()["error"]["details"]
    assert client.post(f"/api/v1/conversations/{conversation.pk}/read/", {"message": "x"}).status_code == 400
    assert ConversationParticipant.objects.get(conversation=conversation, user=me).last_read_at is None


def test_service_refuses_foreign_message_and_non_member(trio, make_user) -> None:
    from apps.common.exceptions import NotFound, ValidationFailed

    me, a, _, conversation = trio
    elsewhere = group_with(a, make_user())
    foreign = services.message_send(conversation=elsewhere, sender=a, message_body="other")
    with pytest.raises(ValidationFailed):
        services.conversation_mark_read(conversation=conversation, user=me, message=foreign)
    with pytest.raises(NotFound):
        services.conversation_mark_read(conversation=conversation, user=make_user())


def test_newcomer_does_not_inherit_old_unread(client_for: Client, make_user) -> None:
    trekker, newcomer = make_user(), make_user()
    batch_id = uuid.uuid4()
    conversation = services.batch_conversation_join(batch_id=batch_id, user=trekker)
    services.message_send(conversation=conversation, sender=trekker, message_body="before you came")
    services.batch_conversation_join(batch_id=batch_id, user=newcomer)
    assert unread_in_list(client_for(newcomer)) == {str(conversation.pk): 0}
    # The history is still there to read.
    messages = client_for(newcomer).get(f"/api/v1/conversations/{conversation.pk}/messages/").json()["results"]
    assert [m["message_body"] for m in messages] == ["before you came"]
    services.message_send(conversation=conversation, sender=trekker, message_body="welcome!")
    assert unread_in_list(client_for(newcomer)) == {str(conversation.pk): 1}
