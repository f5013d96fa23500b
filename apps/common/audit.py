"""The audit contract: one catalogue of actions, and the function services call in their transaction.

Every state change of a booking, payment, refund, incident or staff role (and the staff edits of the catalog,
moderation and support) leaves one :class:`~apps.common.models.AuditLog` row, written in the same transaction
as the change, so a change and its row commit or roll back together. ``actor`` is the user who asked for the
change, or ``None`` when the system made it (a sweeper, a webhook, a beat task), as pretix records it.

``actor`` is typed with Django's ``AbstractBaseUser``: every ``AUTH_USER_MODEL`` subclasses it, and
``apps.common`` sits below ``apps.users`` in the layer order, so it cannot name the project's ``User``.

Names are ``<entity>.<past tense>``; a new kind of change gets a member here (never a free-form string:
:func:`audit` refuses anything else). Renaming a member needs a data migration of the stored rows
(``apps/common/migrations/0002_audit_action_names.py`` is the first one). See ``docs/audit.md``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models

from apps.common.context import current_request_id
from apps.common.models import AuditLog


class AuditAction(StrEnum):
    # bookings: pending -> confirmed -> completed, pending -> expired, pending/confirmed -> cancelled
    BOOKING_CREATED = "booking.created"
    BOOKING_CONFIRMED = "booking.confirmed"
    BOOKING_CANCELLED = "booking.cancelled"
    BOOKING_EXPIRED = "booking.expired"
    BOOKING_REINSTATED = "booking.reinstated"  # a late payment took the seats of an expired hold again
    BOOKING_COMPLETED = "booking.completed"
    BOOKING_PAYMENT_REMINDER_QUEUED = (
        "booking.payment_reminder_queued"  # staff sent the trekker the payment reminder again
    )
    # changes to a pending or confirmed booking before its departure (apps.bookings.services.changes)
    BOOKING_PARTICIPANTS_ADDED = "booking.participants_added"
    BOOKING_PARTICIPANT_UPDATED = "booking.participant_updated"
    BOOKING_PARTICIPANT_CANCELLED = "booking.participant_cancelled"
    BOOKING_TRANSFERRED = "booking.transferred"
    BOOKING_BALANCE_OVERDUE = (
        "booking.balance_marked_overdue"  # confirmed on a deposit, balance unpaid after its due date
    )
    # payments: created -> authorized -> captured, or failed; a mismatch is flagged for finance
    PAYMENT_CREATED = "payment.created"
    PAYMENT_AUTHORIZED = "payment.authorized"
    PAYMENT_CAPTURED = "payment.captured"
    PAYMENT_FAILED = "payment.failed"
    PAYMENT_FLAGGED = "payment.flagged"
    PAYMENT_LINK_CREATED = "payment.link_created"  # a payment link for a booking's balance (gateway-hosted)
    PAYMENT_LINK_SENT = "payment.link_shared"  # the link sent to the trekker (by staff, or with a balance reminder)
    PAYMENT_RECORDED = "payment.recorded"  # money taken outside the gateway (cash, UPI, bank transfer) by staff
    # refunds: pending (requested) -> processed or failed (a failed one may still be processed)
    REFUND_REQUESTED = "refund.requested"
    REFUND_PROCESSED = "refund.processed"
    REFUND_FAILED = "refund.failed"
    REFUND_SETTLED_OFFLINE = "refund.settled_offline"  # paid back outside the gateway, marked by finance
    # trek credit: issued instead of a refund, redeemed on a booking, returned (a credit payment refunded), expired
    CREDIT_ISSUED = "credit.issued"
    CREDIT_REDEEMED = "credit.redeemed"
    CREDIT_RETURNED = "credit.returned"
    CREDIT_EXPIRED = "credit.expired"
    CREDIT_OFFERED = "credit.offered"  # a cancelled departure: credit at a bonus or a full refund, to choose
    CREDIT_OFFER_CHOSEN = "credit.offer_chosen"
    # GST tax documents: an invoice per captured payment, a credit note per refund; the buyer's billing details
    INVOICE_ISSUED = "invoice.issued"
    CREDIT_NOTE_ISSUED = "invoice.credit_note_issued"  # the target is the credit note
    BOOKING_BILLING_UPDATED = "booking.billing_updated"
    # booking documents
    DOCUMENT_APPROVED = "document.approved"
    DOCUMENT_REJECTED = "document.rejected"
    # incidents (SOS and guide reports): open -> acknowledged -> responding -> resolved / false alarm
    INCIDENT_RAISED = "incident.raised"
    INCIDENT_ESCALATED = "incident.escalated"
    INCIDENT_ACKNOWLEDGED = "incident.acknowledged"
    INCIDENT_RESPONSE_STARTED = "incident.response_started"
    INCIDENT_RESOLVED = "incident.resolved"
    INCIDENT_MARKED_FALSE_ALARM = "incident.marked_false_alarm"
    INCIDENT_NOTE_ADDED = "incident.note_added"
    # overdue check-ins: armed -> checked in, or armed -> overdue (an incident opens) -> checked in late
    CHECKIN_ARMED = "checkin.armed"
    CHECKIN_COMPLETED = "checkin.completed"
    CHECKIN_MISSED = "checkin.missed"  # past its time and grace: an overdue incident opened
    # accounts
    USER_CREATED = "user.created"  # a customer account staff opened (phone or walk-in booking)
    USER_ROLE_GRANTED = "user.role_granted"
    USER_ROLE_REVOKED = "user.role_revoked"
    USER_TAKEN_OVER = "user.taken_over"
    USER_EMAIL_RELEASED = "user.email_released"
    USER_PHONE_RELEASED = "user.phone_released"
    USER_ANONYMISED = "user.anonymised"
    # catalog
    REGION_CREATED = "region.created"
    REGION_UPDATED = "region.updated"
    TREK_CREATED = "trek.created"
    TREK_UPDATED = "trek.updated"
    TREK_ITINERARY_SET = "trek.itinerary_set"
    TREK_COVER_SET = "trek.cover_set"
    TREK_PHOTO_ADDED = "trek.photo_added"
    TREK_PHOTO_REMOVED = "trek.photo_removed"
    TREK_PHOTOS_REORDERED = "trek.photos_reordered"
    TREK_GPX_ATTACHED = "trek.gpx_attached"
    GUIDE_CREATED = "guide.created"
    GUIDE_UPDATED = "guide.updated"
    GUIDE_PHOTO_SET = "guide.photo_set"
    # departures: open <-> full -> ongoing -> completed; open/full -> cancelled
    BATCH_CREATED = "batch.created"
    BATCH_UPDATED = "batch.updated"
    BATCH_DELETED = "batch.deleted"
    BATCH_OPENED = "batch.opened"
    BATCH_FILLED = "batch.filled"
    BATCH_STARTED = "batch.started"
    BATCH_COMPLETED = "batch.completed"
    BATCH_CANCELLED = "batch.cancelled"
    BATCH_CANCELLATION_QUEUED = "batch.cancellation_queued"  # its bookings are being cancelled by a task
    BATCH_ANNOUNCED = "batch.announced"  # an announcement to everyone booked on the departure
    BATCH_RESCHEDULED = "batch.rescheduled"  # new dates: trekkers and guide told, the batch chat renamed
    BATCH_GUIDE_CHANGED = "batch.guide_changed"  # another guide (or none): the batch chat follows
    BATCH_CAMP_REACHED = "batch.camp_reached"  # the guide's daily camp check-in
    BATCH_CAMP_CHECK_IN_MISSED = "batch.camp_check_in_missed"  # no camp check-in by the day's hour: ops alerted
    PARTICIPANT_CHECKED_IN = "participant.checked_in"  # at the base: present, late or no-show
    # moderation and support
    POST_HIDDEN = "post.hidden"
    POST_UNHIDDEN = "post.unhidden"
    COMMENT_HIDDEN = "comment.hidden"
    COMMENT_UNHIDDEN = "comment.unhidden"
    DELIVERY_RETRIED = "delivery.retried"
    # coupons (coupons.manage, API or admin)
    COUPON_CREATED = "coupon.created"
    COUPON_UPDATED = "coupon.updated"
    COUPON_DEACTIVATED = "coupon.deactivated"
    # add-ons: the catalog (catalog.write) and the add-ons a booking takes after it was made
    ADD_ON_CREATED = "addon.created"
    ADD_ON_UPDATED = "addon.updated"
    BOOKING_ADD_ONS_ADDED = "booking.add_ons_added"

    @property
    def entity(self) -> str:
        return self.value.split(".", 1)[0]


Actor = AbstractBaseUser | None


def audit_entry(
    *, actor: Actor, action: AuditAction, target: models.Model, changes: dict[str, Any] | None = None
) -> AuditLog:
    """The unsaved row :func:`audit` writes, for a caller that writes it inside a statement of its own
    (a data-modifying ``WITH``) to stay within a statement budget. ``target`` must have its primary key."""
    if target.pk is None:
        raise ValueError("an audited object needs its primary key")
    request_id = current_request_id()
    return AuditLog(
        actor_id=actor.pk if actor is not None and actor.is_authenticated else None,
        action=AuditAction(action),  # refuses a name outside the catalogue
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        changes=changes or {},
        request_id=request_id if request_id != "-" else "",
    )


def audit(
    *, actor: Actor, action: AuditAction, target: models.Model, changes: dict[str, Any] | None = None
) -> AuditLog:
    """Record that ``actor`` (None: the system) did ``action`` to ``target``, inside the caller's transaction."""
    entry = audit_entry(actor=actor, action=action, target=target, changes=changes)
    entry.save(force_insert=True)
    return entry
