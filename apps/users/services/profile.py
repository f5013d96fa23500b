"""The signed-in user's own account: profile, photo, phone and e-mail changes, anonymisation."""

from __future__ import annotations

import logging
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.common.audit import AuditAction, audit
from apps.common.exceptions import ValidationFailed
from apps.common.uploads import MEGABYTE, ImageInvalid, UploadTooLarge, file_delete_on_commit, image_upload_clean
from apps.users.errors import PhoneTaken, TribeHandleTaken
from apps.users.models import EmergencyContact, SocialAccount, User
from apps.users.services.auth import user_revoke_all_tokens
from apps.users.services.otp import PURPOSE_PHONE_CHANGE, otp_check, otp_send
from apps.users.signals import staff_role_changed

logger = logging.getLogger(__name__)

PROFILE_FIELDS = ("first_name", "last_name", "bio", "tribe_handle", "date_of_birth", "experience_level", "language")


def user_profile_update(*, user: User, data: dict[str, Any]) -> User:
    """Update the editable profile fields; anything else in ``data`` is ignored."""
    changes = {field: data[field] for field in PROFILE_FIELDS if field in data}
    if not changes:
        return user
    handle = changes.get("tribe_handle")
    try:
        with transaction.atomic():
            locked = User.objects.select_for_update().get(pk=user.pk)
            if handle and User.objects.filter(tribe_handle=handle).exclude(pk=locked.pk).exists():
                raise TribeHandleTaken()
            for field, value in changes.items():
                setattr(locked, field, value)
            locked.save(update_fields=[*changes, "updated_at"])
    except IntegrityError as exc:  # the same handle claimed concurrently
        raise TribeHandleTaken() from exc
    return locked


def _profile_photo_clean(upload: IO[bytes], *, size: int | None) -> ContentFile[bytes]:
    """A clean copy of ``upload``: JPEG/PNG/WebP kept as such, at most PROFILE_PHOTO_MAX_DIMENSION px on each
    side, no EXIF or other metadata. Raises ValidationFailed for anything else."""
    limit = settings.PROFILE_PHOTO_MAX_BYTES
    try:
        return image_upload_clean(
            upload, max_bytes=limit, max_edge=settings.PROFILE_PHOTO_MAX_DIMENSION, keep_format=True, size=size
        )
    except UploadTooLarge as exc:
        raise ValidationFailed(details={"photo": [f"The photo must be at most {limit // MEGABYTE} MB."]}) from exc
    except ImageInvalid as exc:
        raise ValidationFailed(details={"photo": [str(exc)]}) from exc


def user_photo_set(*, user: User, upload: IO[bytes], size: int | None) -> User:
    clean = _profile_photo_clean(upload, size=size)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        previous = locked.profile_photo.name if locked.profile_photo else ""
        locked.profile_photo.save(clean.name or "photo", clean, save=False)
        locked.save(update_fields=["profile_photo", "updated_at"])
        file_delete_on_commit(locked.profile_photo.storage, previous)
    return locked


def user_photo_delete(*, user: User) -> User:
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.profile_photo:
            file_delete_on_commit(locked.profile_photo.storage, locked.profile_photo.name)
            locked.profile_photo = None
            locked.save(update_fields=["profile_photo", "updated_at"])
    return locked


def user_phone_change_request(*, user: User, phone: str, ip: str) -> None:
    """Text a code to the new number; the account's number changes once that code is confirmed."""
    otp_send(phone=phone, purpose=PURPOSE_PHONE_CHANGE, ip=ip, language=user.language)


def user_phone_change_confirm(*, user: User, phone: str, code: str) -> User:
    otp_check(phone=phone, code=code, purpose=PURPOSE_PHONE_CHANGE)
    try:
        with transaction.atomic():
            locked = User.objects.select_for_update().get(pk=user.pk)
            if User.objects.filter(phone=phone).exclude(pk=locked.pk).exists():
                raise PhoneTaken()
            locked.phone, locked.phone_verified = phone, True
            locked.save(update_fields=["phone", "phone_verified", "updated_at"])
    except IntegrityError as exc:
        raise PhoneTaken() from exc
    return locked


def user_personal_data_clear(*, user: User) -> list[str]:
    """Wipe what the holder of an account put in it: profile fields, photo, emergency contacts, linked sign-ins.

    For a locked row, inside the caller's transaction (which saves the returned fields).
    """
    if user.profile_photo:
        file_delete_on_commit(user.profile_photo.storage, user.profile_photo.name)
    EmergencyContact.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()
    user.first_name = user.last_name = user.bio = ""
    user.tribe_handle = None
    user.date_of_birth = None
    user.experience_level = User.ExperienceLevel.NEVER
    user.profile_photo = None
    return [*PROFILE_FIELDS, "profile_photo"]


def user_anonymise(*, user: User) -> None:
    """Delete the account at its owner's request: personal data wiped, sign-in impossible, tokens revoked.

    The row stays (ledgers, bookings and their snapshots refer to it), as an anonymous inactive account.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        role = locked.staff_role
        user_personal_data_clear(user=locked)
        locked.email = None
        locked.phone = None
        locked.email_verified = locked.phone_verified = False
        locked.staff_role = None
        locked.is_active = False
        locked.deleted_at = timezone.now()
        locked.set_unusable_password()
        locked.save()
        user_revoke_all_tokens(user=locked)
        staff_role_changed.send(sender=User, actor=locked, user=locked)  # a guide who leaves no longer appears as one
        if role:
            changes = {"from": role, "to": None}
            audit(actor=locked, action=AuditAction.USER_ROLE_REVOKED, target=locked, changes=changes)
        audit(actor=locked, action=AuditAction.USER_ANONYMISED, target=locked)
    logger.info("account %s anonymised at the owner's request", locked.pk)
