from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.common.signals import database_metrics_collect
        from apps.notifications.signals import on_account_message, on_account_taken_over, on_database_metrics_collect
        from apps.users.signals import account_message, account_taken_over

        account_taken_over.connect(on_account_taken_over, dispatch_uid="notifications.on_account_taken_over")
        account_message.connect(on_account_message, dispatch_uid="notifications.on_account_message")
        database_metrics_collect.connect(on_database_metrics_collect, dispatch_uid="notifications.on_database_metrics")
