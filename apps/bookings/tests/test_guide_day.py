"""The guide's day: my departures with readiness, the roster, base check-ins and camp check-ins; authority that
changes (batch handed over, role removed, profile or account deactivated) ends access for a token already issued."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.bookings import services
from apps.bookings.models import BaseCheckIn, Booking, CampCheckIn
from apps.common.models import AuditLog
from apps.emergency.tests.factories import EmergencyContactFactory
from apps.treks.models import Batch
from apps.treks.tests.factories import BatchFactory, GuideFactory
from apps.users.models import User

API = "/api/v1"
pytestmark = pytest.mark.django_db


@pytest.fixture
def day(book: Callable[..., Booking], pay: Callable[[Booking], Booking], make_user: Callable[..., User]) -> Any:
    """A guide's departure under way: one paid two-seat booking with a declaration, one unpaid single."""
    guide = GuideFactory(user__phone="+919899999999")
    batch = BatchFactory(guide=guide, total_seats=10)
    ready = make_user(first_name="Priya", phone="+919811111111")
    EmergencyContactFactory(user=ready, name="Asha", relationship="Mother", phone="+919822222222", is_primary=True)
    paid = pay(book(ready, batch, seats=2))
    paid.participants.filter(is_lead=True).update(
        health_declaration={"asthma": True, "diabetes": False, "regular_medication": "Salbutamol", "weight": 60},
        health_declared_at=timezone.now(),
    )
    late = services.booking_create(  # no emergency contact: never paid
        user=make_user(first_name="Ravi"), batch_id=batch.pk, participants=[{"name": "Trekker 0", "age": 30}]
    )
    Booking.objects.filter(pk=late.pk).update(status="confirmed", hold_expires_at=None)  # confirmed, unpaid
    today = timezone.localdate()
    Batch.objects.filter(pk=batch.pk).update(start_date=today, end_date=today + timedelta(days=4), status="ongoing")
    batch.refresh_from_db()
    return {"guide": guide, "batch": batch, "paid": paid, "late": late}


def test_my_departures_lists_current_and_upcoming_with_seats_and_readiness(day: Any, client_for: Any) -> None:
    guide = day["guide"]
    BatchFactory(guide=guide, start_date=timezone.localdate() + timedelta(days=40))  # upcoming
    BatchFactory(  # over
        guide=guide, start_date=timezone.localdate() - timedelta(days=20), end_date=timezone.localdate() - timedelta(1)
    )
    BatchFactory(guide=GuideFactory())  # someone else's
    response = client_for(guide.user).get(f"{API}/guides/me/departures/")
    assert response.status_code == 200, response.content
    rows = response.json()
    assert len(rows) == 2
    current = rows[0]
    assert current["id"] == str(day["batch"].pk)
    assert current["current"] is True
    assert rows[1]["current"] is False
    assert (current["total_seats"], current["seats_taken"], current["seats_left"]) == (10, 3, 7)
    assert current["readiness"] == {
        "bookings": 2,
        "participants": 3,
        "documents_complete": 0,  # waiver, ID and fitness proof missing on both
        "contact_present": 1,  # Priya has a contact on file; Ravi none
        "paid": 1,
    }


def test_the_roster_shows_documents_guide_health_flags_current_contact_and_phone(day: Any, client_for: Any) -> None:
    response = client_for(day["guide"].user).get(f"{API}/batches/{day['batch'].pk}/roster/")
    assert response.status_code == 200, response.content
    rows = response.json()
    assert [row["name"] for row in rows] == ["Trekker 0", "Trekker 1", "Trekker 0"]
    lead = rows[0]
    assert lead["is_lead"]
    assert lead["paid"]
    assert lead["base_check_in"] is None
    assert lead["health_flags"] == ["asthma", "regular_medication"]  # only what the guide needs, only "yes"
    assert "weight" not in str(lead)
    assert lead["emergency_contact"] == {"name": "Asha", "relation": "Mother", "phone": "+919822222222"}
    assert set(lead["missing_documents"]) == {"waiver", "id_document", "fitness_proof"}
    # the contact is read when asked: a changed primary shows at once
    EmergencyContactFactory(user=day["paid"].user, name="Dev", phone="+919833333333", is_primary=False)
    day["paid"].user.emergency_contacts.filter(name="Asha").delete()
    again = client_for(day["guide"].user).get(f"{API}/batches/{day['batch'].pk}/roster/").json()
    assert again[0]["emergency_contact"]["name"] == "Dev"
    assert rows[2]["emergency_contact"] is None
    assert rows[2]["paid"] is False


