"""Unsubscribe links: the signed token a message's footer carries and the unsubscribe endpoint reads back."""

from __future__ import annotations

from django.conf import settings
from django.core import signing

UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def unsubscribe_url(*, user_id: str, category: str) -> str:
    token = signing.dumps({"u": user_id, "c": category}, salt=UNSUBSCRIBE_SALT, compress=True)
    return f"{settings.OBS_FRONTEND_URL.rstrip('/')}/notifications/unsubscribe?token={token}"
