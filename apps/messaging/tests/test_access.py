"""Only participants see a conversation; everyone else gets 404 (or 401 without a token)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from apps.messaging import services
from apps.messaging.models import Conversation, Message
from apps.messaging.tests.factories import group_with
from apps.users.models import User

pytestmark = pytest.mark.django_db

Client = Callable[[User | None], APIClient]


def conv_url(conversation: Conversation | uuid.UUID, suffix: str = "") -> str:
    pk = conversation.pk if isinstance(conversation, Conversation) else conversation
    return f"/api/v1/conversations/{pk}/{suffix}"


def msg_url(conversation: Conversation, message: Message | None = None) -> str:
    base = conv_url(conversation, "messages/")
    return f"{base}{message.pk}/" if message is not None else base


@pytest.fixture
def trio(make_user: Callable[..., User]) -> tuple[User, User, User]:
    return make_user(), make_user(), make_user()


@pytest.fixture
def private(trio: tuple[User, User, User]) -> tuple[Conversation, Message]:
    alice, bob, _ = trio
    conversation = group_with(alice, bob, title="Alice and Bob")
    message = services.message_send(conversation=conversation, sender=alice, message_body="secret plan")
    return conversation, message


def test_unauthenticated_requests_get_401(client_for: Client, private: tuple[Conversation, Message]) -> None:
    conversation, message = private
    anon = client_for(None)
    responses = [
        anon.get("/api/v1/conversations/"),
        anon.post("/api/v1/conversations/", {"participants": [str(uuid.uuid4())]}),
        anon.get(conv_url(conversation)),
        anon.post(conv_url(conversation, "read/"), {}),
        anon.get(msg_url(conversation)),
        anon.post(msg_url(conversation), {"message_body": "hi"}),
        anon.patch(msg_url(conversation, message), {"message_body": "x"}),
        anon.delete(msg_url(conversation, message)),
    ]
    assert [r.status_code for r in responses] == [401] * len(responses)
    assert responses[0].json()["error"]["code"] == "not_authenticated"


def test_non_participant_cannot_read_post_or_discover(
    client_for: Client, trio: tuple[User, User, User], private: tuple[Conversation, Message]
) -> None:
    _, _, eve = trio
    conversation, message = private
    client = client_for(eve)

    listing = client.get("/api/v1/conversations/")
    assert listing.status_code == 200
    assert listing.json()["results"] == []

    responses = {
        "retrieve": client.get(conv_url(conversation)),
        "read": client.post(conv_url(conversation, "read/"), {}),
        "messages": client.get(msg_url(conversation)),
        "message": client.get(msg_url(conversation, message)),
        "send": client.post(msg_url(conversation), {"message_body": "let me in"}),
        "edit": client.patch(msg_url(conversation, message), {"message_body": "hijacked"}),
        "delete": client.delete(msg_url(conversation, message)),
    }
    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(responses, 404)
    # The answer is the same as for a conversation that does not exist at all.
    missing = client.get(conv_url(uuid.uuid4()))
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == responses["retrieve"].json()["error"]["code"] == "not_found"
    assert "secret plan" not in str([r.content for r in responses.values()])
    message.refresh_from_db()
    assert message.message_body == "secret plan"
    assert message.deleted_at is None
    assert Message.objects.filter(conversation=conversation).count() == 1


def test_participant_reaches_everything(client_for: Client, trio: tuple[User, User, User], private) -> None:
    _, bob, _ = trio
    conversation, message = private
    client = client_for(bob)
    assert client.get(conv_url(conversation)).status_code == 200
    assert client.get(msg_url(conversation, message)).json()["message_body"] == "secret plan"
    assert client.post(msg_url(conversation), {"message_body": "count me in"}).status_code == 201


def test_participant_who_left_loses_access(client_for: Client, make_user: Callable[..., User]) -> None:
    trekker, other = make_user(), make_user()
    batch_id = uuid.uuid4()
    conversation = services.batch_conversation_join(batch_id=batch_id, user=trekker)
    services.batch_conversation_join(batch_id=batch_id, user=other)
    message = services.message_send(conversation=conversation, sender=other, message_body="meet at 6am")
    client = client_for(trekker)
    assert client.get(conv_url(conversation)).status_code == 200

    assert services.batch_conversation_leave(batch_id=batch_id, user=trekker) is True

    assert client.get("/api/v1/conversations/").json()["results"] == []
    assert client.get(conv_url(conversation)).status_code == 404
    assert client.get(msg_url(conversation)).status_code == 404
    assert client.get(msg_url(conversation, message)).status_code == 404
    assert client.post(msg_url(conversation), {"message_body": "still here?"}).status_code == 404
    # The others no longer list them.
    participants = client_for(other).get(conv_url(conversation)).json()["participants"]
    assert [p["id"] for p in participants] == [str(other.pk)]


def test_inactive_user_sees_nothing(client_for: Client, trio, private) -> None:
    alice, _, _ = trio
    conversation, _ = private
    client = client_for(alice)
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert client.get(conv_url(conversation)).status_code == 401


def test_message_of_another_conversation_is_404_through_this_one(client_for: Client, trio) -> None:
    alice, bob, eve = trio
    mine = group_with(alice, bob)
    theirs = group_with(bob, eve)
    foreign = services.message_send(conversation=theirs, sender=eve, message_body="not for alice")
    client = client_for(alice)
    assert client.get(msg_url(mine, foreign)).status_code == 404
    assert client.delete(msg_url(mine, foreign)).status_code == 404
    assert client.patch(msg_url(mine, foreign), {"message_body": "x"}).status_code == 404


def test_malformed_ids_are_404(client_for: Client, user: User) -> None:
    client = client_for(user)
    assert client.get("/api/v1/conversations/not-a-uuid/").status_code == 404
    assert client.get("/api/v1/conversations/not-a-uuid/messages/").status_code == 404


def test_put_is_not_allowed(client_for: Client, trio, private) -> None:
    alice, _, _ = trio
    conversation, message = private
    response = client_for(alice).put(msg_url(conversation, message), {"message_body": "x"})
    assert response.status_code == 405
