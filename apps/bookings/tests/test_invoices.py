"""GST tax invoices and credit notes: issued with the money, numbered per year, split by state, served as JSON and
PDF to the booker and finance only; the revenue report's GST; the flagged payment's reason in rupees."""

from __future__ import annotations

import io
import uuid
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction
from pypdf import PdfReader

from apps.bookings import services
from apps.bookings.models import TaxDocument, TaxDocumentCounter
from apps.bookings.services.tax_documents import next_number
from apps.common.audit import AuditAction
from apps.common.models import AuditLog
from apps.treks.tests.factories import BatchFactory

pytestmark = pytest.mark.django_db

IST = ZoneInfo("Asia/Kolkata")
MAHARASHTRA_GSTIN = "27AAPFU0939F1ZV"


def _invoice(booking) -> TaxDocument:
    return TaxDocument.objects.get(booking=booking, kind="invoice")


def test_a_paid_booking_gets_a_numbered_intra_state_invoice(user, book, pay):
    with time_machine.travel(datetime(2026, 11, 30, 10, tzinfo=IST), tick=False):
        booking = pay(book(user, BatchFactory(), seats=2))
    invoice = _invoice(booking)
    assert invoice.number == "OBS/2026-27/000001"
    assert invoice.payment == booking.payments.get()
    data = invoice.data
    assert data["seller"]["gstin"] == "05AAACO4321K1ZP"
    assert data["buyer"] == {
        "name": booking.trekker_name,
        "gstin": "",
        "state_code": "05",
        "state": "Uttarakhand",
        "email": booking.trekker_email,
        "phone": booking.trekker_phone,
    }
    assert data["place_of_supply"] == {"state_code": "05", "state": "Uttarakhand"}
    assert data["supply_type"] == "intra_state"
    assert data["sac"] == "998555"
    [line] = data["lines"]
    assert line["quantity"] == 2
    assert line["taxable_value"] == "25000.00"
    assert (line["cgst_rate_percent"], line["cgst"]) == ("2.50", "625.00")
    assert (line["sgst_rate_percent"], line["sgst"]) == ("2.50", "625.00")
    assert line["igst"] == "0.00"
    assert data["totals"] == {
        "taxable_value": "25000.00",
        "cgst": "625.00",
        "sgst": "625.00",
        "igst": "0.00",
        "tax": "1250.00",
        "total": "26250.00",
    }
    assert data["amount_in_words"] == "Rupees Twenty-Six Thousand Two Hundred Fifty Only"
    assert (invoice.taxable_amount, invoice.cgst_amount, invoice.igst_amount) == (
        Decimal("25000.00"),
        Decimal("625.00"),
        Decimal("0.00"),
    )
    assert invoice.total_amount == booking.amount_paid == booking.final_amount
    assert AuditLog.objects.filter(action=AuditAction.INVOICE_ISSUED, target_id=str(invoice.pk)).exists()


