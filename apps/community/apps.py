from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "apps.community"
    label = "community"
    verbose_name = "Community (Trekking Tribe)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.bookings.signals import booking_completed
        from apps.community.signals import on_account_taken_over, on_booking_completed
        from apps.users.signals import account_taken_over

        booking_completed.connect(on_booking_completed, dispatch_uid="community.on_booking_completed")
        account_taken_over.connect(on_account_taken_over, dispatch_uid="community.on_account_taken_over")
