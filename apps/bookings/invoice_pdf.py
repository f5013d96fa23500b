"""A tax invoice or credit note as a PDF (ReportLab: pure Python, no system libraries), drawn from the document's
stored ``data`` alone, so the PDF of an issued document never changes.

The built-in PDF fonts have no rupee sign, so amounts read ``Rs. 14,647.50`` here (``₹`` in the JSON).
"""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from apps.bookings.pricing import format_inr

_STYLES = getSampleStyleSheet()
_BODY = ParagraphStyle("body", parent=_STYLES["BodyText"], fontSize=8.5, leading=11)
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=7.5, leading=9.5)
_TITLE = ParagraphStyle("title", parent=_STYLES["Title"], fontSize=16, leading=20, spaceAfter=2)


def _rs(value: str) -> str:
    return format_inr(Decimal(value), symbol="Rs. ")


def _p(text: str, style: ParagraphStyle = _BODY) -> Paragraph:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Paragraph(escaped.replace("\n", "<br/>"), style)


def _party(label: str, party: dict[str, Any], *, address: str = "") -> Paragraph:
    lines = [label, party["name"]]
    if address:
        lines.append(address)
    lines.append(f"GSTIN: {party['gstin'] or 'Unregistered'}")
    if party.get("state_code"):
        lines.append(f"State: {party['state']} ({party['state_code']})")
    return _p("\n".join(lines))


def _header(data: dict[str, Any]) -> list[Flowable]:
    facts = [
        f"{data['title']} No.: {data['number']}",
        f"Date: {data['issue_date']}",
        f"Booking: {data['booking_reference']}",
        f"Place of supply: {data['place_of_supply']['state']} ({data['place_of_supply']['state_code']})",
        f"Reverse charge: {'Yes' if data['reverse_charge'] else 'No'}",
    ]
    if data.get("original_invoice"):
        facts.append(f"Against invoice: {data['original_invoice']}")
    seller = data["seller"]
    parties = Table(
        [
            [
                _party("Supplier", seller, address=seller["address"]),
                _party("Recipient", data["buyer"]),
                _p("\n".join(facts)),
            ]
        ],
        colWidths=[62 * mm, 55 * mm, 63 * mm],
    )
    parties.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOX", (0, 0), (-1, -1), 0.5, colors.grey)]))
    return [_p(data["title"].upper(), _TITLE), parties, Spacer(1, 4 * mm)]


def _lines_table(data: dict[str, Any]) -> Table:
    inter_state = data["supply_type"] == "inter_state"
    tax_heads = ["IGST"] if inter_state else ["CGST", "SGST"]
    rows: list[list[Any]] = [["Description", "SAC", "Qty", "Rate", "Discount", "Taxable", *tax_heads, "Total"]]
    for line in data["lines"]:
        taxes = (
            [f"{line['igst_rate_percent']}%\n{_rs(line['igst'])}"]
            if inter_state
            else [
                f"{line['cgst_rate_percent']}%\n{_rs(line['cgst'])}",
                f"{line['sgst_rate_percent']}%\n{_rs(line['sgst'])}",
            ]
        )
        rows.append(
            [
                _p(line["description"], _SMALL),
                line["sac"],
                str(line["quantity"]),
                _rs(line["unit_price"]),
                _rs(line["discount"]),
                _rs(line["taxable_value"]),
                *taxes,
                _rs(line["total"]),
            ]
        )
    totals = data["totals"]
    tax_totals = [_rs(totals["igst"])] if inter_state else [_rs(totals["cgst"]), _rs(totals["sgst"])]
    rows.append(["Total", "", "", "", "", _rs(totals["taxable_value"]), *tax_totals, _rs(totals["total"])])
    widths = [50 * mm, 13 * mm, 8 * mm, 20 * mm, 17 * mm, 20 * mm]
    widths += [32 * mm] if inter_state else [16 * mm, 16 * mm]
    widths.append(20 * mm)
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 7.5),
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f0")),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def render_tax_document_pdf(data: dict[str, Any]) -> bytes:
    """The PDF of an issued tax invoice or credit note (its stored ``data``)."""
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"{data['title']} {data['number']}",
        author=data["seller"]["name"],
        subject=f"Booking {data['booking_reference']}",
    )
    totals = data["totals"]
    story: list[Flowable] = [
        *_header(data),
        _p(f"{data['trek']}: departure {data['departure']['start']} to {data['departure']['end']}"),
        Spacer(1, 2 * mm),
        _lines_table(data),
        Spacer(1, 3 * mm),
        _p(f"Total tax: {_rs(totals['tax'])}    Amount: {_rs(totals['total'])}"),
        _p(f"Amount in words: {data['amount_in_words']}"),
        Spacer(1, 3 * mm),
        _p(f"SAC {data['sac']}: {data['sac_description']}.", _SMALL),
    ]
    if data.get("payment"):
        payment = data["payment"]
        story.append(_p(f"Paid {_rs(payment['amount'])} ({payment['gateway']} {payment['reference']}).", _SMALL))
    if data.get("refund"):
        refund = data["refund"]
        story.append(_p(f"Refund of {_rs(refund['amount'])}: {refund['reason']}.", _SMALL))
    if data.get("trek_credit"):
        credit = data["trek_credit"]
        story.append(
            _p(
                f"Issued for trek credit of {_rs(credit['credit_amount'])} given instead of a refund "
                f"({credit['reason'].lower()}): reduces the booking's value by {_rs(credit['amount'])}.",
                _SMALL,
            )
        )
    if len(data.get("original_invoices") or []) > 1:
        reduced = ", ".join(f"{row['number']} by {_rs(row['amount'])}" for row in data["original_invoices"])
        story.append(_p(f"Reduces invoices {reduced}.", _SMALL))
    story.append(_p("This is a computer-generated document and needs no signature.", _SMALL))
    document.build(story)
    return buffer.getvalue()
