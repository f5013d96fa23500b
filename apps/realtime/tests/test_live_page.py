"""The admin's live incident page: who may open it, and what it starts with."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from rest_framework_simplejwt.tokens import AccessToken

from apps.emergency.tests.factories import IncidentFactory
from apps.users.models import User

pytestmark = pytest.mark.django_db

URL = "/admin/live/incidents/"


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_who_handle_incidents_get_the_active_ones_and_a_token_of_their_own(
    make_user: Callable[..., User],
) -> None:
    active, closed = IncidentFactory(message="Altitude sickness"), IncidentFactory(status="resolved")
    for role in ("ops_manager", "cs", "super_admin"):
        user = make_user(staff_role=role)
        response = signed_in(user).get(URL)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]  # the page carries a token
        incidents = response.context["incidents"]
        assert [i["id"] for i in incidents] == [str(active.pk)]
        assert str(closed.pk) not in response.content.decode()
        assert AccessToken(response.context["access_token"])["user_id"] == str(user.pk)


def test_others_are_refused(make_user: Callable[..., User]) -> None:
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert signed_in(make_user(staff_role="finance")).get(URL).status_code == 403
    assert signed_in(make_user()).get(URL).status_code == 302  # not staff: the admin's sign-in page
