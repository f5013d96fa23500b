"""Payment links: a gateway-hosted page (Razorpay Payment Links; a signed local page in development) that pays
a booking's balance. Each link has one :class:`~apps.bookings.models.Payment` row whose ``gateway_order_id`` is
the link's id, so a link payment is credited through the same ``payment_succeeded`` as checkout."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.bookings.models.bookings import Booking
from apps.bookings.models.payments import Payment
from apps.common.models import BaseModel


class PaymentLink(BaseModel):
    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="payment_links")
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="payment_link")
    gateway_link_id = models.CharField(max_length=64, unique=True)
    url = models.URLField(max_length=500)
    amount_paise = models.PositiveBigIntegerField()
    expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # how many times the link was sent to the trekker (staff resend it; the balance reminders carry it too)
    times_sent = models.PositiveSmallIntegerField(default=0)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(amount_paise__gt=0), name="payment_link_amount_positive")]

    def __str__(self) -> str:
        return self.gateway_link_id

    @property
    def amount(self) -> Decimal:
        return (Decimal(self.amount_paise) / 100).quantize(Decimal("0.01"))
