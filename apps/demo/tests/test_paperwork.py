"""Demo eligibility and paperwork: every trek has an age range, Kedarkantha refuses a three-year-old, the demo
trekker's checklists are part done with photo IDs waiting for review, loaded once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from apps.bookings.errors import NotEligible
from apps.bookings.models import Booking, BookingDocument
from apps.bookings.services.eligibility import eligibility_check
from apps.treks.models import Trek
from apps.users.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_sets_eligibility_and_part_done_paperwork_once():
    call_command("seed_demo", stdout=StringIO())
    assert not Trek.objects.filter(min_age__isnull=True).exists()
    kedarkantha = Trek.objects.get(slug="kedarkantha")
    with pytest.raises(NotEligible):
        eligibility_check(kedarkantha, [{"name": "Mini", "age": 3}])
    assert Trek.objects.get(slug="roopkund").min_experience_level == "beginner"

    trekker = User.objects.get(email="trekker@demo.obsexperiences.in")
    documents = BookingDocument.objects.filter(booking__user=trekker)
    assert documents.exists()
    assert set(documents.values_list("kind", "status")) == {("id_document", "pending")}
    assert all(document.participant is not None and document.participant.is_lead for document in documents)
    booking = Booking.objects.filter(user=trekker, status="pending").prefetch_related("participants", "documents").get()
    lead, friend = booking.participants.all()
    assert lead.health_declared_at is not None
    assert lead.waiver_accepted_at is not None
    assert friend.health_declared_at is None
    assert booking.missing_documents == ["health_declaration", "waiver", "id_document", "fitness_proof"]  # the friend

    count = documents.count()
    call_command("seed_demo", stdout=StringIO())
    assert BookingDocument.objects.filter(booking__user=trekker).count() == count
