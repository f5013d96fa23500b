"""The URLs under ``config.settings.bench``: the bench-only routes first, then every route of ``config.urls``."""

from __future__ import annotations

from typing import cast

from django.urls import URLPattern, URLResolver, path

from config import urls
from config.bench import FloorView, NaiveTrekListView

# First, so resolving the floor never costs more than resolving a catalog route.
urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/bench/floor/", FloorView.as_view(), name="bench-floor"),
    path("api/v1/bench/naive-treks/", NaiveTrekListView.as_view(), name="bench-naive-treks"),
    *cast(list[URLPattern | URLResolver], urls.urlpatterns),
]
