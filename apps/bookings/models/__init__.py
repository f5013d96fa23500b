"""Bookings and money: bookings with their participants, coupons, gateway payments, webhook events, refunds,
documents, the waitlist and bulk cancellations of a departure.

Seats are never counted here: a booking holds ``seats`` seats of its batch's counter
(``Batch.seats_taken``), taken and released only through ``apps.treks.services.batches``. Money rows
(bookings, payments, payment events, refunds, coupon redemptions) are never deleted: every foreign
key pointing at them, and from them to users and batches, is ``PROTECT``.
"""

# Models register in the order of the former single module (payments before documents before departures).
# isort: off
from apps.bookings.models.bookings import (
    ACTIVE_STATUSES,
    REFERENCE_ALPHABET,
    Booking,
    BookingParticipant,
    BookingSource,
    BookingStatus,
    Coupon,
    CouponRedemption,
    SELF_SERVICE_SOURCES,
    STAFF_SOURCES,
    new_reference,
)
from apps.bookings.models.payments import (
    OFFLINE_GATEWAY,
    OfflineMethod,
    Payment,
    PaymentEvent,
    PaymentStatus,
    Refund,
)
from apps.bookings.models.documents import BookingDocument, document_upload_to, private_storage
from apps.bookings.models.departures import BatchCancellation, DepartureAnnouncement, WaitlistEntry
from apps.bookings.models.field import BaseCheckIn, CampCheckIn
from apps.bookings.models.addons import AddOn, AddOnKind, AddOnStock, BookingAddOn
from apps.bookings.models.credit import CREDIT_GATEWAY, CreditOffer, CreditTransaction
from apps.bookings.models.deposits import PaymentLink
from apps.bookings.models.invoices import TaxDocument, TaxDocumentCounter, TaxDocumentKind
# isort: on

__all__ = [
    "ACTIVE_STATUSES",
    "CREDIT_GATEWAY",
    "OFFLINE_GATEWAY",
    "REFERENCE_ALPHABET",
    "SELF_SERVICE_SOURCES",
    "STAFF_SOURCES",
    "AddOn",
    "AddOnKind",
    "AddOnStock",
    "BaseCheckIn",
    "BatchCancellation",
    "Booking",
    "BookingAddOn",
    "BookingDocument",
    "BookingParticipant",
    "BookingSource",
    "BookingStatus",
    "CampCheckIn",
    "Coupon",
    "CouponRedemption",
    "CreditOffer",
    "CreditTransaction",
    "DepartureAnnouncement",
    "OfflineMethod",
    "Payment",
    "PaymentEvent",
    "PaymentLink",
    "PaymentStatus",
    "Refund",
    "TaxDocument",
    "TaxDocumentCounter",
    "TaxDocumentKind",
    "WaitlistEntry",
    "document_upload_to",
    "new_reference",
    "private_storage",
]
