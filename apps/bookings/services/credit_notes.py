"""The GST credit note of trek credit given instead of a refund.

Credit given on a cancellation (the trekker's, or a cancelled departure's credit choice) replaces part of what the
booking was billed for, so the booking's invoices are reduced by a credit note, exactly as a refund reduces them:
otherwise the same money is taxed twice once the credit pays another booking (which gets its own invoice).

The note is for what the credit replaces of the booking's value: the credit given, at most what was paid less
what was refunded and what earlier credit notes for credit took back already. Credit above that (a bonus
percentage) is a discount on a future supply and reduces nothing here. The amount is spread over the booking's
invoices in proportion to what each still stands at, to the paisa, and each invoice's lines are scaled to its
share; the note follows the invoice with the largest share (buyer, place of supply, tax split) and lists every
invoice it reduces. It is issued in the caller's transaction, numbered in the credit-note series.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Sum

from apps.bookings.models import Booking, CreditTransaction, TaxDocument, TaxDocumentKind
from apps.bookings.pricing import format_inr, from_paise, to_paise
from apps.bookings.services.tax_documents import (
    InvoiceLine,
    _allocate,
    _issue,
    _money,
    _parties,
    booking_invoice_lines,
    lines_from_data,
    place_of_supply,
    scale_lines,
)
from apps.common.audit import AuditAction, audit
from apps.users.models import User

K = TaxDocumentKind
ZERO = Decimal("0.00")


def _reduced(note: TaxDocument) -> list[tuple[str, Decimal]]:
    """The invoices (numbers) an issued credit note reduces, with by how much."""
    if note.data.get("original_invoices"):
        return [(row["number"], Decimal(row["amount"])) for row in note.data["original_invoices"]]
    if note.data.get("original_invoice"):
        return [(note.data["original_invoice"], note.total_amount)]
    return []


def invoices_left(booking: Booking) -> list[tuple[TaxDocument, Decimal]]:
    """The booking's invoices, oldest first, each with what it still stands at after its credit notes."""
    documents = list(TaxDocument.objects.filter(booking=booking).order_by("issued_at", "sequence"))
    left = {doc.number: doc.total_amount for doc in documents if doc.kind == K.INVOICE}
    for note in (doc for doc in documents if doc.kind == K.CREDIT_NOTE):
        for number, amount in _reduced(note):
            if number in left:
                left[number] -= amount
    return [(doc, left[doc.number]) for doc in documents if doc.kind == K.INVOICE]


def _merged(lines: list[InvoiceLine]) -> list[InvoiceLine]:
    """Lines billing the same thing at the same price and rate (from several invoices) as one line."""
    merged: dict[tuple[Any, ...], InvoiceLine] = {}
    for line in lines:
        key = (line.description, line.quantity, line.unit_price, line.discount, line.gst_rate, line.sac)
        if key in merged:
            first = merged[key]
            merged[key] = InvoiceLine(
                description=first.description,
                quantity=first.quantity,
                unit_price=first.unit_price,
                discount=first.discount,
                taxable_value=first.taxable_value + line.taxable_value,
                gst_rate=first.gst_rate,
                tax=first.tax + line.tax,
                sac=first.sac,
            )
        else:
            merged[key] = line
    return [line for line in merged.values() if line.total > 0]


def credit_note_amount(*, booking: Booking, credit: Decimal) -> Decimal:
    """What of ``credit`` reduces the booking's value: at most paid - refunded - credit-noted for credit already."""
    noted = TaxDocument.objects.filter(booking=booking, credit_grant__isnull=False).aggregate(t=Sum("total_amount"))
    cap = booking.amount_paid - booking.amount_refunded - (noted["t"] or ZERO)
    return max(ZERO, min(credit, cap))


def credit_note_for_credit(
    *, booking: Booking, grant: CreditTransaction, actor: User | None = None
) -> TaxDocument | None:
    """The credit note of a trek-credit grant just written on the (locked) booking, in the caller's transaction.

    None when the credit replaces nothing that was billed (nothing paid, or all of it refunded or credited).
    """
    existing = TaxDocument.objects.filter(credit_grant=grant).first()
    if existing is not None:
        return existing
    amount = credit_note_amount(booking=booking, credit=grant.amount)
    open_invoices = [(doc, left) for doc, left in invoices_left(booking) if left > 0]
    if open_invoices:
        amount = min(amount, sum((left for _, left in open_invoices), ZERO))
    if amount <= 0:
        return None
    reduced: list[dict[str, str]] = []
    if open_invoices:
        shares = _allocate(to_paise(amount), [to_paise(left) for _, left in open_invoices])
        lines: list[InvoiceLine] = []
        original, largest = open_invoices[0][0], -1
        for (invoice, _), share in zip(open_invoices, shares, strict=True):
            if share <= 0:
                continue
            lines += scale_lines(lines_from_data(invoice.data), from_paise(share))
            reduced.append({"number": invoice.number, "amount": _money(from_paise(share))})
            if share > largest:
                original, largest = invoice, share
        state = original.place_of_supply
        parties = {"seller": original.data["seller"], "buyer": original.data["buyer"]}
        lines = _merged(lines)
    else:  # paid before invoices were issued: the booking's own lines, as a refund's note does
        original = None
        state = place_of_supply(booking)
        parties = _parties(booking, state)
        lines = scale_lines(booking_invoice_lines(booking), amount)
    extra = {
        "trek_credit": {
            "id": str(grant.pk),
            "reason": grant.get_reason_display(),
            "credit_amount": _money(grant.amount),
            "amount": _money(amount),
            "note": (
                f"Issued for trek credit of {format_inr(grant.amount)} given instead of a refund "
                f"({grant.get_reason_display().lower()}): the booking's value is reduced by {format_inr(amount)}."
            ),
        },
        "original_invoice": original.number if original is not None else None,
        "original_invoices": reduced,
    }
    data, fields = _issue(kind=K.CREDIT_NOTE, booking=booking, lines=lines, parties=parties, state=state, extra=extra)
    document = TaxDocument.objects.create(credit_grant=grant, original=original, data=data, **fields)
    audit(
        actor=actor,
        action=AuditAction.CREDIT_NOTE_ISSUED,
        target=document,
        changes={"number": document.number, "credit_grant": str(grant.pk), "total": _money(document.total_amount)},
    )
    return document
