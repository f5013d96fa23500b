"""Signals other domains may listen to (the accounts app imports none of them)."""

from __future__ import annotations

from django.dispatch import Signal

# An account nobody had proved to own was handed to whoever proved its e-mail (Google) or phone (a code).
# Sent inside the takeover's transaction with ``user``: each domain removes what the previous holder left in
# it (devices, notification choices, posts, messages...). Receivers must not fail for an account with nothing.
account_taken_over = Signal()

# A user's staff role changed (set by staff, or cleared when the account is anonymised). Sent inside the
# change's transaction with ``actor`` and ``user`` (the locked row, carrying its new ``staff_role``): the catalog
# keeps the guide profile in step with the guide role.
staff_role_changed = Signal()

# A message of the accounts domain (one-time code, verification or reset link), sent with the keyword arguments
# of ``notify()`` inside the caller's transaction: the notifications app delivers it (``apps.users.sending``).
account_message = Signal()
