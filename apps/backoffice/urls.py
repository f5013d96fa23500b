from django.urls import path

from apps.backoffice import views

urlpatterns = [
    path("customers/", views.CustomerListCreateView.as_view(), name="customer-list"),
    path("customers/<uuid:customer_id>/", views.CustomerDetailView.as_view(), name="customer-detail"),
    path("customers/<uuid:customer_id>/bookings/", views.CustomerBookingCreateView.as_view(), name="customer-bookings"),
    path(
        "bookings/<uuid:booking_id>/offline-payments/",
        views.OfflinePaymentView.as_view(),
        name="booking-offline-payments",
    ),
    path("refunds/<uuid:refund_id>/manual/", views.ManualRefundView.as_view(), name="refund-manual"),
]
