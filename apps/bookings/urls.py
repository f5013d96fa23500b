from django.urls import path

from apps.bookings import views
from apps.bookings.views import changes, coupons, credit, deposits, invoices

# Mounted at ``bookings/`` (config/urls.py), ahead of the apps mounted at the API root: a booking's address is
# resolved without trying theirs first.
booking_urlpatterns = [
    path("", views.BookingListCreateView.as_view(), name="booking-list"),
    path("documents/download/", views.DocumentDownloadView.as_view(), name="booking-document-download"),
    path("trip-pass-key/", views.TripPassKeyView.as_view(), name="trip-pass-key"),
    path("<uuid:booking_id>/", views.BookingDetailView.as_view(), name="booking-detail"),
    path("<uuid:booking_id>/trip-pack/", views.TripPackView.as_view(), name="booking-trip-pack"),
    path("<uuid:booking_id>/cancel/", views.BookingCancelView.as_view(), name="booking-cancel"),
    path("<uuid:booking_id>/payments/", views.BookingPaymentsView.as_view(), name="booking-payments"),
    path("<uuid:booking_id>/documents/", views.BookingDocumentsView.as_view(), name="booking-documents"),
    path(
        "<uuid:booking_id>/documents/<uuid:document_id>/review/",
        views.DocumentReviewView.as_view(),
        name="booking-document-review",
    ),
    path(
        "<uuid:booking_id>/payment-links/",
        deposits.BookingPaymentLinksView.as_view(),
        name="booking-payment-links",
    ),
    path(
        "<uuid:booking_id>/payment-links/send/",
        deposits.BookingPaymentLinkSendView.as_view(),
        name="booking-payment-link-send",
    ),
    path(
        "<uuid:booking_id>/participants/",
        changes.ParticipantsAddView.as_view(),
        name="booking-participants-add",
    ),
    path(
        "<uuid:booking_id>/participants/<int:position>/",
        changes.ParticipantDetailView.as_view(),
        name="booking-participant-detail",
    ),
    path(
        "<uuid:booking_id>/participants/<int:position>/cancel/",
        changes.ParticipantCancelView.as_view(),
        name="booking-participant-cancel",
    ),
    path("<uuid:booking_id>/transfer/", changes.TransferView.as_view(), name="booking-transfer"),
    path("<uuid:booking_id>/add-ons/", views.BookingAddOnsView.as_view(), name="booking-add-ons"),
    path(
        "<uuid:booking_id>/cancel-for-credit/",
        credit.BookingCancelForCreditView.as_view(),
        name="booking-cancel-for-credit",
    ),
    path(
        "<uuid:booking_id>/pay-with-credit/",
        credit.BookingPayWithCreditView.as_view(),
        name="booking-pay-with-credit",
    ),
    path("<uuid:booking_id>/credit-offer/", credit.BookingCreditOfferView.as_view(), name="booking-credit-offer"),
    path("<uuid:booking_id>/billing/", invoices.BookingBillingView.as_view(), name="booking-billing"),
    path("<uuid:booking_id>/invoices/", invoices.BookingInvoicesView.as_view(), name="booking-invoices"),
]

urlpatterns = [
    path("payments/links/<str:token>/", deposits.PaymentLinkPageView.as_view(), name="payment-link-page"),
    path("payments/links/<str:token>/pay/", deposits.PaymentLinkPayView.as_view(), name="payment-link-pay"),
    path("payments/verify/", views.PaymentVerifyView.as_view(), name="payment-verify"),
    path("payments/webhooks/razorpay/", views.RazorpayWebhookView.as_view(), name="payment-webhook-razorpay"),
    path("batches/<uuid:batch_id>/cancel/", views.BatchBulkCancelView.as_view(), name="batch-cancel"),
    path("batches/<uuid:batch_id>/waitlist/", views.WaitlistView.as_view(), name="batch-waitlist"),
    path("batches/<uuid:batch_id>/manifest/", views.ManifestView.as_view(), name="batch-manifest"),
    path("coupons/", coupons.CouponListView.as_view(), name="coupon-list"),
    path("coupons/<uuid:coupon_id>/", coupons.CouponDetailView.as_view(), name="coupon-detail"),
    path("coupons/<uuid:coupon_id>/deactivate/", coupons.CouponDeactivateView.as_view(), name="coupon-deactivate"),
    path("batches/<uuid:batch_id>/roster/", views.RosterView.as_view(), name="batch-roster"),
    path(
        "batches/<uuid:batch_id>/roster/<uuid:participant_id>/check-in/",
        views.BaseCheckInView.as_view(),
        name="batch-base-check-in",
    ),
    path("batches/<uuid:batch_id>/camp-check-ins/", views.CampCheckInsView.as_view(), name="batch-camp-check-ins"),
    path("guides/me/departures/", views.GuideDeparturesView.as_view(), name="guide-my-departures"),
    path(
        "batches/<uuid:batch_id>/announcements/",
        views.DepartureAnnouncementView.as_view(),
        name="batch-announcements",
    ),
    path("reports/revenue/", views.RevenueReportView.as_view(), name="revenue-report"),
    path("treks/<slug:slug>/add-ons/", views.TrekAddOnsView.as_view(), name="trek-add-ons"),
    path("add-ons/<uuid:add_on_id>/", views.AddOnDetailView.as_view(), name="add-on-detail"),
    path("credit/", credit.CreditAccountView.as_view(), name="credit-account"),
    path("invoices/<uuid:document_id>/", invoices.TaxDocumentView.as_view(), name="tax-document"),
    path("invoices/<uuid:document_id>/pdf/", invoices.TaxDocumentPdfView.as_view(), name="tax-document-pdf"),
]
