"""Demo accounts: one user per staff role and a trekker, sharing one documented password, and the demo
trekker's tribe handle, emergency contact and points (idempotent)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from apps.users.models import EmergencyContact, PointsTransaction, User
from apps.users.roles import StaffRole
from apps.users.services import emergency_contact_create, points_award

DEMO_PASSWORD = "Trek-Tribe-2026"  # documented in README.md; demo data only
DEMO_DOMAIN = "demo.obsexperiences.in"
DEMO_TREKKER = "trekker@demo.obsexperiences.in"
DEMO_USERS: list[dict[str, Any]] = [
    {
        "email": "admin@demo.obsexperiences.in",
        "first_name": "Asha",
        "last_name": "Rawat",
        "staff_role": StaffRole.SUPER_ADMIN,
    },
    {
        "email": "ops@demo.obsexperiences.in",
        "first_name": "Vikram",
        "last_name": "Negi",
        "staff_role": StaffRole.OPS_MANAGER,
    },
    {
        "email": "cs@demo.obsexperiences.in",
        "first_name": "Meera",
        "last_name": "Iyer",
        "staff_role": StaffRole.CUSTOMER_SUCCESS,
    },
    {
        "email": "finance@demo.obsexperiences.in",
        "first_name": "Rohan",
        "last_name": "Shah",
        "staff_role": StaffRole.FINANCE,
    },
    {
        "email": "content@demo.obsexperiences.in",
        "first_name": "Zoya",
        "last_name": "Khan",
        "staff_role": StaffRole.CONTENT,
    },
    {
        "email": "guide@demo.obsexperiences.in",
        "first_name": "Tenzing",
        "last_name": "Bhutia",
        "staff_role": StaffRole.GUIDE,
    },
    {"email": DEMO_TREKKER, "first_name": "Priya", "last_name": "Sharma", "staff_role": None},
]


def demo_user(role: str) -> User | None:
    """The demo user whose address starts with ``role`` (``trekker``, ``guide``, ``ops``, ...), if seeded."""
    return User.objects.filter(email=f"{role}@{DEMO_DOMAIN}").first()


def seed_users() -> list[User]:
    users = []
    for spec in DEMO_USERS:
        user = User.objects.filter(email=spec["email"]).first()
        if user is None:
            user = User.objects.create_user(password=DEMO_PASSWORD, email_verified=True, **spec)
        users.append(user)
    return users


def seed_accounts(write: Callable[[str], None]) -> None:
    trekker = demo_user("trekker")
    if trekker is None:
        return
    if not trekker.tribe_handle and not User.objects.filter(tribe_handle="priya_treks").exists():
        trekker.tribe_handle = "priya_treks"
        trekker.save(update_fields=["tribe_handle", "updated_at"])
    if not EmergencyContact.objects.filter(user=trekker).exists():
        emergency_contact_create(
            user=trekker, name="Anil Sharma", relationship="father", phone="+919810000001", is_primary=True
        )
    points_award(
        user=trekker,
        amount=1200,
        reason=PointsTransaction.Reason.TREK_COMPLETED,
        reference="demo:kedarkantha",
        idempotency_key="demo:trekker:kedarkantha-completed",
    )
    write(f"  demo accounts: {DEMO_TREKKER} has a tribe handle, an emergency contact and 1,200 points")
