"""The ASGI application: Django's HTTP and the WebSocket endpoint (``apps.realtime``).

In production it is served by daphne as its own process beside gunicorn (deploy/), which keeps serving HTTP; the
proxy sends ``/ws/`` here. `make run` serves both from this one application (daphne's runserver).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")

django_application = get_asgi_application()  # sets Django up before the consumers' imports

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402  after Django is set up

from apps.realtime.routing import websocket_urlpatterns  # noqa: E402  after Django is set up

# No origin check: a socket carries no cookie, only the token its first message sends (docs/realtime.md).
application = ProtocolTypeRouter({"http": django_application, "websocket": URLRouter(websocket_urlpatterns)})
