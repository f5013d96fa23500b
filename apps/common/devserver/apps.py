from django.apps import AppConfig


class DevServerConfig(AppConfig):
    name = "apps.common.devserver"
    label = "devserver"
    verbose_name = "Development server"
