"""Receivers of other apps' signals."""

from __future__ import annotations

from typing import Any

from apps.messaging.services import batch_conversation_follow, participant_withdraw


def on_account_taken_over(sender: Any, user: Any, **kwargs: Any) -> None:
    """A new owner proved the account's e-mail or phone: the previous holder's messages do not speak for them."""
    participant_withdraw(user=user)


def on_batch_rescheduled(sender: Any, batch: Any, **kwargs: Any) -> None:
    """New dates: the batch chat is renamed ("<Trek> · <date>")."""
    batch_conversation_follow(batch_id=batch.pk)


def on_batch_guide_changed(sender: Any, batch: Any, previous_guide: Any, **kwargs: Any) -> None:
    """Another guide: the previous one leaves the batch chat, the new one joins it."""
    batch_conversation_follow(
        batch_id=batch.pk, previous_guide_user_id=previous_guide.user_id if previous_guide is not None else None
    )
