"""The departure calendar as data: which status a batch may move to, and what "today" is for batch dates."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from apps.treks.models import Batch, Guide

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


def named_guide(first_name: str, last_name: str, tribe_handle: str | None) -> str:
    return f"{first_name} {last_name}".strip() or tribe_handle or "OBS guide"


def guide_name(guide: Guide) -> str:
    """How a guide is named to trekkers (catalog pages, messages about their departure)."""
    return named_guide(guide.user.first_name, guide.user.last_name, guide.user.tribe_handle)
