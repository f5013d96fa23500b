"""``notify()``: the one entry point every domain uses to tell someone something.

Who gets what on which channel is planned in ``apps.notifications.planning`` (no database); this module
loads what the plan needs and writes the inbox rows and deliveries.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Model, Q
from django.utils import timezone

from apps.common.db import insert_clauses, insert_new, insert_together
from apps.common.prepared import execute_prepared
from apps.common.services import enqueue_batch_on_commit
from apps.common.sql import insert_rows, mark_saved
from apps.notifications import planning, tasks
from apps.notifications.models import Channel, Delivery, Device, Notification
from apps.notifications.planning import Message, Planned, message
from apps.notifications.selectors import preferences_of

if TYPE_CHECKING:
    from apps.users.models import User

logger = logging.getLogger(__name__)


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
    language: str | None = None,
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
    - ``language``: the language of the raw ``phone`` / ``email`` recipient (an emergency contact's
      ``language``); the user's own addresses and inbox always get the user's ``language`` (docs/i18n.md).

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
                language=language,
            )
        ]
    )


def notify_many(messages: Sequence[Message], *, with_rows: Sequence[Sequence[Model]] = ()) -> list[Delivery]:
    """:func:`notify` for many messages in a fixed number of statements, however many recipients.

    One query for the preferences of all the users (none when every category is locked), one for their push
    devices (none when they were prefetched as ``devices``), and one statement writing the inbox rows and the
    deliveries (``INSERT ... ON CONFLICT DO NOTHING RETURNING`` each, a delivery only with its inbox row); no
    savepoint. An inbox row that already existed (same user and ``dedupe_key``) costs one more query to find it
    and one more INSERT for its deliveries. Returns the deliveries created.

    ``with_rows``: groups of the caller's new rows (as :func:`apps.common.db.insert_together` takes them, e.g. the
    incident the messages are about), written in the same statement on PostgreSQL, and written even when there is
    no message.
    """
    if not messages:
        insert_together(*with_rows)
        return []
    return _write(_plan_all(messages), with_rows)


def notify_plan(messages: Sequence[Message]) -> list[Planned]:
    """The rows :func:`notify_many` would write for ``messages``, planned but not written: for a caller that
    writes them in a statement of its own (the booking hold writes a new booking's message with the booking).

    Each delivery points at its message's inbox row. The caller inserts the inbox rows and then the deliveries
    skipping any a unique constraint rejects (``ON CONFLICT DO NOTHING``), never a delivery whose inbox row was
    not written, and hands the ids of the deliveries written to :func:`notify_written`.
    """
    plans = _plan_all(messages)
    _point_deliveries(plans)
    return plans


def notify_written(plans: Sequence[Planned], written: Collection[Any]) -> list[Delivery]:
    """After the caller's statement wrote the rows of :func:`notify_plan` (``written``: the ids of the inbox rows
    and deliveries it inserted): those are saved instances, and the deliveries' ids go to the broker on commit
    (one message). Returns the deliveries written."""
    inboxes = [plan.inbox for plan in plans if plan.inbox is not None and plan.inbox.pk in written]
    created = [delivery for plan in plans for delivery in plan.deliveries if delivery.pk in written]
    mark_saved([*inboxes, *created])
    enqueue_batch_on_commit(tasks.deliver_many, [str(delivery.pk) for delivery in created])
    _log(plans, {delivery.pk for delivery in created})
    return created


def _plan_all(messages: Sequence[Message]) -> list[Planned]:
    """Load what the plan needs (preferences, push devices: one query each at most) and plan every message."""
    holders = planning.preference_holders(messages)
    preferences = preferences_of(users=holders, categories={m.category for m in messages}) if holders else {}
    wanted = planning.channels_wanted(messages, preferences)
    devices = _push_devices([m.user for m, channels in zip(messages, wanted, strict=True) if Channel.PUSH in channels])
    now = timezone.now()
    return [planning.plan(m, channels, devices, now) for m, channels in zip(messages, wanted, strict=True)]


def _write(plans: list[Planned], with_rows: Sequence[Sequence[Model]] = ()) -> list[Delivery]:
    """Write ``with_rows`` and the planned rows (the inbox rows and the deliveries: one statement on PostgreSQL),
    enqueued on commit."""
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql" and any(plan.inbox is not None for plan in plans):
            written = _write_together(plans, with_rows)
        else:  # SQLite (`make run`), or no inbox row: the caller's rows, the inbox rows, then the deliveries
            insert_together(*with_rows)
            _write_inbox(plans)
            written = {delivery.pk for delivery in _write_deliveries(plans)}
        return notify_written(plans, written)


def _write_together(plans: list[Planned], with_rows: Sequence[Sequence[Model]] = ()) -> set[Any]:
    """The caller's rows, the inbox rows and the deliveries in one statement: each delivery is written with its
    inbox row (or with none), both skipping what a unique constraint rejects. A message whose inbox row already
    existed (same user and ``dedupe_key``) then gets that row and its deliveries in one more query and one more
    INSERT. Returns the ids of the inbox rows and deliveries written."""
    _point_deliveries(plans)
    inbox = insert_rows([plan.inbox for plan in plans if plan.inbox is not None])
    rows = [delivery for plan in plans for delivery in plan.deliveries]
    first, first_params = insert_clauses(*with_rows, using=connection.alias)
    with connection.cursor() as cursor:
        if rows:
            deliveries = insert_rows(rows, typed=True)
            sql = (
                f"WITH {''.join(f'{clause}, ' for clause in first)}"  # noqa: S608 - names from the models, values as parameters
                f"inbox AS ({inbox.sql()} ON CONFLICT DO NOTHING RETURNING id), "
                f"sent AS (INSERT INTO {deliveries.table} ({deliveries.columns}) "
                f"SELECT v.* FROM (VALUES {deliveries.values}) v ({deliveries.columns}) "
                'WHERE v."notification_id" IS NULL OR v."notification_id" IN (SELECT id FROM inbox) '
                "ON CONFLICT DO NOTHING RETURNING id) "
                "SELECT ARRAY(SELECT id FROM inbox), ARRAY(SELECT id FROM sent)"
            )
            execute_prepared(cursor, sql, [*first_params, *inbox.params, *deliveries.params])
            new_inbox, sent = cursor.fetchone()
        else:
            lead = f"WITH {', '.join(first)} " if first else ""
            sql = f"{lead}{inbox.sql()} ON CONFLICT DO NOTHING RETURNING id"
            execute_prepared(cursor, sql, [*first_params, *inbox.params])
            new_inbox, sent = [value for (value,) in cursor.fetchall()], []
    mark_saved([row for group in with_rows for row in group])
    written = {*new_inbox, *sent}
    clashed = [plan for plan in plans if plan.inbox is not None and plan.inbox.pk not in written]
    if clashed:
        _take_existing_inbox(clashed)
        written |= {delivery.pk for delivery in _write_deliveries(clashed)}
    return written


def _point_deliveries(plans: Sequence[Planned]) -> None:
    """Each delivery points at its message's inbox row (none for a message without one)."""
    for plan in plans:
        for delivery in plan.deliveries:
            delivery.notification = plan.inbox


