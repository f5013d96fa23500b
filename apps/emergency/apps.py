from django.apps import AppConfig


class EmergencyConfig(AppConfig):
    name = "apps.emergency"
    label = "emergency"
    verbose_name = "Emergency"
    default_auto_field = "django.db.models.BigAutoField"
