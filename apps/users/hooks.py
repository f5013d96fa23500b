"""Links from accounts to other domains that may not be installed (kept small and optional)."""

from __future__ import annotations

import logging
from typing import Any

from django.apps import apps

from apps.users.models import User
from apps.users.roles import StaffRole

logger = logging.getLogger(__name__)

GUIDE_MODEL = "treks.Guide"


def guide_profile_sync(*, user: User) -> None:
    """A user with the guide role has a Guide profile in the catalog; losing the role deactivates it.

    Does nothing while the catalog app (``apps.treks``) is not installed. Call inside the role change's
    transaction.
    """
    if not apps.is_installed("apps.treks"):
        return
    guide_model: Any = apps.get_model(GUIDE_MODEL)
    if user.staff_role == StaffRole.GUIDE:
        profile, created = guide_model.objects.get_or_create(user=user)
        if not created and not profile.is_active:
            profile.is_active = True
            profile.save(update_fields=["is_active", "updated_at"])
        if created:
            logger.info("guide profile created for user %s", user.pk)
    else:
        guide_model.objects.filter(user=user, is_active=True).update(is_active=False)
