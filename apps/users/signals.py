"""Signals other domains may listen to (the accounts app imports none of them)."""

from __future__ import annotations

from django.dispatch import Signal

# An account nobody had proved to own was handed to whoever proved its e-mail (Google) or phone (a code).
# Sent inside the takeover's transaction with ``user``: each domain removes what the previous holder left in
# it (devices, notification choices, posts, messages...). Receivers must not fail for an account with nothing.
account_taken_over = Signal()