def test_a_registered_buyer_in_another_state_is_charged_igst(client_for, user, batch, book, pay):
    booking = book(user, batch)
    response = client_for(user).put(
        f"/api/v1/bookings/{booking.pk}/billing/",
        {"billing_name": "Acme Outdoors LLP", "billing_gstin": " 27aapfu0939f1zv ", "billing_state": ""},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "billing_name": "Acme Outdoors LLP",
        "billing_gstin": MAHARASHTRA_GSTIN,
        "billing_state": "27",
        "place_of_supply": "27",
        "supply_type": "inter_state",
    }
    invoice = _invoice(pay(booking))
    assert invoice.inter_state
    assert invoice.data["buyer"]["gstin"] == MAHARASHTRA_GSTIN
    assert invoice.data["buyer"]["name"] == "Acme Outdoors LLP"
    assert invoice.data["place_of_supply"]["state"] == "Maharashtra"
    assert (invoice.cgst_amount, invoice.sgst_amount, invoice.igst_amount) == (
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("625.00"),
    )
    assert invoice.data["lines"][0]["igst_rate_percent"] == "5.00"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"billing_gstin": "27AAPFU0939F1ZW"}, "checksum"),
        ({"billing_gstin": "27AAPFU0939F1Z"}, "format"),
        ({"billing_gstin": "99AAPFU0939F1ZV"}, "state_code"),
        ({"billing_gstin": MAHARASHTRA_GSTIN, "billing_state": "05"}, "state_mismatch"),
    ],
)
def test_a_bad_gstin_is_refused_with_the_reason(client_for, user, batch, book, body, problem):
    booking = book(user, batch)
    response = client_for(user).put(f"/api/v1/bookings/{booking.pk}/billing/", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "gstin_invalid"
    assert response.json()["error"]["details"]["problem"] == problem
    booking.refresh_from_db()
    assert booking.billing_gstin == ""


@pytest.mark.parametrize(
    "body",
    [
        {"billing_state": "99"},
        {"billing_state": 5},
        {"billing_gstin": ["27AAPFU0939F1ZV"]},
        {"billing_name": "x" * 201},
        {"billing_name": None},
        {"billing_name": "Acme\u0000"},
    ],
)
def test_billing_input_of_the_wrong_shape_is_a_400(client_for, user, batch, book, body):
    booking = book(user, batch)
    response = client_for(user).put(f"/api/v1/bookings/{booking.pk}/billing/", body, format="json")
    assert response.status_code == 400, response.content
    assert "error" in response.json()


def test_billing_is_the_bookers_or_staff_with_bookings_manage(client_for, make_user, staff_user, batch, book):
    owner = make_user()
    booking = book(owner, batch)
    url = f"/api/v1/bookings/{booking.pk}/billing/"
    body = {"billing_state": "07"}
    assert client_for(make_user()).put(url, body, format="json").status_code == 404
    assert client_for(staff_user("finance")).put(url, body, format="json").status_code == 404
    assert client_for(staff_user("finance")).get(url).status_code == 200  # bookings.view
    assert client_for(staff_user("cs")).put(url, body, format="json").status_code == 200
    assert client_for(owner).get(url).json()["place_of_supply"] == "07"
    log = AuditLog.objects.get(action=AuditAction.BOOKING_BILLING_UPDATED, target_id=str(booking.pk))
    assert log.changes == {"billing_state": ["", "07"]}


def test_a_refund_gets_a_credit_note_against_the_invoice(user, book, pay):
    with time_machine.travel(datetime(2026, 11, 30, 10, tzinfo=IST), tick=False):
        booking = pay(book(user, BatchFactory()))
        services.booking_cancel(booking=booking, actor=user)  # 30 days out: 90 % back
    booking.refresh_from_db()
    invoice = _invoice(booking)
    note = TaxDocument.objects.get(booking=booking, kind="credit_note")
    assert note.number == "OBS-CN/2026-27/000001"
    assert note.original == invoice
    assert note.refund == booking.refunds.get()
    assert note.total_amount == booking.amount_refunded == Decimal("11812.50")
    assert note.data["original_invoice"] == invoice.number
    assert note.data["totals"] == {
        "taxable_value": "11250.00",
        "cgst": "281.25",
        "sgst": "281.25",
        "igst": "0.00",
        "tax": "562.50",
        "total": "11812.50",
    }
    assert note.data["amount_in_words"] == "Rupees Eleven Thousand Eight Hundred Twelve and Fifty Paise Only"
    # what the invoices charged less what the credit notes gave back is what the booking kept
    assert invoice.total_amount - note.total_amount == booking.amount_paid - booking.amount_refunded


def test_numbers_start_again_each_financial_year(make_user, book, pay):
    numbers = []
    for moment in (datetime(2027, 3, 31, 23, 50, tzinfo=IST), datetime(2027, 4, 1, 0, 10, tzinfo=IST)):
        with time_machine.travel(moment, tick=False):
            batch = BatchFactory()
            numbers.append(_invoice(pay(book(make_user(), batch))).number)
    assert numbers == ["OBS/2026-27/000001", "OBS/2027-28/000001"]


def _fails_after_numbering() -> None:
    with transaction.atomic():
        assert next_number(series="OBS", year="2026-27") == 1
        raise IntegrityError("the payment's transaction failed")


def test_a_rolled_back_payment_gives_its_number_back():
    with pytest.raises(IntegrityError):
        _fails_after_numbering()
    with transaction.atomic():
        assert next_number(series="OBS", year="2026-27") == 1
        assert next_number(series="OBS", year="2026-27") == 2


def test_issued_documents_are_never_changed_or_deleted(user, batch, book, pay):
    invoice = _invoice(pay(book(user, batch)))
    with pytest.raises(Exception, match="never changed or deleted"), transaction.atomic():
        TaxDocument.objects.filter(pk=invoice.pk).update(total_amount=Decimal("1.00"))
    with pytest.raises(Exception, match="never changed or deleted"), transaction.atomic():
        TaxDocument.objects.filter(pk=invoice.pk).delete()


def test_the_booker_and_finance_download_json_and_pdf(client_for, make_user, staff_user, batch, book, pay):
    owner = make_user()
    booking = pay(book(owner, batch))
    services.booking_cancel(booking=booking, actor=owner)
    listing = client_for(owner).get(f"/api/v1/bookings/{booking.pk}/invoices/")
    assert listing.status_code == 200
    kinds = [(row["kind"], row["total_amount"]) for row in listing.json()]
    assert kinds == [("invoice", "13125.00"), ("credit_note", "11812.50")]
    invoice = listing.json()[0]
    assert invoice["tax_amount"] == "625.00"
    for reader in (owner, staff_user("finance"), staff_user("super_admin")):
        detail = client_for(reader).get(f"/api/v1/invoices/{invoice['id']}/")
        assert detail.status_code == 200
        assert detail.json()["data"]["number"] == invoice["number"]
        assert client_for(reader).get(invoice["pdf_url"]).status_code == 200
    for stranger in (make_user(), staff_user("ops_manager"), staff_user("cs")):
        assert client_for(stranger).get(f"/api/v1/invoices/{invoice['id']}/").status_code == 404
        assert client_for(stranger).get(invoice["pdf_url"]).status_code == 404
        assert client_for(stranger).get(f"/api/v1/bookings/{booking.pk}/invoices/").status_code == 404
    assert client_for(None).get(invoice["pdf_url"]).status_code == 401


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_invoice_pdf_opens_and_says_what_the_data_says(client_for, user, batch, book, pay):
    booking = book(user, batch, seats=3)
    services.booking_billing_update(
        actor=user,
        booking=booking,
        billing_name="Acme Outdoors LLP",
        billing_gstin=MAHARASHTRA_GSTIN,
        billing_state="27",
    )
    invoice = _invoice(pay(booking))
    response = client_for(user).get(f"/api/v1/invoices/{invoice.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number.replace("/", "-")}.pdf"'
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 1
    assert reader.metadata.title == f"Tax Invoice {invoice.number}"
    text = _pdf_text(content)
    for expected in (
        "TAX INVOICE",
        invoice.number,
        booking.reference,
        "05AAACO4321K1ZP",
        "OBS Experiences Private Limited",
        "Acme Outdoors LLP",
        MAHARASHTRA_GSTIN,
        "Place of supply: Maharashtra (27)",
        "998555",
        "IGST",
        "Rs. 37,500.00",  # taxable value
        "Rs. 1,875.00",  # IGST 5 %
        "Rs. 39,375.00",
        "Rupees Thirty-Nine Thousand Three Hundred Seventy-Five Only",
    ):
        assert expected in text, expected
    assert "CGST" not in text


def test_the_credit_note_pdf_names_the_invoice(client_for, user, batch, book, pay):
    booking = pay(book(user, batch))
    services.booking_cancel(booking=booking, actor=user)
    note = TaxDocument.objects.get(booking=booking, kind="credit_note")
    text = _pdf_text(client_for(user).get(f"/api/v1/invoices/{note.pk}/pdf/").content)
    assert "CREDIT NOTE" in text
    assert f"Against invoice: {_invoice(booking).number}" in text
    assert "CGST" in text
    assert "SGST" in text
    assert "Rs. 11,812.50" in text


def test_a_flagged_payment_says_rupees(user, batch, book):
    booking = book(user, batch)
    payment = services.payment_order_create(booking=booking)
    flagged = services.payment_succeeded(
        payment_pk=payment.pk, gateway_payment_id="pay_short", amount_paise=100, currency="INR", method="upi"
    )
    assert flagged.flagged
    assert flagged.flag_reason == "Gateway reported ₹1.00 (INR) for an order of ₹13,125.00 (INR)."
    assert not TaxDocument.objects.filter(payment=payment).exists()  # no money taken, no invoice


def test_the_revenue_report_breaks_gst_out(client_for, make_user, staff_user, batch, book, pay):
    other_state = book(make_user(), batch)
    services.booking_billing_update(
        actor=other_state.user, booking=other_state, billing_name="", billing_gstin="", billing_state="29"
    )
    pay(other_state)
    cancelled = pay(book(make_user(), batch))
    services.booking_cancel(booking=cancelled, actor=cancelled.user)
    today = TaxDocument.objects.first().issued_at.astimezone(IST).date()
    response = client_for(staff_user("finance")).get(
        "/api/v1/reports/revenue/", {"date_from": today, "date_to": today, "group_by": "trek"}
    )
    assert response.status_code == 200, response.content
    [row] = response.json()
    # IGST 625 on the Karnataka booking; CGST + SGST 625 less 562.50 credited on the cancelled one
    assert row["igst_paise"] == 62500
    assert row["cgst_paise"] == row["sgst_paise"] == 3125
    assert row["gst_paise"] == 62500 + 6250
    assert row["taxable_paise"] == 1250000 + 1250000 - 1125000


def test_part_payments_each_get_an_invoice_for_their_share(staff_user, user, batch, book):
    booking = book(user, batch)
    finance = staff_user("finance")
    for receipt, paise in (("R-1001", 500000), ("R-1002", 812500)):
        services.payment_record_offline(
            actor=finance,
            booking_id=booking.pk,
            amount_paise=paise,
            method="cash",
            receipt_reference=receipt,
            key=uuid.uuid4(),
        )
    invoices = list(TaxDocument.objects.filter(booking=booking).order_by("sequence"))
    assert [doc.sequence for doc in invoices] == [1, 2]
    assert [doc.total_amount for doc in invoices] == [Decimal("5000.00"), Decimal("8125.00")]
    assert [doc.data["payment"]["reference"] for doc in invoices] == ["R-1001", "R-1002"]
    assert [doc.taxable_amount for doc in invoices] == [Decimal("4761.90"), Decimal("7738.10")]
    assert sum(doc.total_amount for doc in invoices) == Decimal("13125.00")
    assert sum(doc.taxable_amount for doc in invoices) == Decimal("12500.00")
    assert sum(doc.tax_amount for doc in invoices) == Decimal("625.00")
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    audit_actors = AuditLog.objects.filter(action=AuditAction.INVOICE_ISSUED).values_list("actor_id", flat=True)
    assert set(audit_actors) == {finance.pk}


def test_a_number_taken_as_the_year_turns_goes_to_the_new_year(monkeypatch):
    from django.utils import timezone as django_timezone

    from apps.bookings.services import tax_documents

    clock = iter(
        [
            datetime(2027, 3, 31, 23, 59, 59, tzinfo=IST),  # the year read before the counter is locked
            datetime(2027, 4, 1, 0, 0, 1, tzinfo=IST),  # the lock came after midnight
        ]
    )
    after = datetime(2027, 4, 1, 0, 0, 2, tzinfo=IST)
    monkeypatch.setattr(django_timezone, "now", lambda: next(clock, after))
    with transaction.atomic():
        assert tax_documents._number_and_date("OBS") == (1, "2027-28", after)
    assert not TaxDocumentCounter.objects.filter(financial_year="2026-27", last_number__gt=0).exists()  # given back
    assert TaxDocumentCounter.objects.get(financial_year="2027-28").last_number == 1
