"""Demo account data for the demo trekker (idempotent)."""

from __future__ import annotations

from collections.abc import Callable

from apps.users.models import EmergencyContact, PointsTransaction, User
from apps.users.services import emergency_contact_create, points_award

DEMO_TREKKER = "trekker@demo.obsexperiences.in"


def seed_accounts(write: Callable[[str], None]) -> None:
    trekker = User.objects.filter(email=DEMO_TREKKER).first()
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
