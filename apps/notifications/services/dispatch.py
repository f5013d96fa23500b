"""``notify()``: the one entry point every domain uses to tell someone something."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from apps.common.services import enqueue_on_commit
from apps.notifications.models import Category, Channel, Delivery, Device, Notification
from apps.notifications.policy import default_channels, is_locked
from apps.notifications.rendering import render_inbox, require_template
from apps.notifications.selectors import preferences_for

if TYPE_CHECKING:
    from apps.users.models import User

logger = logging.getLogger(__name__)

E164 = re.compile(r"^\+[1-9]\d{7,14}$")


def notify(
    *,
    template: str,
    category: str,
    context: dict[str, Any],
    user: User | None = None,
    channels: Sequence[str] | None = None,
    phone: str | None = None,
    email: str | None = None,
    dedupe_key: str | None = None,
    sensitive: bool = False,
) -> list[Delivery]:
    """Queue a message for ``user`` and/or a raw ``phone`` / ``email``; call it inside your transaction.

    - Creates the inbox :class:`Notification` (when there is a user, the inbox channel applies and the message
      is not ``sensitive``) and one :class:`Delivery` per channel and recipient (each push device is a
      recipient); a delivery task per delivery is enqueued when the transaction commits, carrying only the id.
    - ``channels`` narrows the channels (default: the category's); for a user, preferences then apply, except
      for the security and emergency categories. ``phone`` is texted and ``email`` mailed whatever the
      preferences (they are explicit addresses: an OTP to a new number, emergency contacts, the ops list).
    - ``dedupe_key``: at most one delivery per (key, channel, recipient) and one inbox row per (user, key),
      however often this is called, concurrently too. Deliveries that already existed are not returned.
    - ``sensitive``: the content is never logged, no inbox row is kept, and the stored context is erased
      once the delivery has ended (sent or failed).

    Returns the deliveries created by this call. Raises ``ValueError`` for a wrong category, channel, phone
    or e-mail, and ``TemplateDoesNotExist`` for a template missing on a channel that would be used.
    """
    category = Category(category).value
    requested = _validate_channels(channels)
    if user is None and not phone and not email:
        raise ValueError("notify() needs a user, a phone or an e-mail address")
    if phone is not None and not E164.match(phone):
        raise ValueError("phone must be an E.164 number such as +919812345678")
    if email is not None:
        try:
            validate_email(email)
        except DjangoValidationError as exc:
            raise ValueError("email is not a valid address") from exc
        email = email.strip().lower()
    if dedupe_key is not None and not dedupe_key.strip():
        raise ValueError("dedupe_key must not be blank")
    for name, addressed in ((Channel.SMS, phone), (Channel.EMAIL, email)):
        if addressed and requested is not None and name not in requested:
            raise ValueError(f"a raw {name} recipient was given but the {name} channel was not requested")
    context = _json_safe(context)

    wanted = _channels_for_user(user, category, requested) if user is not None else []
    plan: list[tuple[str, str, Device | None, bool]] = []  # channel, recipient, device, is the user's own
    if user is not None:
        if Channel.EMAIL in wanted and user.email:
            plan.append((Channel.EMAIL, user.email, None, True))
        if Channel.SMS in wanted and user.phone:
            plan.append((Channel.SMS, user.phone, None, True))
        if Channel.PUSH in wanted:
            plan.extend((Channel.PUSH, f"device:{device.pk}", device, True) for device in user.devices.all())
    if phone:
        plan.append((Channel.SMS, phone, None, False))
    if email:
        plan.append((Channel.EMAIL, email, None, False))
    unique_plan: dict[tuple[str, str], tuple[str, str, Device | None, bool]] = {}
    for entry in plan:
        unique_plan.setdefault((entry[0], entry[1]), entry)

    with_inbox = user is not None and Channel.INBOX in wanted and not sensitive
    for channel in {entry[0] for entry in unique_plan.values()} | ({Channel.INBOX} if with_inbox else set()):
        require_template(channel, template)

    now = timezone.now()
    with transaction.atomic():
        notification = None
        if with_inbox:
            assert user is not None
            notification = _inbox_create(
                user=user, template=template, category=category, context=context, dedupe_key=dedupe_key
            )
        rows = [
            Delivery(
                notification=notification,
                user=user if own else None,
                device=device,
                channel=recipient_channel,
                category=category,
                template=template,
                recipient=recipient,
                context=context,
                sensitive=sensitive,
                dedupe_key=dedupe_key,
                next_attempt_at=now,
            )
            for recipient_channel, recipient, device, own in unique_plan.values()
        ]
        created = _insert_new(rows) if dedupe_key else Delivery.objects.bulk_create(rows)
        for delivery in created:
            enqueue_on_commit(_deliver_task(), str(delivery.pk))
    logger.info(
        "notify %s/%s: %d deliveries queued%s",
        category,
        template,
        len(created),
        f", inbox {notification.pk}" if notification else "",
    )
    return created


def _validate_channels(channels: Sequence[str] | None) -> list[str] | None:
    if channels is None:
        return None
    if isinstance(channels, str):
        raise ValueError("channels must be a sequence of channel names, not a string")
    return [Channel(channel).value for channel in channels]


def _json_safe(context: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(context, dict):
        raise ValueError("context must be a dict")
    try:
        safe: dict[str, Any] = json.loads(json.dumps(context, cls=DjangoJSONEncoder))
    except TypeError as exc:
        raise ValueError(f"context is not JSON-serialisable: {exc}") from exc
    return safe


def _channels_for_user(user: User, category: str, requested: list[str] | None) -> list[str]:
    candidates = list(requested) if requested is not None else list(default_channels(category))
    if is_locked(category):
        return candidates
    if not user.is_active:
        return []
    allowed = preferences_for(user=user, category=category)[category]
    return [channel for channel in candidates if channel == Channel.INBOX or allowed.get(channel, False)]


def _inbox_create(
    *, user: User, template: str, category: str, context: dict[str, Any], dedupe_key: str | None
) -> Notification:
    rendered = render_inbox(template, context)
    notification = Notification(
        user=user,
        category=category,
        template=template,
        title=rendered.title[:200],
        body=rendered.body,
        data=context,
        dedupe_key=dedupe_key,
    )
    if dedupe_key is None:
        notification.save()
        return notification
    Notification.objects.bulk_create([notification], ignore_conflicts=True)  # ON CONFLICT DO NOTHING
    return Notification.objects.get(user=user, dedupe_key=dedupe_key)


def _insert_new(rows: list[Delivery]) -> list[Delivery]:
    """Insert, skipping (dedupe_key, channel, recipient) that exist; a concurrent twin waits, then skips."""
    if not rows:
        return []
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    inserted = set(Delivery.objects.filter(pk__in=[row.pk for row in rows]).values_list("pk", flat=True))
    return [row for row in rows if row.pk in inserted]


def _deliver_task() -> Any:
    from apps.notifications.tasks import deliver

    return deliver
