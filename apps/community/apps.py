from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "apps.community"
    label = "community"
    verbose_name = "Community (Trekking Tribe)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.bookings.signals import booking_completed
        from apps.community.demo import seed_community
        from apps.community.signals import on_booking_completed
        from apps.users.management.commands.seed_demo import DEMO_SEEDERS

        booking_completed.connect(on_booking_completed, dispatch_uid="community.on_booking_completed")
        if not any(name == "community" for name, _ in DEMO_SEEDERS):
            DEMO_SEEDERS.append(("community", seed_community))
