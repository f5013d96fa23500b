"""Bookings in the admin: the booking pages ops, CS and finance work in (``bookings``), and the money rows and
coupons (``money``). Every write is a button that calls the API's service, with the staff member as actor."""

from apps.bookings.admin import bookings, money

__all__ = ["bookings", "money"]
