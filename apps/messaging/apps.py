from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "apps.messaging"
    label = "messaging"
    verbose_name = "Messaging"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.messaging.signals import on_account_taken_over
        from apps.users.signals import account_taken_over

        account_taken_over.connect(on_account_taken_over, dispatch_uid="messaging.on_account_taken_over")