def _write_deliveries(plans: list[Planned]) -> list[Delivery]:
    """One INSERT for the deliveries of ``plans`` (pointed at their inbox rows), skipping what already exists."""
    _point_deliveries(plans)
    return insert_new([delivery for plan in plans for delivery in plan.deliveries])


def _log(plans: Sequence[Planned], new: set[Any]) -> None:
    for plan in plans:
        logger.info(
            "notify %s/%s: %d deliveries queued%s",
            plan.message.category,
            plan.message.template,
            sum(delivery.pk in new for delivery in plan.deliveries),
            f", inbox {plan.inbox.pk}" if plan.inbox is not None else "",
        )


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


def _write_inbox(plans: list[Planned]) -> None:
    """One INSERT for every inbox row; a row whose (user, dedupe_key) exists is replaced by the existing one."""
    rows = [plan.inbox for plan in plans if plan.inbox is not None]
    written = {row.pk for row in insert_new(rows)}
    clashed = [plan for plan in plans if plan.inbox is not None and plan.inbox.pk not in written]
    if clashed:
        _take_existing_inbox(clashed)


def _take_existing_inbox(clashed: list[Planned]) -> None:
    """The inbox rows that already existed in place of those of ``clashed`` (one query)."""
    wanted = Q()
    for plan in clashed:
        assert plan.inbox is not None  # only rows with a dedupe_key can clash
        wanted |= Q(user=plan.inbox.user_id, dedupe_key=plan.inbox.dedupe_key)
    existing = {(row.user_id, row.dedupe_key): row for row in Notification.objects.filter(wanted)}
    for plan in clashed:
        assert plan.inbox is not None
        plan.inbox = existing[(plan.inbox.user_id, plan.inbox.dedupe_key)]
