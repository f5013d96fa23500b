"""Demo inbox for the demo trekker (idempotent through dedupe keys)."""

from __future__ import annotations

from collections.abc import Callable

from apps.demo.accounts import demo_user
from apps.notifications.models import Category
from apps.notifications.services import notify


def seed_notifications(write: Callable[[str], None]) -> None:
    trekker = demo_user("trekker")
    if trekker is None:
        return
    notify(
        template="welcome",
        category=Category.COMMUNITY,
        context={"first_name": trekker.first_name or "Trekker"},
        user=trekker,
        channels=["inbox"],
        dedupe_key=f"demo:welcome:{trekker.pk}",
    )
    write("  demo notifications: welcome message in the trekker's inbox")
