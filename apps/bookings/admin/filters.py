"""The bookings list's filters: when the departure is, whether money or documents are outstanding."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.db.models import F, QuerySet
from django.http import HttpRequest

from apps.bookings.models import ACTIVE_STATUSES, Booking
from apps.bookings.paperwork import documents_missing_q
from apps.treks.domain import local_today


class DepartureFilter(admin.SimpleListFilter):
    title = "departure"
    parameter_name = "departing"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("today", "Today"),
            ("week", "This week (next 7 days)"),
            ("30days", "Next 30 days"),
            ("past", "Already started"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Booking]) -> QuerySet[Booking]:
        today = local_today()
        ranges = {"today": 0, "week": 6, "30days": 30}
        if self.value() in ranges:
            last = today + timedelta(days=ranges[str(self.value())])
            return queryset.filter(batch__start_date__range=(today, last))
        if self.value() == "past":
            return queryset.filter(batch__start_date__lt=today)
        return queryset


class BalanceDueFilter(admin.SimpleListFilter):
    title = "balance due"
    parameter_name = "balance"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("due", "Balance due"), ("paid", "Paid in full")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Booking]) -> QuerySet[Booking]:
        if self.value() == "due":
            return queryset.filter(status__in=ACTIVE_STATUSES, final_amount__gt=F("amount_paid"))
        if self.value() == "paid":
            return queryset.filter(final_amount__lte=F("amount_paid"))
        return queryset


class DocumentsFilter(admin.SimpleListFilter):
    title = "documents"
    parameter_name = "documents"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("missing", "Missing"), ("complete", "Complete")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Booking]) -> QuerySet[Booking]:
        if self.value() == "missing":
            return queryset.filter(documents_missing_q())
        if self.value() == "complete":
            return queryset.exclude(documents_missing_q())
        return queryset
