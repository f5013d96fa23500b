"""The buyer on a booking's tax invoices: billing name, GSTIN and state (the invoices themselves are issued by
:mod:`.tax_documents` when money moves)."""

from __future__ import annotations

from django.db import transaction

from apps.bookings.errors import GstinInvalid
from apps.bookings.gst import STATE_CODES, gstin_problem
from apps.bookings.models import Booking
from apps.bookings.services.common import _lock_booking
from apps.common.audit import AuditAction, audit
from apps.common.exceptions import ValidationFailed
from apps.users.models import User


def booking_billing_update(
    *, actor: User, booking: Booking, billing_name: str, billing_gstin: str, billing_state: str
) -> Booking:
    """Set who the booking's next invoices are made out to (invoices already issued keep theirs).

    A GSTIN must be well formed with a matching check character; its first two digits are the billing state, so
    a state given with it must be the same (an empty state takes the GSTIN's). 400 ``gstin_invalid`` otherwise.
    """
    gstin = billing_gstin.strip().upper().replace(" ", "")
    if gstin:
        problem = gstin_problem(gstin)
        if problem is not None:
            raise GstinInvalid(details={"problem": problem})
        if billing_state and billing_state != gstin[:2]:
            raise GstinInvalid(details={"problem": "state_mismatch", "gstin_state": gstin[:2]})
        billing_state = gstin[:2]
    if billing_state and billing_state not in STATE_CODES:
        raise ValidationFailed(details={"billing_state": ["Not a GST state code."]})
    with transaction.atomic():
        locked = _lock_booking(booking.pk)
        before = {
            "billing_name": locked.billing_name,
            "billing_gstin": locked.billing_gstin,
            "billing_state": locked.billing_state,
        }
        locked.billing_name = billing_name.strip()
        locked.billing_gstin = gstin
        locked.billing_state = billing_state
        locked.save(update_fields=["billing_name", "billing_gstin", "billing_state", "updated_at"])
        after = {
            "billing_name": locked.billing_name,
            "billing_gstin": locked.billing_gstin,
            "billing_state": locked.billing_state,
        }
        audit(
            actor=actor,
            action=AuditAction.BOOKING_BILLING_UPDATED,
            target=locked,
            changes={key: [before[key], after[key]] for key in after if before[key] != after[key]},
        )
    return locked
