from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.notifications.demo import seed_notifications
        from apps.users.management.commands.seed_demo import DEMO_SEEDERS

        if not any(name == "notifications" for name, _ in DEMO_SEEDERS):
            DEMO_SEEDERS.append(("notifications", seed_notifications))
