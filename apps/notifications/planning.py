"""Planning a notification: who gets what on which channel. No database access.

A :class:`Message` says what to tell whom; :func:`channels_wanted` narrows each message's channels by the
category and the user's preferences (security and emergency messages ignore them); :func:`plan` turns a
message into its unsaved inbox row and deliveries. ``apps.notifications.services.dispatch`` loads what the
plan needs (preferences, push devices) and writes the rows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import validate_email

from apps.common.i18n import Language, supported_language
from apps.notifications.models import Category, Channel, Delivery, Device, Notification
from apps.notifications.policy import default_channels, is_locked
from apps.notifications.rendering import render_inbox, require_template

if TYPE_CHECKING:
    from apps.users.models import User

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
    language: str | None


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
    language: str | None = None,
) -> Message:
    """A checked, normalised :class:`Message` (arguments as for :func:`notify`); raises ``ValueError``."""
    category = Category(category).value
    if language is not None and language not in Language.values:
        raise ValueError(f"language must be one of {', '.join(Language.values)}")
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
        language=language,
    )


def recipient_language(message: Message, own: bool) -> str:
    """The language a recipient reads: the user's own for the user's addresses; for a raw phone or e-mail the
    one the message names (an emergency contact's), else the user's (their new number), else English."""
    user_language = getattr(message.user, "language", None) if message.user is not None else None
    if own:
        return supported_language(user_language)
    return supported_language(message.language or user_language)


def preference_holders(messages: Sequence[Message]) -> list[User]:
    """The users whose preferences decide some message's channels (active, in a category they may switch off)."""
    return [m.user for m in messages if m.user is not None and m.user.is_active and not is_locked(m.category)]


def channels_wanted(messages: Sequence[Message], preferences: dict[Any, dict[str, dict[str, bool]]]) -> list[list[str]]:
    """Each message's channels: requested (or the category's), less what its user switched off.

    ``preferences`` maps each of :func:`preference_holders` (by id) to its switches per category and channel.
    """
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


@dataclass
class Planned:
    """One message turned into rows: its inbox row (if any) and its deliveries, not yet saved."""

    message: Message
    inbox: Notification | None
    deliveries: list[Delivery]


def plan(message: Message, wanted: list[str], devices: dict[Any, list[Device]], now: datetime) -> Planned:
    """The rows ``message`` becomes on the ``wanted`` channels: one delivery per channel and recipient (each of
    the user's push ``devices`` is one), the inbox row unless the message is sensitive. Raises
    ``TemplateDoesNotExist`` for a template missing on a channel that would be used."""
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
        rendered = render_inbox(message.template, message.context, recipient_language(message, own=True))
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
            language=recipient_language(message, own),
            next_attempt_at=now,
        )
        for recipient_channel, recipient, device, own in unique_plan.values()
    ]
    return Planned(message=message, inbox=inbox, deliveries=deliveries)


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
