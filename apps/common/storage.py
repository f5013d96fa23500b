"""Local-disk media with absolute URLs.

A file's URL in an API response must work from wherever the response is read (the apps, the website):
S3 storages answer absolute URLs themselves; on local disk (``make run``) ``MEDIA_URL`` is a path, so the
URL is completed with the scheme and host of the request being served. Outside a request (a task, the
shell) it stays the path.
"""

from __future__ import annotations

from django.core.files.storage import FileSystemStorage, InMemoryStorage
from django.utils.deconstruct import deconstructible

from apps.common.context import current_request


class AbsoluteURLMixin:
    """Complete a path-only file URL with the scheme and host of the request being served."""

    def url(self, name: str | None) -> str:
        url: str = super().url(name)  # type: ignore[misc]
        request = current_request()
        if request is None or not url.startswith("/") or url.startswith("//"):
            return url
        return request.build_absolute_uri(url)


@deconstructible(path="apps.common.storage.LocalMediaStorage")
class LocalMediaStorage(AbsoluteURLMixin, FileSystemStorage):
    """Public media on local disk (``make run``)."""


@deconstructible(path="apps.common.storage.InMemoryMediaStorage")
class InMemoryMediaStorage(AbsoluteURLMixin, InMemoryStorage):
    """Public media in memory, with the same absolute URLs (the test suite)."""
