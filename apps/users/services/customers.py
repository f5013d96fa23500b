"""Customer accounts opened by staff for someone who books on the phone or at the office.

The account is created as sign-up would leave an unproven one: no password, e-mail and phone unverified. So the
takeover rules of :mod:`.identity` apply unchanged when that person signs in later: proving the phone (a sign-in
code) or the e-mail (Google) hands them the account with its bookings, and clears whatever staff typed in that
they did not prove.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.db.models import Q

from apps.common.audit import AuditAction, audit
from apps.common.exceptions import ValidationFailed
from apps.users.errors import CustomerExists
from apps.users.models import User, normalize_email_address
from apps.users.phones import mask_phone

logger = logging.getLogger(__name__)


def customer_existing(*, phone: str | None, email: str | None) -> User | None:
    """The account holding this (E.164) phone number or e-mail address, if any."""
    email = normalize_email_address(email)
    match = Q(pk__in=[])
    if phone:
        match |= Q(phone=phone)
    if email:
        match |= Q(email=email)
    return User.objects.filter(match).order_by("date_joined").first()


def customer_create(
    *, actor: User, first_name: str, last_name: str = "", phone: str | None = None, email: str | None = None
) -> User:
    """Open an unverified, password-less account for a customer (``phone`` already in E.164).

    409 ``customer_exists`` (with ``details.customer_id``) when the number or address has an account already.
    """
    email = normalize_email_address(email)
    phone = phone or None
    if not (phone or email):
        raise ValidationFailed(details={"phone": ["Give a phone number, an e-mail address or both."]})
    if not first_name.strip():
        raise ValidationFailed(details={"first_name": ["This field is required."]})
    existing = customer_existing(phone=phone, email=email)
    if existing is not None:
        raise CustomerExists(details={"customer_id": str(existing.pk)})
    try:
        with transaction.atomic():
            customer = User.objects.create_user(
                email=email,
                password=None,
                phone=phone,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
            )
            audit(
                actor=actor,
                action=AuditAction.USER_CREATED,
                target=customer,
                changes={"via": "staff", "phone": mask_phone(phone), "email": bool(email)},
            )
    except IntegrityError as exc:  # a concurrent sign-up or staff member took the number or address first
        existing = customer_existing(phone=phone, email=email)
        raise CustomerExists(details={"customer_id": str(existing.pk) if existing else None}) from exc
    logger.info("customer %s opened by staff %s", customer.pk, actor.pk)
    return customer
