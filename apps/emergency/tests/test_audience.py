"""Who an incident alerts, read in one statement, is what the selectors it stands for read one by one."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.emergency.models import Incident
from apps.emergency.selectors import Audience, audience, audience_by_orm, incident_by_key
from apps.emergency.tests.factories import EmergencyContactFactory, IncidentFactory
from apps.emergency.tests.test_guide_reports import confirmed_booking
from apps.notifications.tests.factories import DeviceFactory
from apps.treks.tests.factories import BatchFactory, GuideFactory
from apps.users.models import User


def _values(obj: Any) -> list[Any]:
    return [getattr(obj, field.attname) for field in obj._meta.concrete_fields] if obj is not None else []


def _devices(user: User) -> list[Any]:
    return [_values(device) for device in user._prefetched_objects_cache["devices"]]  # type: ignore[attr-defined]


def _shape(found: Audience) -> dict[str, Any]:
    batch = found.batch
    guide = batch.guide if batch is not None else None
    return {
        "batch": _values(batch),
        "trek": [batch.trek.pk, batch.trek.name, batch.trek.slug] if batch is not None else None,
        "guide": _values(guide),
        "guide_user": _values(guide.user) if guide is not None else None,
        "guide_devices": _devices(guide.user) if guide is not None else None,
        "contacts": [_values(contact) for contact in found.contacts],
        "responders": sorted((_values(user), _devices(user)) for user in found.responders),
    }


def _read(trekker: User) -> Audience:
    with CaptureQueriesContext(connection) as queries:
        found = audience(trekker, today=timezone.localdate())
    assert len(queries.captured_queries) == 1
    return found


def test_no_batch_no_contacts(make_user: Callable[..., User]) -> None:
    trekker = make_user()
    found = _read(trekker)
    assert (found.batch, found.contacts) == (None, [])
    assert _shape(found) == _shape(audience_by_orm(trekker, today=timezone.localdate()))


@pytest.mark.parametrize("guide_active", [True, False])
def test_the_one_statement_reads_what_the_selectors_read(make_user: Callable[..., User], guide_active: bool) -> None:
    trekker = make_user(phone="+919811111111")
    EmergencyContactFactory(user=trekker, phone="+919822200001")
    EmergencyContactFactory(user=trekker, phone="+919822200002", is_primary=True)
    EmergencyContactFactory(user=make_user(), phone="+919822200003")  # someone else's
    now = timezone.now()
    for index, role in enumerate(["ops_manager", "cs", "super_admin", "finance", "ops_manager"]):
        staff = make_user(staff_role=role, phone=f"+9198444{index:05d}", is_active=index != 4)
        for age in range(index % 3):
            DeviceFactory(user=staff, last_seen_at=now - timedelta(hours=age))
    guide = GuideFactory(user__phone="+919899999999", is_active=guide_active)
    DeviceFactory(user=guide.user, last_seen_at=now - timedelta(days=1))
    DeviceFactory(user=guide.user, last_seen_at=now)
    today = timezone.localdate()
    later = BatchFactory(start_date=today + timedelta(days=60), end_date=today + timedelta(days=65))
    sooner = BatchFactory(guide=guide, start_date=today + timedelta(days=20), end_date=today + timedelta(days=25))
    confirmed_booking(trekker, later)
    confirmed_booking(trekker, sooner)

    found = _read(trekker)
    assert found.batch is not None
    assert found.batch.pk == sooner.pk
    assert [contact.phone for contact in found.contacts] == ["+919822200002", "+919822200001"]
    assert len(found.responders) == 3
    assert _shape(found) == _shape(audience_by_orm(trekker, today=today))


@pytest.mark.parametrize("with_batch", [True, False])
def test_the_key_look_up_reads_the_incident_the_orm_reads(db: None, with_batch: bool) -> None:
    key = uuid.uuid4()
    made = IncidentFactory(client_key=key, payload_hash="f" * 64, battery_pct=41, accuracy_m=12.5, message="fell")
    if not with_batch:
        Incident.objects.filter(pk=made.pk).update(batch=None)
    IncidentFactory(trekker=made.trekker, client_key=uuid.uuid4())  # another key of the same trekker
    IncidentFactory(client_key=key)  # the same key, another trekker
    with CaptureQueriesContext(connection) as queries:
        found = incident_by_key(made.trekker, key)
        assert incident_by_key(made.trekker, uuid.uuid4()) is None
    assert len(queries.captured_queries) == 2
    expected = Incident.objects.select_related("batch__trek").get(pk=made.pk)
    assert found is not None
    assert _values(found) == _values(expected)
    assert _values(found.batch) == _values(expected.batch)
    if with_batch:
        assert [found.batch.trek.pk, found.batch.trek.name, found.batch.trek.slug] == [
            expected.batch.trek.pk,
            expected.batch.trek.name,
            expected.batch.trek.slug,
        ]
