from django.apps import AppConfig


class TreksConfig(AppConfig):
    name = "apps.treks"
    label = "treks"
    verbose_name = "Trek catalog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.treks.demo import seed_catalog
        from apps.users.management.commands.seed_demo import DEMO_SEEDERS

        if not any(name == "trek catalog" for name, _ in DEMO_SEEDERS):
            DEMO_SEEDERS.append(("trek catalog", seed_catalog))
