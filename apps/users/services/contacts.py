"""Emergency contacts: at most five per user, exactly one primary while there are any."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.common.exceptions import ValidationFailed
from apps.users.errors import TooManyEmergencyContacts
from apps.users.models import EmergencyContact, User
from apps.users.selectors import lock_user

CONTACT_FIELDS = ("name", "relationship", "phone", "email", "is_primary", "language")


def emergency_contact_create(
    *,
    user: User,
    name: str,
    relationship: str,
    phone: str,
    email: str = "",
    is_primary: bool = False,
    language: str | None = None,
) -> EmergencyContact:
    """A new contact; its ``language`` (the SOS text's) defaults to the trekker's own."""
    with transaction.atomic():
        lock_user(user.pk)
        contacts = EmergencyContact.objects.filter(user=user)
        count = contacts.count()
        if count >= EmergencyContact.MAX_PER_USER:
            raise TooManyEmergencyContacts()
        primary = is_primary or count == 0  # the first contact is the primary one
        if primary:
            contacts.filter(is_primary=True).update(is_primary=False)
        return EmergencyContact.objects.create(
            user=user,
            name=name,
            relationship=relationship,
            phone=phone,
            email=email or "",
            is_primary=primary,
            language=language or user.language,
        )


def emergency_contact_update(*, contact: EmergencyContact, data: dict[str, Any]) -> EmergencyContact:
    changes = {field: data[field] for field in CONTACT_FIELDS if field in data}
    with transaction.atomic():
        lock_user(contact.user_id)
        locked = EmergencyContact.objects.get(pk=contact.pk)
        if changes.get("is_primary") is False and locked.is_primary:
            raise ValidationFailed(
                details={"is_primary": ["Make another contact primary instead; one contact is always primary."]}
            )
        if changes.get("is_primary") and not locked.is_primary:
            EmergencyContact.objects.filter(user_id=locked.user_id, is_primary=True).update(is_primary=False)
        for field, value in changes.items():
            setattr(locked, field, value)
        locked.save()
    return locked


def emergency_contact_delete(*, contact: EmergencyContact) -> None:
    with transaction.atomic():
        lock_user(contact.user_id)
        locked = EmergencyContact.objects.filter(pk=contact.pk).first()
        if locked is None:
            return
        was_primary = locked.is_primary
        locked.delete()
        if was_primary:
            successor = EmergencyContact.objects.filter(user_id=contact.user_id).order_by("created_at").first()
            if successor is not None:
                successor.is_primary = True
                successor.save(update_fields=["is_primary", "updated_at"])
