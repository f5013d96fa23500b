from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "apps.common"
    label = "common"
    verbose_name = "Platform"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started

        from apps.common.db import cache_statement_parses
        from apps.common.services import open_after_response, run_after_response

        cache_statement_parses()

        request_started.connect(open_after_response, dispatch_uid="common.open_after_response")
        request_finished.connect(run_after_response, dispatch_uid="common.run_after_response")
