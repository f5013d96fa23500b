"""Cached public catalog responses with ETags.

A response is stored as rendered bytes, with the catalog version it was built under, at a key made of the
host, the path, the query string, the local date (``next_batch`` moves with the calendar) and the audience
(the public, or staff who also see drafts). It is served only under that same version, the current one
(``apps.treks.catalog_cache.version``). Pages live in the Django cache (Redis, under its key prefix and
database) and each process also keeps the last pages it served in memory, so a hit normally touches
neither Redis nor the database. The ETag is derived from the version and the key, so ``If-None-Match`` is
answered with 304 before anything is queried or rendered, and any catalog write or seat change changes
every ETag at once. With the version unknown, responses are built and sent without an ETag.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.http.response import HttpResponseBase
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from apps.treks.catalog_cache.version import catalog_version
from apps.treks.selectors import can_see_drafts

logger = logging.getLogger(__name__)

_renderer = JSONRenderer()

# A small per-process copy of recently served pages, each used only under the version it was built for.
_LOCAL_MAX = 256
_local: OrderedDict[str, tuple[int, bytes]] = OrderedDict()
_local_lock = threading.Lock()


def _local_get(key: str, version: int) -> bytes | None:
    with _local_lock:
        entry = _local.get(key)
        if entry is None or entry[0] != version:
            return None
        _local.move_to_end(key)
        return entry[1]


def _local_put(key: str, version: int, body: bytes) -> None:
    with _local_lock:
        _local[key] = (version, body)
        _local.move_to_end(key)
        while len(_local) > _LOCAL_MAX:
            _local.popitem(last=False)


def local_pages_clear() -> None:
    with _local_lock:
        _local.clear()


def etag_matches(header: str | None, etag: str) -> bool:
    """Weak comparison of ``If-None-Match`` against ``etag`` (RFC 9110 section 13.1.2)."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(candidate.strip().removeprefix("W/") == wanted for candidate in header.split(","))


def _cache_enabled(request: Request) -> bool:
    if not getattr(settings, "CATALOG_CACHE_ENABLED", True):
        return False
    bypass = getattr(settings, "CATALOG_CACHE_BYPASS_HEADER", None)  # only set by the bench settings
    return not (bypass and request.headers.get(bypass))


class RenderedResponse(Response):
    """A 200 whose JSON body is already written (bytes, as ``JSONRenderer`` would write them): served as is."""

    def __init__(self, body: bytes) -> None:
        super().__init__()
        self.body = body


def _render(response: Response, content_type: str) -> HttpResponse:
    body = response.body if isinstance(response, RenderedResponse) else _renderer.render(response.data)
    return HttpResponse(body, content_type=content_type, status=response.status_code)


def _tagged(response: HttpResponseBase, etag: str) -> HttpResponseBase:
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"
    response["Vary"] = "Authorization"
    return response


def cached_catalog_response(
    request: Request, build: Callable[[], Response], *, content_type: str = "application/json"
) -> HttpResponseBase:
    """Serve ``build()``'s response from the catalog cache, or build, render and store it."""
    if not _cache_enabled(request):
        return _render(build(), content_type)
    version = catalog_version()
    if version is None:  # unknown: a cached answer could be stale
        return _render(build(), content_type)
    audience = "staff" if can_see_drafts(request.user) else "public"
    meta = request.META
    # The host was validated by CommonMiddleware; it matters because pagination links are absolute.
    host = meta.get("HTTP_HOST") or request.get_host()
    material = f"{audience}|{host}|{request.path}?{meta.get('QUERY_STRING', '')}|{timezone.localdate().isoformat()}"
    digest = hashlib.sha256(material.encode()).hexdigest()[:40]
    key = f"catalog:resp:{digest}"
    etag = f'"{version:x}-{digest[:24]}"'
    if etag_matches(request.headers.get("If-None-Match"), etag):
        return _tagged(HttpResponseNotModified(), etag)
    body = _local_get(key, version)
    if body is None:
        entry = cache.get(key)  # (version, body); the cache answers from process memory without Redis
        if entry is not None and entry[0] == version:
            body = entry[1]
            _local_put(key, version, body)
    if body is None:
        response = _render(build(), content_type)
        if response.status_code != 200:
            return response
        body = response.content
        cache.set(key, (version, body), timeout=getattr(settings, "CATALOG_CACHE_SECONDS", 600))
        _local_put(key, version, body)
    return _tagged(HttpResponse(body, content_type=content_type), etag)
