"""Trek credit given instead of a refund reduces the booking's invoices by a GST credit note, so GST is counted
once when the credit pays another booking: for the paid value the credit replaces, never the bonus above it."""

from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from pypdf import PdfReader

from apps.bookings import services
from apps.bookings.models import Booking, CreditTransaction, Payment, Refund, TaxDocument
from apps.bookings.services.common import _lock_booking, refund_create
from apps.common.audit import AuditAction
from apps.common.models import AuditLog
from apps.treks.tests.factories import BatchFactory

pytestmark = pytest.mark.django_db

IST = ZoneInfo("Asia/Kolkata")
ZERO = Decimal("0.00")
NOON = datetime(2026, 11, 30, 12, tzinfo=IST)


def _batch(days: int = 60, price: str = "10000.00") -> Any:
    return BatchFactory(start_date=timezone.localdate() + timedelta(days=days), price=Decimal(price))


def _total(booking: Booking, kind: str, field: str = "total_amount") -> Decimal:
    return TaxDocument.objects.filter(booking=booking, kind=kind).aggregate(t=Sum(field))["t"] or ZERO


def _assert_documents_match_the_money(booking: Booking) -> None:
    """Invoices - credit notes = paid - refunded - credit issued (capped at what was left paid), to the paisa."""
    booking.refresh_from_db()
    kept = booking.amount_paid - booking.amount_refunded
    expected = kept - min(booking.amount_credited, kept)
    assert _total(booking, "invoice") - _total(booking, "credit_note") == expected
    for tax in ("taxable_amount", "cgst_amount", "sgst_amount", "igst_amount"):
        assert _total(booking, "invoice", tax) - _total(booking, "credit_note", tax) >= 0


def test_credit_that_pays_a_new_booking_is_taxed_once(client_for, staff_user, user, book, pay):
    with time_machine.travel(NOON, tick=False):
        first = pay(book(user, _batch()))  # 10,000 + 5 % GST
        assert first.amount_paid == Decimal("10500.00")
        services.booking_cancel(booking=first, actor=user, settle="credit")  # 60 days out: 100 % as credit
        first.refresh_from_db()
        assert first.amount_credited == Decimal("10500.00")
        second = book(user, _batch(days=90))
        services.credit_redeem(user=user, booking_id=second.pk, amount=None, key=uuid.uuid4())
        second.refresh_from_db()
        assert (second.status, second.balance_due) == ("confirmed", ZERO)
    [note] = TaxDocument.objects.filter(booking=first, kind="credit_note")
    assert note.credit_grant == CreditTransaction.objects.get(booking=first, reason="cancellation")
    assert note.refund is None
    assert note.original == TaxDocument.objects.get(booking=first, kind="invoice")
    assert (note.total_amount, note.taxable_amount, note.tax_amount) == (
        Decimal("10500.00"),
        Decimal("10000.00"),
        Decimal("500.00"),
    )
    assert note.number.startswith("OBS-CN/2026-27/")  # the credit-note series, like a refund's
    assert TaxDocument.objects.get(booking=second, kind="invoice").tax_amount == Decimal("500.00")
    response = client_for(staff_user("finance")).get(
        "/api/v1/reports/revenue/", {"date_from": "2026-11-30", "date_to": "2026-11-30", "group_by": "month"}
    )
    assert response.status_code == 200, response.content
    [row] = response.json()
    # two invoices of 500 GST each, less the 500 the credit note took back: GST once
    assert (row["gst_paise"], row["cgst_paise"], row["sgst_paise"], row["igst_paise"]) == (50000, 25000, 25000, 0)
    assert row["taxable_paise"] == 1000000
    _assert_documents_match_the_money(first)
    _assert_documents_match_the_money(second)


def test_a_cancellation_at_a_lower_rate_credit_notes_only_the_credit(user, book, pay):
    booking = pay(book(user, _batch(days=25, price="12500.00")))  # 50 % refund, 70 % as credit
    services.booking_cancel(booking=booking, actor=user, settle="credit")
    note = TaxDocument.objects.get(booking=booking, kind="credit_note")
    assert note.total_amount == Decimal("9187.50")
    assert (note.taxable_amount, note.cgst_amount, note.sgst_amount) == (
        Decimal("8750.00"),
        Decimal("218.75"),
        Decimal("218.75"),
    )
    _assert_documents_match_the_money(booking)  # 3,937.50 kept stays invoiced


def test_the_bonus_of_a_cancelled_departure_is_not_credit_noted(client_for, user, staff_user, book, pay):
    batch = _batch(days=10, price="12500.00")
    booking = pay(book(user, batch))
    job = services.batch_bulk_cancel_start(actor=staff_user("ops_manager"), batch=batch, reason="Landslide")
    services.batch_bulk_cancel_run(job_id=job.pk)
    assert not TaxDocument.objects.filter(booking=booking, kind="credit_note").exists()  # nothing chosen yet
    chosen = client_for(user).post(f"/api/v1/bookings/{booking.pk}/credit-offer/", {"choice": "credit"}, format="json")
    assert chosen.status_code == 200, chosen.content
    booking.refresh_from_db()
    assert booking.amount_credited == Decimal("14437.50")  # 110 %
    note = TaxDocument.objects.get(booking=booking, kind="credit_note")
    assert note.total_amount == booking.amount_paid == Decimal("13125.00")  # capped at what was paid
    assert note.data["trek_credit"]["reason"] == "Taken when the departure was cancelled"
    assert (note.data["trek_credit"]["credit_amount"], note.data["trek_credit"]["amount"]) == ("14437.50", "13125.00")
    _assert_documents_match_the_money(booking)


