"""Receivers of other apps' signals."""

from __future__ import annotations

from typing import Any

from apps.common.services import enqueue_on_commit
from apps.community.services import member_content_withdraw
from apps.community.tasks import evaluate_challenges


def on_booking_completed(sender: Any, booking: Any, **kwargs: Any) -> None:
    """A completed trek may complete challenges: evaluate the trekker's (in a task, after commit)."""
    enqueue_on_commit(evaluate_challenges, str(booking.user_id))


def on_account_taken_over(sender: Any, user: Any, **kwargs: Any) -> None:
    """A new owner proved the account's e-mail or phone: the previous holder's posts do not speak for them."""
    member_content_withdraw(user=user)
