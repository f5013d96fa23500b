from django.core.servers.basehttp import WSGIServer
from whitenoise.runserver_nostatic.management.commands.runserver import Command as NoStaticRunserver


class DevWSGIServer(WSGIServer):
    # Django's backlog of 10 connections refuses (resets) the rest when a client opens a few dozen at once,
    # e.g. a load test or a mobile app retrying; the threaded server serves them all once accepted.
    request_queue_size = 128


class Command(NoStaticRunserver):
    server_cls = DevWSGIServer
