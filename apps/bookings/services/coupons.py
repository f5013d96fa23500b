"""Coupons: create, change and deactivate (``coupons.manage``, from the API or the admin), audited.

``coupon_check`` holds the rules a coupon's values must meet, beyond the shapes the API's serializer checks; the
API and the admin's form both call it, then the write services call it again under the row lock. A coupon is
redeemed by a booking in ``apps.bookings.services.holds.coupon_redeem`` (validity window, total and per-user
limits), whatever wrote it.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from apps.bookings.errors import CouponCodeTaken
from apps.bookings.models import Coupon
from apps.common.audit import AuditAction, audit
from apps.common.exceptions import ValidationFailed
from apps.users.models import User

COUPON_FIELDS = (
    "code",
    "description",
    "kind",
    "value",
    "valid_from",
    "valid_until",
    "max_uses",
    "per_user_limit",
    "is_active",
)
CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]{2,39}$")
MAX_FIXED_VALUE = Decimal("1000000")  # INR; a larger fixed discount is a typing slip


def coupon_code_normal(code: str) -> str:
    """The stored form of a code: trimmed and upper-case (bookings match codes case-insensitively)."""
    return code.strip().upper()


def _value_refused(kind: Any, value: Any) -> list[str]:
    if kind not in Coupon.Kind.values:
        return []
    if not value > 0:
        return ["Must be more than 0."]
    if kind == Coupon.Kind.PERCENT and value > 100:
        return ["A percent discount is at most 100."]
    if kind == Coupon.Kind.FIXED and value > MAX_FIXED_VALUE:
        return [f"A fixed discount is at most {MAX_FIXED_VALUE} INR."]
    return []


def _refusals(merged: dict[str, Any], uses: int) -> dict[str, list[str]]:
    """Field -> why, for the coupon's values as they would be stored."""
    errors: dict[str, list[str]] = {}
    if not CODE_PATTERN.match(merged.get("code") or ""):
        errors["code"] = ["3 to 40 letters, digits, '-' or '_'."]
    kind = merged.get("kind")
    if kind not in Coupon.Kind.values:
        errors["kind"] = [f"One of {', '.join(Coupon.Kind.values)}."]
    if merged.get("value") is not None and (why := _value_refused(kind, merged["value"])):
        errors["value"] = why
    valid_from, valid_until = merged.get("valid_from"), merged.get("valid_until")
    if valid_from is not None and valid_until is not None and valid_until <= valid_from:
        errors["valid_until"] = ["Must be after valid_from."]
    max_uses = merged.get("max_uses")
    if max_uses is not None and max_uses < max(uses, 1):
        errors["max_uses"] = [f"At least {max(uses, 1)} (the uses already taken); empty for unlimited."]
    per_user = merged.get("per_user_limit", 1)
    if per_user is None or per_user < 1:
        errors["per_user_limit"] = ["At least 1."]
    return errors


def coupon_check(*, values: dict[str, Any], coupon: Coupon | None = None) -> dict[str, Any]:
    """``values`` (all of a new coupon's, or the changed ones of ``coupon``) as they will be stored.

    400 ``validation_error`` with a message per field: a code outside ``A-Z 0-9 _ -`` (3 to 40 characters),
    a percent over 100, a fixed amount over ``MAX_FIXED_VALUE``, a window that ends before it starts, a total
    limit under the uses already taken; 409 ``coupon_code_taken`` for a code another coupon has in any case.
    """
    merged = {name: getattr(coupon, name) for name in COUPON_FIELDS} if coupon is not None else {}
    checked = dict(values)
    if "code" in checked:
        checked["code"] = coupon_code_normal(str(checked["code"]))
    merged.update(checked)
    errors = _refusals(merged, coupon.uses if coupon is not None else 0)
    if errors:
        raise ValidationFailed("The coupon is not valid.", details=errors)
    others = Coupon.objects.exclude(pk=coupon.pk) if coupon is not None else Coupon.objects.all()
    if others.filter(code__iexact=merged["code"]).exists():
        raise CouponCodeTaken(details={"code": [CouponCodeTaken.message]})
    return checked


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else str(value) if isinstance(value, Decimal) else value


def _via(via: str) -> dict[str, str]:
    return {"via": via} if via != "api" else {}


def _saved(coupon: Coupon) -> None:
    """Write the row; a race with another coupon of the same code ends as the 409 the check gives."""
    try:
        with transaction.atomic():
            coupon.save()
    except IntegrityError as exc:
        if "code" in str(exc):
            raise CouponCodeTaken(details={"code": [CouponCodeTaken.message]}) from exc
        raise


@transaction.atomic
def coupon_create(*, actor: User | None, via: str = "api", **values: Any) -> Coupon:
    unknown = set(values) - set(COUPON_FIELDS)
    if unknown:
        raise TypeError(f"not coupon fields: {sorted(unknown)}")
    checked = coupon_check(values=values)
    coupon = Coupon(**checked)
    _saved(coupon)
    changes = {name: _jsonable(getattr(coupon, name)) for name in COUPON_FIELDS} | _via(via)
    audit(actor=actor, action=AuditAction.COUPON_CREATED, target=coupon, changes=changes)
    return coupon


@transaction.atomic
def coupon_update(*, actor: User | None, coupon: Coupon, changes: dict[str, Any], via: str = "api") -> Coupon:
    """Change some of ``COUPON_FIELDS``; the row is locked so a booking's redemption cannot slip past a new
    limit. Bookings that used the coupon keep the discount they were priced with."""
    unknown = set(changes) - set(COUPON_FIELDS)
    if unknown:
        raise TypeError(f"not coupon fields: {sorted(unknown)}")
    coupon = Coupon.objects.select_for_update().get(pk=coupon.pk)
    checked = coupon_check(values=changes, coupon=coupon)
    diff: dict[str, list[Any]] = {}
    for name, new in checked.items():
        old = getattr(coupon, name)
        if old != new:
            setattr(coupon, name, new)
            diff[name] = [_jsonable(old), _jsonable(new)]
    if diff:
        _saved(coupon)
        action = AuditAction.COUPON_DEACTIVATED if diff.keys() == {"is_active"} and not coupon.is_active else None
        audit(actor=actor, action=action or AuditAction.COUPON_UPDATED, target=coupon, changes=diff | _via(via))
    return coupon


def coupon_deactivate(*, actor: User | None, coupon: Coupon, via: str = "api") -> Coupon:
    """No booking redeems it from now on (holds already taken keep it); idempotent, audited once."""
    return coupon_update(actor=actor, coupon=coupon, changes={"is_active": False}, via=via)
