"""The catalog version: one Redis counter that every catalog write or seat change bumps.

Public catalog responses are cached under the current version (see ``apps.treks.caching``), so a bump
makes every cached page stale at once; nothing has to know which pages a change touched.
"""

from __future__ import annotations

import logging
import time

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

VERSION_KEY = "catalog:version"


def _fresh_version() -> int:
    # Never restart from 1 after the key is lost (eviction, flush): old entries must not come back.
    return time.time_ns() // 1000


def catalog_version() -> int:
    """The current catalog version (created on first use)."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, _fresh_version(), timeout=None)
        version = cache.get(VERSION_KEY)
    return int(version)


def _bump() -> None:
    from apps.treks.versionwatch import publish_version

    try:
        try:
            version = int(cache.incr(VERSION_KEY))
        except ValueError:  # key missing: start a new, never-used version
            version = _fresh_version()
            cache.set(VERSION_KEY, version, timeout=None)
    except Exception:  # the cache being down must not fail a committed write
        logger.exception("could not bump the catalog version")
        return
    publish_version(version)


def catalog_version_bump() -> None:
    """Invalidate every cached catalog response, once the current transaction commits.

    Bumping after commit matters: a bump before commit would let a concurrent reader cache the old
    rows under the new version. Outside a transaction it bumps at once. Safe to call repeatedly.
    """
    transaction.on_commit(_bump)
