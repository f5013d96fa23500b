"""The points ledger: every change of ``User.obs_points`` goes through here."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.db.models import F

from apps.common.exceptions import IdempotencyKeyReused, ValidationFailed
from apps.users.models import PointsTransaction, User
from apps.users.tiers import tier_for_points

logger = logging.getLogger(__name__)

_KEY_REUSED = "This idempotency key was already used for a different points change."


def _apply(
    *,
    user: User,
    amount: int,
    reason: str,
    reference: str,
    idempotency_key: str,
    reverses: PointsTransaction | None = None,
) -> PointsTransaction:
    """Change the balance by ``amount`` under a row lock, write the ledger line, recompute the tier."""
    with transaction.atomic():
        # The row lock serialises every points change of this user: the idempotency check below is exact.
        locked = User.objects.select_for_update().only("id", "obs_points", "tribe_tier").get(pk=user.pk)
        existing = PointsTransaction.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            if existing.user_id != locked.pk or existing.amount != amount:
                raise IdempotencyKeyReused(_KEY_REUSED)
            return existing
        User.objects.filter(pk=locked.pk).update(obs_points=F("obs_points") + amount)
        balance = User.objects.values_list("obs_points", flat=True).get(pk=locked.pk)
        tier = tier_for_points(balance).tier
        if tier != locked.tribe_tier:
            User.objects.filter(pk=locked.pk).update(tribe_tier=tier)
        try:
            with transaction.atomic():
                entry = PointsTransaction.objects.create(
                    user_id=locked.pk,
                    amount=amount,
                    reason=reason,
                    reference=reference,
                    idempotency_key=idempotency_key,
                    reverses=reverses,
                    balance_after=balance,
                )
        except IntegrityError as exc:  # the same key used concurrently for another user
            raise IdempotencyKeyReused(_KEY_REUSED) from exc
    user.obs_points, user.tribe_tier = balance, tier
    logger.info("points %+d for user %s (%s), balance %s", amount, locked.pk, reason, balance)
    return entry


def points_award(
    *, user: User, amount: int, reason: str, reference: str = "", idempotency_key: str
) -> PointsTransaction:
    """Award ``amount`` (> 0) points. Calling again with the same ``idempotency_key`` returns the first line."""
    if amount <= 0:
        raise ValidationFailed(details={"amount": ["Points awarded must be positive."]})
    if reason not in PointsTransaction.Reason.values or reason == PointsTransaction.Reason.REVERSAL:
        raise ValidationFailed(details={"reason": [f"Unknown reason {reason!r}."]})
    if not idempotency_key:
        raise ValidationFailed(details={"idempotency_key": ["This field is required."]})
    return _apply(user=user, amount=amount, reason=reason, reference=reference, idempotency_key=idempotency_key)


def points_reverse(*, idempotency_key: str, reference: str = "") -> PointsTransaction | None:
    """Reverse the award made with ``idempotency_key`` (e.g. a cancelled booking).

    Returns the reversal line, the existing one when already reversed, or None when there was no award.
    """
    original = PointsTransaction.objects.filter(idempotency_key=idempotency_key, reverses__isnull=True).first()
    if original is None:
        return None
    if original.amount <= 0:
        raise ValidationFailed(details={"idempotency_key": ["Only awards can be reversed."]})
    return _apply(
        user=original.user,
        amount=-original.amount,
        reason=PointsTransaction.Reason.REVERSAL,
        reference=reference or original.reference,
        idempotency_key=f"reversal:{idempotency_key}",
        reverses=original,
    )
