"""Demo add-ons: the catalog on every active trek and an add-on bought after booking, loaded once."""

from io import StringIO

import pytest
from django.core.management import call_command

from apps.bookings.models import AddOn, BookingAddOn
from apps.demo.addons import DEMO_ADD_ONS
from apps.treks.models import Trek
from apps.users.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_the_add_on_catalog_and_an_add_on_paid_after_booking_once():
    call_command("seed_demo", stdout=StringIO())
    active = Trek.objects.filter(status=Trek.Status.ACTIVE).count()
    assert active > 0
    assert AddOn.objects.count() == active * len(DEMO_ADD_ONS)
    assert set(AddOn.objects.values_list("kind", flat=True)) == {"offloading", "rental", "transport", "insurance"}
    trekker = User.objects.get(email="trekker@demo.obsexperiences.in")
    line = BookingAddOn.objects.select_related("booking").get(booking__user=trekker)
    assert line.name == "Backpack offloading"
    booking = line.booking
    assert booking.status == "confirmed"
    assert booking.add_ons_amount == line.total == line.amount + line.tax_amount
    assert booking.amount_paid == booking.final_amount  # the balance the add-on left was paid
    call_command("seed_demo", stdout=StringIO())
    assert AddOn.objects.count() == active * len(DEMO_ADD_ONS)
    assert BookingAddOn.objects.count() == 1
