"""Issuing GST tax documents: a tax invoice for each captured payment, a credit note for each refund.

Both are issued inside the transaction that records the money (``payment_succeeded``, ``refund_create``), so a
document exists exactly when its payment or refund does, and its number is taken from the counter row of its
series and financial year locked in that transaction: numbers have no gaps and no doubles whatever runs at once.

What a booking is billed for comes from one function, :func:`booking_invoice_lines`; a payment's invoice is those
lines scaled to the payment (a deposit, a balance, a part payment), a refund's credit note the lines of the
invoice it reduces scaled to the refund. Tax is split CGST + SGST when the place of supply is the company's state
(``OBS_COMPANY_STATE``), IGST otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.bookings.gst import STATE_CODES, amount_in_words, financial_year
from apps.bookings.models import Booking, Payment, Refund, TaxDocument, TaxDocumentCounter, TaxDocumentKind
from apps.bookings.pricing import PAISA, from_paise, to_paisa
from apps.bookings.selectors import booking_add_on_lines
from apps.common.audit import AuditAction, audit
from apps.users.models import User

K = TaxDocumentKind


@dataclass(frozen=True)
class InvoiceLine:
    """One thing billed: ``taxable_value`` = quantity x unit price - discount; ``tax`` at ``gst_rate`` (0.05)."""

    description: str
    quantity: int
    unit_price: Decimal
    discount: Decimal
    taxable_value: Decimal
    gst_rate: Decimal
    tax: Decimal
    sac: str = ""

    @property
    def total(self) -> Decimal:
        return self.taxable_value + self.tax


def add_on_line(*, name: str, quantity: int, unit_price: Decimal, gst_rate: Decimal) -> InvoiceLine:
    """The invoice line of an add-on (backpack offloading, rental gear ...): quantity x unit price before tax."""
    taxable = to_paisa(unit_price * quantity)
    return InvoiceLine(
        description=name,
        quantity=quantity,
        unit_price=unit_price,
        discount=Decimal("0.00"),
        taxable_value=taxable,
        gst_rate=gst_rate,
        tax=to_paisa(taxable * gst_rate),
    )


def booking_invoice_lines(booking: Booking) -> list[InvoiceLine]:
    """What the booking is billed for, each line with its own GST rate: the trek package for its seats, after the
    loyalty and coupon discounts; then the add-ons as they were priced when taken, and the change fees (transfers,
    cancellation charges kept) with the GST they include."""
    batch = booking.batch
    discount = booking.tier_discount + booking.coupon_discount
    taxable = booking.base_amount - discount
    package = InvoiceLine(
        description=(
            f"{batch.trek.name} trek package, departure {batch.start_date:%d %b %Y} to {batch.end_date:%d %b %Y} "
            f"(booking {booking.reference})"
        ),
        quantity=booking.seats,
        unit_price=booking.unit_price,
        discount=discount,
        taxable_value=taxable,
        gst_rate=booking.tax_rate,
        tax=to_paisa(taxable * booking.tax_rate),
    )
    lines = [package]
    # the add-ons as they were priced when taken (their amounts are part of final_amount already)
    for add_on in booking_add_on_lines(booking):
        lines.append(
            InvoiceLine(
                description=add_on.name,
                quantity=add_on.quantity,
                unit_price=add_on.unit_price,
                discount=Decimal("0.00"),
                taxable_value=add_on.amount,
                gst_rate=add_on.gst_rate,
                tax=add_on.tax_amount,
            )
        )
    if booking.change_fees > 0:  # transfer fees and the cancellation charges kept, GST included at the trek's rate
        taxable_fees = to_paisa(booking.change_fees / (1 + booking.tax_rate))
        lines.append(
            InvoiceLine(
                description=f"Booking changes: transfer fees and cancellation charges (booking {booking.reference})",
                quantity=1,
                unit_price=taxable_fees,
                discount=Decimal("0.00"),
                taxable_value=taxable_fees,
                gst_rate=booking.tax_rate,
                tax=booking.change_fees - taxable_fees,
            )
        )
    return lines


def _allocate(total_paise: int, weights: list[int]) -> list[int]:
    """``total_paise`` spread over ``weights`` in proportion, to the paisa, adding up exactly (largest remainder)."""
    whole = sum(weights)
    shares = [total_paise * weight // whole for weight in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (total_paise * weights[i]) % whole, reverse=True)
    for index in remainders[: total_paise - sum(shares)]:
        shares[index] += 1
    return shares


def scale_lines(lines: list[InvoiceLine], amount: Decimal) -> list[InvoiceLine]:
    """``lines`` scaled so their totals (tax included) add up to ``amount`` exactly; a line paid in full keeps its
    own taxable value and tax."""
    paise = [int(line.total * 100) for line in lines]
    if not lines or sum(paise) <= 0:
        raise ValueError("nothing to scale")
    scaled = []
    for line, share in zip(lines, _allocate(int(amount * 100), paise), strict=True):
        gross = from_paise(share)
        tax = line.tax if gross == line.total else to_paisa(line.tax * gross / line.total)
        scaled.append(replace(line, taxable_value=gross - tax, tax=tax))
    return scaled


def place_of_supply(booking: Booking) -> str:
    """The buyer's state (their GSTIN's, else the billing state they gave), else the company's own."""
    if booking.billing_gstin:
        return booking.billing_gstin[:2]
    return booking.billing_state or settings.OBS_COMPANY_STATE


