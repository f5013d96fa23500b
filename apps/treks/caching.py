"""Cached public catalog responses with ETags.

A response is stored as rendered bytes, with the catalog version it was built under, at a key made of
the host, the path, the query string, the local date (``next_batch`` moves with the
calendar) and the audience (the public, or staff who also see drafts). An entry counts only if its
version is the current one, which each process learns from Redis pub/sub (``apps.treks.versionwatch``;
one small Redis read per request when that is off or down); each process also keeps the last pages
it served in memory, checked against that same version, so a hit needs no Redis round trip. The
ETag is derived from the version and the key, so a client's ``If-None-Match`` is answered with 304
before anything is queried or rendered, and any catalog write or seat change (a version bump)
changes every ETag at once.
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
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from apps.treks.selectors import can_see_drafts
from apps.treks.services.batches import local_today
from apps.treks.services.cache import catalog_version
from apps.treks.versionwatch import local_catalog_version

logger = logging.getLogger(__name__)

_renderer = JSONRenderer()


# A small per-process copy of recently served pages. An entry is used only when its version is the
# current one (read from Redis on every request), so it is never staler than the Redis entry.
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


def local_cache_clear() -> None:
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


def _render(response: Response, content_type: str) -> HttpResponse:
    return HttpResponse(_renderer.render(response.data), content_type=content_type, status=response.status_code)


def cached_catalog_response(
    request: Request, build: Callable[[], Response], *, content_type: str = "application/json"
) -> HttpResponseBase:
    """Serve ``build()``'s response from the catalog cache, or build, render and store it."""
    if not _cache_enabled(request):
        return _render(build(), content_type)
    audience = "staff" if can_see_drafts(request.user) else "public"
    meta = request.META
    # The host was validated by CommonMiddleware; it matters because pagination links are absolute.
    host = meta.get("HTTP_HOST") or request.get_host()
    material = f"{audience}|{host}|{request.path}?{meta.get('QUERY_STRING', '')}|{local_today().isoformat()}"
    digest = hashlib.sha256(material.encode()).hexdigest()[:40]
    key = f"catalog:resp:{digest}"
    try:
        # Pushed to this process when the subscription is up; otherwise one small Redis read.
        version = local_catalog_version() or catalog_version()
    except Exception:  # cache down: serve uncached rather than fail
        logger.warning("catalog cache unavailable; serving uncached", exc_info=True)
        return _render(build(), content_type)
    etag = f'"{version:x}-{digest[:24]}"'
    if etag_matches(request.headers.get("If-None-Match"), etag):
        not_modified = HttpResponseNotModified()
        not_modified["ETag"] = etag
        not_modified["Cache-Control"] = "no-cache"
        not_modified["Vary"] = "Authorization"
        return not_modified
    body = _local_get(key, version)
    if body is None:
        try:
            entry = cache.get(key)  # stored as (version, body)
        except Exception:
            logger.warning("catalog cache read failed", exc_info=True)
            entry = None
        if entry is not None and entry[0] == version:
            body = entry[1]
            _local_put(key, version, body)
    if body is None:
        response = _render(build(), content_type)
        if response.status_code != 200:
            return response
        body = response.content
        try:
            cache.set(key, (version, body), timeout=getattr(settings, "CATALOG_CACHE_SECONDS", 600))
        except Exception:
            logger.warning("catalog cache write failed", exc_info=True)
        _local_put(key, version, body)
    out = HttpResponse(body, content_type=content_type)
    out["ETag"] = etag
    out["Cache-Control"] = "no-cache"
    out["Vary"] = "Authorization"
    return out
