"""Staff administration: list staff, assign roles (users.manage), audited, admin."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from apps.common.models import AuditLog
from apps.users.models import User
from apps.users.roles import StaffRole
from apps.users.tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

STAFF = "/api/v1/users/staff/"


def _role_url(user: User) -> str:
    return f"/api/v1/users/{user.pk}/role/"


def test_super_admin_lists_staff(
    client_for: Any, staff_user: Any, make_user: Any, django_assert_max_num_queries: Any
) -> None:
    admin = staff_user("super_admin")
    for role in ("ops_manager", "cs", "finance", "guide"):
        staff_user(role)
    make_user()  # a trekker is not staff
    client = client_for(admin)
    with django_assert_max_num_queries(3):
        body = client.get(STAFF).json()
    assert body["count"] == 5
    assert {row["staff_role"] for row in body["results"]} == {"super_admin", "ops_manager", "cs", "finance", "guide"}


@pytest.mark.parametrize("role", ["ops_manager", "cs", "finance", "content", "guide", None])
def test_only_users_manage_may_list_or_assign(
    client_for: Any, staff_user: Any, make_user: Any, role: str | None
) -> None:
    actor = staff_user(role) if role else make_user()
    target = make_user()
    client = client_for(actor)
    assert client.get(STAFF).status_code == 403
    response = client.put(_role_url(target), {"role": "cs"}, format="json")
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.staff_role is None


def test_anonymous_is_401(api_client: Any, make_user: Any) -> None:
    assert api_client.get(STAFF).status_code == 401
    assert api_client.put(_role_url(make_user()), {"role": "cs"}, format="json").status_code == 401


def test_assign_and_remove_a_role_is_audited(client_for: Any, staff_user: Any, make_user: Any) -> None:
    admin = staff_user("super_admin")
    target = make_user()
    client = client_for(admin)

    response = client.put(_role_url(target), {"role": "ops_manager"}, format="json")

    assert response.status_code == 200
    assert response.json()["staff_role"] == "ops_manager"
    target.refresh_from_db()
    assert target.staff_role == "ops_manager"
    assert target.is_staff
    assert not target.is_superuser
    entry = AuditLog.objects.get(action="user.role_granted", target_id=str(target.pk))
    assert entry.actor == admin
    assert entry.changes == {"from": None, "to": "ops_manager"}

    assert client.put(_role_url(target), {"role": None}, format="json").status_code == 200
    target.refresh_from_db()
    assert target.staff_role is None
    assert not target.is_staff
    roles = AuditLog.objects.filter(target_id=str(target.pk)).values_list("action", flat=True)
    assert sorted(roles) == ["user.role_granted", "user.role_revoked"]


def test_invalid_role_unknown_user_and_own_role(client_for: Any, staff_user: Any, make_user: Any) -> None:
    admin = staff_user("super_admin")
    client = client_for(admin)
    assert client.put(_role_url(make_user()), {"role": "emperor"}, format="json").status_code == 400
    assert (
        client.put(
            "/api/v1/users/00000000-0000-0000-0000-000000000000/role/", {"role": "cs"}, format="json"
        ).status_code
        == 404
    )
    own = client.put(_role_url(admin), {"role": None}, format="json")
    assert own.status_code == 409
    assert own.json()["error"]["code"] == "own_role"


def test_admin_role_change_goes_through_the_audited_service(staff_user: Any, make_user: Any) -> None:
    admin = staff_user("super_admin")
    target = make_user()
    browser = Client()
    signed_in = browser.post(
        "/admin/login/", {"username": admin.email, "password": DEFAULT_PASSWORD, "next": "/admin/"}
    )
    assert signed_in.status_code == 302, "signed in through the admin's own form"
    page = browser.get(f"/admin/users/user/{target.pk}/change/")
    assert page.status_code == 200
    form = {
        "email": target.email,
        "email_verified": "on",
        "phone": "",
        "first_name": target.first_name,
        "last_name": target.last_name,
        "tribe_handle": "",
        "bio": "",
        "date_of_birth": "",
        "experience_level": "never",
        "language": "en",
        "staff_role": StaffRole.FINANCE,
        "is_active": "on",
    }
    response = browser.post(f"/admin/users/user/{target.pk}/change/", form)
    assert response.status_code == 302, response.content[:2000]
    target.refresh_from_db()
    assert target.staff_role == "finance"
    assert AuditLog.objects.filter(action="user.role_granted", target_id=str(target.pk), actor=admin).exists()


def test_admin_pages_render(staff_user: Any, make_user: Any) -> None:
    from apps.users.services import points_award

    admin = staff_user("super_admin")
    points_award(user=make_user(), amount=10, reason="review", idempotency_key="r1")
    browser = Client()
    browser.force_login(admin)
    for url in (
        "/admin/users/user/",
        "/admin/users/pointstransaction/",
        "/admin/users/socialaccount/",
        "/admin/users/emergencycontact/",
    ):
        assert browser.get(url).status_code == 200
