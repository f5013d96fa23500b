"""Signals the catalog sends, and receivers of lower apps' signals.

``batch_rescheduled`` and ``batch_guide_changed`` are sent by ``apps.treks.services.batches.batch_update`` inside
its transaction, so whatever the receivers write (messaging: the batch chat; bookings: the trekkers' messages)
commits or rolls back with the change.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import Signal

from apps.treks.services.guides import guide_profile_sync
from apps.users.models import User

# ``sender=Batch, batch=<Batch> (new dates), previous: {"start_date": date, "end_date": date}, actor=<User|None>``
batch_rescheduled = Signal()
# ``sender=Batch, batch=<Batch> (new guide), previous_guide=<Guide|None>, actor=<User|None>``
batch_guide_changed = Signal()


def on_staff_role_changed(sender: Any, actor: Any, user: User, **kwargs: Any) -> None:
    """The guide profile follows the guide role (created or reactivated with it, deactivated without it)."""
    guide_profile_sync(actor=actor, user=user)
