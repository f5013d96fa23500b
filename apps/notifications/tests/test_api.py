from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.common.tests.race import Race
from apps.notifications.models import Device, Notification, NotificationPreference
from apps.notifications.services import device_remove_token
from apps.notifications.tests.factories import DeviceFactory, NotificationFactory
from apps.users.tests.factories import UserFactory

LIST = "/api/v1/notifications/"
PREFS = "/api/v1/notifications/preferences/"
DEVICES = "/api/v1/notifications/devices/"


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", LIST),
        ("get", "/api/v1/notifications/unread-count/"),
        ("post", "/api/v1/notifications/read-all/"),
        ("post", "/api/v1/notifications/00000000-0000-0000-0000-000000000000/read/"),
        ("get", PREFS),
        ("patch", PREFS),
        ("get", DEVICES),
        ("post", DEVICES),
        ("delete", f"{DEVICES}00000000-0000-0000-0000-000000000000/"),
    ],
)
def test_anonymous_requests_get_401(db: None, api_client: Any, method: str, url: str) -> None:
    response = getattr(api_client, method)(url, {}, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["status_code"] == 401


def test_inbox_lists_own_notifications_newest_first_with_cursor_pages(user: Any, auth_client: Any) -> None:
    mine = [NotificationFactory(user=user) for _ in range(5)]
    NotificationFactory()  # someone else's
    response = auth_client.get(LIST, {"page_size": 3})
    assert response.status_code == 200
    body = response.json()
    assert [n["id"] for n in body["results"]] == [str(n.pk) for n in reversed(mine)][:3]
    assert body["results"][0]["is_read"] is False
    second = auth_client.get(body["next"]).json()
    assert [n["id"] for n in second["results"]] == [str(n.pk) for n in reversed(mine)][3:]
    assert second["next"] is None


def test_inbox_runs_a_constant_number_of_queries(user: Any, auth_client: Any) -> None:
    NotificationFactory(user=user)
    with CaptureQueriesContext(connection) as one:
        assert auth_client.get(LIST).status_code == 200
    for _ in range(30):
        NotificationFactory(user=user)
    with CaptureQueriesContext(connection) as many:
        assert len(auth_client.get(LIST, {"page_size": 30}).json()["results"]) == 30
    assert len(many) == len(one)


def test_unread_filter_count_mark_read_and_read_all(user: Any, auth_client: Any) -> None:
    first, second, third = (NotificationFactory(user=user) for _ in range(3))
    assert auth_client.get("/api/v1/notifications/unread-count/").json() == {"unread": 3}

    response = auth_client.post(f"{LIST}{first.pk}/read/")
    assert response.status_code == 200
    assert response.json()["is_read"] is True
    again = auth_client.post(f"{LIST}{first.pk}/read/")
    assert again.json()["read_at"] == response.json()["read_at"], "marking twice keeps the first time"

    unread = auth_client.get(LIST, {"unread": "true"}).json()["results"]
    assert {n["id"] for n in unread} == {str(second.pk), str(third.pk)}
    read = auth_client.get(LIST, {"unread": "false"}).json()["results"]
    assert [n["id"] for n in read] == [str(first.pk)]
    assert auth_client.get("/api/v1/notifications/unread-count/").json() == {"unread": 2}

    assert auth_client.post("/api/v1/notifications/read-all/").json() == {"updated": 2}
    assert auth_client.get("/api/v1/notifications/unread-count/").json() == {"unread": 0}


def test_bad_unread_value_is_a_400(auth_client: Any) -> None:
    response = auth_client.get(LIST, {"unread": "perhaps"})
    assert response.status_code == 400
    assert "unread" in response.json()["error"]["details"]


def test_another_users_notification_is_a_404(user: Any, auth_client: Any) -> None:
    theirs = NotificationFactory()
    response = auth_client.post(f"{LIST}{theirs.pk}/read/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_all_leaves_other_users_alone(user: Any, auth_client: Any) -> None:
    theirs = NotificationFactory()
    auth_client.post("/api/v1/notifications/read-all/")
    theirs.refresh_from_db()
    assert theirs.read_at is None


# --- preferences ---------------------------------------------------------------------------------------------


def _table(response: Any) -> dict[str, dict[str, Any]]:
    return {row["category"]: row for row in response.json()}


def test_preferences_show_defaults_and_locked_categories(auth_client: Any) -> None:
    table = _table(auth_client.get(PREFS))
    assert set(table) == {
        "booking",
        "payment",
        "reminder",
        "community",
        "message",
        "marketing",
        "security",
        "emergency",
    }
    assert table["booking"]["channels"] == {"email": True, "sms": True, "push": True}
    assert table["marketing"]["channels"] == {"email": False, "sms": False, "push": False}
    assert table["security"]["locked"] is True
    assert table["emergency"]["locked"] is True
    assert table["booking"]["locked"] is False


def test_preferences_can_be_changed(user: Any, auth_client: Any) -> None:
    response = auth_client.patch(
        PREFS,
        {
            "preferences": [
                {"category": "community", "channel": "push", "enabled": False},
                {"category": "marketing", "channel": "email", "enabled": True},
            ]
        },
        format="json",
    )
    assert response.status_code == 200
    table = _table(response)
    assert table["community"]["channels"]["push"] is False
    assert table["marketing"]["channels"]["email"] is True
    assert _table(auth_client.get(PREFS))["community"]["channels"]["push"] is False


@pytest.mark.parametrize("category", ["security", "emergency"])
def test_security_and_emergency_cannot_be_switched_off(user: Any, auth_client: Any, category: str) -> None:
    response = auth_client.patch(
        PREFS,
        {
            "preferences": [
                {"category": "booking", "channel": "sms", "enabled": False},
                {"category": category, "channel": "sms", "enabled": False},
            ]
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "preference_locked"
    assert NotificationPreference.objects.filter(user=user).count() == 0, "all or nothing"
    ok = auth_client.patch(
        PREFS, {"preferences": [{"category": category, "channel": "sms", "enabled": True}]}, format="json"
    )
    assert ok.status_code == 200


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"preferences": []},
        {"preferences": "all"},
        {"preferences": [{"category": "booking", "channel": "inbox", "enabled": False}]},
        {"preferences": [{"category": "gossip", "channel": "sms", "enabled": False}]},
        {"preferences": [{"category": "booking", "channel": "sms"}]},
        {"preferences": [{"category": "booking", "channel": "sms", "enabled": "sometimes"}]},
    ],
)
def test_bad_preference_payloads_are_400(auth_client: Any, payload: dict[str, Any]) -> None:
    response = auth_client.patch(PREFS, payload, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


# --- devices -------------------------------------------------------------------------------------------------


def test_register_then_refresh_a_device_token(user: Any, auth_client: Any) -> None:
    created = auth_client.post(DEVICES, {"token": "tok-abc", "platform": "android"}, format="json")
    assert created.status_code == 201
    refreshed = auth_client.post(DEVICES, {"token": "tok-abc", "platform": "android"}, format="json")
    assert refreshed.status_code == 200
    assert refreshed.json()["id"] == created.json()["id"]
    assert Device.objects.filter(token="tok-abc").count() == 1
    assert "token" not in created.json(), "tokens are never echoed back"
    listed = auth_client.get(DEVICES).json()
    assert [d["id"] for d in listed] == [created.json()["id"]]


def test_a_token_registered_by_another_account_moves_to_the_new_one(user: Any, auth_client: Any) -> None:
    device = DeviceFactory(token="shared-phone-token")
    response = auth_client.post(DEVICES, {"token": "shared-phone-token", "platform": "ios"}, format="json")
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.user_id == user.pk
    assert device.platform == "ios"


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"token": "", "platform": "android"},
        {"token": "t", "platform": "blackberry"},
        {"token": "x" * 600, "platform": "web"},
    ],
)
def test_bad_device_payloads_are_400(auth_client: Any, payload: dict[str, Any]) -> None:
    assert auth_client.post(DEVICES, payload, format="json").status_code == 400
    assert Device.objects.count() == 0


