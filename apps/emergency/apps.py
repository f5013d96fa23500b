from django.apps import AppConfig


class EmergencyConfig(AppConfig):
    name = "apps.emergency"
    label = "emergency"
    verbose_name = "Emergency"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.emergency.demo import seed_emergency
        from apps.users.management.commands.seed_demo import DEMO_SEEDERS

        if not any(name == "emergency" for name, _ in DEMO_SEEDERS):
            DEMO_SEEDERS.append(("emergency", seed_emergency))
