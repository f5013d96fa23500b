from __future__ import annotations

from rest_framework.throttling import UserRateThrottle


class MessageSendThrottle(UserRateThrottle):
    """Messages sent per user (rate ``message_send`` in settings)."""

    scope = "message_send"
