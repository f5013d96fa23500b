from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "apps.messaging"
    label = "messaging"
    verbose_name = "Messaging"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.messaging.signals import on_account_taken_over, on_batch_guide_changed, on_batch_rescheduled
        from apps.treks.signals import batch_guide_changed, batch_rescheduled
        from apps.users.signals import account_taken_over

        account_taken_over.connect(on_account_taken_over, dispatch_uid="messaging.on_account_taken_over")
        batch_rescheduled.connect(on_batch_rescheduled, dispatch_uid="messaging.on_batch_rescheduled")
        batch_guide_changed.connect(on_batch_guide_changed, dispatch_uid="messaging.on_batch_guide_changed")
