"""Links from accounts to other domains that may not be installed (kept small and optional)."""

from __future__ import annotations

import importlib
import logging

from django.apps import apps

from apps.users.models import User
from apps.users.roles import StaffRole

logger = logging.getLogger(__name__)

CATALOG_APP = "apps.treks"
GUIDE_MODEL = "treks.Guide"


def guide_profile_sync(*, actor: User, user: User) -> None:
    """A user with the guide role has an active Guide profile in the catalog; losing the role deactivates it.

    Goes through the catalog's own services (audit, cache invalidation). Does nothing while the catalog app
    (``apps.treks``) is not installed. Call inside the role change's transaction.
    """
    if not apps.is_installed(CATALOG_APP):  # noqa: TID251  hidden upward edge to treks, to become a signal
        return
    guides = importlib.import_module("apps.treks.services.guides")  # noqa: TID251  hidden upward edge to treks, to become a signal
    profile = apps.get_model(GUIDE_MODEL).objects.filter(user=user).first()  # noqa: TID251  hidden upward edge to treks, to become a signal
    if user.staff_role == StaffRole.GUIDE:
        if profile is None:
            guides.guide_create(actor=actor, user=user)
            logger.info("guide profile created for user %s", user.pk)
        elif not profile.is_active:
            guides.guide_update(actor=actor, guide=profile, changes={"is_active": True})
    elif profile is not None and profile.is_active:
        guides.guide_update(actor=actor, guide=profile, changes={"is_active": False})