def _money(value: Decimal) -> str:
    return str(value.quantize(PAISA, rounding=ROUND_HALF_UP))


def _line_data(line: InvoiceLine, *, inter_state: bool) -> dict[str, Any]:
    half = to_paisa(line.tax / 2)
    cgst, sgst, igst = (
        (Decimal("0.00"), Decimal("0.00"), line.tax) if inter_state else (half, line.tax - half, Decimal("0.00"))
    )
    rate_percent = line.gst_rate * 100
    return {
        "description": line.description,
        "sac": line.sac or settings.INVOICE_SAC,
        "quantity": line.quantity,
        "unit_price": _money(line.unit_price),
        "discount": _money(line.discount),
        "taxable_value": _money(line.taxable_value),
        "gst_rate_percent": _money(rate_percent),
        "cgst_rate_percent": _money(Decimal(0) if inter_state else rate_percent / 2),
        "cgst": _money(Decimal(cgst)),
        "sgst_rate_percent": _money(Decimal(0) if inter_state else rate_percent / 2),
        "sgst": _money(Decimal(sgst)),
        "igst_rate_percent": _money(rate_percent if inter_state else Decimal(0)),
        "igst": _money(Decimal(igst)),
        "total": _money(line.total),
    }


def lines_from_data(data: dict[str, Any]) -> list[InvoiceLine]:
    """The lines of an issued document (its ``data``), to scale a credit note from."""
    return [
        InvoiceLine(
            description=row["description"],
            quantity=row["quantity"],
            unit_price=Decimal(row["unit_price"]),
            discount=Decimal(row["discount"]),
            taxable_value=Decimal(row["taxable_value"]),
            gst_rate=Decimal(row["gst_rate_percent"]) / 100,
            tax=Decimal(row["cgst"]) + Decimal(row["sgst"]) + Decimal(row["igst"]),
            sac=row["sac"],
        )
        for row in data["lines"]
    ]


