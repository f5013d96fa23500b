"""Receivers of other apps' signals."""

from __future__ import annotations

from typing import Any

from apps.messaging.services import participant_withdraw


def on_account_taken_over(sender: Any, user: Any, **kwargs: Any) -> None:
    """A new owner proved the account's e-mail or phone: the previous holder's messages do not speak for them."""
    participant_withdraw(user=user)
