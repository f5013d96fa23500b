"""Receivers of other apps' signals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prometheus_client.core import Metric

from apps.notifications.metrics import pending_delivery_metrics
from apps.notifications.services import notify, user_notifications_forget


def on_account_taken_over(sender: Any, user: Any, **kwargs: Any) -> None:
    """A new owner proved the account's e-mail or phone: nothing of the previous holder's reaches them."""
    user_notifications_forget(user=user)


def on_account_message(sender: Any, *, signal: Any, **message: Any) -> None:
    """A one-time code or a link of the accounts domain: delivered like any other message."""
    notify(**message)


def on_database_metrics_collect(sender: Any, *, now: datetime, **kwargs: Any) -> list[Metric]:
    return pending_delivery_metrics(now=now)
