"""Starting conversations: one direct conversation per pair, groups, ordering and the nested detail."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from functools import partial

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.common.tests.race import Race
from apps.messaging import services
from apps.messaging.models import Conversation, ConversationParticipant
from apps.messaging.tests.factories import group_with
from apps.users.models import User
from apps.users.tests.factories import UserFactory

Client = Callable[[User | None], APIClient]
URL = "/api/v1/conversations/"


@pytest.mark.django_db
def test_direct_conversation_is_created_once_per_pair(client_for: Client, make_user: Callable[..., User]) -> None:
    alice, bob = make_user(), make_user()
    first = client_for(alice).post(URL, {"kind": "direct", "participants": [str(bob.pk)]})
    assert first.status_code == 201, first.json()
    body = first.json()
    assert body["kind"] == "direct"
    assert {p["id"] for p in body["participants"]} == {str(alice.pk), str(bob.pk)}
    assert body["last_message"] is None
    assert body["unread_count"] == 0

    again = client_for(alice).post(URL, {"participants": [str(bob.pk)]})  # kind defaults to direct
    reverse = client_for(bob).post(URL, {"kind": "direct", "participants": [str(alice.pk)]})
    assert (again.status_code, reverse.status_code) == (200, 200)
    assert again.json()["id"] == reverse.json()["id"] == body["id"]
    assert Conversation.objects.filter(kind="direct").count() == 1


@pytest.mark.django_db
def test_group_conversation(client_for: Client, make_user: Callable[..., User]) -> None:
    me, a, b = make_user(), make_user(), make_user()
    response = client_for(me).post(
        URL, {"kind": "group", "title": "  Kedarkantha crew ", "participants": [str(a.pk), str(b.pk), str(a.pk)]}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["title"] == "Kedarkantha crew"
    assert {p["id"] for p in body["participants"]} == {str(me.pk), str(a.pk), str(b.pk)}
    # A second group with the same people is a new group.
    again = client_for(me).post(URL, {"kind": "group", "title": "Another", "participants": [str(a.pk)]})
    assert again.status_code == 201
    assert again.json()["id"] != body["id"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "participants"),
        ({"participants": []}, "participants"),
        ({"participants": ["not-a-uuid"]}, "participants"),
        ({"participants": "abc"}, "participants"),
        ({"kind": "batch", "participants": ["{other}"]}, "kind"),
        ({"kind": "direct", "participants": ["{other}", "{third}"]}, "participants"),
        ({"kind": "direct", "title": "Hi", "participants": ["{other}"]}, "title"),
        ({"kind": "group", "participants": ["{other}"]}, "title"),
        ({"kind": "group", "title": "   ", "participants": ["{other}"]}, "title"),
        ({"kind": "group", "title": "x" * 121, "participants": ["{other}"]}, "title"),
        ({"participants": ["{unknown}"]}, "participants"),
        ({"participants": ["{inactive}"]}, "participants"),
    ],
)
def test_create_rejects_bad_input(
    client_for: Client, make_user: Callable[..., User], payload: dict, field: str
) -> None:
    me = make_user()
    ids = {
        "{other}": str(make_user().pk),
        "{third}": str(make_user().pk),
        "{unknown}": str(uuid.uuid4()),
        "{inactive}": str(make_user(is_active=False).pk),
    }
    if isinstance(payload.get("participants"), list):
        payload = {**payload, "participants": [ids.get(p, p) for p in payload["participants"]]}
    response = client_for(me).post(URL, payload)
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["details"]
    assert not Conversation.objects.exists()


@pytest.mark.django_db
def test_direct_conversation_with_yourself_is_refused(client_for: Client, user: User) -> None:
    response = client_for(user).post(URL, {"participants": [str(user.pk)]})
    assert response.status_code == 400
    assert not Conversation.objects.exists()


@pytest.mark.django_db
def test_group_with_only_yourself_or_too_many_is_refused(
    client_for: Client, user: User, make_user: Callable[..., User], settings
) -> None:
    client = client_for(user)
    assert client.post(URL, {"kind": "group", "title": "Me", "participants": [str(user.pk)]}).status_code == 400
    settings.MESSAGING_GROUP_MAX_PARTICIPANTS = 3
    others = [str(make_user().pk) for _ in range(3)]
    response = client.post(URL, {"kind": "group", "title": "Crowd", "participants": others})
    assert response.status_code == 400
    assert not Conversation.objects.exists()


@pytest.mark.django_db
def test_inactive_participant_refused_by_services(make_user: Callable[..., User]) -> None:
    from apps.common.exceptions import ValidationFailed

    me, gone = make_user(), make_user(is_active=False)
    with pytest.raises(ValidationFailed):
        services.conversation_get_or_create_direct(user=me, other=gone)
    with pytest.raises(ValidationFailed):
        services.conversation_create_group(user=me, title="x", participants=[gone])


@pytest.mark.django_db
def test_list_is_ordered_by_last_activity_with_last_message(client_for: Client, make_user: Callable[..., User]) -> None:
    me, a, b, c = make_user(), make_user(), make_user(), make_user()
    now = timezone.now()
    quiet = group_with(me, a, title="quiet")
    busy = group_with(me, b, title="busy")
    services.message_send(conversation=busy, sender=b, message_body="old news", now=now - timedelta(hours=2))
    services.message_send(conversation=quiet, sender=a, message_body="hello", now=now - timedelta(hours=1))
    services.message_send(conversation=busy, sender=me, message_body="latest", now=now - timedelta(minutes=1))
    fresh = group_with(me, c, title="fresh, no messages")  # created now: its activity is its creation
    group_with(a, b, title="not mine")

    results = client_for(me).get(URL).json()["results"]
    assert [r["title"] for r in results] == ["fresh, no messages", "busy", "quiet"]
    by_title = {r["title"]: r for r in results}
    assert by_title["busy"]["last_message"]["message_body"] == "latest"
    assert by_title["busy"]["last_message"]["sender"]["id"] == str(me.pk)
    assert by_title["quiet"]["last_message"]["message_body"] == "hello"
    assert by_title[fresh.title]["last_message"] is None
    busy.refresh_from_db()
    assert busy.last_message_at == now - timedelta(minutes=1)


@pytest.mark.django_db
def test_last_message_at_never_moves_back(make_user: Callable[..., User]) -> None:
    me, other = make_user(), make_user()
    conversation = group_with(me, other)
    now = timezone.now()
    services.message_send(conversation=conversation, sender=me, message_body="later", now=now)
    services.message_send(
        conversation=conversation, sender=other, message_body="earlier", now=now - timedelta(seconds=5)
    )
    conversation.refresh_from_db()
    assert conversation.last_message_at == now


@pytest.mark.django_db
def test_retrieve_nests_recent_messages(client_for: Client, make_user: Callable[..., User], settings) -> None:
    settings.MESSAGING_RECENT_MESSAGES = 3
    me, other = make_user(), make_user()
    conversation = group_with(me, other, title="Trip")
    now = timezone.now()
    for i in range(5):
        services.message_send(
            conversation=conversation, sender=other, message_body=f"m{i}", now=now + timedelta(seconds=i + 1)
        )
    response = client_for(me).get(f"{URL}{conversation.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert [m["message_body"] for m in body["messages"]] == ["m4", "m3", "m2"]
    assert body["unread_count"] == 5
    assert body["last_message"]["message_body"] == "m4"
    assert {p["id"] for p in body["participants"]} == {str(me.pk), str(other.pk)}


# --- concurrency ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_concurrent_direct_creation_yields_one_conversation(race: Race) -> None:
    alice, bob = UserFactory(), UserFactory()
    create = services.conversation_get_or_create_direct
    outcomes = race(
        *(
            partial(create, user=alice, other=bob) if i % 2 else partial(create, user=bob, other=alice)
            for i in range(6)
        ),
        catch=BaseException,
    )
    results = [(str(conversation.pk), created) for conversation, created in outcomes.values]
    errors = outcomes.errors

    assert errors == []
    assert len(results) == 6
    assert len({pk for pk, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert Conversation.objects.filter(kind="direct").count() == 1
    assert ConversationParticipant.objects.count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_concurrent_batch_joins_share_one_conversation(race: Race) -> None:
    batch_id = uuid.uuid4()
    trekkers = [UserFactory() for _ in range(5)]
    # Each trekker joins, and the first one twice at once.
    joins = (
        partial(services.batch_conversation_join, batch_id=batch_id, user=user) for user in [*trekkers, trekkers[0]]
    )
    errors = race(*joins, catch=BaseException).errors

    assert errors == []
    conversation = Conversation.objects.get(batch_id=batch_id)
    assert conversation.kind == "batch"
    assert set(conversation.memberships.values_list("user_id", flat=True)) == {u.pk for u in trekkers}
    assert conversation.memberships.count() == 5


@pytest.mark.django_db
def test_create_with_malformed_body_is_400_or_415(client_for: Client, user: User) -> None:
    client = client_for(user)
    malformed = client.post(URL, data='{"participants": [', content_type="application/json")
    assert malformed.status_code == 400
    assert malformed.json()["error"]["code"] == "parse_error"
    unsupported = client.post(URL, data="participants=x", content_type="text/plain")
    assert unsupported.status_code == 415
    assert not Conversation.objects.exists()


@pytest.mark.django_db
def test_direct_conversation_you_no_longer_take_part_in_is_not_shown(
    client_for: Client, make_user: Callable[..., User]
) -> None:
    alice, bob = make_user(), make_user()
    conversation, _ = services.conversation_get_or_create_direct(user=alice, other=bob)
    ConversationParticipant.objects.filter(conversation=conversation, user=alice).update(left_at=timezone.now())
    response = client_for(alice).post(URL, {"participants": [str(bob.pk)]})
    assert response.status_code == 404
