"""Celery application. Settings come from Django settings under the CELERY_ namespace.

Workers and beat log exactly like the web: Celery does not configure logging itself (a ``setup_logging``
receiver is connected), the Django ``LOGGING`` config is applied instead: one console handler, the request id,
redaction, JSON lines in production. With JSON logs the worker's start-up banner becomes one log record and
beat's is left out, so every line a worker or beat writes is JSON (except the fixed shutdown notices Celery
writes from its signal handlers, outside logging).

Every task message carries the id of the request that enqueued it; the worker restores it for the task's run
(``apps.common.observability``).
"""

from __future__ import annotations

import logging
import logging.config
import os
from functools import cached_property
from typing import Any

from celery import Celery, signals
from celery.apps.beat import Beat
from celery.apps.worker import Worker

from apps.common import observability

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

logger = logging.getLogger("celery.worker")


def json_logs() -> bool:
    from django.conf import settings

    return bool(settings.LOGGING["handlers"]["console"]["formatter"] == "json")


class ObsWorker(Worker):
    def emit_banner(self) -> None:
        if json_logs():
            logger.info("celery worker starting\n%s", self.startup_info(artlines=False))
        else:
            super().emit_banner()


class ObsBeat(Beat):
    def __init__(self, **kwargs: Any) -> None:
        kwargs["quiet"] = bool(kwargs.get("quiet")) or json_logs()
        super().__init__(**kwargs)


class ObsCelery(Celery):
    @cached_property
    def Worker(self) -> type[Worker]:
        return self.subclass_with_self(ObsWorker)

    @cached_property
    def Beat(self) -> type[Beat]:
        return self.subclass_with_self(ObsBeat)


app = ObsCelery("obs")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
@signals.celeryd_init.connect  # earlier, so the worker's start-up warnings are log records too
def configure_logging(**kwargs: Any) -> None:
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    logging.captureWarnings(True)


signals.before_task_publish.connect(observability.on_before_task_publish, weak=False)
signals.task_prerun.connect(observability.on_task_prerun, weak=False)
signals.task_postrun.connect(observability.on_task_postrun, weak=False)
