"""Demo trek credit: credit taken on a cancellation, part of a later trek paid with it, a departure's open choice."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from apps.bookings.models import Booking, CreditOffer, CreditTransaction, TaxDocument
from apps.demo.credit import DEMO_CREDIT_EMAIL
from apps.users.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_shows_trek_credit_once():
    call_command("seed_demo", stdout=StringIO())
    trekker = User.objects.get(email=DEMO_CREDIT_EMAIL)
    reasons = sorted(CreditTransaction.objects.filter(user=trekker).values_list("reason", flat=True))
    assert reasons == ["cancellation", "redemption"]
    issued = Booking.objects.filter(user=trekker).aggregate(t=Sum("amount_credited"))["t"]
    balance = CreditTransaction.objects.filter(user=trekker).aggregate(t=Sum("amount"))["t"]
    assert 0 < balance < issued
    partly = Booking.objects.get(user=trekker, status="pending")
    assert 0 < partly.amount_paid < partly.final_amount
    assert CreditOffer.objects.get(booking__user=trekker).choice == "pending"
    count = CreditTransaction.objects.count()
    call_command("seed_demo", stdout=StringIO())
    assert CreditTransaction.objects.count() == count


def test_seed_demo_credit_notes_the_credit_taken_on_a_cancellation():
    call_command("seed_demo", stdout=StringIO())
    grant = CreditTransaction.objects.get(user__email=DEMO_CREDIT_EMAIL, reason="cancellation")
    note = TaxDocument.objects.get(credit_grant=grant)
    cancelled = grant.booking
    assert note.original == TaxDocument.objects.get(booking=cancelled, kind="invoice")
    assert note.total_amount == min(grant.amount, cancelled.amount_paid)
    assert note.data["trek_credit"]["amount"] == str(note.total_amount)
