"""Booking prices in Decimal: base x seats, loyalty tier discount, coupon, GST; every amount rounded to the paisa.

Order: ``base = unit price x seats``; ``tier discount = base x tier %``; the coupon applies to what is left
(a percent of it, or a fixed amount capped at it); GST is charged on the discounted amount. Each step is
rounded to 0.01 with ROUND_HALF_UP, so the parts always add up to the final amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

PAISA = Decimal("0.01")
HUNDRED = Decimal("100")


def to_paisa(amount: Decimal) -> Decimal:
    return amount.quantize(PAISA, rounding=ROUND_HALF_UP)


def to_paise(amount: Decimal) -> int:
    """Rupees (Decimal) to the integer paise the gateways take."""
    return int((to_paisa(amount) * 100).to_integral_value(rounding=ROUND_HALF_UP))


def from_paise(paise: int) -> Decimal:
    return (Decimal(paise) / 100).quantize(PAISA)


@dataclass(frozen=True)
class Quote:
    unit_price: Decimal
    seats: int
    base_amount: Decimal
    tier_discount_percent: Decimal
    tier_discount: Decimal
    coupon_discount: Decimal
    taxable_amount: Decimal
    tax_rate: Decimal
    tax_amount: Decimal
    final_amount: Decimal


def coupon_discount_for(*, kind: str, value: Decimal, amount: Decimal) -> Decimal:
    """What a coupon takes off ``amount`` (never more than ``amount``)."""
    discount = to_paisa(amount * value / HUNDRED) if kind == "percent" else to_paisa(value)
    return min(discount, amount)


def price_booking(
    *,
    unit_price: Decimal,
    seats: int,
    tier_discount_percent: Decimal = Decimal("0"),
    coupon_kind: str | None = None,
    coupon_value: Decimal | None = None,
    tax_rate: Decimal | None = None,
) -> Quote:
    if seats < 1:
        raise ValueError("seats must be positive")
    rate = Decimal(str(settings.BOOKINGS_GST_RATE)) if tax_rate is None else tax_rate
    base = to_paisa(unit_price * seats)
    tier_discount = to_paisa(base * tier_discount_percent / HUNDRED)
    after_tier = base - tier_discount
    coupon_discount = Decimal("0.00")
    if coupon_kind is not None and coupon_value is not None:
        coupon_discount = coupon_discount_for(kind=coupon_kind, value=coupon_value, amount=after_tier)
    taxable = after_tier - coupon_discount
    tax = to_paisa(taxable * rate)
    return Quote(
        unit_price=unit_price,
        seats=seats,
        base_amount=base,
        tier_discount_percent=tier_discount_percent,
        tier_discount=tier_discount,
        coupon_discount=coupon_discount,
        taxable_amount=taxable,
        tax_rate=rate,
        tax_amount=tax,
        final_amount=taxable + tax,
    )


def _group_indian(whole: int) -> str:
    digits = str(whole)
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    pairs: list[str] = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    return ",".join([head, *pairs, tail])


def format_inr(amount: Decimal, *, symbol: str = "₹") -> str:
    """Rupees as a person reads them, grouped the Indian way: ``₹14,64,750.00``."""
    value = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    whole, fraction = f"{abs(value):.2f}".split(".")
    return f"{sign}{symbol}{_group_indian(int(whole))}.{fraction}"
