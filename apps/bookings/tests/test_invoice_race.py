"""Invoice numbers under load (PostgreSQL, one thread and connection per payment): 20 payments captured at the same
moment take the numbers 1 to 20 of the year's series, each once, none skipped."""

from __future__ import annotations

from functools import partial

import pytest
from django.db import connection

from apps.bookings import services
from apps.bookings.gateways import LocalGateway
from apps.bookings.models import Payment, TaxDocument, TaxDocumentCounter
from apps.bookings.services.tax_documents import next_number
from apps.bookings.tests.conftest import with_emergency_contact
from apps.common.tests.race import Race
from apps.treks.tests.factories import BatchFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

PAYMENTS = 20


def _capture(payment: Payment, payment_id: str) -> Payment:
    return services.payment_succeeded(
        payment_pk=payment.pk,
        gateway_payment_id=payment_id,
        amount_paise=payment.amount_paise,
        currency=payment.currency,
        method="upi",
    )


def test_twenty_payments_at_once_take_twenty_consecutive_numbers(race: Race, make_user):
    assert connection.vendor == "postgresql"
    batch = BatchFactory(total_seats=PAYMENTS + 5)
    gateway = LocalGateway()
    calls = []
    for _ in range(PAYMENTS):
        booking = services.booking_create(
            user=with_emergency_contact(make_user()), batch_id=batch.pk, participants=[{"name": "Trekker", "age": 30}]
        )
        payment = services.payment_order_create(booking=booking)
        signed = gateway.simulate_payment(order_id=payment.gateway_order_id)
        # each payment reported twice at once (checkout and webhook): still one invoice
        calls += [partial(_capture, payment, signed["razorpay_payment_id"])] * 2

    outcomes = race(*calls)

    assert {payment.status for payment in outcomes} == {"captured"}
    invoices = list(TaxDocument.objects.filter(kind="invoice").order_by("sequence"))
    assert len(invoices) == PAYMENTS
    assert [doc.sequence for doc in invoices] == list(range(1, PAYMENTS + 1))
    assert len({doc.number for doc in invoices}) == PAYMENTS
    assert len({doc.payment_id for doc in invoices}) == PAYMENTS
    year = invoices[0].financial_year
    assert {doc.number for doc in invoices} == {f"OBS/{year}/{n:06d}" for n in range(1, PAYMENTS + 1)}
    assert TaxDocumentCounter.objects.get(series="OBS", financial_year=year).last_number == PAYMENTS
    # issued in number order: a later number is never dated before an earlier one
    issued = [doc.issued_at for doc in invoices]
    assert issued == sorted(issued)


def test_a_number_is_taken_only_inside_the_transaction_that_records_the_money(db):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        next_number(series="OBS", year="2026-27")
    assert not TaxDocumentCounter.objects.exists()
