"""The routes the actor matrix leaves out: the admin, static files and media."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_admin_sends_anonymous_users_to_its_login() -> None:
    response = Client().get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_admin_refuses_a_trekker(make_user) -> None:
    trekker = make_user(email="plain@example.com")
    client = Client()
    client.force_login(trekker)
    response = client.get("/admin/")
    assert response.status_code == 302  # not staff: back to the login form
    assert response["Location"].startswith("/admin/login/")


def test_admin_index_for_staff(make_user) -> None:
    client = Client()
    client.force_login(make_user(staff_role="ops_manager"))
    assert client.get("/admin/").status_code == 200


def test_api_docs_assets_are_served_by_the_app() -> None:
    response = Client().get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css")
    assert response.status_code == 200
    assert b"swagger" in b"".join(response.streaming_content if response.streaming else [response.content])


def test_media_is_not_served_by_the_app() -> None:
    response = Client().get("/media/profiles/anything.jpg")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
