"""The API's address map: the apps mounted under a prefix of their own ahead of those mounted at the root
(``config/urls.py``) shadow nothing, so the order changes how fast an address is resolved, never what it resolves
to."""

from __future__ import annotations

import re

from django.urls import URLPattern, URLResolver, resolve

from config.urls import api_v1


def _routes(patterns: list[URLPattern | URLResolver], prefix: str = "") -> list[str]:
    """Every route under ``patterns``, its prefixes included (``bookings/<uuid:booking_id>/``)."""
    routes = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            routes += _routes(pattern.url_patterns, route)
        else:
            routes.append(route)
    return routes


_SAMPLES = {"uuid": "00000000-0000-0000-0000-000000000001", "int": "1", "slug": "a-slug", "str": "a", "path": "a"}


def _sample(route: str) -> str:
    """An address ``route`` matches (``<uuid:booking_id>`` becomes a UUID, and so on)."""
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: _SAMPLES[m.group(1) or "str"], route)


def test_an_address_of_an_app_at_the_root_under_a_prefix_mounted_before_it_is_still_its_own() -> None:
    prefixes = [str(entry.pattern) for entry in api_v1 if isinstance(entry, URLResolver) and str(entry.pattern)]
    assert "bookings/" in prefixes
    assert "emergency/" in prefixes
    at_root = [entry for entry in api_v1 if isinstance(entry, URLResolver) and not str(entry.pattern)]
    under_prefix = [
        route
        for entry in at_root
        for route in _routes(entry.url_patterns)
        if route.startswith(tuple(prefixes))  # routes only: a router's regexes start with "^"
    ]
    assert "bookings/<uuid:booking_id>/offline-payments/" in under_prefix
    for route in under_prefix:
        assert resolve(f"/api/v1/{_sample(route)}").route == f"api/v1/{route}", route


def test_a_booking_and_an_sos_resolve_to_their_views() -> None:
    assert resolve("/api/v1/bookings/").url_name == "booking-list"
    assert resolve("/api/v1/emergency/sos/").url_name == "emergency-sos"
    assert resolve("/api/v1/batches/00000000-0000-0000-0000-000000000001/waitlist/").url_name == "batch-waitlist"
    assert resolve("/api/v1/users/me/badges/").url_name == "users-me-badges"
