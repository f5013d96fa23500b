"""Catalog filters (django-filter). A value that does not parse is a 400, never a silent no-op or a 500."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import django_filters
from django import forms
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Case, F, IntegerField, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Cast
from django_filters.widgets import QueryArrayWidget

from apps.treks.domain import local_today
from apps.treks.errors import FIELD_INVALID, FIELD_INVALID_CHOICE
from apps.treks.models import Batch, Trek
from apps.treks.selectors import open_batch_exists
from apps.treks.services.catalog import SEARCH_CONFIG

SLUG_RE = re.compile(r"^[-a-z0-9_]{1,120}$")
TRUE_VALUES = {"true", "1", "yes"}
FALSE_VALUES = {"false", "0", "no"}


class ListField(forms.Field):
    """One or many values: ``?x=a,b`` or ``?x=a&x=b``; each must be a choice (or a slug)."""

    widget = QueryArrayWidget

    def __init__(self, *, choices: list[str] | None = None, **kwargs: Any) -> None:
        self.allowed = choices
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        return [part.strip() for item in values for part in str(item).split(",") if part.strip()]

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        for item in value:
            if self.allowed is not None and item not in self.allowed:
                raise ValidationError(f"'{item}' is not one of: {', '.join(self.allowed)}.", code=FIELD_INVALID_CHOICE)
            if self.allowed is None and not SLUG_RE.match(item):
                raise ValidationError(f"'{item}' is not a valid slug.", code=FIELD_INVALID)


class StrictBooleanField(forms.Field):
    """``true``/``false`` (or 1/0, yes/no); anything else is an error instead of being ignored."""

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in TRUE_VALUES:
            return True
        if text in FALSE_VALUES:
            return False
        raise ValidationError("Use true or false.", code=FIELD_INVALID)


class ListFilter(django_filters.Filter):
    field_class = ListField

    def filter(self, qs: QuerySet[Any], value: list[str]) -> QuerySet[Any]:
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__in": value})


class StrictBooleanFilter(django_filters.Filter):
    field_class = StrictBooleanField


class IntegerFilter(django_filters.Filter):
    field_class = forms.IntegerField


DEFAULT_TREK_ORDER = ("name", "slug")
ORDERINGS: dict[str, list[Any]] = {
    "name": [F("name").asc()],
    "max_altitude": [F("max_altitude").asc()],
    "duration_days": [F("duration_days").asc()],
    "price_from": [F("price_from").asc(nulls_last=True)],
    "next_departure": [F("next_departure").asc(nulls_last=True)],
}


def _ordering_choices() -> list[tuple[str, str]]:
    choices = []
    for name in ORDERINGS:
        choices += [(name, name), (f"-{name}", f"-{name} (descending)")]
    return choices


def _descending(terms: list[Any]) -> list[Any]:
    return [term.expression.desc(nulls_last=True) for term in terms]


class TrekFilter(django_filters.FilterSet):
    region = ListFilter(field_name="region__slug", help_text="Region slug(s): ?region=a,b or repeated.")
    difficulty = ListFilter(field_name="difficulty", choices=Trek.Difficulty.values)
    status = ListFilter(field_name="status", choices=Trek.Status.values, help_text="Staff only (others see active).")
    duration_min = IntegerFilter(field_name="duration_days", lookup_expr="gte", min_value=1)
    duration_max = IntegerFilter(field_name="duration_days", lookup_expr="lte", min_value=1)
    altitude_min = IntegerFilter(field_name="max_altitude", lookup_expr="gte", min_value=0)
    altitude_max = IntegerFilter(field_name="max_altitude", lookup_expr="lte", min_value=0)
    theme = ListFilter(method="filter_theme", help_text="Any of these themes.")
    # The batch conditions below apply together: one upcoming open batch must satisfy all of them.
    price_min = django_filters.NumberFilter(method="filter_noop", min_value=0, max_digits=10, decimal_places=2)
    price_max = django_filters.NumberFilter(method="filter_noop", min_value=0, max_digits=10, decimal_places=2)
    month = IntegerFilter(method="filter_noop", min_value=1, max_value=12, help_text="1-12")
    start_after = django_filters.DateFilter(method="filter_noop")
    start_before = django_filters.DateFilter(method="filter_noop")
    available = StrictBooleanFilter(method="filter_noop", help_text="true: some upcoming batch has seats.")
    search = django_filters.CharFilter(method="filter_noop", max_length=200)
    ordering = django_filters.ChoiceFilter(method="filter_noop", choices=_ordering_choices())

    today: date | None = None  # the day the batch conditions count from (default: the local date)

    class Meta:
        model = Trek
        fields: list[str] = []

    def filter_noop(self, queryset: QuerySet[Trek], name: str, value: Any) -> QuerySet[Trek]:
        return queryset  # applied together in filter_queryset()

    def filter_theme(self, queryset: QuerySet[Trek], name: str, value: list[str]) -> QuerySet[Trek]:
        if not value:
            return queryset
        condition = Q()
        if connection.vendor == "postgresql":
            for theme in value:
                condition |= Q(themes__contains=[theme])
            return queryset.filter(condition)
        queryset = queryset.annotate(themes_text=Cast("themes", TextField()))
        for theme in value:
            condition |= Q(themes_text__icontains=f'"{theme}"')
        return queryset.filter(condition)

    def filter_queryset(self, queryset: QuerySet[Trek]) -> QuerySet[Trek]:  # noqa: C901  one optional condition per query parameter
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        today = self.today or local_today()

        conditions: dict[str, Any] = {}
        if data.get("price_min") is not None:
            conditions["price__gte"] = data["price_min"]
        if data.get("price_max") is not None:
            conditions["price__lte"] = data["price_max"]
        if data.get("month"):
            conditions["start_date__month"] = data["month"]
        if data.get("start_after"):
            conditions["start_date__gte"] = data["start_after"]
        if data.get("start_before"):
            conditions["start_date__lte"] = data["start_before"]
        if conditions:
            queryset = queryset.filter(open_batch_exists(today, **conditions))
        if data.get("available") is True:
            queryset = queryset.filter(open_batch_exists(today))
        elif data.get("available") is False:
            queryset = queryset.exclude(open_batch_exists(today))

        term = (data.get("search") or "").strip()
        if term:
            queryset = self._search(queryset, term)
        ordering = data.get("ordering")
        if ordering:
            terms = ORDERINGS[ordering.lstrip("-")]
            queryset = queryset.order_by(*(_descending(terms) if ordering.startswith("-") else terms), "slug")
        elif term:
            queryset = queryset.order_by("-rank", "name", "slug")  # type: ignore[misc]
        else:
            queryset = queryset.order_by(*DEFAULT_TREK_ORDER)
        return queryset

    @staticmethod
    def _search(queryset: QuerySet[Trek], term: str) -> QuerySet[Trek]:
        if connection.vendor == "postgresql":
            query = SearchQuery(term, search_type="websearch", config=SEARCH_CONFIG)
            return queryset.filter(search_vector=query).annotate(rank=SearchRank(F("search_vector"), query))
        # Plain fallback (SQLite, `make run`): substring match, name hits first.
        queryset = queryset.annotate(themes_text=Cast("themes", TextField()))
        return queryset.filter(
            Q(name__icontains=term)
            | Q(region__name__icontains=term)
            | Q(themes_text__icontains=term)
            | Q(description__icontains=term)
        ).annotate(
            rank=Case(
                When(name__icontains=term, then=Value(3)),
                When(region__name__icontains=term, then=Value(2)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )


class BatchFilter(django_filters.FilterSet):
    month = IntegerFilter(method="filter_month", min_value=1, max_value=12, help_text="1-12")
    include_full = StrictBooleanFilter(method="filter_noop", help_text="Also list full batches.")

    class Meta:
        model = Batch
        fields: list[str] = []

    def filter_month(self, queryset: QuerySet[Batch], name: str, value: int | None) -> QuerySet[Batch]:
        return queryset.filter(start_date__month=value) if value else queryset

    def filter_noop(self, queryset: QuerySet[Batch], name: str, value: Any) -> QuerySet[Batch]:
        return queryset