def test_delete_own_device_and_not_someone_elses(user: Any, auth_client: Any) -> None:
    mine, theirs = DeviceFactory(user=user), DeviceFactory()
    assert auth_client.delete(f"{DEVICES}{theirs.pk}/").status_code == 404
    assert auth_client.delete(f"{DEVICES}{mine.pk}/").status_code == 204
    assert auth_client.delete(f"{DEVICES}{mine.pk}/").status_code == 404
    assert list(Device.objects.all()) == [theirs]


def test_logout_drops_the_device_token(db: None) -> None:
    user, other = UserFactory(), UserFactory()
    device = DeviceFactory(user=user)
    assert device_remove_token(token=device.token, user=other) is False, "one account cannot drop another's device"
    assert device_remove_token(token=device.token, user=user) is True
    assert device_remove_token(token=device.token, user=user) is False
    assert Device.objects.count() == 0


def test_notifications_are_kept_per_user(db: None, client_for: Any) -> None:
    a, b = UserFactory(), UserFactory()
    NotificationFactory(user=a)
    assert client_for(b).get(LIST).json()["results"] == []
    assert Notification.objects.count() == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_of_one_token_keep_one_device(client_for: Any, race: Race) -> None:
    users = [UserFactory() for _ in range(4)]
    clients = [client_for(u) for u in users]
    body = {"token": "race-token", "platform": "android"}
    responses = race(*(partial(client.post, DEVICES, body, format="json") for client in clients))
    statuses = [response.status_code for response in responses]
    assert sorted(statuses) == [200, 200, 200, 201]
    assert Device.objects.filter(token="race-token").count() == 1
