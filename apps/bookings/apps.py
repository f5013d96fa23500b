from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "apps.bookings"
    label = "bookings"
    verbose_name = "Bookings and payments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.bookings.signals import on_backup_totals_collect
        from apps.common.signals import backup_totals_collect

        backup_totals_collect.connect(on_backup_totals_collect, dispatch_uid="bookings.on_backup_totals_collect")
