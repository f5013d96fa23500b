"""Bookings in the admin: the booking pages ops, CS and finance work in (``bookings``), and the money rows (``money``),
coupons (``coupons``), and the booking side of the batch page (``apps.bookings.batch_admin``, which extends the
catalog's batch admin). Every write is a button that calls the API's service, with the staff member as actor."""

from apps.bookings import batch_admin
from apps.bookings.admin import bookings, coupons, money

__all__ = ["batch_admin", "bookings", "coupons", "money"]
