"""Every admin page and action answers each actor as ``tests/proof/admin_matrix.py`` declares, with an admin
session; a write is done by the holders of its capability only. A staff member whose role is removed loses the
admin on their next request."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client

from apps.users.roles import has_capability

from .actors import build_world
from .admin_matrix import ADMIN_ACTORS, ADMIN_ROWS, OUTSIDERS, AdminRow


def test_every_row_declares_every_actor_and_each_write_its_check() -> None:
    names = [row.name for row in ADMIN_ROWS]
    assert len(names) == len(set(names))
    for row in ADMIN_ROWS:
        assert set(row.expect) == set(ADMIN_ACTORS), row.name
        if row.method == "POST" and row.expect["super_admin"] == 302:
            assert row.done is not None, f"{row.name}: a write says how to see it happened"
            assert row.by, f"{row.name}: a write names whose requests do it"


@pytest.mark.django_db
@pytest.mark.parametrize("row", ADMIN_ROWS, ids=[r.name for r in ADMIN_ROWS])
def test_admin_matrix(row: AdminRow) -> None:
    world = build_world()
    wrong: list[str] = []
    for actor in ADMIN_ACTORS:
        user = world.users[actor]
        client = Client()
        if user is not None:
            client.force_login(user)
        with transaction.atomic():
            if row.prepare:
                row.prepare(world)
            url = row.url(world)
            response = client.get(url) if row.method == "GET" else client.post(url, row.data(world))
            status = response.status_code
            done = row.done(world) if row.done else None
            transaction.set_rollback(True)  # every cell starts from the same world
        if status != row.expect[actor]:
            wrong.append(f"  {actor}: expected {row.expect[actor]}, got {status}")
        elif status == 302 and actor in OUTSIDERS and "/admin/login/" not in response["Location"]:
            wrong.append(f"  {actor}: redirected to {response['Location']}, not the login page")
        if row.done is not None:
            should = actor not in OUTSIDERS and has_capability(user, row.by)
            if done != should:
                wrong.append(f"  {actor}: the write {'did not happen' if should else 'happened'}")
    assert not wrong, f"{row.method} {row.name}\n" + "\n".join(wrong)


@pytest.mark.django_db
def test_a_role_removed_mid_session_loses_the_admin_on_the_next_request() -> None:
    from apps.bookings.models import Booking
    from apps.users.services import user_set_role

    world = build_world()
    ops, admin = world.users["ops_manager"], world.users["super_admin"]
    client = Client()
    client.force_login(ops)
    booking_page = f"/admin/bookings/booking/{world.booking.pk}/change/"
    assert client.get(booking_page).status_code == 200
    user_set_role(actor=admin, user=ops, role="content")  # type: ignore[arg-type]
    assert client.get(booking_page).status_code == 403  # the same session, the new role's capabilities
    user_set_role(actor=admin, user=ops, role=None)  # type: ignore[arg-type]
    for response in (
        client.get("/admin/"),
        client.get(booking_page),
        client.post(f"/admin/bookings/booking/{world.booking.pk}/cancel/", {"reason": "after the role went"}),
    ):
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
    assert Booking.objects.get(pk=world.booking.pk).status == "confirmed"