def next_number(*, series: str, year: str) -> int:
    """The next number of ``series`` in ``year``, from its counter row locked until the caller's transaction ends
    (so a rolled-back caller gives its number back and the series stays gap-free)."""
    if not connection.in_atomic_block:
        raise RuntimeError("tax document numbers are taken inside the transaction that records the money")
    TaxDocumentCounter.objects.bulk_create(
        [TaxDocumentCounter(series=series, financial_year=year)], ignore_conflicts=True
    )
    counter = TaxDocumentCounter.objects.select_for_update().get(series=series, financial_year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


class _YearTurned(Exception):
    pass


def _number_and_date(series: str) -> tuple[int, str, datetime]:
    """A number and the issue time read once the counter is locked, so numbers and dates rise together; a wait
    that crossed into a new financial year gives the old year's number back (a savepoint) and takes the new one."""
    while True:
        year = financial_year(timezone.localdate())
        try:
            with transaction.atomic():
                sequence = next_number(series=series, year=year)
                now = timezone.now()
                if financial_year(timezone.localdate(now)) != year:
                    raise _YearTurned
        except _YearTurned:
            continue
        return sequence, year, now


def _parties(booking: Booking, state: str) -> dict[str, Any]:
    return {
        "seller": {
            "name": settings.OBS_COMPANY_LEGAL_NAME,
            "gstin": settings.OBS_COMPANY_GSTIN,
            "address": settings.OBS_COMPANY_ADDRESS,
            "state_code": settings.OBS_COMPANY_STATE,
            "state": STATE_CODES.get(settings.OBS_COMPANY_STATE, ""),
        },
        "buyer": {
            "name": booking.billing_name or booking.trekker_name,
            "gstin": booking.billing_gstin,
            "state_code": state,
            "state": STATE_CODES.get(state, ""),
            "email": booking.trekker_email,
            "phone": booking.trekker_phone,
        },
    }


def _issue(
    *,
    kind: str,
    booking: Booking,
    lines: list[InvoiceLine],
    parties: dict[str, Any],
    state: str,
    extra: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The number, the data and the model fields of a document about to be written."""
    inter_state = state != settings.OBS_COMPANY_STATE
    series = settings.INVOICE_SERIES if kind == K.INVOICE else settings.CREDIT_NOTE_SERIES
    sequence, year, now = _number_and_date(series)
    number = f"{series}/{year}/{sequence:06d}"
    rows = [_line_data(line, inter_state=inter_state) for line in lines]
    sums = {key: sum((Decimal(row[key]) for row in rows), Decimal("0.00")) for key in ("cgst", "sgst", "igst")}
    taxable = sum((line.taxable_value for line in lines), Decimal("0.00"))
    total = sum((line.total for line in lines), Decimal("0.00"))
    data = {
        "kind": kind,
        "title": "Tax Invoice" if kind == K.INVOICE else "Credit Note",
        "number": number,
        "financial_year": year,
        "issued_at": now.isoformat(),
        "issue_date": timezone.localdate(now).isoformat(),
        **parties,
        "booking_reference": booking.reference,
        "trek": booking.batch.trek.name,
        "departure": {"start": booking.batch.start_date.isoformat(), "end": booking.batch.end_date.isoformat()},
        "place_of_supply": {"state_code": state, "state": STATE_CODES.get(state, "")},
        "supply_type": "inter_state" if inter_state else "intra_state",
        "reverse_charge": False,
        "sac": settings.INVOICE_SAC,
        "sac_description": settings.INVOICE_SAC_DESCRIPTION,
        "lines": rows,
        "totals": {
            "taxable_value": _money(taxable),
            "cgst": _money(sums["cgst"]),
            "sgst": _money(sums["sgst"]),
            "igst": _money(sums["igst"]),
            "tax": _money(sums["cgst"] + sums["sgst"] + sums["igst"]),
            "total": _money(total),
        },
        "amount_in_words": amount_in_words(total),
        "booking_total": _money(booking.final_amount),
        **extra,
    }
    fields = {
        "kind": kind,
        "number": number,
        "series": series,
        "financial_year": year,
        "sequence": sequence,
        "issued_at": now,
        "booking": booking,
        "place_of_supply": state,
        "inter_state": inter_state,
        "taxable_amount": taxable,
        "cgst_amount": sums["cgst"],
        "sgst_amount": sums["sgst"],
        "igst_amount": sums["igst"],
        "total_amount": total,
    }
    return data, fields


def invoice_for_payment(*, booking: Booking, payment: Payment, actor: User | None = None) -> TaxDocument:
    """The tax invoice of a payment just captured on the (locked) booking, in the caller's transaction."""
    existing = TaxDocument.objects.filter(payment=payment).first()
    if existing is not None:
        return existing
    state = place_of_supply(booking)
    lines = booking_invoice_lines(booking)
    if sum(line.total for line in lines) <= 0:  # priced at nothing (a full coupon) and paid all the same
        lines = [
            replace(lines[0], unit_price=payment.amount, quantity=1, taxable_value=payment.amount, tax=Decimal("0.00"))
        ]
    extra = {
        "payment": {
            "id": str(payment.pk),
            "gateway": payment.gateway,
            "reference": payment.receipt_reference or payment.gateway_payment_id or payment.gateway_order_id,
            "method": payment.method,
            "amount": _money(payment.amount),
        },
        "original_invoice": None,
    }
    data, fields = _issue(
        kind=K.INVOICE,
        booking=booking,
        lines=scale_lines(lines, payment.amount),
        parties=_parties(booking, state),
        state=state,
        extra=extra,
    )
    document = TaxDocument.objects.create(payment=payment, data=data, **fields)
    audit(
        actor=actor,
        action=AuditAction.INVOICE_ISSUED,
        target=document,
        changes={"number": document.number, "payment": str(payment.pk), "total": _money(document.total_amount)},
    )
    return document


def credit_note_for_refund(*, booking: Booking, refund: Refund) -> TaxDocument:
    """The credit note of a refund just recorded on the (locked) booking, against its payment's invoice."""
    existing = TaxDocument.objects.filter(refund=refund).first()
    if existing is not None:
        return existing
    original = TaxDocument.objects.filter(payment_id=refund.payment_id).first()
    if original is not None:  # the credit note follows the invoice: same buyer, place of supply and rates
        state = original.place_of_supply
        parties = {"seller": original.data["seller"], "buyer": original.data["buyer"]}
        lines = lines_from_data(original.data)
    else:
        state = place_of_supply(booking)
        parties = _parties(booking, state)
        lines = booking_invoice_lines(booking)
    extra = {
        "refund": {
            "id": str(refund.pk),
            "reason": refund.get_reason_display(),
            "amount": _money(refund.amount),
        },
        "original_invoice": original.number if original is not None else None,
    }
    data, fields = _issue(
        kind=K.CREDIT_NOTE,
        booking=booking,
        lines=scale_lines(lines, refund.amount),
        parties=parties,
        state=state,
        extra=extra,
    )
    document = TaxDocument.objects.create(refund=refund, original=original, data=data, **fields)
    audit(
        actor=None,
        action=AuditAction.CREDIT_NOTE_ISSUED,
        target=document,
        changes={"number": document.number, "refund": str(refund.pk), "total": _money(document.total_amount)},
    )
    return document
