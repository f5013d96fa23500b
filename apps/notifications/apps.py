from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.notifications.signals import on_account_taken_over
        from apps.users.signals import account_taken_over

        account_taken_over.connect(on_account_taken_over, dispatch_uid="notifications.on_account_taken_over")
