"""Moderator admin and the API schema of the messaging app."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from apps.messaging import services
from apps.messaging.models import Message
from apps.messaging.tests.factories import group_with
from apps.users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def edited_message(make_user: Callable[..., User]) -> Message:
    alice, bob = make_user(), make_user()
    conversation = group_with(alice, bob, title="Moderated chat")
    message = services.message_send(conversation=conversation, sender=alice, message_body="first words")
    return services.message_edit(message=message, user=alice, message_body="second thoughts")


@pytest.mark.parametrize(
    ("role", "allowed"), [("content", True), ("super_admin", True), ("finance", False), ("cs", False)]
)
def test_admin_is_for_moderators(
    staff_user: Callable[[str], User], edited_message: Message, role: str, allowed: bool
) -> None:
    client = Client()
    client.force_login(staff_user(role))
    pages = [
        "/admin/messaging/conversation/",
        f"/admin/messaging/conversation/{edited_message.conversation_id}/change/",
        "/admin/messaging/message/",
        f"/admin/messaging/message/{edited_message.pk}/change/",
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == (200 if allowed else 403), page
    if allowed:
        detail = client.get(f"/admin/messaging/message/{edited_message.pk}/change/").content.decode()
        assert "first words" in detail  # the edit history is visible to moderators
        assert client.get("/admin/messaging/conversation/add/").status_code == 403
        assert client.post(f"/admin/messaging/message/{edited_message.pk}/change/", {}).status_code == 403


def test_schema_documents_the_messaging_endpoints() -> None:
    # validated, warnings failing, by apps/common/tests/test_platform.py and `make lint`
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    assert set(paths["/api/v1/conversations/"]) == {"get", "post"}
    assert set(paths["/api/v1/conversations/{id}/"]) == {"get"}
    assert set(paths["/api/v1/conversations/{id}/read/"]) == {"post"}
    assert set(paths["/api/v1/conversations/{conversation_pk}/messages/"]) == {"get", "post"}
    assert set(paths["/api/v1/conversations/{conversation_pk}/messages/{id}/"]) == {"get", "patch", "delete"}