def test_credit_after_a_part_refund_is_capped_at_what_is_left(user, book, pay):
    booking = pay(book(user, _batch()))  # 10,500.00
    with transaction.atomic():
        locked = _lock_booking(booking.pk)
        refund_create(booking=locked, amount=Decimal("3000.00"), reason=Refund.Reason.CANCELLATION)
        services.credit_issue(
            booking=locked,
            amount=Decimal("9000.00"),  # more than the 7,500.00 left paid: 1,500.00 of it a bonus
            reason=CreditTransaction.Reason.CANCELLATION,
            actor=None,
            idempotency_key=f"test:{booking.pk}",
        )
    note = TaxDocument.objects.get(booking=booking, credit_grant__isnull=False)
    assert note.total_amount == Decimal("7500.00")
    _assert_documents_match_the_money(booking)
    assert _total(booking, "invoice") == _total(booking, "credit_note")  # nothing left billed


def test_part_payments_are_credit_noted_across_their_invoices(staff_user, user, book):
    booking = book(user, _batch(days=60, price="12500.00"))
    finance = staff_user("finance")
    for receipt, paise in (("R-1", 500000), ("R-2", 812500)):
        services.payment_record_offline(
            actor=finance,
            booking_id=booking.pk,
            amount_paise=paise,
            method="cash",
            receipt_reference=receipt,
            key=uuid.uuid4(),
        )
    booking.refresh_from_db()
    with transaction.atomic():
        locked = _lock_booking(booking.pk)
        refund_create(booking=locked, amount=Decimal("1000.00"), reason=Refund.Reason.CANCELLATION)
    services.booking_cancel(booking=booking, actor=user, settle="credit")  # 100 % of the 12,125.00 left
    invoices = list(TaxDocument.objects.filter(booking=booking, kind="invoice").order_by("sequence"))
    note = TaxDocument.objects.get(booking=booking, credit_grant__isnull=False)
    assert note.total_amount == Decimal("12125.00")
    # the refund took 1,000 off the newer invoice; the credit note takes the rest of both
    assert note.data["original_invoices"] == [
        {"number": invoices[0].number, "amount": "5000.00"},
        {"number": invoices[1].number, "amount": "7125.00"},
    ]
    assert note.original == invoices[1]
    [line] = note.data["lines"]  # the same package line of both invoices, as one
    assert Decimal(line["total"]) == note.total_amount
    _assert_documents_match_the_money(booking)
    assert _total(booking, "invoice", "taxable_amount") == _total(booking, "credit_note", "taxable_amount")
    assert _total(booking, "invoice", "cgst_amount") == _total(booking, "credit_note", "cgst_amount")


def test_the_note_says_trek_credit_in_json_and_pdf_and_is_issued_once(client_for, user, book, pay):
    booking = pay(book(user, _batch(price="12500.00")))
    services.booking_cancel(booking=booking, actor=user, settle="credit")
    note = TaxDocument.objects.get(booking=booking, kind="credit_note")
    owner = client_for(user)
    body = owner.get(f"/api/v1/invoices/{note.pk}/").json()
    assert body["credit_grant"] == str(note.credit_grant_id)
    assert body["refund"] is None
    assert body["data"]["trek_credit"]["note"] == (
        "Issued for trek credit of ₹13,125.00 given instead of a refund (taken instead of a cancellation refund): "
        "the booking's value is reduced by ₹13,125.00."
    )
    pdf = owner.get(f"/api/v1/invoices/{note.pk}/pdf/").content
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "CREDIT NOTE" in text
    assert "Issued for trek credit of Rs. 13,125.00" in text
    audit = AuditLog.objects.get(action=AuditAction.CREDIT_NOTE_ISSUED, target_id=str(note.pk))
    assert audit.actor == user
    with transaction.atomic():  # the same grant again: the first line, no second note
        locked = _lock_booking(booking.pk)
        services.credit_issue(
            booking=locked,
            amount=note.credit_grant.amount,
            reason=CreditTransaction.Reason.CANCELLATION,
            actor=user,
            idempotency_key=f"cancellation:{booking.pk}",
        )
    assert TaxDocument.objects.filter(booking=booking, kind="credit_note").count() == 1


def test_a_credit_note_has_exactly_one_of_refund_and_credit_grant(user, book, pay):
    booking = pay(book(user, _batch()))
    services.booking_cancel(booking=booking, actor=user, settle="credit")
    note = TaxDocument.objects.get(booking=booking, kind="credit_note")
    refund = Refund.objects.create(
        booking=booking, payment=Payment.objects.get(booking=booking), amount_paise=100, reason="cancellation"
    )
    skip = {"id", "created_at", "updated_at", "number", "sequence"}
    fields = {f.attname: getattr(note, f.attname) for f in TaxDocument._meta.concrete_fields if f.name not in skip}
    for sequence, change in enumerate(({"credit_grant_id": None}, {"refund_id": refund.pk}), start=900):
        with pytest.raises(IntegrityError), transaction.atomic():
            TaxDocument.objects.create(**{**fields, **change, "number": f"T/{sequence}", "sequence": sequence})
