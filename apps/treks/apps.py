from django.apps import AppConfig


class TreksConfig(AppConfig):
    name = "apps.treks"
    label = "treks"
    verbose_name = "Trek catalog"
    default_auto_field = "django.db.models.BigAutoField"
