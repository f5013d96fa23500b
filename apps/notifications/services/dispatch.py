"""``notify()``: the one entry point every domain uses to tell someone something."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.common.db import insert_new
from apps.common.services import enqueue_batch_on_commit
from apps.notifications import tasks
from apps.notifications.models import Category, Channel, Delivery, Device, Notification
from apps.notifications.policy import default_channels, is_locked
from apps.notifications.rendering import render_inbox, require_template
from apps.notifications.selectors import preferences_of

if TYPE_CHECKING:
    from apps.users.models import User

logger = logging.getLogger(__name__)

E164 = re.compile(r"^\+[1-9]\d{7,14}$")


@dataclass(frozen=True)
class Message:
    """One message to plan and write with :func:`notify_many`; build it with :func:`message` (validated)."""

    template: str
    category: str
    context: dict[str, Any]
    user: User | None
    channels: tuple[str, ...] | None
    phone: str | None
    email: str | None
    dedupe_key: str | None
    sensitive: bool


def message(
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
) -> Message:
    """A checked, normalised :class:`Message` (arguments as for :func:`notify`); raises ``ValueError``."""
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
    return Message(
        template=template,
        category=category,
        context=_json_safe(context),
        user=user,
        channels=tuple(requested) if requested is not None else None,
        phone=phone,
        email=email,
        dedupe_key=dedupe_key,
        sensitive=sensitive,
    )


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
      recipient); the delivery ids are sent to the broker when the transaction commits, all the deliveries
      queued in one transaction in one message (``notifications.deliver_many``).
    - ``channels`` narrows the channels (default: the category's); for a user, preferences then apply, except
      for the security and emergency categories. ``phone`` is texted and ``email`` mailed whatever the
      preferences (they are explicit addresses: an OTP to a new number, emergency contacts, the ops list).
    - ``dedupe_key``: at most one delivery per (key, channel, recipient) and one inbox row per (user, key),
      however often this is called, concurrently too. Deliveries that already existed are not returned.
    - ``sensitive``: the content is never logged, no inbox row is kept, and the stored context is erased
      once the delivery has ended (sent or failed).

    Returns the deliveries created by this call. Raises ``ValueError`` for a wrong category, channel, phone
    or e-mail, and ``TemplateDoesNotExist`` for a template missing on a channel that would be used. Several
    recipients at once: :func:`notify_many`.
    """
    return notify_many(
        [
            message(
                template=template,
                category=category,
                context=context,
                user=user,
                channels=channels,
                phone=phone,
                email=email,
                dedupe_key=dedupe_key,
                sensitive=sensitive,
            )
        ]
    )


@dataclass
class _Planned:
    message: Message
    inbox: Notification | None
    deliveries: list[Delivery]


def notify_many(messages: Sequence[Message]) -> list[Delivery]:
    """:func:`notify` for many messages in a fixed number of statements, however many recipients.

    One query for the preferences of all the users (none when every category is locked), one for their push
    devices (none when they were prefetched as ``devices``), one ``INSERT ... ON CONFLICT DO NOTHING
    RETURNING`` for the inbox rows and one for the deliveries; no savepoint. An inbox row that already
    existed (same user and ``dedupe_key``) costs one more query to find it. Returns the deliveries created.
    """
    if not messages:
        return []
    wanted = _channels_wanted(messages)
    devices = _push_devices([m.user for m, channels in zip(messages, wanted, strict=True) if Channel.PUSH in channels])
    now = timezone.now()
    plans = [_plan(m, channels, devices, now) for m, channels in zip(messages, wanted, strict=True)]
    with transaction.atomic(savepoint=False):
        _write_inbox([plan for plan in plans if plan.inbox is not None])
        for plan in plans:
            for delivery in plan.deliveries:
                delivery.notification = plan.inbox
        rows = [delivery for plan in plans for delivery in plan.deliveries]
        created = insert_new(rows)
        enqueue_batch_on_commit(tasks.deliver_many, [str(delivery.pk) for delivery in created])
    new = {delivery.pk for delivery in created}
    for plan in plans:
        logger.info(
            "notify %s/%s: %d deliveries queued%s",
            plan.message.category,
            plan.message.template,
            sum(delivery.pk in new for delivery in plan.deliveries),
            f", inbox {plan.inbox.pk}" if plan.inbox is not None else "",
        )
    return created


