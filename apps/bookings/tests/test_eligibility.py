"""Who may come: a trek's age range and least experience, at booking and on the waitlist; an emergency contact
before paying; the manifest's current contact beside the booking-time one."""

from __future__ import annotations

import pytest

from apps.bookings import services
from apps.bookings.errors import NotEligible
from apps.bookings.models import Booking, BookingParticipant
from apps.bookings.services.eligibility import eligibility_check
from apps.treks.models import EXPERIENCE_LEVELS, Batch, Trek
from apps.treks.tests.factories import BatchFactory
from apps.users.models import EmergencyContact, User

API = "/api/v1"
pytestmark = pytest.mark.django_db


def _kedarkantha(**rules: object) -> Trek:
    return Trek(name="Kedarkantha", min_age=rules.get("min_age"), max_age=rules.get("max_age"),
                min_experience_level=rules.get("min_experience_level", "never"))  # fmt: skip


def test_the_levels_are_the_trekker_profiles_in_order() -> None:
    assert list(User.ExperienceLevel.choices) == EXPERIENCE_LEVELS


def test_eligibility_check_names_every_rule_broken() -> None:
    trek = _kedarkantha(min_age=10, max_age=60, min_experience_level="beginner")
    eligibility_check(trek, [{"name": "Asha", "age": 10, "experience_level": "beginner"}])  # the edges pass
    eligibility_check(trek, [{"name": "Asha", "age": 60, "experience_level": "expert"}])
    with pytest.raises(NotEligible) as refused:
        eligibility_check(
            trek,
            [
                {"name": "Asha", "age": 30, "experience_level": "intermediate"},
                {"name": "Mini", "age": 3},  # no level given: never trekked
                {"name": "Dadaji", "age": 61, "experience_level": "expert"},
            ],
        )
    details = refused.value.details or {}
    assert details["rules"] == {"min_age": 10, "max_age": 60, "min_experience_level": "beginner"}
    assert [(v["position"], v["rule"], v["value"], v["limit"]) for v in details["violations"]] == [
        (1, "min_age", 3, 10),
        (1, "min_experience_level", "never", "beginner"),
        (2, "max_age", 61, 60),
    ]
    assert "Mini is 3; Kedarkantha takes trekkers aged 10 or more." in details["violations"][0]["explanation"]
    # participant rows (a booking's, as the changes to participants pass them) are checked the same way
    with pytest.raises(NotEligible):
        eligibility_check(trek, [BookingParticipant(name="Mini", age=3, experience_level="beginner")])
    eligibility_check(_kedarkantha(), [{"name": "Baby", "age": 1}])  # no rules: anyone


def test_a_three_year_old_is_refused_with_the_rule_and_no_seat_is_taken(client_for, user) -> None:
    batch = BatchFactory(total_seats=10, trek__min_age=8)
    body = {"batch": str(batch.pk), "participants": [{"name": "Asha", "age": 34}, {"name": "Mini", "age": 3}]}
    response = client_for(user).post(f"{API}/bookings/", body, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "not_eligible"
    assert error["details"]["rules"]["min_age"] == 8
    assert error["details"]["violations"][0]["name"] == "Mini"
    assert not Booking.objects.exists()
    batch.refresh_from_db()
    assert batch.seats_taken == 0


def test_the_leads_experience_comes_from_the_profile_unless_given(client_for, make_user) -> None:
    batch = BatchFactory(total_seats=10, trek__min_experience_level="beginner")
    novice = make_user(experience_level="never")
    body = {"batch": str(batch.pk), "participants": [{"name": "Ravi", "age": 30}]}
    refused = client_for(novice).post(f"{API}/bookings/", body, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["details"]["violations"][0]["rule"] == "min_experience_level"
    body["participants"][0]["experience_level"] = "beginner"
    assert client_for(novice).post(f"{API}/bookings/", body, format="json").status_code == 201
    seasoned = make_user(experience_level="expert")
    body = {"batch": str(batch.pk), "participants": [{"name": "Kiran", "age": 40}]}
    made = client_for(seasoned).post(f"{API}/bookings/", body, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["participants"][0]["experience_level"] == "expert"
    wrong = {"batch": str(batch.pk), "participants": [{"name": "X", "age": 30, "experience_level": "legend"}]}
    assert client_for(make_user()).post(f"{API}/bookings/", wrong, format="json").status_code == 400


def test_the_waitlist_checks_the_same_rules(client_for, user) -> None:
    batch = BatchFactory(total_seats=1, trek__max_age=55)
    Batch.objects.filter(pk=batch.pk).update(seats_taken=1, status="full")
    body = {"participants": [{"name": "Dadaji", "age": 70}]}
    response = client_for(user).post(f"{API}/batches/{batch.pk}/waitlist/", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "not_eligible"


def test_no_payment_without_an_emergency_contact(client_for, make_user, batch) -> None:
    trekker = make_user()
    booking = services.booking_create(user=trekker, batch_id=batch.pk, participants=[{"name": "A", "age": 30}])
    response = client_for(trekker).post(f"{API}/bookings/{booking.pk}/payments/")
    assert response.status_code == 409, response.content
    assert response.json()["error"]["code"] == "emergency_contact_required"
    # added afterwards, on the profile: the booking can be paid (and so confirmed)
    EmergencyContact.objects.create(user=trekker, name="Ravi", relationship="father", phone="+919833333333")
    assert client_for(trekker).post(f"{API}/bookings/{booking.pk}/payments/").status_code == 201


def test_the_manifest_shows_the_current_contact_and_keeps_the_booking_time_one(
    client_for, make_user, staff_user, batch, book, pay
) -> None:
    trekker = make_user()
    first = EmergencyContact.objects.create(
        user=trekker, name="Ravi", relationship="father", phone="+919833333333", is_primary=True
    )
    booking = pay(book(trekker, batch))
    first.delete()
    EmergencyContact.objects.create(user=trekker, name="Meera", relationship="sister", phone="+919844444444")
    rows = client_for(staff_user("ops_manager")).get(f"{API}/batches/{batch.pk}/manifest/").json()
    assert (rows[0]["emergency_contact_name"], rows[0]["emergency_contact_phone"]) == ("Meera", "+919844444444")
    assert (rows[0]["booking_emergency_contact_name"], rows[0]["booking_emergency_contact_relation"]) == (
        "Ravi",
        "father",
    )
    booking.refresh_from_db()
    assert booking.emergency_contact_name == "Ravi"  # the record is never rewritten
