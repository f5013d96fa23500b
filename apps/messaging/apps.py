from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "apps.messaging"
    label = "messaging"
    verbose_name = "Messaging"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.messaging.demo import seed_messaging
        from apps.users.management.commands.seed_demo import DEMO_SEEDERS

        if not any(name == "messaging" for name, _ in DEMO_SEEDERS):
            DEMO_SEEDERS.append(("messaging", seed_messaging))
