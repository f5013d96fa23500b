from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from apps.common.models import AuditLog
from apps.users.models import User
from apps.users.roles import (
    ADMIN_ROLES,
    ROLE_CAPABILITIES,
    Capability,
    StaffRole,
    capabilities_for,
    has_capability,
    roles_with,
)
from apps.users.services import user_set_role
from apps.users.tests.factories import UserFactory

C = Capability
ALL_CAPABILITIES = {value for name, value in vars(Capability).items() if name.isupper()}

# The expected table, written out independently of roles.py: a change there must change this test.
EXPECTED: dict[str, set[str]] = {
    "super_admin": ALL_CAPABILITIES,
    "ops_manager": {
        C.CATALOG_WRITE, C.BATCHES_MANAGE, C.BOOKINGS_VIEW, C.BOOKINGS_MANAGE, C.BOOKINGS_BULK_CANCEL,
        C.DOCUMENTS_REVIEW, C.MANIFEST_VIEW, C.COUPONS_MANAGE, C.INCIDENTS_MANAGE, C.NOTIFICATIONS_MANAGE,
        C.USERS_VIEW,
    },
    "cs": {C.BOOKINGS_VIEW, C.BOOKINGS_MANAGE, C.DOCUMENTS_REVIEW, C.MANIFEST_VIEW, C.INCIDENTS_MANAGE, C.USERS_VIEW},
    "finance": {C.BOOKINGS_VIEW, C.PAYMENTS_MANAGE, C.COUPONS_MANAGE, C.REPORTS_VIEW, C.INVOICES_VIEW},
    "content": {C.CATALOG_WRITE, C.COMMUNITY_MODERATE},
    "guide": set(),
}  # fmt: skip


def test_every_role_has_a_row() -> None:
    assert set(ROLE_CAPABILITIES) == set(StaffRole.values) == set(EXPECTED)


@pytest.mark.parametrize("role", list(EXPECTED))
def test_role_capabilities(role: str) -> None:
    assert set(capabilities_for(role)) == EXPECTED[role]


def test_trekker_has_no_capability() -> None:
    assert capabilities_for(None) == frozenset()
    assert capabilities_for("unknown") == frozenset()


def test_roles_with() -> None:
    assert set(roles_with(C.CATALOG_WRITE)) == {"super_admin", "ops_manager", "content"}
    assert set(roles_with(C.INCIDENTS_MANAGE)) == {"super_admin", "ops_manager", "cs"}


@pytest.mark.django_db
def test_has_capability_needs_an_active_signed_in_user() -> None:
    ops = UserFactory(staff_role="ops_manager")
    assert has_capability(ops, C.BATCHES_MANAGE)
    ops.is_active = False
    assert not has_capability(ops, C.BATCHES_MANAGE)
    assert not has_capability(None, C.BATCHES_MANAGE)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [*StaffRole.values, None])
def test_admin_flags_derive_from_role(role: str | None) -> None:
    user = UserFactory(staff_role=role, is_staff=False)
    assert user.is_staff == (role in ADMIN_ROLES)
    assert user.is_superuser == (role == "super_admin")


@pytest.mark.django_db
def test_is_staff_cannot_be_set_by_hand() -> None:
    user = UserFactory()
    user.is_staff = True
    user.is_superuser = True
    user.save()
    user.refresh_from_db()
    assert user.is_staff is False
    assert user.is_superuser is False


@pytest.mark.django_db
def test_role_change_is_audited_and_updates_flags() -> None:
    admin, target = UserFactory(staff_role="super_admin"), UserFactory()
    user_set_role(actor=admin, user=target, role="ops_manager")
    target.refresh_from_db()
    assert (target.staff_role, target.is_staff) == ("ops_manager", True)
    entry = AuditLog.objects.get(action="user.role_granted")
    assert (entry.actor, entry.target_id, entry.changes) == (admin, str(target.pk), {"from": None, "to": "ops_manager"})
    user_set_role(actor=admin, user=target, role=None)
    target.refresh_from_db()
    assert not target.is_staff


@pytest.mark.django_db
def test_user_needs_email_or_phone() -> None:
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        User.objects.create_user(email=None)


@pytest.mark.django_db
def test_phone_only_account() -> None:
    user = User.objects.create_user(phone="+919812345678")
    assert user.email is None
    assert not user.has_usable_password()
    assert str(user) == "+919812345678"
    assert user.display_name == "Trekker"


@pytest.mark.django_db
def test_createsuperuser_is_super_admin() -> None:
    user = User.objects.create_superuser(email="Root@Example.com", password="x-long-password-1")
    assert (user.email, user.staff_role, user.is_superuser, user.is_staff) == (
        "root@example.com",
        "super_admin",
        True,
        True,
    )
    assert User.objects.get_by_natural_key("ROOT@example.com") == user


# --- admin ------------------------------------------------------------------------------------


def _admin_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "index", "users_list", "user_change"),
    [
        ("super_admin", 200, 200, 200),
        ("ops_manager", 200, 200, 200),
        ("cs", 200, 200, 200),
        ("finance", 200, 403, 403),
        ("content", 200, 403, 403),
        ("guide", 302, 302, 302),
        (None, 302, 302, 302),
    ],
)
def test_admin_access_by_role(role: str | None, index: int, users_list: int, user_change: int) -> None:
    client = _admin_client(UserFactory(staff_role=role))
    target = UserFactory()
    assert client.get("/admin/").status_code == index
    assert (
        client.get("/admin/users/user/?q=trekker&staff_role__exact=guide&tribe_tier__exact=basecamp").status_code
        == users_list
    )
    assert client.get(f"/admin/users/user/{target.pk}/change/").status_code == user_change


@pytest.mark.django_db
def test_only_user_managers_can_edit_users_in_admin() -> None:
    target = UserFactory()
    cs = _admin_client(UserFactory(staff_role="cs"))
    response = cs.post(f"/admin/users/user/{target.pk}/change/", {"email": target.email, "staff_role": "super_admin"})
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.staff_role is None


@pytest.mark.django_db
def test_role_change_in_admin_is_audited() -> None:
    admin = UserFactory(staff_role="super_admin")
    target = UserFactory()
    response = _admin_client(admin).post(
        f"/admin/users/user/{target.pk}/change/",
        {
            "email": target.email,
            "first_name": target.first_name,
            "last_name": target.last_name,
            "staff_role": "guide",
            "experience_level": "never",
            "language": "en",
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    target.refresh_from_db()
    assert target.staff_role == "guide"
    assert AuditLog.objects.filter(action="user.role_granted", target_id=str(target.pk), actor=admin).count() == 1


@pytest.mark.django_db
def test_audit_log_admin_is_read_only(settings: Any) -> None:
    client = _admin_client(UserFactory(staff_role="super_admin"))
    assert client.get("/admin/common/auditlog/").status_code == 200
    assert client.get("/admin/common/auditlog/add/").status_code == 403
