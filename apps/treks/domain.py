"""The departure calendar as data: which status a batch may move to, and what "today" is for batch dates."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from apps.treks.models import Batch

S = Batch.Status
TRANSITIONS: dict[str, frozenset[str]] = {
    S.OPEN: frozenset({S.FULL, S.ONGOING, S.COMPLETED, S.CANCELLED}),
    S.FULL: frozenset({S.OPEN, S.ONGOING, S.COMPLETED, S.CANCELLED}),
    S.ONGOING: frozenset({S.COMPLETED, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
}


def local_today() -> date:
    """Today in the operator's time zone (batch dates are local dates)."""
    return timezone.localdate()


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())
