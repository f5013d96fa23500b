"""Bookings API views (thin: parse, authorize, call a service or selector, serialize)."""

from apps.bookings.views.addons import AddOnDetailView, BookingAddOnsView, TrekAddOnsView
from apps.bookings.views.announcements import DepartureAnnouncementView
from apps.bookings.views.bookings import (
    BatchBulkCancelView,
    BookingCancelView,
    BookingDetailView,
    BookingListCreateView,
    WaitlistView,
)
from apps.bookings.views.documents import BookingDocumentsView, DocumentDownloadView, DocumentReviewView
from apps.bookings.views.field import BaseCheckInView, CampCheckInsView, GuideDeparturesView, RosterView
from apps.bookings.views.ops import ManifestView, RevenueReportView
from apps.bookings.views.payments import BookingPaymentsView, PaymentVerifyView, RazorpayWebhookView
from apps.bookings.views.trip import TripPackView, TripPassKeyView

__all__ = [
    "AddOnDetailView",
    "BaseCheckInView",
    "BatchBulkCancelView",
    "BookingAddOnsView",
    "BookingCancelView",
    "BookingDetailView",
    "BookingDocumentsView",
    "BookingListCreateView",
    "BookingPaymentsView",
    "CampCheckInsView",
    "DepartureAnnouncementView",
    "DocumentDownloadView",
    "DocumentReviewView",
    "GuideDeparturesView",
    "ManifestView",
    "PaymentVerifyView",
    "RazorpayWebhookView",
    "RevenueReportView",
    "RosterView",
    "TrekAddOnsView",
    "TripPackView",
    "TripPassKeyView",
    "WaitlistView",
]
