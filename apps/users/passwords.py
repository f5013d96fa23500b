"""Passwords are hashed before the write transaction that stores them, never inside it.

A password hash is slow on purpose (hundreds of milliseconds of CPU). Inside ``transaction.atomic()`` it would
hold whatever the transaction holds for that long: on SQLite (``make run``), whose transactions take the one
database-wide write lock at ``BEGIN IMMEDIATE``, every other writer would queue behind each hash, an SOS
included; on PostgreSQL, the row locks of ``select_for_update()``. So a service hashes first and stores the
hash inside the transaction::

    with prehashed_passwords(password), transaction.atomic():
        user = User.objects.create_user(email=email, password=password)

``User.set_password`` takes the hash computed here for the same raw password (once) instead of hashing again.
apps/users/tests/test_password_hashing.py checks every route that takes a password.

A hash is also nothing but CPU: hashes run at most one per CPU at a time in a process (``PBKDF2PasswordHasher``,
first in ``PASSWORD_HASHERS``). More at once would only share the cores, so a burst of sign-ups would starve
every other request of the process (an SOS among them, or a transaction waiting to commit); the rest wait for
their turn without using any.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.auth import hashers
from django.contrib.auth.hashers import make_password

HASHING_SLOTS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
_hashing = threading.BoundedSemaphore(HASHING_SLOTS)


class PBKDF2PasswordHasher(hashers.PBKDF2PasswordHasher):
    """Django's default hasher (the same algorithm and hashes), at most ``HASHING_SLOTS`` hashes at a time.

    ``verify`` and ``harden_runtime`` hash through ``encode`` too.
    """

    def encode(self, password: str, salt: str, iterations: int | None = None) -> str:
        with _hashing:
            return super().encode(password, salt, iterations)


_prehashed: ContextVar[dict[str, str] | None] = ContextVar("prehashed_passwords", default=None)


@contextmanager
def prehashed_passwords(*raw_passwords: str | None) -> Iterator[None]:
    """Hash these passwords now; ``User.set_password`` inside the block stores these hashes."""
    hashes = {**(_prehashed.get() or {}), **{raw: make_password(raw) for raw in raw_passwords if raw}}
    token = _prehashed.set(hashes)
    try:
        yield
    finally:
        _prehashed.reset(token)


def take_prehashed(raw_password: str | None) -> str | None:
    """The hash computed up front for this password, if any; each hash is used once (one salt per account)."""
    hashes = _prehashed.get()
    if not hashes or not raw_password:
        return None
    return hashes.pop(raw_password, None)
