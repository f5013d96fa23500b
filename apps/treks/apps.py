from django.apps import AppConfig


class TreksConfig(AppConfig):
    name = "apps.treks"
    label = "treks"
    verbose_name = "Trek catalog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.treks.signals import on_staff_role_changed
        from apps.users.signals import staff_role_changed

        staff_role_changed.connect(on_staff_role_changed, dispatch_uid="treks.on_staff_role_changed")
