"""Sending, listing, editing (window and history) and deleting (tombstone) messages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from rest_framework.test import APIClient

from apps.messaging import services
from apps.messaging.models import Conversation, Message, MessageEdit
from apps.messaging.tests.factories import group_with
from apps.messaging.throttles import MessageSendThrottle
from apps.users.models import User

pytestmark = pytest.mark.django_db

Client = Callable[[User | None], APIClient]
T0 = datetime(2026, 5, 1, 6, 30, tzinfo=UTC)


def msgs(conversation: Conversation) -> str:
    return f"/api/v1/conversations/{conversation.pk}/messages/"


def one(conversation: Conversation, message: Message | str) -> str:
    pk = message.pk if isinstance(message, Message) else message
    return f"{msgs(conversation)}{pk}/"


@pytest.fixture
def pair(make_user: Callable[..., User]) -> tuple[User, User, Conversation]:
    alice, bob = make_user(), make_user()
    return alice, bob, group_with(alice, bob, title="Roopkund")


# --- send -----------------------------------------------------------------------------------------


def test_send_message(client_for: Client, pair) -> None:
    alice, _, conversation = pair
    response = client_for(alice).post(msgs(conversation), {"message_body": "  Who has a spare headlamp?  "})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["message_body"] == "Who has a spare headlamp?"
    assert body["sender"]["id"] == str(alice.pk)
    assert body["conversation"] == str(conversation.pk)
    assert body["sent_at"] is not None
    assert (body["edited_at"], body["deleted_at"], body["is_deleted"], body["parent"]) == (None, None, False, None)
    conversation.refresh_from_db()
    assert conversation.last_message_at is not None


@pytest.mark.parametrize(
    "payload",
    [{}, {"message_body": ""}, {"message_body": "   "}, {"message_body": "x" * 4001}, {"message_body": None}],
)
def test_send_rejects_bad_input(client_for: Client, pair, payload: dict) -> None:
    alice, _, conversation = pair
    response = client_for(alice).post(msgs(conversation), payload)
    assert response.status_code == 400
    assert "message_body" in response.json()["error"]["details"]
    assert not Message.objects.exists()


def test_service_refuses_blank_message(pair) -> None:
    from apps.common.exceptions import ValidationFailed

    alice, _, conversation = pair
    with pytest.raises(ValidationFailed):
        services.message_send(conversation=conversation, sender=alice, message_body=" \n ")


def test_reply_to_a_message_of_the_same_conversation(client_for: Client, pair, make_user) -> None:
    alice, bob, conversation = pair
    question = services.message_send(conversation=conversation, sender=alice, message_body="Pickup at 5?")
    response = client_for(bob).post(msgs(conversation), {"message_body": "Yes, 5 sharp", "parent": str(question.pk)})
    assert response.status_code == 201
    assert response.json()["parent"] == str(question.pk)

    elsewhere = group_with(bob, make_user())
    foreign = services.message_send(conversation=elsewhere, sender=bob, message_body="other chat")
    bad = client_for(bob).post(msgs(conversation), {"message_body": "reply", "parent": str(foreign.pk)})
    assert bad.status_code == 400
    assert "parent" in bad.json()["error"]["details"]

    services.message_delete(message=question, user=alice)
    to_tombstone = client_for(bob).post(msgs(conversation), {"message_body": "reply", "parent": str(question.pk)})
    assert to_tombstone.status_code == 400
    assert Message.objects.filter(conversation=conversation).count() == 2


def test_sending_is_rate_limited(client_for: Client, pair, monkeypatch: pytest.MonkeyPatch) -> None:
    alice, bob, conversation = pair
    monkeypatch.setattr(MessageSendThrottle, "rate", "3/min", raising=False)
    client = client_for(alice)
    codes = [client.post(msgs(conversation), {"message_body": f"msg {i}"}).status_code for i in range(4)]
    assert codes == [201, 201, 201, 429]
    throttled = client.post(msgs(conversation), {"message_body": "again"})
    assert throttled.json()["error"]["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0
    # Per sender, and reading is not limited.
    assert client_for(bob).post(msgs(conversation), {"message_body": "my turn"}).status_code == 201
    assert client.get(msgs(conversation)).status_code == 200
    assert Message.objects.filter(sender=alice).count() == 3


def test_send_rate_is_configured_in_settings() -> None:
    from django.conf import settings

    assert "message_send" in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]


# --- list -----------------------------------------------------------------------------------------


def test_list_is_newest_first_with_cursor_pages(client_for: Client, pair) -> None:
    alice, bob, conversation = pair
    for i in range(5):
        services.message_send(
            conversation=conversation,
            sender=alice if i % 2 else bob,
            message_body=f"m{i}",
            now=T0 + timedelta(minutes=i),
        )
    client = client_for(alice)
    page = client.get(msgs(conversation), {"page_size": 2}).json()
    assert [m["message_body"] for m in page["results"]] == ["m4", "m3"]
    assert page["previous"] is None
    seen = [m["message_body"] for m in page["results"]]
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [m["message_body"] for m in page["results"]]
    assert seen == ["m4", "m3", "m2", "m1", "m0"]


def test_list_filters(client_for: Client, pair) -> None:
    alice, bob, conversation = pair
    for i in range(4):
        services.message_send(
            conversation=conversation, sender=alice if i % 2 else bob, message_body=f"m{i}", now=T0 + timedelta(hours=i)
        )
    client = client_for(alice)

    def bodies(**params: str) -> list[str]:
        response = client.get(msgs(conversation), params)
        assert response.status_code == 200, response.json()
        return [m["message_body"] for m in response.json()["results"]]

    assert bodies(sender=str(alice.pk)) == ["m3", "m1"]
    assert bodies(sent_after=(T0 + timedelta(hours=2)).isoformat()) == ["m3", "m2"]
    assert bodies(sent_before=(T0 + timedelta(hours=2)).isoformat()) == ["m1", "m0"]
    assert bodies(
        sender=str(bob.pk),
        sent_after=(T0 + timedelta(minutes=30)).isoformat(),
        sent_before=(T0 + timedelta(hours=5)).isoformat(),
    ) == ["m2"]


@pytest.mark.parametrize("params", [{"sender": "nope"}, {"sent_after": "yesterday"}, {"sent_before": "2026-13-01"}])
def test_list_rejects_bad_filters(client_for: Client, pair, params: dict) -> None:
    alice, _, conversation = pair
    response = client_for(alice).get(msgs(conversation), params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


# --- edit -----------------------------------------------------------------------------------------


def test_edit_within_window_keeps_history(client_for: Client, pair) -> None:
    alice, bob, conversation = pair
    with time_machine.travel(T0, tick=False) as traveller:
        message = services.message_send(conversation=conversation, sender=alice, message_body="Meet at 6")
        traveller.move_to(T0 + timedelta(minutes=5))
        first = client_for(alice).patch(one(conversation, message), {"message_body": "Meet at 6:30"})
        assert first.status_code == 200, first.json()
        assert first.json()["message_body"] == "Meet at 6:30"
        assert first.json()["edited_at"] == "2026-05-01T12:05:00+05:30"

        traveller.move_to(T0 + timedelta(minutes=15))  # the last moment of the window
        second = client_for(alice).patch(one(conversation, message), {"message_body": "Meet at 7"})
        assert second.status_code == 200

        # Same text again: nothing to record.
        assert client_for(alice).patch(one(conversation, message), {"message_body": "Meet at 7"}).status_code == 200

    history = list(MessageEdit.objects.filter(message=message).values_list("previous_body", "edited_at"))
    assert history == [("Meet at 6", T0 + timedelta(minutes=5)), ("Meet at 6:30", T0 + timedelta(minutes=15))]
    message.refresh_from_db()
    assert (message.message_body, message.edited_at, message.sent_at) == ("Meet at 7", T0 + timedelta(minutes=15), T0)
    assert client_for(bob).get(one(conversation, message)).json()["message_body"] == "Meet at 7"


def test_edit_after_window_is_refused(client_for: Client, pair) -> None:
    alice, _, conversation = pair
    with time_machine.travel(T0, tick=False) as traveller:
        message = services.message_send(conversation=conversation, sender=alice, message_body="Meet at 6")
        traveller.move_to(T0 + timedelta(minutes=15, seconds=1))
        response = client_for(alice).patch(one(conversation, message), {"message_body": "Meet at 7"})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "edit_window_closed"
    assert error["details"] == {"edit_window_minutes": 15}
    message.refresh_from_db()
    assert message.message_body == "Meet at 6"
    assert message.edited_at is None
    assert not MessageEdit.objects.exists()


def test_edit_window_follows_settings(pair, settings) -> None:
    alice, _, conversation = pair
    settings.MESSAGING_EDIT_WINDOW_MINUTES = 1
    message = services.message_send(conversation=conversation, sender=alice, message_body="a", now=T0)
    with pytest.raises(services.EditWindowClosed):
        services.message_edit(message=message, user=alice, message_body="b", now=T0 + timedelta(seconds=61))
    edited = services.message_edit(message=message, user=alice, message_body="b", now=T0 + timedelta(seconds=60))
    assert edited.message_body == "b"


def test_only_the_author_edits(client_for: Client, pair) -> None:
    alice, bob, conversation = pair
    message = services.message_send(conversation=conversation, sender=alice, message_body="mine")
    response = client_for(bob).patch(one(conversation, message), {"message_body": "yours now"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_author"
    message.refresh_from_db()
    assert message.message_body == "mine"


@pytest.mark.parametrize("payload", [{}, {"message_body": ""}, {"message_body": "  "}, {"message_body": "y" * 4001}])
def test_edit_rejects_bad_input(client_for: Client, pair, payload: dict) -> None:
    alice, _, conversation = pair
    message = services.message_send(conversation=conversation, sender=alice, message_body="mine")
    assert client_for(alice).patch(one(conversation, message), payload).status_code == 400
    message.refresh_from_db()
    assert message.message_body == "mine"


def test_service_edit_refuses_blank(pair) -> None:
    from apps.common.exceptions import ValidationFailed

    alice, _, conversation = pair
    message = services.message_send(conversation=conversation, sender=alice, message_body="mine")
    with pytest.raises(ValidationFailed):
        services.message_edit(message=message, user=alice, message_body="   ")


# --- delete ---------------------------------------------------------------------------------------


def test_delete_leaves_a_tombstone(client_for: Client, pair) -> None:
    alice, bob, conversation = pair
    message = services.message_send(conversation=conversation, sender=alice, message_body="oops, wrong chat")
    response = client_for(alice).delete(one(conversation, message))
    assert response.status_code == 204

    listed = client_for(bob).get(msgs(conversation)).json()["results"]
    assert len(listed) == 1
    assert listed[0]["id"] == str(message.pk)
    assert listed[0]["message_body"] is None
    assert listed[0]["is_deleted"] is True
    assert listed[0]["deleted_at"] is not None
    detail = client_for(bob).get(f"/api/v1/conversations/{conversation.pk}/").json()
    assert detail["last_message"]["message_body"] is None
    assert detail["messages"][0]["message_body"] is None
    assert "wrong chat" not in str(client_for(bob).get("/api/v1/conversations/").content)

    # Deleting again is harmless; editing a deleted message is refused.
    assert client_for(alice).delete(one(conversation, message)).status_code == 204
    edit = client_for(alice).patch(one(conversation, message), {"message_body": "resurrected"})
    assert edit.status_code == 409
    assert edit.json()["error"]["code"] == "message_deleted"


def test_only_the_author_deletes(client_for: Client, pair) -> None:
    alice, bob, conversation = pair
    message = services.message_send(conversation=conversation, sender=alice, message_body="mine")
    response = client_for(bob).delete(one(conversation, message))
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.deleted_at is None


def test_unknown_message_is_404(client_for: Client, pair) -> None:
    import uuid

    alice, _, conversation = pair
    assert client_for(alice).delete(one(conversation, str(uuid.uuid4()))).status_code == 404


# --- edit history -----------------------------------------------------------------------------------------


def test_the_participants_read_the_edit_history_and_outsiders_get_404(
    pair: tuple[User, User, Conversation], client_for: Client, make_user: Callable[..., User]
) -> None:
    alice, bob, conversation = pair
    with time_machine.travel(T0, tick=False):
        message = services.message_send(conversation=conversation, sender=alice, message_body="Camp at Balu")
    for minute, text in ((1, "Camp at Chika"), (2, "Camp at Chika, 4 pm")):
        services.message_edit(message=message, user=alice, message_body=text, now=T0 + timedelta(minutes=minute))
    url = f"{one(conversation, message)}history/"
    for reader in (alice, bob):
        response = client_for(reader).get(url)
        assert response.status_code == 200
        assert [e["previous_body"] for e in response.json()] == ["Camp at Balu", "Camp at Chika"]
        assert response.json()[0]["edited_at"] == "2026-05-01T12:01:00+05:30"
    assert client_for(make_user()).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 401
    never_edited = services.message_send(conversation=conversation, sender=bob, message_body="OK")
    assert client_for(alice).get(f"{one(conversation, never_edited)}history/").json() == []


def test_a_deleted_messages_history_is_gone_with_it(pair: tuple[User, User, Conversation], client_for: Client) -> None:
    alice, bob, conversation = pair
    message = services.message_send(conversation=conversation, sender=alice, message_body="Secret plan")
    services.message_edit(message=message, user=alice, message_body="Plan")
    services.message_delete(message=message, user=alice)
    response = client_for(bob).get(f"{one(conversation, message)}history/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "message_deleted"
