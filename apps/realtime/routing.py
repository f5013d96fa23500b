"""WebSocket routes (the ASGI application in ``config/asgi.py`` serves them next to Django's HTTP)."""

from __future__ import annotations

from django.urls import path

from apps.realtime.consumers import LiveConsumer

websocket_urlpatterns = [path("ws/v1/live/", LiveConsumer.as_asgi())]
