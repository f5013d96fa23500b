"""Receivers of other apps' signals."""

from __future__ import annotations

from typing import Any


def on_account_taken_over(sender: Any, user: Any, **kwargs: Any) -> None:
    """A new owner proved the account's e-mail or phone: nothing of the previous holder's reaches them."""
    from apps.notifications.services import user_notifications_forget

    user_notifications_forget(user=user)
