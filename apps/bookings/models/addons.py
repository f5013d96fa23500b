"""Add-ons of a trek (backpack offloading, rental gear in sizes, transport from the base town, insurance), their
stock per departure and the add-ons a booking took.

Prices are INR before GST; each add-on carries its own GST rate. Stock is optional: ``stock_per_departure``
empty means unlimited; otherwise each departure (and each size) has an :class:`AddOnStock` counter row, created
when first taken, whose ``taken`` never exceeds ``total`` (a conditional upsert in
``apps.bookings.services.addons``). A :class:`BookingAddOn` keeps the name, price and rate as they were when
taken, so later catalog edits never change what a booking owes.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from apps.bookings.models.bookings import Booking
from apps.common.models import BaseModel


class AddOnKind(models.TextChoices):
    OFFLOADING = "offloading", "Backpack offloading"
    RENTAL = "rental", "Rental gear"
    TRANSPORT = "transport", "Transport"
    INSURANCE = "insurance", "Insurance"
    OTHER = "other", "Other"


class AddOn(BaseModel):
    Kind = AddOnKind

    trek = models.ForeignKey("treks.Trek", on_delete=models.PROTECT, related_name="add_ons")
    kind = models.CharField(max_length=20, choices=AddOnKind.choices)
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=500, blank=True)
    price = models.DecimalField(max_digits=10, decimal_places=2, help_text="INR per unit, before GST")
    gst_rate = models.DecimalField(max_digits=5, decimal_places=4, help_text="e.g. 0.1800 for 18 %")
    sizes = models.JSONField(default=list, blank=True, help_text="Size labels to choose from; empty: no sizes")
    stock_per_departure = models.PositiveIntegerField(
        null=True, blank=True, help_text="Units per departure (per size); empty: unlimited"
    )
    max_per_booking = models.PositiveSmallIntegerField(default=6)
    cutoff_days = models.PositiveSmallIntegerField(default=3, help_text="Can be added until this many days before")
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["trek", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["trek", "name"], name="add_on_name_unique_per_trek"),
            models.CheckConstraint(condition=Q(price__gte=0), name="add_on_price_not_negative"),
            models.CheckConstraint(condition=Q(gst_rate__gte=0, gst_rate__lte=Decimal("0.28")), name="add_on_gst_rate"),
            models.CheckConstraint(condition=Q(kind__in=AddOnKind.values), name="add_on_kind_valid"),
            models.CheckConstraint(condition=Q(max_per_booking__gte=1), name="add_on_max_per_booking_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class AddOnStock(BaseModel):
    """Units of one add-on (one size) for one departure: ``taken`` of ``total``."""

    add_on = models.ForeignKey(AddOn, on_delete=models.PROTECT, related_name="stock")
    batch = models.ForeignKey("treks.Batch", on_delete=models.PROTECT, related_name="add_on_stock")
    size = models.CharField(max_length=20, blank=True)
    total = models.PositiveIntegerField()
    taken = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["add_on", "batch", "size"], name="add_on_stock_unique"),
            models.CheckConstraint(condition=Q(taken__lte=F("total")), name="add_on_stock_within_total"),
        ]

    def __str__(self) -> str:
        return f"{self.add_on_id} {self.size} {self.taken}/{self.total}"


class BookingAddOn(BaseModel):
    """One add-on line of a booking, priced when taken: ``amount = unit_price x quantity``, ``tax_amount`` its GST,
    ``total`` the two together (what it adds to the booking's ``final_amount``)."""

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="add_ons")
    add_on = models.ForeignKey(AddOn, on_delete=models.PROTECT, related_name="booking_lines")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=AddOnKind.choices)
    size = models.CharField(max_length=20, blank=True)
    quantity = models.PositiveSmallIntegerField()
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    gst_rate = models.DecimalField(max_digits=5, decimal_places=4)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    tax_amount = models.DecimalField(max_digits=12, decimal_places=2)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    # whether this line holds units of its departure's stock (given back when the booking expires or is cancelled)
    stock_held = models.BooleanField(default=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["booking", "created_at", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="booking_add_on_quantity_positive"),
            models.CheckConstraint(
                condition=Q(amount__gte=0, tax_amount__gte=0, total=F("amount") + F("tax_amount")),
                name="booking_add_on_amounts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} x{self.quantity}"
