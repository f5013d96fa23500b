"""Guide profiles: one per user whose staff role is guide."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from apps.common.audit import AuditAction, audit
from apps.common.exceptions import ValidationFailed
from apps.treks.catalog_cache import catalog_version_bump
from apps.treks.errors import GuideProfileExists
from apps.treks.models import Guide, Region
from apps.treks.services.catalog import _apply_changes, catalog_picture_set
from apps.users.models import User
from apps.users.roles import StaffRole

logger = logging.getLogger(__name__)

GUIDE_FIELDS = ("bio", "years_exp", "certifications", "satellite_phone", "is_active")


def guide_create_check(*, user: User) -> None:
    """Only a user whose role is guide gets a profile (400), and only one (409 ``guide_profile_exists``)."""
    if user.staff_role != StaffRole.GUIDE:
        raise ValidationFailed(
            "Only a user whose role is guide can have a guide profile.", details={"user": ["Role is not guide."]}
        )
    if Guide.objects.filter(user=user).exists():
        raise GuideProfileExists()


@transaction.atomic
def guide_create(*, actor: User | None, user: User, regions: Sequence[Region] = (), **fields: Any) -> Guide:
    guide_create_check(user=user)
    guide = Guide.objects.create(user=user, **{k: v for k, v in fields.items() if k in GUIDE_FIELDS})
    if regions:
        guide.regions.set(regions)
    audit(
        actor=actor,
        action=AuditAction.GUIDE_CREATED,
        target=guide,
        changes={"user": str(user.pk), "regions": [r.slug for r in regions]},
    )
    catalog_version_bump()
    return guide


@transaction.atomic
def guide_update(*, actor: User, guide: Guide, changes: dict[str, Any]) -> Guide:
    guide = Guide.objects.select_for_update().get(pk=guide.pk)
    diff = _apply_changes(guide, changes, GUIDE_FIELDS)
    if diff:
        guide.save()
    if "regions" in changes:
        before = sorted(guide.regions.values_list("slug", flat=True))
        after = sorted(r.slug for r in changes["regions"])
        if before != after:
            guide.regions.set(changes["regions"])
            diff["regions"] = [before, after]
    if diff:
        audit(actor=actor, action=AuditAction.GUIDE_UPDATED, target=guide, changes=diff)
        catalog_version_bump()
    return guide


@transaction.atomic
def guide_set_photo(*, actor: User, guide: Guide, upload: UploadedFile) -> Guide:
    return catalog_picture_set(
        actor=actor, instance=guide, field="photo", upload=upload, action=AuditAction.GUIDE_PHOTO_SET
    )


def guide_profile_sync(*, actor: User, user: User) -> None:
    """A user with the guide role has an active Guide profile; losing the role deactivates it.

    Runs on ``apps.users.signals.staff_role_changed``, inside the role change's transaction.
    """
    profile = Guide.objects.filter(user=user).first()
    if user.staff_role == StaffRole.GUIDE:
        if profile is None:
            guide_create(actor=actor, user=user)
            logger.info("guide profile created for user %s", user.pk)
        elif not profile.is_active:
            guide_update(actor=actor, guide=profile, changes={"is_active": True})
    elif profile is not None and profile.is_active:
        guide_update(actor=actor, guide=profile, changes={"is_active": False})