def test_base_check_in_is_marked_changed_audited_and_seen_by_ops(
    day: Any, client_for: Any, make_user: Callable[..., User]
) -> None:
    guide = client_for(day["guide"].user)
    participant = day["paid"].participants.get(position=0)
    url = f"{API}/batches/{day['batch'].pk}/roster/{participant.pk}/check-in/"
    assert guide.post(url, {"status": "no_show"}, format="json").status_code == 200
    marked = guide.post(url, {"status": "late", "note": "Bus delayed"}, format="json")
    assert marked.status_code == 200, marked.content
    assert marked.json()["status"] == "late"
    assert BaseCheckIn.objects.get(participant=participant).status == "late"
    trail = AuditLog.objects.filter(action="participant.checked_in", target_id=str(participant.pk)).order_by("id")
    assert [row.changes["status"] for row in trail] == [[None, "no_show"], ["no_show", "late"]]
    assert all(row.actor_id == day["guide"].user_id for row in trail)
    ops = client_for(make_user(staff_role="ops_manager"))
    roster = ops.get(f"{API}/batches/{day['batch'].pk}/roster/").json()
    assert roster[0]["base_check_in"]["status"] == "late"
    assert roster[0]["base_check_in"]["note"] == "Bus delayed"
    assert guide.post(url, {"status": "asleep"}, format="json").status_code == 400
    other = BatchFactory(guide=GuideFactory())
    stranger = f"{API}/batches/{other.pk}/roster/{participant.pk}/check-in/"
    assert client_for(other.guide.user).post(stranger, {"status": "present"}, format="json").status_code == 404
    elsewhere = client_for(other.guide.user).post(url, {"status": "present"}, format="json")
    assert elsewhere.status_code == 403
    finance = client_for(make_user(staff_role="finance"))  # no bookings.manage
    assert finance.post(url, {"status": "present"}, format="json").status_code == 403


def test_camp_check_in_posted_by_the_guide_with_a_location(day: Any, client_for: Any) -> None:
    guide = client_for(day["guide"].user)
    url = f"{API}/batches/{day['batch'].pk}/camp-check-ins/"
    posted = guide.post(url, {"camp": "Juda ka Talab", "latitude": 30.9951234567, "longitude": 78.0}, format="json")
    assert posted.status_code == 201, posted.content
    assert posted.json()["latitude"] == "30.995123"
    assert posted.json()["day"] == str(timezone.localdate())
    assert guide.post(url, {"camp": "Kedarkantha base", "latitude": 30.1}, format="json").status_code == 400
    assert guide.post(url, {"camp": ""}, format="json").status_code == 400
    assert [row["camp"] for row in guide.get(url).json()] == ["Juda ka Talab"]
    assert AuditLog.objects.filter(action="batch.camp_reached", target_id=str(day["batch"].pk)).count() == 1


def _guide_status(client: Any, day: Any) -> dict[str, int]:
    batch = day["batch"]
    participant = day["paid"].participants.get(position=0)
    listed = client.get(f"{API}/guides/me/departures/")
    return {
        "departures": listed.status_code,
        "listed": int(listed.status_code == 200 and str(batch.pk) in {row["id"] for row in listed.json()}),
        "roster": client.get(f"{API}/batches/{batch.pk}/roster/").status_code,
        "check-in": client.post(
            f"{API}/batches/{batch.pk}/roster/{participant.pk}/check-in/", {"status": "present"}, format="json"
        ).status_code,
        "camp": client.post(f"{API}/batches/{batch.pk}/camp-check-ins/", {"camp": "Base"}, format="json").status_code,
    }


ALLOWED = {"departures": 200, "listed": 1, "roster": 200, "check-in": 200, "camp": 201}


def _hand_over(day: Any) -> None:
    Batch.objects.filter(pk=day["batch"].pk).update(guide=GuideFactory())


def _remove_role(day: Any) -> None:
    User.objects.filter(pk=day["guide"].user_id).update(staff_role=None)


def _deactivate_profile(day: Any) -> None:
    type(day["guide"]).objects.filter(pk=day["guide"].pk).update(is_active=False)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_hand_over, {"departures": 200, "listed": 0, "roster": 403, "check-in": 403, "camp": 403}),
        (_remove_role, {"departures": 403, "listed": 0, "roster": 403, "check-in": 403, "camp": 403}),
        (_deactivate_profile, {"departures": 403, "listed": 0, "roster": 403, "check-in": 403, "camp": 403}),
    ],
)
def test_authority_that_changes_ends_access_for_the_token_already_issued(
    day: Any, client_for: Any, change: Callable[[Any], None], expected: dict[str, int]
) -> None:
    client = client_for(day["guide"].user)  # the token is issued before the change
    assert _guide_status(client, day) == ALLOWED
    BaseCheckIn.objects.all().delete()
    CampCheckIn.objects.all().delete()
    change(day)
    assert client.get(f"{API}/users/me/").status_code == 200  # the token itself is still good
    assert _guide_status(client, day) == expected
    assert not BaseCheckIn.objects.exists()
    assert not CampCheckIn.objects.exists()


def test_a_deactivated_account_is_refused_outright(day: Any, client_for: Any) -> None:
    client = client_for(day["guide"].user)
    User.objects.filter(pk=day["guide"].user_id).update(is_active=False)
    assert client.get(f"{API}/guides/me/departures/").status_code == 401
    assert client.get(f"{API}/batches/{day['batch'].pk}/roster/").status_code == 401


def test_people_who_lead_nothing_get_403_and_trekkers_no_roster(day: Any, client_for: Any) -> None:
    trekker = client_for(day["paid"].user)
    assert trekker.get(f"{API}/guides/me/departures/").status_code == 403
    assert trekker.get(f"{API}/batches/{day['batch'].pk}/roster/").status_code == 403
    assert client_for(None).get(f"{API}/guides/me/departures/").status_code == 401
