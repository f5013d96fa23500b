"""The catalog cache: public catalog responses served from a cache that is never behind by more than 1 s.

- ``version``: the catalog version, a database row moved forward after every catalog write or seat change
  and re-read by each process at most ``CATALOG_VERSION_RECHECK_SECONDS`` after its last read;
- ``responses``: rendered responses cached under the version they were built for, with ETags.

Writers call :func:`catalog_version_bump`; catalog views wrap their response in
:func:`cached_catalog_response`.
"""

from apps.treks.catalog_cache.responses import local_pages_clear
from apps.treks.catalog_cache.version import (
    catalog_version,
    catalog_version_bump,
    catalog_version_bump_sql,
    catalog_version_bumped,
    forget_version,
)


def forget_process_state() -> None:
    """Forget this process's copy of the version and its pages in memory (tests)."""
    forget_version()
    local_pages_clear()


__all__ = [
    "catalog_version",
    "catalog_version_bump",
    "catalog_version_bump_sql",
    "catalog_version_bumped",
    "forget_process_state",
]
