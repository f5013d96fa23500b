"""Channel providers behind small interfaces, chosen in settings.

- E-mail: Django's mail API (``EMAIL_BACKEND``), see :mod:`.email`.
- SMS: ``NOTIFICATIONS_SMS_BACKEND`` (console, locmem for tests, MSG91), see :mod:`.sms`.
- Push: ``NOTIFICATIONS_PUSH_BACKEND`` (console, locmem for tests, FCM HTTP v1), see :mod:`.push`.
"""

from __future__ import annotations


class DeliveryError(Exception):
    """The provider did not take the message; worth another try later (timeouts, 5xx, 429)."""


class OutcomeUnknown(DeliveryError):
    """The request reached the provider but no answer came back (read timeout): it may have been sent."""


class PermanentDeliveryError(DeliveryError):
    """Retrying cannot help (bad number, rejected request, missing configuration)."""


class InvalidRecipient(PermanentDeliveryError):
    """The provider says the address or token is dead; it should be forgotten."""
