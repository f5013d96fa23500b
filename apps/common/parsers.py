"""Strict JSON: finite numbers only, nesting bounded, no NUL. The one way request JSON is read.

DRF's parser (``STRICT_JSON``) already refuses the ``NaN`` / ``Infinity`` literals, but a number that
overflows the float range (``1e999``) still parses to ``inf``, a document nested a few thousand levels
deep makes the decoder raise ``RecursionError``, and a ``\\u0000`` in a free-form field reaches
PostgreSQL, which refuses it. All of them used to surface as 500s. Here every float literal must be
finite, the document may nest at most ``settings.JSON_MAX_DEPTH`` arrays/objects and no string may hold
a NUL; anything else is a 400 envelope with a stable code.
"""

from __future__ import annotations

import codecs
import json
import math
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class NonFiniteNumber(ParseError):
    default_detail = "Numbers must be finite: NaN, Infinity and numbers beyond the float range are refused."
    default_code = "non_finite_number"


class JSONTooDeep(ParseError):
    default_detail = "The JSON document is nested too deeply."
    default_code = "json_too_deep"


class NulCharacter(ParseError):
    default_detail = "Text may not contain NUL (\\u0000) characters."
    default_code = "nul_character"


class JSONInvalid(ParseError):
    default_detail = "The body is not valid JSON."
    default_code = "parse_error"


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise NonFiniteNumber()
    return value


def _refuse_constant(name: str) -> Any:
    raise NonFiniteNumber()


def max_depth() -> int:
    return int(settings.JSON_MAX_DEPTH)


def _check(document: Any, limit: int) -> None:
    """Raise :class:`JSONTooDeep` past ``limit`` nested arrays/objects, :class:`NulCharacter` for a NUL.

    Iterative, so it has no recursion of its own. PostgreSQL can store NUL in neither text nor jsonb:
    refused here, a NUL in a free-form field (a JSON column) is a 400 instead of a database error.
    """
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                raise NulCharacter()
            continue
        if isinstance(node, dict):
            children = [*node.keys(), *node.values()]
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            raise JSONTooDeep(f"The JSON document is nested more than {limit} levels deep.")
        stack.extend((child, depth + 1) for child in children if isinstance(child, str | dict | list))


def loads(text: str | bytes, *, limit: int | None = None) -> Any:
    """Parse JSON text, or raise one of the ``ParseError`` subclasses above (a 400 envelope)."""
    limit = max_depth() if limit is None else limit
    try:
        document = json.loads(text, parse_float=_finite_float, parse_constant=_refuse_constant)
    except RecursionError:
        # The C decoder gives up near the interpreter's recursion limit, far above any sane limit.
        raise JSONTooDeep(f"The JSON document is nested more than {limit} levels deep.") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, an integer of over 4300 digits
        raise JSONInvalid(f"JSON parse error - {exc}") from exc
    _check(document, limit)
    return document


class JSONParser(parsers.JSONParser):
    """DRF's ``JSONParser`` reading through :func:`loads` (the ``DEFAULT_PARSER_CLASSES`` entry)."""

    def parse(
        self, stream: IO[bytes], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
        except (UnicodeDecodeError, LookupError) as exc:
            raise JSONInvalid(f"JSON parse error - {exc}") from exc
        return loads(text)
