from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "apps.messaging"
    label = "messaging"
    verbose_name = "Messaging"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.messaging.demo import seed_messaging
        from apps.messaging.signals import on_account_taken_over
        from apps.users.management.commands.seed_demo import DEMO_SEEDERS
        from apps.users.signals import account_taken_over

        account_taken_over.connect(on_account_taken_over, dispatch_uid="messaging.on_account_taken_over")

        if not any(name == "messaging" for name, _ in DEMO_SEEDERS):
            DEMO_SEEDERS.append(("messaging", seed_messaging))
