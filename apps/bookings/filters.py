"""Staff search over every booking."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import F, QuerySet

from apps.bookings.models import Booking, BookingStatus
from apps.bookings.selectors import staff_search


class BookingFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=BookingStatus.choices)
    batch = django_filters.UUIDFilter(field_name="batch_id")
    trek = django_filters.CharFilter(field_name="batch__trek__slug")
    start_from = django_filters.DateFilter(field_name="batch__start_date", lookup_expr="gte")
    start_to = django_filters.DateFilter(field_name="batch__start_date", lookup_expr="lte")
    created_from = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    created_to = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte")
    balance = django_filters.ChoiceFilter(
        choices=[
            ("due", "Confirmed on a deposit, balance not yet due or within its due date"),
            ("overdue", "Balance unpaid after its due date (seats released after the grace days)"),
        ],
        method="balance_state",
        help_text="Bookings confirmed on a deposit with a balance left: `due` or `overdue`.",
    )
    q = django_filters.CharFilter(method="search", help_text="Name, e-mail, phone or booking reference.")

    class Meta:
        model = Booking
        fields: list[str] = []

    def balance_state(self, queryset: QuerySet[Booking], name: str, value: Any) -> QuerySet[Booking]:
        open_balance = queryset.filter(
            status=BookingStatus.CONFIRMED, balance_due_date__isnull=False, final_amount__gt=F("amount_paid")
        )
        return open_balance.filter(balance_overdue_at__isnull=value != "overdue")

    def search(self, queryset: QuerySet[Booking], name: str, value: Any) -> QuerySet[Booking]:
        value = str(value).strip()
        return staff_search(queryset, value) if value else queryset
