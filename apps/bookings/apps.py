from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "apps.bookings"
    label = "bookings"
    verbose_name = "Bookings and payments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.bookings.demo import seed_bookings
        from apps.users.management.commands.seed_demo import DEMO_SEEDERS

        if not any(name == "bookings" for name, _ in DEMO_SEEDERS):
            DEMO_SEEDERS.append(("bookings", seed_bookings))
