"""Reads of the accounts domain."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from apps.users.models import EmergencyContact, PointsTransaction, User


def emergency_contacts_of(user: User) -> QuerySet[EmergencyContact]:
    return EmergencyContact.objects.filter(user=user).order_by("-is_primary", "created_at")


def points_ledger_of(user: User) -> QuerySet[PointsTransaction]:
    return PointsTransaction.objects.filter(user=user).order_by("-created_at", "-id")


def staff_members() -> QuerySet[User]:
    return User.objects.filter(staff_role__isnull=False, deleted_at__isnull=True).order_by("staff_role", "email")


def lock_user(user_id: Any) -> None:
    """Lock the user's row until the transaction ends: serialises one user's writes that check a total first
    (emergency contacts' count and primary flag, the trek credit ledger's balance)."""
    User.objects.select_for_update().only("id").get(pk=user_id)
