from __future__ import annotations

from functools import partial
from typing import Any

from django.core.paginator import Page
from django.core.paginator import Paginator as DjangoPaginator
from django.db.models import IntegerField, QuerySet, Subquery
from rest_framework import pagination

TOTAL = "_total_rows"


class RowCount(Subquery):
    """``(SELECT count(*) FROM (<queryset>) _rows)``: the number of rows of ``queryset``, as a scalar subquery.

    Unlike ``count(*) OVER ()`` next to a page, it does not make PostgreSQL join and compute every row of the
    result to return the first few: the page is read through its index and stops at its ``LIMIT``.
    """

    template = "(SELECT count(*) FROM (%(subquery)s) _rows)"
    output_field = IntegerField()

    def __init__(self, queryset: QuerySet[Any], **extra: Any) -> None:
        super().__init__(queryset.order_by().values("pk"), **extra)


def queryset_window(queryset: QuerySet[Any], bottom: int, size: int) -> tuple[list[Any], int | None]:
    """Rows ``bottom`` to ``bottom + size`` of ``queryset`` and the total (None without rows), in one statement."""
    if TOTAL not in queryset.query.annotations:  # a caller may bring a leaner count of its own
        queryset = queryset.annotate(**{TOTAL: RowCount(queryset)})
    rows = list(queryset[bottom : bottom + size])
    if not rows:
        return rows, None
    return rows, rows[0][TOTAL] if isinstance(rows[0], dict) else getattr(rows[0], TOTAL)


class WindowCountPaginator(DjangoPaginator):
    """Reads a page of a queryset and the total in one statement (the total as :class:`RowCount` on every row).

    Only a page past the end (or an empty result) costs the separate ``COUNT`` Django makes. An object list
    other than a queryset may bring the same ability as a ``window(bottom, size)`` method.
    """

    def page(self, number: Any) -> Page:
        window = getattr(self.object_list, "window", None)
        if window is None and isinstance(self.object_list, QuerySet):
            window = partial(queryset_window, self.object_list)
        if "count" not in self.__dict__ and window is not None:
            try:
                index = int(number)
            except (TypeError, ValueError):
                index = 0  # Django raises its own error below
            if index >= 1:
                rows, total = window((index - 1) * self.per_page, self.per_page)
                if rows:
                    self.__dict__["count"] = total
                    return Page(rows, self.validate_number(number), self)
        return super().page(number)


def _link(description: str, example: str) -> dict[str, Any]:
    """An OpenAPI 3.1 property for a page link: an absolute URL, or null at either end."""
    return {"type": ["string", "null"], "format": "uri", "description": description, "example": example}


_EXAMPLE_PAGE = "https://api.obsexperiences.in/api/v1/treks/?page={}"
_EXAMPLE_CURSOR = "https://api.obsexperiences.in/api/v1/notifications/?cursor=cD0yMDI2LTExLTMw"


class PageNumberPagination(pagination.PageNumberPagination):
    """``?page=`` and ``?page_size=`` (at most 100)."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["count", "next", "previous", "results"],
            "properties": {
                "count": {"type": "integer", "description": "Rows in all pages.", "example": 123},
                "next": _link("The next page, null on the last.", _EXAMPLE_PAGE.format(3)),
                "previous": _link("The previous page, null on the first.", _EXAMPLE_PAGE.format(1)),
                "results": schema,
            },
        }


class WindowCountPagination(PageNumberPagination):
    """:class:`PageNumberPagination` reading the page and its total in one statement."""

    django_paginator_class = WindowCountPaginator


class CursorPagination(pagination.CursorPagination):
    """Stable paging for feeds and message lists: newest first, ``?cursor=`` and ``?page_size=``."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-created_at", "-id")

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": _link("Older rows, null at the end.", _EXAMPLE_CURSOR),
                "previous": _link("Newer rows, null at the start.", _EXAMPLE_CURSOR),
                "results": schema,
            },
        }
