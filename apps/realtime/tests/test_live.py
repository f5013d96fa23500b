"""The WebSocket endpoint end to end: authentication, the REST visibility rules per stream, heartbeat, events
published by the REST writes (after commit), and a channel layer that is down."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from apps.common import realtime
from apps.emergency.tests.factories import IncidentFactory
from apps.messaging.services import batch_conversation_join
from apps.messaging.tests.factories import group_with
from apps.realtime.tests.live import Socket, db, run
from apps.treks.tests.factories import BatchFactory, GuideFactory
from apps.users.models import User
from apps.users.services import user_set_role

pytestmark = pytest.mark.django_db(transaction=True)

Client = Callable[[User | None], APIClient]


def access(user: User) -> str:
    """An access token as sign-in issues it (no database write: usable inside a scenario)."""
    return str(AccessToken.for_user(user))


def rest(client_for: Client, user: User, method: str, *args: Any, **kwargs: Any) -> Any:
    """``client_for(user).<method>(...)``: signing in writes to the database, so all of it runs in ``db()``."""
    return getattr(client_for(user), method)(*args, **kwargs)


def sos(client: APIClient) -> Any:
    return client.post(
        "/api/v1/emergency/sos/",
        {"message": "Fell near the ridge"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )


# --- authentication ---------------------------------------------------------------------------------


def test_a_valid_token_in_the_first_message_opens_the_streams(make_user: Callable[..., User]) -> None:
    trekker, ops = make_user(), make_user(staff_role="ops_manager")

    async def scenario() -> None:
        mine, staff = Socket(), Socket()
        ready = await mine.open(access(trekker))
        assert ready["type"] == "ready"
        assert ready["user_id"] == str(trekker.pk)
        assert ready["streams"] == ["messaging"]
        assert (await staff.open(access(ops)))["streams"] == ["messaging", "incidents"]
        await mine.close()
        await staff.close()

    run(scenario)


@pytest.mark.parametrize("token", ["", "not-a-jwt", 42, None], ids=["empty", "garbage", "not-a-string", "missing"])
def test_a_bad_token_is_refused_and_the_socket_closed(token: Any) -> None:
    async def scenario() -> None:
        socket = Socket()
        await socket.open(None)
        await socket.send({"type": "auth", "token": token})
        error = await socket.receive()
        assert error == {"type": "error", "code": "token_invalid", "message": error["message"]}
        assert await socket.closed_with() == 4003

    run(scenario)


def test_an_expired_token_is_refused(make_user: Callable[..., User]) -> None:
    user = make_user()
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-timedelta(seconds=1))

    async def scenario() -> None:
        socket = Socket()
        assert (await socket.open(str(token)))["code"] == "token_invalid"
        assert await socket.closed_with() == 4003

    run(scenario)


def test_a_revoked_token_is_refused(make_user: Callable[..., User]) -> None:
    """A password change revokes every access token issued before it (CHECK_REVOKE_TOKEN), on REST and here."""
    user = make_user()
    token = access(user)
    user.set_password("a-new-long-password-42")
    user.save()

    async def scenario() -> None:
        socket = Socket()
        assert (await socket.open(token))["code"] == "token_revoked"
        assert await socket.closed_with() == 4003

    run(scenario)


def test_the_token_goes_in_the_first_message_not_anything_else(make_user: Callable[..., User]) -> None:
    async def scenario() -> None:
        socket = Socket()
        await socket.open(None)
        await socket.send({"type": "ping"})
        assert (await socket.receive())["code"] == "auth_required"
        assert await socket.closed_with() == 4001

    run(scenario)


def test_a_socket_that_never_authenticates_is_closed(settings: Any) -> None:
    settings.REALTIME_AUTH_SECONDS = 0.3

    async def scenario() -> None:
        socket = Socket()
        await socket.open(None)
        assert (await socket.receive())["code"] == "auth_timeout"
        assert await socket.closed_with() == 4001

    run(scenario)


def test_an_oversized_message_is_refused(settings: Any) -> None:
    async def scenario() -> None:
        socket = Socket()
        await socket.open(None)
        await socket.send({"type": "auth", "token": "x" * settings.REALTIME_MAX_MESSAGE_BYTES})
        assert (await socket.receive())["code"] == "message_too_big"
        assert await socket.closed_with() == 1009

    run(scenario)


def test_a_fresh_token_keeps_the_socket_and_another_users_is_refused(make_user: Callable[..., User]) -> None:
    user, other = make_user(), make_user()

    async def scenario() -> None:
        socket = Socket()
        await socket.open(access(user))
        await socket.send({"type": "auth", "token": access(user)})
        assert (await socket.receive())["type"] == "ready"
        await socket.send({"type": "auth", "token": access(other)})
        assert (await socket.receive())["code"] == "token_invalid"
        assert await socket.closed_with() == 4003

    run(scenario)


def test_a_token_that_expires_while_connected_closes_the_socket(make_user: Callable[..., User]) -> None:
    token = AccessToken.for_user(make_user())
    token.set_exp(lifetime=timedelta(seconds=2))

    async def scenario() -> None:
        socket = Socket()
        assert (await socket.open(str(token)))["type"] == "ready"
        assert (await socket.receive())["code"] == "token_expired"
        assert await socket.closed_with() == 4003

    run(scenario)


# --- heartbeat --------------------------------------------------------------------------------------


def test_ping_pong_and_an_idle_socket_is_closed(settings: Any, make_user: Callable[..., User]) -> None:
    settings.REALTIME_IDLE_SECONDS = 0.6
    user = make_user()

    async def scenario() -> None:
        socket = Socket()
        await socket.open(access(user))
        await socket.send({"type": "ping"})
        assert await socket.receive() == {"type": "pong"}
        await socket.send({"type": "what"})
        assert (await socket.receive())["code"] == "bad_message"
        assert (await socket.receive())["code"] == "idle_timeout"
        assert await socket.closed_with() == 4008

    run(scenario)


# --- messaging --------------------------------------------------------------------------------------


def test_a_message_sent_by_rest_reaches_the_other_participant_and_not_an_outsider(
    make_user: Callable[..., User], client_for: Client
) -> None:
    alice, bob, outsider = make_user(), make_user(), make_user()
    conversation = group_with(alice, bob, title="Hampta Pass")
    messages = f"/api/v1/conversations/{conversation.pk}/messages/"

    async def scenario() -> None:
        bobs, outsiders = Socket(), Socket()
        await bobs.open(access(bob))
        await outsiders.open(access(outsider))
        response = await db(
            rest, client_for, alice, "post", messages, {"message_body": "Leaving at six"}, format="json"
        )
        assert response.status_code == 201
        event = await bobs.event("message.created")
        assert event["data"]["message"] == response.json()  # what REST answered, through the same serializer
        assert event["data"]["conversation_id"] == str(conversation.pk)
        assert event["data"]["unread_count"] == 1
        assert event["cursor"]
        assert await outsiders.silent()
        # The cursor is what a reconnecting client catches up from: the REST list after it has what followed.
        later = await db(rest, client_for, alice, "post", messages, {"message_body": "Bring gaiters"}, format="json")
        after = await bobs.event("message.created")
        caught_up = await db(rest, client_for, bob, "get", messages, {"updated_after": event["cursor"]})
        assert [m["id"] for m in caught_up.json()["results"]] == [later.json()["id"]]
        assert after["data"]["unread_count"] == 2
        # Bob reads: his own sockets hear the marker and the count; Alice's do not (as in REST).
        alices = Socket()
        await alices.open(access(alice))
        assert (
            await db(rest, client_for, bob, "post", f"/api/v1/conversations/{conversation.pk}/read/", {})
        ).status_code == 200
        read = await bobs.event("conversation.read")
        assert read["data"]["unread_count"] == 0
        assert await alices.silent()
        for socket in (bobs, outsiders, alices):
            await socket.close()

    run(scenario)


def test_edits_and_deletes_reach_the_sockets(make_user: Callable[..., User], client_for: Client) -> None:
    alice, bob = make_user(), make_user()
    conversation = group_with(alice, bob)
    messages = f"/api/v1/conversations/{conversation.pk}/messages/"

    async def scenario() -> None:
        bobs = Socket()
        await bobs.open(access(bob))
        sent = (
            await db(rest, client_for, alice, "post", messages, {"message_body": "Camp at Balu"}, format="json")
        ).json()
        await bobs.event("message.created")
        one = f"{messages}{sent['id']}/"
        await db(rest, client_for, alice, "patch", one, {"message_body": "Camp at Chika"}, format="json")
        edited = await bobs.event("message.edited")
        assert edited["data"]["message"]["message_body"] == "Camp at Chika"
        assert edited["data"]["message"]["edited_at"]
        assert (await db(rest, client_for, alice, "delete", one)).status_code == 204
        deleted = await bobs.event("message.deleted")
        assert deleted["data"]["message"]["is_deleted"] is True
        assert deleted["data"]["message"]["message_body"] is None
        assert deleted["data"]["unread_count"] == 0
        await bobs.close()

    run(scenario)


def test_a_participant_who_left_hears_nothing_more(make_user: Callable[..., User], client_for: Client) -> None:
    alice, bob = make_user(), make_user()
    conversation = group_with(alice, bob)

    async def scenario() -> None:
        bobs = Socket()
        await bobs.open(access(bob))
        await db(lambda: conversation.memberships.filter(user=bob).update(left_at=conversation.created_at))
        url = f"/api/v1/conversations/{conversation.pk}/messages/"
        response = await db(rest, client_for, alice, "post", url, {"message_body": "Hi"})
        assert response.status_code == 201
        assert await bobs.silent()
        await bobs.close()

    run(scenario)


def test_a_batch_guide_whose_role_is_removed_stops_hearing_the_batch_group(
    make_user: Callable[..., User], client_for: Client
) -> None:
    batch = BatchFactory(guide=GuideFactory())
    trekker, admin = make_user(), make_user(staff_role="super_admin")
    conversation = batch_conversation_join(batch_id=batch.pk, user=trekker)
    guide = batch.guide.user
    url = f"/api/v1/conversations/{conversation.pk}/messages/"

    async def scenario() -> None:
        socket = Socket()
        await socket.open(access(guide))
        assert (await db(rest, client_for, trekker, "post", url, {"message_body": "Hello"})).status_code == 201
        assert (await socket.event("message.created"))["data"]["conversation_id"] == str(conversation.pk)
        await db(user_set_role, actor=admin, user=guide, role=None)
        assert (await db(rest, client_for, trekker, "post", url, {"message_body": "Anyone?"})).status_code == 201
        assert await socket.silent()
        await socket.close()

    run(scenario)


def test_a_deactivated_account_stops_receiving(make_user: Callable[..., User], client_for: Client) -> None:
    alice, bob = make_user(), make_user()
    conversation = group_with(alice, bob)

    async def scenario() -> None:
        bobs = Socket()
        await bobs.open(access(bob))
        await db(User.objects.filter(pk=bob.pk).update, is_active=False)
        await db(
            rest,
            client_for,
            alice,
            "post",
            f"/api/v1/conversations/{conversation.pk}/messages/",
            {"message_body": "Hi"},
        )
        assert (await bobs.receive())["code"] == "token_revoked"
        assert await bobs.closed_with() == 4003

    run(scenario)


# --- incidents --------------------------------------------------------------------------------------


def test_an_sos_reaches_ops_and_not_a_trekker_or_staff_without_the_capability(
    make_user: Callable[..., User], client_for: Client
) -> None:
    trekker, ops, finance, other = (
        make_user(),
        make_user(staff_role="ops_manager"),
        make_user(staff_role="finance"),
        make_user(),
    )

    async def scenario() -> None:
        staff, money, someone, own = Socket(), Socket(), Socket(), Socket()
        for socket, user in ((staff, ops), (money, finance), (someone, other), (own, trekker)):
            await socket.open(access(user))
        response = await db(lambda: sos(client_for(trekker)))
        assert response.status_code == 201
        event = await staff.event("incident.created")
        assert event["data"]["incident"]["id"] == response.json()["id"]
        assert event["data"]["incident"]["status"] == "open"
        for socket in (money, someone, own):
            assert await socket.silent(0.3)
        # Acknowledging it over REST reaches the ops socket too, and the cursor catches a reconnecting client up.
        url = f"/api/v1/emergency/incidents/{response.json()['id']}/acknowledge/"
        assert (await db(rest, client_for, ops, "post", url, {})).status_code == 200
        acknowledged = await staff.event("incident.acknowledged")
        assert acknowledged["data"]["incident"]["status"] == "acknowledged"
        listed = await db(
            rest, client_for, ops, "get", "/api/v1/emergency/incidents/", {"updated_after": event["cursor"]}
        )
        assert [i["id"] for i in listed.json()["results"]] == [response.json()["id"]]
        for socket in (staff, money, someone, own):
            await socket.close()

    run(scenario)


def test_a_guide_hears_their_own_batches_incidents_only(make_user: Callable[..., User], client_for: Client) -> None:
    mine, theirs = IncidentFactory(), IncidentFactory()
    guide, ops = mine.batch.guide.user, make_user(staff_role="ops_manager")
    assert theirs.batch.guide.user != guide

    async def scenario() -> None:
        socket = Socket()
        assert (await socket.open(access(guide)))["streams"] == ["messaging", "incidents"]
        for incident in (theirs, mine):
            url = f"/api/v1/emergency/incidents/{incident.pk}/updates/"
            assert (
                await db(rest, client_for, ops, "post", url, {"note": "Radio check"}, format="json")
            ).status_code == 201
        event = await socket.event("incident.updated")
        assert event["data"]["incident"]["id"] == str(mine.pk)  # the other batch's came first and was not sent
        assert event["data"]["update_id"]
        url = f"/api/v1/emergency/incidents/{mine.pk}/locations/"
        pings = {"pings": [{"recorded_at": timezone.now().isoformat(), "latitude": 32.3, "longitude": 77.2}]}
        assert (await db(rest, client_for, mine.trekker, "post", url, pings, format="json")).status_code in (200, 201)
        located = await socket.event("incident.location")
        assert located["data"]["incident"]["location"]
        await socket.close()

    run(scenario)


def test_a_role_removed_stops_the_incident_stream(make_user: Callable[..., User], client_for: Client) -> None:
    trekker, ops, admin = make_user(), make_user(staff_role="ops_manager"), make_user(staff_role="super_admin")

    async def scenario() -> None:
        socket = Socket()
        await socket.open(access(ops))
        await db(user_set_role, actor=admin, user=ops, role=None)
        assert (await db(lambda: sos(client_for(trekker)))).status_code == 201
        assert await socket.silent()
        await socket.send({"type": "ping"})  # the heartbeat also leaves the stream for good
        assert await socket.receive() == {"type": "pong"}
        await socket.close()

    run(scenario)


def test_a_guide_whose_profile_is_deactivated_stops_receiving(
    client_for: Client, make_user: Callable[..., User]
) -> None:
    incident = IncidentFactory()
    guide = incident.batch.guide
    ops = make_user(staff_role="ops_manager")

    async def scenario() -> None:
        socket = Socket()
        await socket.open(access(guide.user))
        await db(type(guide).objects.filter(pk=guide.pk).update, is_active=False)
        url = f"/api/v1/emergency/incidents/{incident.pk}/updates/"
        assert (await db(rest, client_for, ops, "post", url, {"note": "n"}, format="json")).status_code == 201
        assert await socket.silent()
        await socket.close()

    run(scenario)


# --- the channel layer down ---------------------------------------------------------------------------


def test_a_channel_layer_that_is_down_fails_no_request(
    settings: Any, make_user: Callable[..., User], client_for: Client, caplog: Any
) -> None:
    alice, bob = make_user(), make_user()
    conversation = group_with(alice, bob)
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": "redis://127.0.0.1:9", "socket_connect_timeout": 0.2}]},
        }
    }
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    realtime.publish_backoff.reset()
    failed = realtime.FAILED.labels(event="message.created")
    before = failed._value.get()
    try:
        url = f"/api/v1/conversations/{conversation.pk}/messages/"
        for text in ("one", "two"):
            assert client_for(alice).post(url, {"message_body": text}, format="json").status_code == 201
        assert realtime.layer_loop.drain(10)  # the requests did not wait for the layer: its loop records the failures
    finally:
        channel_layers.backends.clear()
        realtime.publish_backoff.reset()
    assert failed._value.get() == before + 2  # the first tried and failed, the second backed off
    assert "not sent" in caplog.text
