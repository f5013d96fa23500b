"""The account page in the admin refuses what the API refuses (``PATCH users/me/``, sign-up's phone rules, one
account per e-mail, phone and tribe handle whatever the case), with a form error and nothing written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.users.models import User

pytestmark = pytest.mark.django_db

TOMORROW = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()


def _form_data(client: Client, url: str, **changes: Any) -> dict[str, Any]:
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.pop("password", None)
    data.update(changes)
    return data


@pytest.fixture
def admin_page(make_user: Callable[..., User]) -> tuple[Client, User, str]:
    staff = make_user(staff_role="super_admin")
    client = Client()
    client.force_login(staff)
    account = make_user(email="asha@example.com", phone="+919811111111", tribe_handle="asha_treks")
    return client, account, f"/admin/users/user/{account.pk}/change/"


@pytest.mark.parametrize(
    ("field", "value", "api_body"),
    [
        ("tribe_handle", "Has Spaces!", {"tribe_handle": "Has Spaces!"}),
        ("date_of_birth", TOMORROW, {"date_of_birth": TOMORROW}),
        ("date_of_birth", "1850-01-01", {"date_of_birth": "1850-01-01"}),
        ("experience_level", "legend", {"experience_level": "legend"}),
        ("language", "fr", {"language": "fr"}),
        ("first_name", "x" * 151, {"first_name": "x" * 151}),
    ],
)
def test_the_account_page_refuses_a_profile_value_the_api_refuses(
    admin_page: tuple[Client, User, str], client_for: Callable[[User], Any], field: str, value: str, api_body: Any
) -> None:
    client, account, url = admin_page
    assert client_for(account).patch("/api/v1/users/me/", api_body, format="json").status_code == 400
    before = User.objects.values().get(pk=account.pk)
    response = client.post(url, _form_data(client, url, **{field: value}))
    assert response.status_code == 200, response.status_code
    assert field in response.context["adminform"].form.errors
    assert User.objects.values().get(pk=account.pk) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "RAVI@Example.com"),  # another account's address in another case
        ("phone", "98222 22222"),  # another account's number, written as people write it
        ("phone", "12345"),  # not a phone number
        ("tribe_handle", "Ravi_Treks"),  # another account's handle in another case
    ],
)
def test_the_account_page_refuses_what_sign_up_refuses(
    admin_page: tuple[Client, User, str], make_user: Callable[..., User], field: str, value: str
) -> None:
    client, account, url = admin_page
    make_user(email="ravi@example.com", phone="+919822222222", tribe_handle="ravi_treks")
    before = User.objects.values().get(pk=account.pk)
    response = client.post(url, _form_data(client, url, **{field: value}))
    assert response.status_code == 200, response.status_code
    assert field in response.context["adminform"].form.errors
    assert User.objects.values().get(pk=account.pk) == before


def test_the_account_page_stores_what_the_api_would(admin_page: tuple[Client, User, str]) -> None:
    client, account, url = admin_page
    response = client.post(url, _form_data(client, url, phone="98333 33333", tribe_handle="Asha_Himalaya"))
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    account.refresh_from_db()
    assert (account.phone, account.tribe_handle) == ("+919833333333", "asha_himalaya")
