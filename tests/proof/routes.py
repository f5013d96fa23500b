"""Every URL pattern of the project, as (route name, HTTP method), read from Django's resolver."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

IGNORED_METHODS = {"options", "head", "trace"}


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    pattern: str
    view_class: Any = field(default=None, compare=False, repr=False)


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), entry


def _view_class(callback: Any) -> Any:
    return getattr(callback, "cls", None) or getattr(callback, "view_class", None)


def _methods(callback: Any) -> list[str]:
    actions = getattr(callback, "actions", None)
    if actions:  # a DRF viewset route: {"get": "list", "post": "create"}
        return sorted(m.upper() for m in actions if m not in IGNORED_METHODS)
    view_class = _view_class(callback)
    if view_class is None:
        return ["GET"]
    return sorted(
        m.upper() for m in view_class.http_method_names if m not in IGNORED_METHODS and hasattr(view_class, m)
    )


def all_routes(excluded_prefixes: tuple[str, ...] = ()) -> list[Route]:
    routes: dict[tuple[str, str], Route] = {}
    for pattern, entry in _walk(get_resolver().url_patterns):
        if pattern.lstrip("^").startswith(excluded_prefixes):
            continue
        if not entry.name:
            raise AssertionError(f"URL pattern {pattern!r} has no name")
        for method in _methods(entry.callback):
            routes.setdefault((entry.name, method), Route(entry.name, method, pattern, _view_class(entry.callback)))
    return sorted(routes.values(), key=lambda r: (r.pattern, r.method))


def view_classes(excluded_prefixes: tuple[str, ...] = ()) -> dict[str, type]:
    """{route name: view class} of every class-based view in the URLconf."""
    views: dict[str, type] = {}
    for pattern, entry in _walk(get_resolver().url_patterns):
        view_class = getattr(entry.callback, "cls", None) or getattr(entry.callback, "view_class", None)
        if view_class is not None and entry.name and not pattern.lstrip("^").startswith(excluded_prefixes):
            views[entry.name] = view_class
    return views
