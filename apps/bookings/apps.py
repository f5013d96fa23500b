from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "apps.bookings"
    label = "bookings"
    verbose_name = "Bookings and payments"
    default_auto_field = "django.db.models.BigAutoField"
