"""Receivers of lower apps' signals."""

from __future__ import annotations

from typing import Any

from apps.treks.services.guides import guide_profile_sync
from apps.users.models import User


def on_staff_role_changed(sender: Any, actor: Any, user: User, **kwargs: Any) -> None:
    """The guide profile follows the guide role (created or reactivated with it, deactivated without it)."""
    guide_profile_sync(actor=actor, user=user)
