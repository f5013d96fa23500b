"""OpenAPI examples of messaging (``extend_schema(examples=...)``): what an app sends and gets.

A list's example is one item: drf-spectacular wraps it in the page (``next``, ``previous``, ``results``).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample

CONVERSATION_ID = "4c6e8a0b-2d4f-4a6c-9e8b-0d2f4a6c8e0b"
ANANYA = {
    "id": "0f5c2a8e-6b1d-4f3a-9c7e-2d4b8a1f6e90",
    "display_name": "Ananya Sharma",
    "tribe_handle": "ananya_on_trail",
}
ARJUN = {"id": "6a8c0e2f-4b6d-4f8a-8c0e-2a4c6e8f0b2d", "display_name": "Arjun Negi", "tribe_handle": "arjun_negi"}
MESSAGE: dict[str, Any] = {
    "id": "1e3a5c7e-9b1d-4f3a-8c5e-7a9c1e3b5d7f",
    "conversation": CONVERSATION_ID,
    "sender": ARJUN,
    "message_body": "Reaching Sankri on the 25th evening. Sharing a cab from Dehradun?",
    "sent_at": "2026-12-20T19:42:08+05:30",
    "edited_at": None,
    "deleted_at": None,
    "is_deleted": False,
    "parent": None,
}
CONVERSATION: dict[str, Any] = {
    "id": CONVERSATION_ID,
    "kind": "direct",
    "title": "",
    "batch_id": None,
    "created_at": "2026-12-18T08:30:55+05:30",
    "last_message_at": "2026-12-20T19:42:08+05:30",
    "participants": [ANANYA, ARJUN],
    "last_message": MESSAGE,
    "unread_count": 1,
}


def _response(name: str, value: dict[str, Any], status: int = 200) -> OpenApiExample:
    return OpenApiExample(name, value=value, response_only=True, status_codes=[str(status)])


def _request(name: str, value: dict[str, Any]) -> OpenApiExample:
    return OpenApiExample(name, value=value, request_only=True)


CONVERSATION_LIST = [_response("Direct conversation with one unread message", CONVERSATION)]
CONVERSATION_CREATE = [
    _request("Direct with one person", {"kind": "direct", "participants": [ARJUN["id"]]}),
    _request(
        "Group with a title",
        {
            "kind": "group",
            "title": "Kedarkantha 26 Dec carpool",
            "participants": [ARJUN["id"], "5b7d9f1a-3c5e-4a7c-9e1b-3d5f7a9c1e3b"],
        },
    ),
    _response(
        "A new direct conversation",
        {**CONVERSATION, "last_message_at": None, "last_message": None, "unread_count": 0},
        201,
    ),
    _response("The direct conversation that existed", CONVERSATION, 200),
]
MESSAGE_LIST = [_response("A message", MESSAGE)]
MESSAGE_CREATE = [
    _request(
        "A reply to a message",
        {"message_body": "Yes! I land at Jolly Grant at 11, let's split the cab.", "parent": MESSAGE["id"]},
    ),
    _response(
        "Sent",
        {
            **MESSAGE,
            "id": "8b0d2f4a-6c8e-4a0c-9e2a-4c6e8a0c2e4a",
            "sender": ANANYA,
            "message_body": "Yes! I land at Jolly Grant at 11, let's split the cab.",
            "sent_at": "2026-12-20T19:45:31+05:30",
            "parent": MESSAGE["id"],
        },
        201,
    ),
]
