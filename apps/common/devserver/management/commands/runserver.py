"""`make run`'s development server: daphne's runserver, serving HTTP and the WebSocket endpoint from one process
(``ASGI_APPLICATION``, config/asgi.py), with a listen backlog that takes a burst of connections. Static files are
left to WhiteNoise's middleware, as in production. ``--noasgi`` falls back to Django's threaded WSGI server."""

from typing import Any

from daphne.management.commands.runserver import Command as DaphneRunserver
from daphne.management.commands.runserver import get_default_application
from daphne.server import Server
from django.core.servers.basehttp import WSGIServer


class DevWSGIServer(WSGIServer):
    # Django's backlog of 10 connections refuses (resets) the rest when a client opens a few dozen at once,
    # e.g. a load test or a mobile app retrying; the threaded server serves them all once accepted.
    request_queue_size = 128


class DevServer(Server):
    """daphne's server listening with the same backlog (a Twisted endpoint option)."""

    def __init__(self, *args: Any, endpoints: list[str], **kwargs: Any) -> None:
        super().__init__(*args, endpoints=[f"{endpoint}:backlog=128" for endpoint in endpoints], **kwargs)


class Command(DaphneRunserver):
    server_cls: type[Any] = DevServer

    def inner_run(self, *args: Any, **options: Any) -> None:
        if not options.get("use_asgi", True):
            self.server_cls = DevWSGIServer  # daphne's fallback to Django's runserver, with the backlog above
            return super(DaphneRunserver, self).inner_run(*args, **options)
        return super().inner_run(*args, **options)

    def get_application(self, options: dict[str, Any]) -> Any:
        return get_default_application()
