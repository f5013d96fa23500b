"""Remembering, per process, that a dependency failed moments ago, so callers skip it for a while.

A dead or silent server costs each caller a connect or read timeout. After one failure the callers of a
:class:`Backoff` go straight to their fallback for ``seconds``; the first call after that tries the server
again. State is shared by every thread of the process (plain attribute writes; a race only costs one more
attempt).
"""

from __future__ import annotations

import time


class Backoff:
    def __init__(self) -> None:
        self.failed_at: float | None = None  # monotonic time of the last failure
        self.down_since: float | None = None  # start of the current outage, None while the server answers

    def active(self, seconds: float) -> bool:
        """True while the last failure is less than ``seconds`` old: do not try the server."""
        failed_at = self.failed_at
        return failed_at is not None and time.monotonic() - failed_at < seconds

    def failure(self) -> bool:
        """Record a failure; True when it starts an outage (the server answered until now)."""
        now = time.monotonic()
        self.failed_at = now
        if self.down_since is None:
            self.down_since = now
            return True
        return False

    def success(self) -> float | None:
        """Record an answer; returns how long the outage it ends lasted, or None if there was none."""
        down_since = self.down_since
        if down_since is None:
            return None
        self.down_since = self.failed_at = None
        return time.monotonic() - down_since

    def reset(self) -> None:
        self.failed_at = self.down_since = None
