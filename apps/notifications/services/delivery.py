"""Sending one delivery, at most once, with retries; the sweeper; the admin retry.

A delivery is claimed (``queued`` -> ``sending``, attempts + 1) in a transaction that commits *before* the
provider is called, and the outcome is recorded in a second transaction. A task that runs twice, or is
redelivered after its worker died, finds the row no longer ``queued`` and sends nothing.

A delivery left in ``sending`` (the worker died after the claim) has an unknown outcome: the provider may
have taken the message. The sweeper marks it ``failed`` with that explanation (staff can retry it from the
admin) rather than risk a duplicate. The one exception is an emergency message to one of our own users (ops
staff, the guide): a duplicate alert to a responder is far better than a missing one, so those are queued
again. Emergency messages to people outside (a trekker's emergency contacts, a satellite phone, the ops
mailing list) are never sent twice: a second "SOS" text to a parent is itself alarming, and ops, who are
re-alerted until they acknowledge the incident, see the unknown outcome and call (docs/decisions.md).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.common.audit import AuditAction, audit
from apps.common.exceptions import InvalidTransition
from apps.common.logging import redact
from apps.common.services import enqueue_on_commit
from apps.notifications import tasks
from apps.notifications.backends import DeliveryError, InvalidRecipient, OutcomeUnknown, PermanentDeliveryError
from apps.notifications.backends.email import send_email
from apps.notifications.backends.push import get_push_backend
from apps.notifications.backends.sms import get_sms_backend
from apps.notifications.domain import unsubscribe_url
from apps.notifications.models import Category, Channel, Delivery, Device
from apps.notifications.policy import is_locked, never_twice, retry_delay
from apps.notifications.rendering import RENDERERS
from apps.notifications.selectors import deliveries_lost_in_queue, deliveries_stuck_sending
from apps.notifications.sms_length import SMSLength, sms_length
from apps.users.models import User

logger = logging.getLogger(__name__)


class NothingToSend(Exception):
    """The recipient is gone (a push device removed since the message was queued)."""


@dataclass(frozen=True)
class Claim:
    delivery: Delivery
    attempt: int


def delivery_send(*, delivery_id: str) -> str:  # noqa: C901  one except clause per delivery outcome, read top to bottom
    """Send one delivery if it is still queued; returns what happened (for logs and tests)."""
    claim = _claim(delivery_id)
    if claim is None:
        return "skipped"
    delivery = claim.delivery
    try:
        provider_id, length = _send(delivery)
    except NothingToSend as exc:
        _record_outcome(claim, status=Delivery.Status.CANCELLED, error=str(exc))
        return "cancelled"
    except InvalidRecipient as exc:
        _record_outcome(claim, status=Delivery.Status.FAILED, error=_describe(exc, delivery), drop_device=True)
        return "failed"
    except PermanentDeliveryError as exc:
        _record_outcome(claim, status=Delivery.Status.FAILED, error=_describe(exc, delivery))
        return "failed"
    except OutcomeUnknown as exc:
        if never_twice(delivery):
            error = f"outcome unknown, not resent to avoid a duplicate: {_describe(exc, delivery)}"
            _record_outcome(claim, status=Delivery.Status.FAILED, error=error[:1000])
            return "failed"
        if claim.attempt >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
            _record_outcome(claim, status=Delivery.Status.FAILED, error=_describe(exc, delivery))
            return "failed"
        _record_outcome(claim, status=Delivery.Status.QUEUED, error=_describe(exc, delivery))
        return "retrying"
    except Exception as exc:
        error = _describe(exc, delivery)
        if not isinstance(exc, DeliveryError):
            logger.exception("delivery %s: unexpected error on attempt %d", delivery.pk, claim.attempt)
        if claim.attempt >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
            _record_outcome(claim, status=Delivery.Status.FAILED, error=error)
            return "failed"
        _record_outcome(claim, status=Delivery.Status.QUEUED, error=error)
        return "retrying"
    _record_outcome(claim, status=Delivery.Status.SENT, provider_id=provider_id, sms=length)
    return "sent"


def _claim(delivery_id: str) -> Claim | None:
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None:
            logger.warning("delivery %s does not exist", delivery_id)
            return None
        if delivery.status != Delivery.Status.QUEUED:
            logger.info("delivery %s is %s; nothing to do", delivery.pk, delivery.status)
            return None
        delivery.status = Delivery.Status.SENDING
        delivery.attempts += 1
        delivery.sending_started_at = timezone.now()
        delivery.save(update_fields=["status", "attempts", "sending_started_at", "updated_at"])
    return Claim(delivery=delivery, attempt=delivery.attempts)


def _send(delivery: Delivery) -> tuple[str, SMSLength | None]:
    """Render the delivery in its recipient's language and hand it to the provider: its id, and for an SMS the
    encoding and number of parts it was sent in."""
    render = RENDERERS[Channel(delivery.channel)]
    context = dict(delivery.context)
    language = delivery.language
    if delivery.channel == Channel.EMAIL:
        headers: dict[str, str] = {}
        if delivery.user_id and not is_locked(delivery.category):
            url = unsubscribe_url(user_id=str(delivery.user_id), category=delivery.category)
            context["unsubscribe_url"] = url
            headers["List-Unsubscribe"] = f"<{url}>"
        to = settings.NOTIFICATIONS_REDIRECT_EMAIL or delivery.recipient
        return send_email(to=to, message=render(delivery.template, context, language), headers=headers), None
    if delivery.channel == Channel.SMS:
        to = settings.NOTIFICATIONS_REDIRECT_PHONE or delivery.recipient
        message = render(delivery.template, context, language)
        length = sms_length(message.body)
        logger.info(
            "delivery %s: SMS of %d %s units in %d part(s)", delivery.pk, length.units, length.encoding, length.segments
        )
        provider_id = get_sms_backend().send(
            to=to,
            text=message.body,
            template=delivery.template,
            context=context,
            sensitive=delivery.sensitive,
            language=language,
            unicode=length.unicode,
        )
        return provider_id, length
    if delivery.channel == Channel.PUSH:
        device = Device.objects.filter(pk=delivery.device_id).first() if delivery.device_id else None
        if device is None:
            raise NothingToSend("the push device was removed")
        message = render(delivery.template, context, language)
        data = {"category": delivery.category, "template": delivery.template}
        if delivery.notification_id:
            data["notification_id"] = str(delivery.notification_id)
        return get_push_backend().send(token=device.token, title=message.title, body=message.body, data=data), None
    raise PermanentDeliveryError(f"unknown channel {delivery.channel!r}")


def _describe(exc: BaseException, delivery: Delivery) -> str:
    if delivery.sensitive and not isinstance(exc, DeliveryError):
        return type(exc).__name__  # an unexpected error text might quote the content
    return redact(f"{type(exc).__name__}: {exc}")[:1000]


def _record_outcome(
    claim: Claim,
    *,
    status: str,
    error: str = "",
    provider_id: str = "",
    drop_device: bool = False,
    sms: SMSLength | None = None,
) -> None:
    now = timezone.now()
    delay = retry_delay(claim.attempt) if status == Delivery.Status.QUEUED else 0.0
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=claim.delivery.pk)
        if delivery.attempts != claim.attempt or delivery.status == Delivery.Status.SENT:
            # Someone else moved it on (the sweeper gave up on us, staff retried it). Report, change nothing.
            logger.warning(
                "delivery %s: attempt %d ended (%s) after the row moved on to %s/attempt %d",
                delivery.pk,
                claim.attempt,
                status,
                delivery.status,
                delivery.attempts,
            )
            if status != Delivery.Status.SENT:
                return
        delivery.status = status
        fields = ["status", "updated_at"]
        if status == Delivery.Status.SENT:
            delivery.sent_at, delivery.provider_message_id = now, provider_id[:200]
            fields += ["sent_at", "provider_message_id"]
            if sms is not None:
                delivery.sms_segments, delivery.sms_encoding = sms.segments, sms.encoding
                fields += ["sms_segments", "sms_encoding"]
        if error:
            delivery.last_error = error
            fields.append("last_error")
        if status == Delivery.Status.QUEUED:
            delivery.next_attempt_at = now + timedelta(seconds=delay)
            fields.append("next_attempt_at")
            enqueue_on_commit(tasks.deliver, str(delivery.pk), countdown=delay)
        elif delivery.sensitive and delivery.context:
            delivery.context = {}
            fields.append("context")
        delivery.save(update_fields=fields)
        if drop_device and delivery.device_id:
            Device.objects.filter(pk=delivery.device_id).delete()
            logger.info("push device %s removed: the provider rejected its token", delivery.device_id)
    if status == Delivery.Status.FAILED:
        logger.warning("delivery %s failed after %d attempt(s): %s", delivery.pk, claim.attempt, error)


def deliveries_sweep(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Re-enqueue queued deliveries nobody picked up; settle deliveries whose worker died mid-send."""
    now = now or timezone.now()
    counts = {"requeued": 0, "unknown_failed": 0, "unknown_requeued": 0}
    lost_before = now - timedelta(seconds=settings.NOTIFICATIONS_QUEUED_GRACE_SECONDS)
    with transaction.atomic():
        lost = list(
            deliveries_lost_in_queue(older_than=lost_before)
            .select_for_update(skip_locked=True)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        if lost:
            Delivery.objects.filter(pk__in=lost).update(next_attempt_at=now, updated_at=now)
            for pk in lost:
                enqueue_on_commit(tasks.deliver, str(pk))
        counts["requeued"] = len(lost)

    stuck_before = now - timedelta(seconds=settings.NOTIFICATIONS_SENDING_TIMEOUT_SECONDS)
    with transaction.atomic():
        stuck = list(deliveries_stuck_sending(started_before=stuck_before).select_for_update(skip_locked=True)[:limit])
        for delivery in stuck:
            fields = ["status", "last_error", "updated_at"]
            if (
                delivery.category == Category.EMERGENCY
                and not never_twice(delivery)
                and delivery.attempts < settings.NOTIFICATIONS_MAX_ATTEMPTS
            ):
                delivery.status = Delivery.Status.QUEUED
                delivery.next_attempt_at = now
                delivery.last_error = (
                    "worker stopped while sending; sent again (emergency alerts to responders may duplicate)"
                )
                fields.append("next_attempt_at")
                enqueue_on_commit(tasks.deliver, str(delivery.pk))
                counts["unknown_requeued"] += 1
            else:
                delivery.status = Delivery.Status.FAILED
                delivery.last_error = "outcome unknown: worker stopped while sending; not resent to avoid a duplicate"
                if delivery.sensitive:
                    delivery.context = {}
                    fields.append("context")
                counts["unknown_failed"] += 1
            delivery.save(update_fields=fields)
            logger.warning("delivery %s stuck in sending: %s", delivery.pk, delivery.last_error)
    if any(counts.values()):
        logger.info("delivery sweep: %s", counts)
    return counts


def delivery_retry(*, actor: User, delivery: Delivery) -> Delivery:
    """Staff: queue a failed or cancelled delivery again, with a fresh set of attempts."""
    with transaction.atomic():
        locked = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if locked.status not in {Delivery.Status.FAILED, Delivery.Status.CANCELLED}:
            raise InvalidTransition(
                f"Only failed or cancelled deliveries can be retried (this one is {locked.status})."
            )
        if locked.sensitive and not locked.context:
            raise InvalidTransition("This message was sensitive and its content is gone; ask the sender to resend it.")
        previous = {"status": locked.status, "attempts": locked.attempts}
        locked.status = Delivery.Status.QUEUED
        locked.attempts = 0
        locked.next_attempt_at = timezone.now()
        locked.save(update_fields=["status", "attempts", "next_attempt_at", "updated_at"])
        audit(actor=actor, action=AuditAction.DELIVERY_RETRIED, target=locked, changes=previous)
        enqueue_on_commit(tasks.deliver, str(locked.pk))
    return locked
