"""Signals other apps listen to."""

from django.dispatch import Signal

# Sent after commit when a booking is completed (the batch ended): ``sender=Booking, booking=<Booking>``.
booking_completed = Signal()
