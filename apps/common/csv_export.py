"""The one CSV writer of the service: every export goes through it, so no cell can become a formula.

Spreadsheets (Excel, LibreOffice, Google Sheets) run a cell as a formula when it starts with ``=``, ``+``,
``-`` or ``@``, and treat a leading tab or carriage return as a way in too (OWASP, "CSV Injection"). A
text cell that starts with one of them, or reaches one after leading whitespace or double quotes, is
written with a single quote in front, which the spreadsheet shows as text. Every cell is enclosed in
double quotes and inner double quotes are doubled (RFC 4180), so a value cannot close its cell and start
another. Numbers the code passes itself (``int``, ``float``, ``Decimal``) are written as they are.

Why not ``defusedcsv``: it leaves cells that start with a tab or carriage return, or that reach the ``=``
after whitespace or a double quote, as they are; the rule here is one regular expression.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.http import StreamingHttpResponse
from rest_framework.renderers import BaseRenderer

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

# A tab, carriage return, line feed or NUL first; or =, +, -, @ (or their full-width forms, which some
# spreadsheet locales accept) after any whitespace and double quotes.
FORMULA_START = re.compile(r'\A(?:[\t\r\n\x00]|[\s"]*[=+\-@\uff1d\uff0b\uff0d\uff20])')


def is_dangerous(cell: str) -> bool:
    """A spreadsheet could read ``cell`` (as written, before CSV quoting) as a formula."""
    return bool(FORMULA_START.match(cell))


def neutralise(value: Any) -> Any:
    """The cell to write for ``value``: text that could start a formula gets a leading single quote."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):  # numbers the code made (bool is an int): never a formula
        return value
    text = str(value)
    return "'" + text if is_dangerous(text) else text


class _Echo:
    """A file-like object whose ``write`` returns the line, so rows can be streamed as they are made."""

    def write(self, value: str) -> str:
        return value


def csv_lines(fieldnames: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """The header line, then one line per row; each row must have exactly the ``fieldnames`` keys."""
    writer = csv.DictWriter(_Echo(), fieldnames=list(fieldnames), quoting=csv.QUOTE_ALL, extrasaction="raise")
    yield writer.writerow({name: neutralise(name) for name in fieldnames})
    for row in rows:
        yield writer.writerow({name: neutralise(value) for name, value in row.items()})


def csv_response(
    *, filename: str, fieldnames: Sequence[str], rows: Iterable[Mapping[str, Any]]
) -> StreamingHttpResponse:
    """A streamed, private CSV attachment (rows are read lazily: large exports never sit in memory)."""
    response = StreamingHttpResponse(csv_lines(fieldnames, rows), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


class CSVRenderer(BaseRenderer):
    """Lets a view negotiate ``text/csv`` (``?format=csv`` or ``Accept``); the body comes from ``csv_response``.

    Every view that lists it must answer CSV through ``csv_response`` (a test walks the routes for it).
    """

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return b"" if data is None else str(data).encode()
