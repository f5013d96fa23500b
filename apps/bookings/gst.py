"""GST facts used by tax invoices: state codes, GSTIN validation, financial years, rupees in figures and in words.

A GSTIN is 15 characters: the 2-digit state code, the holder's PAN (5 letters, 4 digits, 1 letter), the entity
number (1-9 or A-Z), ``Z`` by default, and a check character computed over the first 14 (a base-36 Luhn variant).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

# GST state and union-territory codes (the first two digits of a GSTIN; the place of supply on an invoice).
STATE_CODES: dict[str, str] = {
    "01": "Jammu and Kashmir",
    "02": "Himachal Pradesh",
    "03": "Punjab",
    "04": "Chandigarh",
    "05": "Uttarakhand",
    "06": "Haryana",
    "07": "Delhi",
    "08": "Rajasthan",
    "09": "Uttar Pradesh",
    "10": "Bihar",
    "11": "Sikkim",
    "12": "Arunachal Pradesh",
    "13": "Nagaland",
    "14": "Manipur",
    "15": "Mizoram",
    "16": "Tripura",
    "17": "Meghalaya",
    "18": "Assam",
    "19": "West Bengal",
    "20": "Jharkhand",
    "21": "Odisha",
    "22": "Chhattisgarh",
    "23": "Madhya Pradesh",
    "24": "Gujarat",
    "26": "Dadra and Nagar Haveli and Daman and Diu",
    "27": "Maharashtra",
    "29": "Karnataka",
    "30": "Goa",
    "31": "Lakshadweep",
    "32": "Kerala",
    "33": "Tamil Nadu",
    "34": "Puducherry",
    "35": "Andaman and Nicobar Islands",
    "36": "Telangana",
    "37": "Andhra Pradesh",
    "38": "Ladakh",
}
STATE_CHOICES = sorted(STATE_CODES.items())

_GSTIN_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_GSTIN_PATTERN = re.compile(r"^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$")


def gstin_check_character(first14: str) -> str:
    """The 15th character of a GSTIN whose first 14 are ``first14``."""
    total = 0
    for index, char in enumerate(first14):
        product = _GSTIN_ALPHABET.index(char) * (2 if index % 2 else 1)
        total += product // 36 + product % 36
    return _GSTIN_ALPHABET[(36 - total % 36) % 36]


def gstin_problem(value: str) -> str | None:
    """Why ``value`` (upper-cased, no spaces) is not a GSTIN: ``format`` (not state code, PAN, entity number, Z
    and a check character), ``state_code`` (no such state) or ``checksum`` (a typing mistake); None when it is."""
    if not _GSTIN_PATTERN.match(value):
        return "format"
    if value[:2] not in STATE_CODES:
        return "state_code"
    if gstin_check_character(value[:14]) != value[14]:
        return "checksum"
    return None


def financial_year(day: date) -> str:
    """The Indian financial year (April to March) of ``day``: ``2026-27``."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


_ONES = [
    "Zero",
    "One",
    "Two",
    "Three",
    "Four",
    "Five",
    "Six",
    "Seven",
    "Eight",
    "Nine",
    "Ten",
    "Eleven",
    "Twelve",
    "Thirteen",
    "Fourteen",
    "Fifteen",
    "Sixteen",
    "Seventeen",
    "Eighteen",
    "Nineteen",
]
_TENS = ["_", "_", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety"]


def _below_hundred(number: int) -> str:
    if number < 20:
        return _ONES[number]
    tens, ones = divmod(number, 10)
    return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")


def _below_thousand(number: int) -> str:
    hundreds, rest = divmod(number, 100)
    parts = [f"{_ONES[hundreds]} Hundred"] if hundreds else []
    if rest:
        parts.append(_below_hundred(rest))
    return " ".join(parts)


def number_in_words(number: int) -> str:
    """A whole number in words, Indian system (thousand, lakh, crore): 1464750 -> Fourteen Lakh Sixty-Four ..."""
    if number < 0:
        raise ValueError("negative")
    if number == 0:
        return "Zero"
    parts = []
    crores, number = divmod(number, 10_000_000)
    if crores:
        parts.append(f"{number_in_words(crores)} Crore")
    lakhs, number = divmod(number, 100_000)
    if lakhs:
        parts.append(f"{_below_hundred(lakhs)} Lakh")
    thousands, number = divmod(number, 1000)
    if thousands:
        parts.append(f"{_below_hundred(thousands)} Thousand")
    if number:
        parts.append(_below_thousand(number))
    return " ".join(parts)


def amount_in_words(amount: Decimal) -> str:
    """``Rupees Fourteen Thousand Six Hundred Forty-Seven and Fifty Paise Only``."""
    value = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if value < 0:
        raise ValueError("negative")
    rupees = int(value)
    paise = int((value - rupees) * 100)
    words = f"Rupees {number_in_words(rupees)}"
    if paise:
        words += f" and {_below_hundred(paise)} Paise"
    return words + " Only"
