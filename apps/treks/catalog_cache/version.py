"""The catalog version: which cached catalog responses are current.

One database row (``CatalogVersion``) that every catalog write or seat change moves forward once its
transaction has committed (moving it before commit would let a concurrent reader store old rows under the
new value), or in that transaction's last write statement (:func:`catalog_version_bump_sql`: the value
written there becomes visible only at the commit). Each process keeps the value it last read and trusts it
for at most ``CATALOG_VERSION_RECHECK_SECONDS`` (0.5 s by default, never more than 1 s), then reads it again: one
primary-key query per process per interval, whatever the traffic. A change made anywhere is therefore served
by every process within that bound, and at once by the process that made it (a bump drops its copy).

The version lives with the data it describes rather than in Redis: a bump cannot be lost to a Redis outage
(which would leave old pages current once Redis is back), and a deployment's version is its own whatever
Redis server or database number it shares. When the version cannot be read, or this process could not
record a bump, the version is unknown and nothing is served from the cache until it is.

Values are microsecond timestamps, or one more than the previous value when that is greater: they only grow,
and a re-created row or a restored database never brings back a value that old pages may still carry.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import nullcontext
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import BigIntegerField, F, Value
from django.db.models.functions import Greatest

from apps.treks.models import CatalogVersion

logger = logging.getLogger(__name__)

ROW = 1


@dataclass(frozen=True)
class _Copy:
    value: int
    read_at: float  # wall-clock time at which the read started


class _ProcessState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.copy: _Copy | None = None
        self.generation = 0  # moves on every bump here: a read that overlapped one is not kept
        self.bump_pending = False  # a bump failed here: the version is unknown until it lands


_state = _ProcessState()


def _stamp() -> int:
    return time.time_ns() // 1000


def _read() -> int:
    value = CatalogVersion.objects.filter(pk=ROW).values_list("value", flat=True).first()
    if value is None:  # first use (or the row was deleted): start at a value never used before
        row, _ = CatalogVersion.objects.get_or_create(pk=ROW, defaults={"value": _stamp()})
        value = row.value
    return int(value)


def _write_bump() -> bool:
    stamp = _stamp()
    try:
        # After a commit (the usual case) the UPDATE runs on its own in autocommit: one round trip, not
        # BEGIN, UPDATE, COMMIT. Inside a transaction a savepoint keeps a failed bump from breaking it.
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            moved = CatalogVersion.objects.filter(pk=ROW).update(
                value=Greatest(F("value") + 1, Value(stamp, output_field=BigIntegerField()))
            )
            if not moved:
                CatalogVersion.objects.get_or_create(pk=ROW, defaults={"value": stamp})
    except DatabaseError:
        logger.exception("could not bump the catalog version; this process serves the catalog uncached")
        ok = False
    else:
        ok = True
    with _state.lock:
        _state.generation += 1
        _state.copy = None
        _state.bump_pending = not ok
    return ok


def catalog_version() -> int | None:
    """The current catalog version as far as this process may trust it, or None when it is unknown."""
    copy = _state.copy
    now = time.time()
    # A clock that went backwards makes the copy untrusted rather than trusted for longer.
    if copy is not None and 0 <= now - copy.read_at < settings.CATALOG_VERSION_RECHECK_SECONDS:
        return copy.value
    if _state.bump_pending and not _write_bump():
        return None
    generation = _state.generation
    try:
        value = _read()
    except DatabaseError:
        logger.warning("the catalog version could not be read; serving the catalog uncached", exc_info=True)
        return None
    with _state.lock:
        if generation == _state.generation:
            _state.copy = _Copy(value, now)
    return value


def catalog_version_bump_sql(*, when: str = "") -> tuple[str, list[int]]:
    """:func:`catalog_version_bump` as an ``UPDATE ... RETURNING 1`` for a caller's last write statement of its
    transaction (a data-modifying ``WITH``; PostgreSQL): the new value is written by that transaction, so it
    becomes visible at commit together with what changed, never before it (a reader reads the version before
    the rows it caches, so it cannot see the new value with the old rows). The row stays locked from that
    statement to the commit, as an autocommit bump locks it for its own commit. The caller hands whether the
    statement returned the row to :func:`catalog_version_bumped`. ``when``: the name of a ``WITH`` clause of
    that statement; the version moves only if that clause yields a row (a write that may change nothing).
    """
    table = connection.ops.quote_name(CatalogVersion._meta.db_table)
    guard = f" AND EXISTS (SELECT 1 FROM {when})" if when else ""  # noqa: S608 - a clause name from code
    sql = f"UPDATE {table} SET value = GREATEST(value + 1, %s) WHERE id = %s{guard} RETURNING 1"  # noqa: S608 - table from _meta, clause name from code
    return sql, [_stamp(), ROW]


def catalog_version_bumped(moved: bool) -> None:
    """After a statement of :func:`catalog_version_bump_sql`: once the transaction commits, this process drops
    its copy of the version (or, when the statement found no row to move, bumps as :func:`catalog_version_bump`
    does)."""
    transaction.on_commit(_forget_after_bump if moved else _write_bump)


def _forget_after_bump() -> None:
    with _state.lock:
        _state.generation += 1
        _state.copy = None


def catalog_version_bump() -> None:
    """Make every cached catalog response stale, once the current transaction commits.

    Outside a transaction it bumps at once. Safe to call repeatedly (each call is one more bump).
    """
    transaction.on_commit(_write_bump)


def forget_version() -> None:
    """Drop this process's copy of the version (tests; the next read goes to the database)."""
    with _state.lock:
        _state.generation += 1
        _state.copy = None
        _state.bump_pending = False
