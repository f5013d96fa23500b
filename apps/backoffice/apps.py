from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    """The staff admin's dashboard: it reads bookings, emergency and notifications, so it is the top layer."""

    name = "apps.backoffice"
    label = "backoffice"
    verbose_name = "Back-office"

    def ready(self) -> None:
        from django.contrib import admin  # the site exists once every app is loaded

        admin.site.index_template = "backoffice/index.html"
