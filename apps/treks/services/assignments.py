"""Who guides a departure and when it runs: the guide's availability, and what a new date or guide sets off.

A guide is on at most one departure at a time: two batches of one guide may not share a day unless one of them
is cancelled or completed. :func:`guide_check_available` is the rule (it locks the guide's row, so two writes that
would each take the guide wait for each other); on PostgreSQL the exclusion constraint of migration
``treks.0007_batch_guide_no_overlap`` backs it for any other path that writes batches.

A rescheduled departure or another guide: one audit row, one message to each guide concerned (here), and the
signals of :mod:`apps.treks.signals`, whose receivers (messaging: the batch chat; bookings: the booked trekkers)
run in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from django.db import IntegrityError, connection, transaction

from apps.common.audit import AuditAction, audit
from apps.notifications.models import Category
from apps.notifications.services import notify
from apps.treks import signals
from apps.treks.domain import guide_name
from apps.treks.errors import GuideUnavailable
from apps.treks.models import Batch, Guide
from apps.users.models import User

# Batches in these statuses no longer hold their guide.
RELEASED_STATUSES = (Batch.Status.CANCELLED, Batch.Status.COMPLETED)
OVERLAP_CONSTRAINT = "batch_guide_no_overlap"


def guide_overlapping_batches(*, guide: Guide, start_date: date, end_date: date, exclude: Any = None) -> list[Batch]:
    """The guide's other departures that share a day with ``start_date..end_date`` (both days included)."""
    qs = (
        Batch.objects.filter(guide=guide, start_date__lte=end_date, end_date__gte=start_date)
        .exclude(status__in=RELEASED_STATUSES)
        .select_related("trek")
        .order_by("start_date", "id")
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return list(qs)


def guide_check_available(*, guide: Guide | None, start_date: date, end_date: date, exclude: Any = None) -> None:
    """409 ``guide_unavailable`` when ``guide`` is already on an overlapping departure. Locks the guide's row
    (inside the caller's transaction) so that two concurrent assignments of one guide are decided one by one."""
    if guide is None:
        return
    if transaction.get_connection().in_atomic_block:
        Guide.objects.select_for_update().filter(pk=guide.pk).first()
    clashes = guide_overlapping_batches(guide=guide, start_date=start_date, end_date=end_date, exclude=exclude)
    if clashes:
        raise GuideUnavailable(
            details={
                "guide": str(guide.pk),
                "batches": [
                    {"id": str(b.pk), "trek": b.trek.name, "start_date": str(b.start_date), "end_date": str(b.end_date)}
                    for b in clashes
                ],
            }
        )


@contextmanager
def guide_overlap_refused() -> Iterator[None]:
    """Turn the database's refusal of an overlapping guide (PostgreSQL exclusion constraint) into a 409."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        if OVERLAP_CONSTRAINT in str(exc) and connection.vendor == "postgresql":
            raise GuideUnavailable() from exc
        raise


def _guide_message(*, guide: Guide, batch: Batch, template: str, **context: Any) -> None:
    user = guide.user
    notify(
        template=template,
        category=Category.BOOKING,
        context={
            "batch_id": str(batch.pk),
            "trek_name": batch.trek.name,
            "start_date": batch.start_date.isoformat(),
            "end_date": batch.end_date.isoformat(),
            "first_name": user.first_name or "Guide",
            **context,
        },
        user=user,
        dedupe_key=f"batch:{batch.pk}:{template}:{context.get('audience', '')}:{batch.updated_at.isoformat()}",
    )


def batch_rescheduled_announce(*, actor: User | None, batch: Batch, previous: dict[str, date]) -> None:
    """The departure's dates moved: audit it, tell its guide, and send ``batch_rescheduled``."""
    audit(
        actor=actor,
        action=AuditAction.BATCH_RESCHEDULED,
        target=batch,
        changes={
            "start_date": [str(previous["start_date"]), str(batch.start_date)],
            "end_date": [str(previous["end_date"]), str(batch.end_date)],
        },
    )
    if batch.guide is not None:
        _guide_message(
            guide=batch.guide,
            batch=batch,
            template="batch_rescheduled",
            audience="guide",
            previous_start_date=previous["start_date"].isoformat(),
        )
    signals.batch_rescheduled.send(sender=Batch, batch=batch, previous=previous, actor=actor)


def batch_guide_changed_announce(*, actor: User | None, batch: Batch, previous_guide: Guide | None) -> None:
    """Another guide (or none) leads the departure: audit it, tell both guides, send ``batch_guide_changed``."""
    audit(
        actor=actor,
        action=AuditAction.BATCH_GUIDE_CHANGED,
        target=batch,
        changes={
            "guide": [
                str(previous_guide.pk) if previous_guide else None,
                str(batch.guide.pk) if batch.guide else None,
            ]
        },
    )
    name = guide_name(batch.guide) if batch.guide is not None else ""
    if previous_guide is not None:
        _guide_message(
            guide=previous_guide, batch=batch, template="batch_guide_changed", audience="old_guide", guide_name=name
        )
    if batch.guide is not None:
        _guide_message(
            guide=batch.guide, batch=batch, template="batch_guide_changed", audience="new_guide", guide_name=name
        )
    signals.batch_guide_changed.send(sender=Batch, batch=batch, previous_guide=previous_guide, actor=actor)
