"""GST facts: GSTIN validation, rupees in words (Indian numbering), financial years, invoice lines scaled."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apps.bookings.gst import amount_in_words, financial_year, gstin_check_character, gstin_problem
from apps.bookings.pricing import format_inr
from apps.bookings.services.tax_documents import InvoiceLine, add_on_line, scale_lines


@pytest.mark.parametrize("gstin", ["27AAPFU0939F1ZV", "29AAGCB7383J1Z4", "05AAACO4321K1ZP"])
def test_real_gstins_pass(gstin):
    assert gstin_problem(gstin) is None
    assert gstin_check_character(gstin[:14]) == gstin[14]


@pytest.mark.parametrize(
    ("gstin", "problem"),
    [
        ("27AAPFU0939F1ZW", "checksum"),  # last character mistyped
        ("27AAPFU0939F1ZV ", "format"),
        ("27AAPFU0939F1Z", "format"),
        ("27aapfu0939f1zv", "format"),  # the service upper-cases first; the check itself does not guess
        ("27AAPFU0939F1AV", "format"),  # the 14th character is Z
        ("99AAPFU0939F1ZV", "state_code"),
        ("", "format"),
    ],
)
def test_bad_gstins_say_why(gstin, problem):
    assert gstin_problem(gstin) == problem


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0", "Rupees Zero Only"),
        ("1", "Rupees One Only"),
        ("0.50", "Rupees Zero and Fifty Paise Only"),
        ("13125.00", "Rupees Thirteen Thousand One Hundred Twenty-Five Only"),
        ("14647.50", "Rupees Fourteen Thousand Six Hundred Forty-Seven and Fifty Paise Only"),
        ("100000", "Rupees One Lakh Only"),
        ("1464750.05", "Rupees Fourteen Lakh Sixty-Four Thousand Seven Hundred Fifty and Five Paise Only"),
        ("10000000", "Rupees One Crore Only"),
        (
            "251234567.99",
            "Rupees Twenty-Five Crore Twelve Lakh Thirty-Four Thousand Five Hundred Sixty-Seven and "
            "Ninety-Nine Paise Only",
        ),
    ],
)
def test_amounts_in_words_use_lakh_and_crore(amount, words):
    assert amount_in_words(Decimal(amount)) == words


def test_rupees_grouped_the_indian_way():
    assert format_inr(Decimal("1464750")) == "₹14,64,750.00"
    assert format_inr(Decimal("14647.5")) == "₹14,647.50"
    assert format_inr(Decimal("1")) == "₹1.00"
    assert format_inr(Decimal("123456789.055")) == "₹12,34,56,789.06"
    assert format_inr(Decimal("-500"), symbol="Rs. ") == "-Rs. 500.00"


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2026, 3, 31), "2025-26"),
        (date(2026, 4, 1), "2026-27"),
        (date(2027, 1, 15), "2026-27"),
        (date(2099, 12, 31), "2099-00"),
    ],
)
def test_financial_year_runs_april_to_march(day, year):
    assert financial_year(day) == year


def _package(total_taxable: str, rate: str = "0.05") -> InvoiceLine:
    taxable = Decimal(total_taxable)
    return InvoiceLine(
        description="Trek",
        quantity=2,
        unit_price=taxable / 2,
        discount=Decimal("0.00"),
        taxable_value=taxable,
        gst_rate=Decimal(rate),
        tax=(taxable * Decimal(rate)).quantize(Decimal("0.01")),
    )


def test_a_full_payment_keeps_each_line_as_priced():
    lines = [
        _package("25000.00"),
        add_on_line(name="Offloading", quantity=2, unit_price=Decimal("1500"), gst_rate=Decimal("0.18")),
    ]
    total = sum(line.total for line in lines)
    assert total == Decimal("26250.00") + Decimal("3540.00")
    assert scale_lines(lines, total) == lines


@pytest.mark.parametrize("amount", ["0.01", "1.00", "9999.99", "7874.99", "29789.99"])
def test_part_payments_add_up_to_the_paisa(amount):
    lines = [
        _package("25000.00"),
        add_on_line(name="Offloading", quantity=1, unit_price=Decimal("1333.33"), gst_rate=Decimal("0.18")),
    ]
    scaled = scale_lines(lines, Decimal(amount))
    assert sum(line.total for line in scaled) == Decimal(amount)
    for line, original in zip(scaled, lines, strict=True):
        assert line.taxable_value >= 0
        assert line.tax >= 0
        assert line.gst_rate == original.gst_rate
        if line.taxable_value:  # the tax stays at the line's rate, to the paisa
            assert abs(line.tax - line.taxable_value * line.gst_rate) <= Decimal("0.01")


def test_nothing_to_scale_is_refused():
    with pytest.raises(ValueError, match="nothing"):
        scale_lines([], Decimal("10"))
