"""Bookings with their participants, coupons and coupon redemptions; the booking reference."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper

from apps.common.models import BaseModel, index_where_set

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def new_reference() -> str:
    return "OBS-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


class BookingStatus(models.TextChoices):
    PENDING = "pending", "Pending payment"
    CONFIRMED = "confirmed", "Confirmed"
    COMPLETED = "completed", "Completed"
    EXPIRED = "expired", "Hold expired"
    CANCELLED = "cancelled", "Cancelled"


class BookingSource(models.TextChoices):
    APP = "app", "Mobile app"
    WEB = "web", "Website"
    REFERRAL = "referral", "Referral"
    WAITLIST = "waitlist", "Waitlist offer"
    # taken by staff for a customer (``created_by``): on the phone, at the office, through an agent
    PHONE = "phone", "Phone (staff)"
    WALK_IN = "walk_in", "Walk-in (staff)"
    AGENT = "agent", "Agent (staff)"


# The sources a trekker may name when booking for themself; the others are set by staff only.
SELF_SERVICE_SOURCES = (BookingSource.APP, BookingSource.WEB, BookingSource.REFERRAL)
STAFF_SOURCES = (BookingSource.PHONE, BookingSource.WALK_IN, BookingSource.AGENT)
STAFF_SOURCE_CHOICES = [(source.value, source.label) for source in STAFF_SOURCES]


ACTIVE_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


class Coupon(BaseModel):
    class Kind(models.TextChoices):
        PERCENT = "percent", "Percent of the price"
        FIXED = "fixed", "Fixed amount (INR)"

    code = models.CharField(max_length=40, unique=True, help_text="Stored upper-case; matched case-insensitively.")
    description = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.DecimalField(max_digits=12, decimal_places=2)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()
    max_uses = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: unlimited.")
    per_user_limit = models.PositiveSmallIntegerField(default=1)
    uses = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            # with the unique code: one code whatever the case (bookings match codes case-insensitively)
            models.CheckConstraint(condition=Q(code=Upper("code")), name="coupon_code_upper_case"),
            models.CheckConstraint(condition=Q(value__gt=0), name="coupon_value_positive"),
            models.CheckConstraint(condition=~Q(kind="percent") | Q(value__lte=100), name="coupon_percent_max_100"),
            models.CheckConstraint(condition=Q(kind__in=["percent", "fixed"]), name="coupon_kind_valid"),
            models.CheckConstraint(condition=Q(valid_until__gt=F("valid_from")), name="coupon_window_valid"),
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(uses__lte=F("max_uses")), name="coupon_uses_within_max"
            ),
            models.CheckConstraint(condition=Q(per_user_limit__gte=1), name="coupon_per_user_limit_positive"),
        ]

    def __str__(self) -> str:
        return self.code


class Booking(BaseModel):
    Status = BookingStatus
    Source = BookingSource

    reference = models.CharField(max_length=12, unique=True, default=new_reference, editable=False)
    # user, batch and created_at have no index of their own: the indexes below lead with them (every booking
    # written maintains each index of this table)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings", db_index=False
    )
    batch = models.ForeignKey("treks.Batch", on_delete=models.PROTECT, related_name="bookings", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=20, choices=BookingStatus.choices, default=BookingStatus.PENDING)
    source = models.CharField(max_length=20, choices=BookingSource.choices, default=BookingSource.APP)
    seats = models.PositiveSmallIntegerField()
    # a booking staff took for the customer (phone, walk-in, agent): who took it, and the agent's name
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    agent_name = models.CharField(max_length=120, blank=True)
    agent_reference = models.CharField(max_length=60, blank=True)

    # pricing (INR): final = base - tier_discount - coupon_discount + tax + change_fees + add-ons (with their GST)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    base_amount = models.DecimalField(max_digits=12, decimal_places=2)
    tier_discount_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    tier_discount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    coupon = models.ForeignKey(
        Coupon, on_delete=models.PROTECT, null=True, blank=True, related_name="bookings", db_index=False
    )
    coupon_discount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    tax_rate = models.DecimalField(max_digits=5, decimal_places=4)
    tax_amount = models.DecimalField(max_digits=12, decimal_places=2)
    # what changes after booking added to the price: transfer fees, and the part of a cancelled participant's
    # share the cancellation policy keeps (apps.bookings.services.changes)
    change_fees = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    final_amount = models.DecimalField(max_digits=12, decimal_places=2)
    # the booking's add-ons with their GST (apps.bookings.models.addons), part of final_amount
    add_ons_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    amount_paid = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    amount_refunded = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    # trek credit issued against this booking instead of a refund (bonus included): paid - refunded - credited
    # is what the operator kept; the grants of the credit ledger for this booking add up to it
    amount_credited = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))

    hold_expires_at = models.DateTimeField(null=True, blank=True)
    # confirmed on a deposit: the balance is due on this (local) date; unpaid after it, ops see the booking as
    # overdue from ``balance_overdue_at`` until it is paid or its seats are released
    balance_due_date = models.DateField(null=True, blank=True)
    balance_overdue_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)

    # the lead trekker (the booker) and their emergency contact, as they were at booking time
    trekker_name = models.CharField(max_length=200)
    trekker_age = models.PositiveSmallIntegerField()
    trekker_phone = models.CharField(max_length=16, blank=True)
    trekker_email = models.EmailField(blank=True)
    emergency_contact_name = models.CharField(max_length=100, blank=True)
    emergency_contact_phone = models.CharField(max_length=16, blank=True)
    emergency_contact_relation = models.CharField(max_length=50, blank=True)

    # who the tax invoices are made out to: empty name = the lead trekker; a GSTIN makes it a B2B invoice whose
    # place of supply is the GSTIN's state; billing_state is a GST state code ("05" Uttarakhand), empty = unknown
    billing_name = models.CharField(max_length=200, blank=True)
    billing_gstin = models.CharField(max_length=15, blank=True)
    billing_state = models.CharField(max_length=2, blank=True)

    # checklist
    health_declaration = models.JSONField(null=True, blank=True)
    health_declared_at = models.DateTimeField(null=True, blank=True)
    waiver_version = models.CharField(max_length=20, blank=True)
    waiver_accepted_at = models.DateTimeField(null=True, blank=True)
    waiver_ip = models.GenericIPAddressField(null=True, blank=True)
    waiver_user_agent = models.CharField(max_length=300, blank=True)

    # cancellation
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    cancellation_reason = models.CharField(max_length=500, blank=True)
    cancellation_refund_percent = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "hold_expires_at"], name="booking_status_hold_idx"),
            models.Index(fields=["batch", "status"], name="booking_batch_status_idx"),
            models.Index(fields=["user", "-created_at"], name="booking_user_created_idx"),
            models.Index(fields=["-created_at", "-id"], name="booking_created_idx"),
            models.Index(
                fields=["balance_due_date"],
                condition=Q(balance_due_date__isnull=False, status="confirmed"),
                name="booking_balance_due_idx",
            ),
            # keys most bookings leave NULL: indexed where set (a new booking writes no entry for them)
            index_where_set("created_by", "booking_created_by_idx"),
            index_where_set("coupon", "booking_coupon_idx"),
            index_where_set("cancelled_by", "booking_cancelled_by_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "batch"],
                condition=Q(status__in=["pending", "confirmed"]),
                name="booking_one_active_per_user_batch",
            ),
            models.CheckConstraint(condition=Q(status__in=BookingStatus.values), name="booking_status_valid"),
            models.CheckConstraint(condition=Q(source__in=BookingSource.values), name="booking_source_valid"),
            models.CheckConstraint(
                condition=~Q(source__in=["phone", "walk_in", "agent"]) | Q(created_by__isnull=False),
                name="booking_staff_source_has_creator",
            ),
            models.CheckConstraint(
                condition=~Q(source="agent") | ~Q(agent_name=""), name="booking_agent_source_has_agent"
            ),
            models.CheckConstraint(condition=Q(seats__gte=1, seats__lte=6), name="booking_seats_1_to_6"),
            models.CheckConstraint(
                condition=Q(
                    base_amount__gte=0,
                    tier_discount__gte=0,
                    coupon_discount__gte=0,
                    tax_amount__gte=0,
                    change_fees__gte=0,
                    final_amount__gte=0,
                    amount_paid__gte=0,
                    amount_refunded__gte=0,
                ),
                name="booking_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(amount_refunded__lte=F("amount_paid")), name="booking_refund_within_paid"
            ),
            models.CheckConstraint(condition=Q(amount_credited__gte=0), name="booking_credited_not_negative"),
            models.CheckConstraint(
                condition=Q(add_ons_amount__gte=0, add_ons_amount__lte=F("final_amount")),
                name="booking_add_ons_within_final",
            ),
            models.CheckConstraint(
                condition=~Q(status="pending") | Q(hold_expires_at__isnull=False), name="booking_pending_has_hold"
            ),
            models.CheckConstraint(
                condition=Q(billing_gstin="") | Q(billing_gstin__regex=r"^[0-9]{2}[0-9A-Z]{13}$"),
                name="booking_billing_gstin_shape",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def balance_due(self) -> Decimal:
        """What is still owed: the price less what was paid and kept (a change may have refunded part of it).
        A cancelled or expired booking owes nothing."""
        if self.status in (BookingStatus.CANCELLED, BookingStatus.EXPIRED):
            return Decimal("0.00")
        return max(Decimal("0.00"), self.final_amount - (self.amount_paid - self.amount_refunded))

    @property
    def missing_documents(self) -> list[str]:
        """The checklist items (codes) some participant still lacks; participants and documents prefetched or
        loaded. A photo ID or fitness proof counts only once staff approved it (see ``apps.bookings.paperwork``)."""
        from apps.bookings.paperwork import booking_missing_kinds  # that module builds on the models

        return booking_missing_kinds(self)


class BookingParticipant(BaseModel):
    """One per seat; the lead is the booker."""

    # no index of its own: participant_position_unique leads with it
    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="participants", db_index=False)
    position = models.PositiveSmallIntegerField()
    is_lead = models.BooleanField(default=False)
    name = models.CharField(max_length=200)
    age = models.PositiveSmallIntegerField()
    phone = models.CharField(max_length=16, blank=True)
    email = models.EmailField(blank=True)
    experience_level = models.CharField(max_length=20, default="never")
    # this person's own checklist (the booking-level fields above are the lead's, kept from before)
    health_declaration = models.JSONField(null=True, blank=True)
    health_declared_at = models.DateTimeField(null=True, blank=True)
    waiver_version = models.CharField(max_length=20, blank=True)
    waiver_accepted_at = models.DateTimeField(null=True, blank=True)
    waiver_ip = models.GenericIPAddressField(null=True, blank=True)
    waiver_user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["booking", "position"]
        constraints = [
            models.UniqueConstraint(fields=["booking", "position"], name="participant_position_unique"),
            models.UniqueConstraint(fields=["booking"], condition=Q(is_lead=True), name="participant_one_lead"),
            models.CheckConstraint(condition=Q(age__gte=1, age__lte=100), name="participant_age_range"),
        ]

    def __str__(self) -> str:
        return self.name


class CouponRedemption(BaseModel):
    """One use of a coupon by one booking; ``released_at`` gives the use back (the hold lapsed)."""

    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="redemptions")
    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="coupon_redemption")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["coupon", "user"], name="redemption_coupon_user_idx")]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="redemption_amount_not_negative")]
