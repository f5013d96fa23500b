"""The front desk in the admin: a booking taken on the phone, at the office or through an agent (the customer found
by phone or e-mail, or opened), an offline payment on a booking, a refund paid by hand. Each page calls the
service the API calls (``booking_create`` with the staff member as creator, ``payment_record_offline``,
``refund_pay_manually``), with the staff member as actor; a refusal is shown on the page with the API's message."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from apps.bookings import services
from apps.bookings.models import Booking, OfflineMethod, Refund
from apps.bookings.models.bookings import STAFF_SOURCE_CHOICES
from apps.bookings.pricing import to_paise
from apps.common.exceptions import ApplicationError, NotFound
from apps.treks.domain import local_today
from apps.treks.models import Batch
from apps.users.models import User
from apps.users.phones import to_e164
from apps.users.roles import Capability
from apps.users.services import customer_create, customer_existing, emergency_contact_create

MONEY_TAKERS = (Capability.BOOKINGS_MANAGE, Capability.PAYMENTS_MANAGE)


class BatchChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Batch) -> str:
        return f"{obj.trek.name} · {obj.start_date:%d %b %Y} · {obj.seats_left} seats left · ₹ {obj.price:,.2f}"


class PhoneBookingForm(forms.Form):
    phone = forms.CharField(max_length=32, required=False, help_text="Any spelling: 98123 45678, +91 98123 45678.")
    email = forms.EmailField(required=False)
    first_name = forms.CharField(max_length=150, help_text="Used for a new customer; the lead trekker's name.")
    last_name = forms.CharField(max_length=150, required=False)
    age = forms.IntegerField(min_value=1, max_value=100, label="Lead trekker's age")
    others = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Other trekkers",
        help_text="One per line: name, age.",
    )
    batch = BatchChoice(queryset=Batch.objects.none(), label="Departure")
    coupon_code = forms.CharField(max_length=40, required=False)
    source = forms.ChoiceField(choices=STAFF_SOURCE_CHOICES)
    agent_name = forms.CharField(max_length=120, required=False)
    agent_reference = forms.CharField(max_length=60, required=False)
    emergency_contact_name = forms.CharField(
        max_length=100, required=False, help_text="Someone to call in an emergency: no payment is taken without one."
    )
    emergency_contact_relation = forms.CharField(max_length=50, required=False, label="Relationship")
    emergency_contact_phone = forms.CharField(max_length=32, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["batch"].queryset = (  # type: ignore[attr-defined]
            Batch.objects.filter(status=Batch.Status.OPEN, start_date__gt=local_today())
            .select_related("trek")
            .order_by("start_date", "trek__name")
        )

    def clean_phone(self) -> str | None:
        raw = self.cleaned_data["phone"].strip()
        if not raw:
            return None
        phone = to_e164(raw, mobile=True)
        if phone is None:
            raise forms.ValidationError("Enter a valid mobile number, e.g. +91 98123 45678.")
        return phone

    def clean_others(self) -> list[dict[str, Any]]:
        people = []
        for line in self.cleaned_data["others"].splitlines():
            if not line.strip():
                continue
            name, _, age = line.rpartition(",")
            if not name.strip() or not age.strip().isdigit() or not 1 <= int(age) <= 100:
                raise forms.ValidationError(f"“{line.strip()}”: write a name, a comma and an age (1-100).")
            people.append({"name": name.strip(), "age": int(age)})
        return people

    def clean_emergency_contact_phone(self) -> str:
        raw = self.cleaned_data["emergency_contact_phone"].strip()
        if not raw:
            return ""
        phone = to_e164(raw, mobile=False)
        if phone is None:
            raise forms.ValidationError("Enter a valid phone number, e.g. +91 98123 45678.")
        return phone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("phone") and not data.get("email"):
            raise forms.ValidationError("Give the customer's phone number, e-mail address or both.")
        if bool(data.get("emergency_contact_name")) != bool(data.get("emergency_contact_phone")):
            raise forms.ValidationError("Give the emergency contact's name and phone number, or neither.")
        return data


class OfflinePaymentForm(forms.Form):
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"), label="Amount (₹)")
    method = forms.ChoiceField(choices=OfflineMethod.choices)
    payment_reference = forms.CharField(max_length=64, required=False, label="UPI reference or UTR")
    receipt_reference = forms.CharField(max_length=64, label="Receipt number")
    key = forms.UUIDField(widget=forms.HiddenInput)


class ManualRefundForm(forms.Form):
    method = forms.ChoiceField(choices=OfflineMethod.choices)
    receipt_reference = forms.CharField(max_length=64, label="Receipt number, UPI reference or UTR")


def _page(admin: Any, request: HttpRequest, template: str, title: str, **context: Any) -> HttpResponse:
    return TemplateResponse(
        request,
        template,
        {**admin.admin_site.each_context(request), "opts": admin.model._meta, "title": title, **context},
    )


class FrontDeskBookingMixin:
    """Phone bookings and offline payments on ``BookingAdmin`` (a ``CapabilityAdmin``)."""

    admin_site: Any
    model: Any

    def front_desk_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("phone-booking/", view(self.phone_booking_view), name="bookings_booking_phone"),
            path(
                "<path:object_id>/offline-payment/",
                view(self.offline_payment_view),
                name="bookings_booking_offline_payment",
            ),
        ]

    def may_take_money(self, request: HttpRequest) -> bool:
        return any(self._can(request, capability) for capability in MONEY_TAKERS)  # type: ignore[attr-defined]

    def phone_booking_view(self, request: HttpRequest) -> HttpResponse:
        """Find the customer by phone or e-mail (or open their account), then book for them."""
        self.require(request, Capability.BOOKINGS_MANAGE)  # type: ignore[attr-defined]
        form = PhoneBookingForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                booking = self._book_for_customer(request, form.cleaned_data)
            except ApplicationError as error:
                form.add_error(None, str(error.message))
            else:
                messages.success(request, f"Booking {booking.reference} held for {booking.trekker_name}.")
                return redirect(reverse("admin:bookings_booking_change", args=[booking.pk]))
        return _page(self, request, "admin/bookings/booking/phone_booking.html", "New phone booking", form=form)

    def _book_for_customer(self, request: HttpRequest, data: dict[str, Any]) -> Booking:
        staff: User = request.user  # type: ignore[assignment]
        with transaction.atomic():  # a refused booking leaves no new account behind
            customer = customer_existing(phone=data["phone"], email=data["email"])
            if customer is None:
                customer = customer_create(
                    actor=staff,
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    phone=data["phone"],
                    email=data["email"],
                )
            elif customer.staff_role or not customer.is_active:
                raise NotFound("That phone number or e-mail address belongs to a staff or closed account.")
            if (
                data["emergency_contact_phone"]
                and not customer.emergency_contacts.filter(phone=data["emergency_contact_phone"]).exists()
            ):
                emergency_contact_create(
                    user=customer,
                    name=data["emergency_contact_name"],
                    relationship=data["emergency_contact_relation"] or "",
                    phone=data["emergency_contact_phone"],
                )
            lead = {"name": " ".join(filter(None, [data["first_name"], data["last_name"]])), "age": data["age"]}
            return services.booking_create(
                user=customer,
                batch_id=data["batch"].pk,
                participants=[lead, *data["others"]],
                coupon_code=data["coupon_code"] or None,
                source=data["source"],
                created_by=staff,
                agent_name=data["agent_name"],
                agent_reference=data["agent_reference"],
            )

    def offline_payment_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Record cash, UPI or a bank transfer for a pending booking (``payment_record_offline``)."""
        if not self.may_take_money(request):
            raise PermissionDenied
        booking = get_object_or_404(Booking.objects.select_related("batch__trek"), pk=object_id)
        initial = {"amount": booking.balance_due, "key": uuid.uuid4()}  # one key per form shown: no double entry
        form = OfflinePaymentForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.payment_record_offline(
                    actor=request.user,  # type: ignore[arg-type]
                    booking_id=booking.pk,
                    amount_paise=to_paise(data["amount"]),
                    method=data["method"],
                    payment_reference=data["payment_reference"],
                    receipt_reference=data["receipt_reference"],
                    key=data["key"],
                )
            except ApplicationError as error:
                form.add_error(None, str(error.message))
            else:
                booking.refresh_from_db()
                messages.success(
                    request,
                    f"₹ {data['amount']:,.2f} recorded for {booking.reference}: {booking.get_status_display()}.",
                )
                return redirect(reverse("admin:bookings_booking_change", args=[booking.pk]))
        title = f"Record an offline payment for {booking.reference}"
        return _page(self, request, "admin/bookings/booking/offline_payment.html", title, form=form, original=booking)


class ManualRefundMixin:
    """A refund paid back outside the gateway, on ``RefundAdmin`` (``payments.manage``)."""

    admin_site: Any
    model: Any

    def manual_refund_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [path("<path:object_id>/manual/", view(self.manual_refund_view), name="bookings_refund_manual")]

    def manual_refund_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        self.require(request, Capability.PAYMENTS_MANAGE)  # type: ignore[attr-defined]
        refund = get_object_or_404(Refund.objects.select_related("booking"), pk=object_id)
        form = ManualRefundForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.refund_pay_manually(
                    actor=request.user,  # type: ignore[arg-type]
                    refund_id=refund.pk,
                    method=form.cleaned_data["method"],
                    receipt_reference=form.cleaned_data["receipt_reference"],
                )
            except ApplicationError as error:
                form.add_error(None, str(error.message))
            else:
                messages.success(request, f"Refund of ₹ {refund.amount:,.2f} marked paid.")
                return redirect(reverse("admin:bookings_refund_change", args=[refund.pk]))
        title = f"Mark refund of {refund.booking.reference} paid by hand"
        return _page(self, request, "admin/bookings/refund/manual.html", title, form=form, original=refund)
