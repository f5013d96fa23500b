"""Every route x method x actor answers the status the matrix declares; no route goes without a row."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
import responses
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from apps.users import otp_store
from apps.users.services import token_pair_for

from .actors import ACTOR_SETUP, ACTORS, build_world
from .matrix import EXCLUDED_PREFIXES, ROWS, Row, rows_by_key
from .routes import all_routes


def test_every_route_and_method_has_a_matrix_row() -> None:
    declared = set(rows_by_key())
    discovered = {(r.name, r.method): r for r in all_routes(EXCLUDED_PREFIXES)}
    missing = sorted(f"{m} {discovered[(n, m)].pattern} (name {n!r})" for n, m in set(discovered) - declared)
    stale = sorted(f"{m} {n}" for n, m in declared - set(discovered))
    assert not missing, "routes without a row in tests/proof/matrix.py:\n" + "\n".join(missing)
    assert not stale, "matrix rows for routes that no longer exist:\n" + "\n".join(stale)


def test_every_row_declares_every_actor() -> None:
    for row in ROWS:
        assert set(row.expect) == set(ACTORS), row.key


def _reset_counters() -> None:
    """Scoped throttles and the per-address OTP counters start empty in every cell."""
    cache.delete_pattern("*")
    store = otp_store.get_store()
    if isinstance(store, otp_store.RedisOTPStore):
        keys = list(store.client.scan_iter(match=f"{store.namespace}:*"))
        if keys:
            store.client.delete(*keys)


def _call(row: Row, client: APIClient, url: str, body: object) -> tuple[int, str]:
    method = getattr(client, row.method.lower())
    response = method(url) if body is None else method(url, body, format=row.format)
    return response.status_code, response.content[:300].decode(errors="replace")


@pytest.mark.django_db
@pytest.mark.parametrize("row", ROWS, ids=[f"{r.method}-{r.route}" for r in ROWS])
def test_matrix(row: Row) -> None:
    world = build_world()
    url = reverse(row.route, kwargs=row.kwargs(world))
    if row.query:
        url += "?" + urlencode(row.query)
    clients = {}
    for actor, user in world.users.items():
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for(user)['access']}")
        clients[actor] = client
    wrong: list[str] = []
    for actor in ACTORS:
        _reset_counters()
        # No cell may reach the network (Google certificates, SMS, ...): any attempt fails the request.
        with transaction.atomic(), override_settings(**row.settings), responses.RequestsMock() as http:
            for method, http_url, payload in row.http:
                http.add(method, http_url, json=payload)
            if actor in ACTOR_SETUP:
                ACTOR_SETUP[actor](world)  # after the token was issued, as in the field
            body = row.body(world, world.users[actor]) if row.body else None
            status, content = _call(row, clients[actor], url, body)
            transaction.set_rollback(True)  # every cell starts from the same world
        if status != row.expect[actor]:
            wrong.append(f"  {actor}: expected {row.expect[actor]}, got {status}: {content}")
    assert not wrong, f"{row.method} {url}\n" + "\n".join(wrong)


def test_permissions_doc_is_up_to_date() -> None:
    from .permissions_doc import DOC, render

    assert DOC.read_text() == render(), "docs/permissions.md is out of date: run `make permissions-doc`"
