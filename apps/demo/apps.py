from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "apps.demo"
    label = "demo"
    verbose_name = "Demo data (development only)"
    default_auto_field = "django.db.models.BigAutoField"
