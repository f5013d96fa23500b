from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "apps.bookings"
    label = "bookings"
    verbose_name = "Bookings and payments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.bookings.signals import on_backup_totals_collect, on_batch_guide_changed, on_batch_rescheduled
        from apps.common.signals import backup_totals_collect
        from apps.treks.signals import batch_guide_changed, batch_rescheduled

        backup_totals_collect.connect(on_backup_totals_collect, dispatch_uid="bookings.on_backup_totals_collect")
        batch_rescheduled.connect(on_batch_rescheduled, dispatch_uid="bookings.on_batch_rescheduled")
        batch_guide_changed.connect(on_batch_guide_changed, dispatch_uid="bookings.on_batch_guide_changed")
