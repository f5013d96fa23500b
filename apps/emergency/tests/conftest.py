from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from apps.emergency.tests.factories import EmergencyContactFactory
from apps.notifications.backends import push, sms
from apps.notifications.tests.factories import DeviceFactory
from apps.users.models import User


@pytest.fixture(autouse=True)
def _empty_outboxes(settings: Any) -> Iterator[None]:
    settings.OBS_OPS_EMAILS = ["ops-desk@example.com"]
    settings.OBS_OPS_PHONE = "+911140000000"
    sms.outbox.clear()
    push.outbox.clear()
    yield
    sms.outbox.clear()
    push.outbox.clear()


@dataclass
class Cast:
    trekker: User
    ops: User
    cs: User
    admin: User
    finance: User
    contacts: list[Any]


@pytest.fixture
def cast(make_user: Callable[..., User]) -> Cast:
    """A trekker with two emergency contacts; ops, cs and super admin (with phones and push devices)."""
    trekker = make_user(first_name="Priya", last_name="Sharma", phone="+919811111111")
    contacts = [
        EmergencyContactFactory(user=trekker, name="Asha", phone="+919822222222", is_primary=True),
        EmergencyContactFactory(user=trekker, name="Ravi", phone="+919833333333"),
    ]
    ops = make_user(staff_role="ops_manager", phone="+919844444444")
    cs = make_user(staff_role="cs", phone="+919855555555")
    admin = make_user(staff_role="super_admin", phone="+919866666666")
    finance = make_user(staff_role="finance", phone="+919877777777")
    for user in (ops, cs, admin, finance):
        DeviceFactory(user=user)
    return Cast(trekker=trekker, ops=ops, cs=cs, admin=admin, finance=finance, contacts=contacts)