def _plan(message: Message, wanted: list[str], devices: dict[Any, list[Device]], now: datetime) -> _Planned:
    user = message.user
    plan: list[tuple[str, str, Device | None, bool]] = []  # channel, recipient, device, is the user's own
    if user is not None:
        if Channel.EMAIL in wanted and user.email:
            plan.append((Channel.EMAIL, user.email, None, True))
        if Channel.SMS in wanted and user.phone:
            plan.append((Channel.SMS, user.phone, None, True))
        if Channel.PUSH in wanted:
            plan.extend((Channel.PUSH, f"device:{device.pk}", device, True) for device in devices.get(user.pk, []))
    if message.phone:
        plan.append((Channel.SMS, message.phone, None, False))
    if message.email:
        plan.append((Channel.EMAIL, message.email, None, False))
    unique_plan: dict[tuple[str, str], tuple[str, str, Device | None, bool]] = {}
    for entry in plan:
        unique_plan.setdefault((entry[0], entry[1]), entry)

    with_inbox = user is not None and Channel.INBOX in wanted and not message.sensitive
    for channel in {entry[0] for entry in unique_plan.values()} | ({Channel.INBOX} if with_inbox else set()):
        require_template(channel, message.template)
    inbox = None
    if with_inbox:
        assert user is not None
        rendered = render_inbox(message.template, message.context)
        inbox = Notification(
            user=user,
            category=message.category,
            template=message.template,
            title=rendered.title[:200],
            body=rendered.body,
            data=message.context,
            dedupe_key=message.dedupe_key,
        )
    deliveries = [
        Delivery(
            user=user if own else None,
            device=device,
            channel=recipient_channel,
            category=message.category,
            template=message.template,
            recipient=recipient,
            context=message.context,
            sensitive=message.sensitive,
            dedupe_key=message.dedupe_key,
            next_attempt_at=now,
        )
        for recipient_channel, recipient, device, own in unique_plan.values()
    ]
    return _Planned(message=message, inbox=inbox, deliveries=deliveries)


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


def _channels_wanted(messages: Sequence[Message]) -> list[list[str]]:
    """Each message's channels: requested (or the category's), less what its user switched off."""
    switchable = [m.user for m in messages if m.user is not None and m.user.is_active and not is_locked(m.category)]
    preferences = preferences_of(users=switchable, categories={m.category for m in messages}) if switchable else {}
    wanted = []
    for m in messages:
        candidates = list(m.channels) if m.channels is not None else list(default_channels(m.category))
        if m.user is None or is_locked(m.category):
            wanted.append(candidates)
        elif not m.user.is_active:
            wanted.append([])
        else:
            allowed = preferences[m.user.pk][m.category]
            wanted.append([ch for ch in candidates if ch == Channel.INBOX or allowed.get(ch, False)])
    return wanted


def _push_devices(users: Sequence[User | None]) -> dict[Any, list[Device]]:
    """Push devices by user id: those prefetched as ``devices``, the rest in one query."""
    found: dict[Any, list[Device]] = {}
    missing = set()
    for user in users:
        if user is None:
            continue
        prefetched = getattr(user, "_prefetched_objects_cache", {}).get("devices")
        if prefetched is not None:
            found[user.pk] = list(prefetched)
        else:
            missing.add(user.pk)
    if missing:
        for device in Device.objects.filter(user__in=missing).order_by("-last_seen_at"):
            found.setdefault(device.user_id, []).append(device)
    return found


def _write_inbox(plans: list[_Planned]) -> None:
    """One INSERT for every inbox row; a row whose (user, dedupe_key) exists is replaced by the existing one."""
    rows = [plan.inbox for plan in plans if plan.inbox is not None]
    written = {row.pk for row in insert_new(rows)}
    clashed = [plan for plan in plans if plan.inbox is not None and plan.inbox.pk not in written]
    if not clashed:
        return
    wanted = Q()
    for plan in clashed:
        assert plan.inbox is not None  # only rows with a dedupe_key can clash
        wanted |= Q(user=plan.inbox.user_id, dedupe_key=plan.inbox.dedupe_key)
    existing = {(row.user_id, row.dedupe_key): row for row in Notification.objects.filter(wanted)}
    for plan in clashed:
        assert plan.inbox is not None
        plan.inbox = existing[(plan.inbox.user_id, plan.inbox.dedupe_key)]
