"""users/me/emergency-contacts/: CRUD, at most five, E.164 phones, exactly one primary."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest

from apps.common.exceptions import ApplicationError
from apps.common.tests.race import Race
from apps.users.models import EmergencyContact, User
from apps.users.services import emergency_contact_create

pytestmark = pytest.mark.django_db

URL = "/api/v1/users/me/emergency-contacts/"


def _create(client: Any, **overrides: Any) -> Any:
    payload = {"name": "Pema", "relationship": "sister", "phone": "98123 40001", **overrides}
    return client.post(URL, payload, format="json")


def test_first_contact_is_primary_and_phone_is_e164(auth_client: Any) -> None:
    response = _create(auth_client)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["phone"] == "+919812340001"
    assert body["is_primary"] is True


def test_list_is_mine_only_primary_first(
    auth_client: Any, user: User, make_user: Any, django_assert_num_queries: Any
) -> None:
    _create(auth_client, name="A")
    _create(auth_client, name="B", is_primary=True)
    _create(auth_client, name="C")
    EmergencyContact.objects.create(
        user=make_user(), name="X", relationship="y", phone="+919800000000", is_primary=True
    )
    with django_assert_num_queries(2):  # the user, the contacts
        body = auth_client.get(URL).json()
    assert [row["name"] for row in body] == ["B", "A", "C"]


def test_making_another_primary_moves_the_flag(auth_client: Any, user: User) -> None:
    first = _create(auth_client).json()
    second = _create(auth_client, name="Dorje").json()
    response = auth_client.patch(f"{URL}{second['id']}/", {"is_primary": True}, format="json")
    assert response.status_code == 200
    assert response.json()["is_primary"] is True
    primaries = EmergencyContact.objects.filter(user=user, is_primary=True)
    assert [str(contact.pk) for contact in primaries] == [second["id"]]
    assert auth_client.get(f"{URL}{first['id']}/").json()["is_primary"] is False


def test_the_primary_cannot_just_be_unset(auth_client: Any) -> None:
    first = _create(auth_client).json()
    response = auth_client.patch(f"{URL}{first['id']}/", {"is_primary": False}, format="json")
    assert response.status_code == 400


def test_deleting_the_primary_promotes_the_oldest_other(auth_client: Any, user: User) -> None:
    first = _create(auth_client).json()
    second = _create(auth_client, name="Dorje").json()
    _create(auth_client, name="Lhamo")
    assert auth_client.delete(f"{URL}{first['id']}/").status_code == 204
    assert EmergencyContact.objects.get(user=user, is_primary=True).pk.hex == second["id"].replace("-", "")


def test_at_most_five(auth_client: Any) -> None:
    for i in range(5):
        assert _create(auth_client, phone=f"+91981234000{i}").status_code == 201
    response = _create(auth_client, phone="+919812340009")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "emergency_contacts_limit"


@pytest.mark.django_db(transaction=True)
def test_limit_holds_under_concurrent_creates(make_user: Any, race: Race) -> None:
    user = make_user()
    create = partial(emergency_contact_create, user=user, relationship="friend")
    outcomes = race(
        *(partial(create, name=f"C{i}", phone=f"+91981234100{i}") for i in range(8)), catch=ApplicationError
    ).codes()
    assert outcomes.count("ok") == 5
    assert outcomes.count("emergency_contacts_limit") == 3
    assert EmergencyContact.objects.filter(user=user, is_primary=True).count() == 1


@pytest.mark.parametrize(
    "payload",
    [
        {"phone": "12345"},
        {"phone": ""},
        {"name": ""},
        {"email": "not-an-email"},
    ],
)
def test_invalid_payloads(auth_client: Any, payload: dict[str, str]) -> None:
    assert _create(auth_client, **payload).status_code == 400


def test_another_users_contact_is_404(auth_client: Any, make_user: Any) -> None:
    other = EmergencyContact.objects.create(
        user=make_user(), name="X", relationship="y", phone="+919800000000", is_primary=True
    )
    assert auth_client.get(f"{URL}{other.pk}/").status_code == 404
    assert auth_client.patch(f"{URL}{other.pk}/", {"name": "Mine"}, format="json").status_code == 404
    assert auth_client.delete(f"{URL}{other.pk}/").status_code == 404
    other.refresh_from_db()
    assert other.name == "X"


def test_full_update(auth_client: Any) -> None:
    contact = _create(auth_client).json()
    response = auth_client.put(
        f"{URL}{contact['id']}/",
        {"name": "Pema D", "relationship": "sister", "phone": "+14155552671", "email": "pema@example.com"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["phone"] == "+14155552671"
    assert response.json()["is_primary"] is True


def test_requires_authentication(api_client: Any) -> None:
    assert api_client.get(URL).status_code == 401
