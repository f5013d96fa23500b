"""Every write of the messaging domain.

Callers pass plain values (users, ids, text); access to a conversation is decided here too (an
inactive or departed participant cannot post), so the API and the booking service share one rule.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from apps.common.exceptions import NotFound, ValidationFailed
from apps.common.realtime import publish, user_group
from apps.messaging.errors import EditWindowClosed, MessageDeleted, NotAuthor
from apps.messaging.models import Conversation, ConversationParticipant, Message, MessageEdit, direct_key_for
from apps.messaging.selectors import current_memberships
from apps.notifications.services import notify
from apps.treks.models import Batch
from apps.treks.selectors import acting_guide

if TYPE_CHECKING:
    from apps.users.models import User

logger = logging.getLogger(__name__)


def _edit_window() -> timedelta:
    return timedelta(minutes=settings.MESSAGING_EDIT_WINDOW_MINUTES)


def _publish(event: str, *, conversation_id: Any, cursor: datetime, **ids: Any) -> None:
    """Tell the sockets of the conversation's current participants (``apps.common.realtime``), after commit."""
    members = current_memberships().filter(conversation_id=conversation_id).values_list("user_id", flat=True)
    publish(event, groups=[user_group(pk) for pk in members], cursor=cursor, conversation_id=conversation_id, **ids)


# --- conversations ------------------------------------------------------------------------------


def conversation_get_or_create_direct(*, user: User, other: User) -> tuple[Conversation, bool]:
    """The one direct conversation of ``user`` and ``other``, created if there is none (``created``).

    Two concurrent calls for the same pair meet at the unique ``direct_key``: the loser of the race
    gets the winner's conversation.
    """
    if other.pk == user.pk:
        raise ValidationFailed("You cannot start a conversation with yourself.", details={"participants": ["self"]})
    if not other.is_active:
        raise ValidationFailed("This person cannot be messaged.", details={"participants": [str(other.pk)]})
    key = direct_key_for(user.pk, other.pk)
    existing = Conversation.objects.filter(direct_key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(kind=Conversation.Kind.DIRECT, direct_key=key, created_by=user)
            now = timezone.now()
            ConversationParticipant.objects.bulk_create(
                [
                    ConversationParticipant(conversation=conversation, user=user, joined_at=now),
                    ConversationParticipant(conversation=conversation, user=other, joined_at=now),
                ]
            )
    except IntegrityError:
        # A concurrent request created it first; its row is committed (the unique index made us wait).
        return Conversation.objects.get(direct_key=key), False
    logger.info("direct conversation %s created", conversation.pk)
    return conversation, True


def conversation_create_group(*, user: User, title: str, participants: Iterable[User]) -> Conversation:
    """A group conversation of ``user`` (its creator) and ``participants``."""
    title = title.strip()
    if not title:
        raise ValidationFailed("A group needs a title.", details={"title": ["This field may not be blank."]})
    others = {p.pk: p for p in participants if p.pk != user.pk}
    if not others:
        raise ValidationFailed("Add at least one other participant.", details={"participants": ["empty"]})
    limit = settings.MESSAGING_GROUP_MAX_PARTICIPANTS
    if len(others) + 1 > limit:
        raise ValidationFailed(
            f"A group has at most {limit} participants.", details={"participants": [f"at most {limit}"]}
        )
    inactive = [str(pk) for pk, p in others.items() if not p.is_active]
    if inactive:
        raise ValidationFailed("Some people cannot be messaged.", details={"participants": inactive})
    with transaction.atomic():
        conversation = Conversation.objects.create(kind=Conversation.Kind.GROUP, title=title, created_by=user)
        now = timezone.now()
        ConversationParticipant.objects.bulk_create(
            [
                ConversationParticipant(conversation=conversation, user=member, joined_at=now)
                for member in (user, *others.values())
            ]
        )
    logger.info("group conversation %s created with %d participants", conversation.pk, len(others) + 1)
    return conversation


def conversation_mark_read(
    *, conversation: Conversation, user: User, message: Message | None = None, now: datetime | None = None
) -> ConversationParticipant:
    """Move ``user``'s read marker up to ``message`` (or up to now). A marker never moves backwards."""
    if message is not None and message.conversation_id != conversation.pk:
        raise ValidationFailed("This message is not in the conversation.", details={"message": [str(message.pk)]})
    marker = message.sent_at if message is not None else (now or timezone.now())
    with transaction.atomic():
        updated = (
            current_memberships()
            .filter(conversation=conversation, user=user)
            .update(last_read_at=Greatest(Coalesce("last_read_at", "joined_at"), marker))
        )
        if not updated:
            raise NotFound()
        membership = ConversationParticipant.objects.get(conversation=conversation, user=user)
        assert membership.last_read_at is not None  # just set
        # The reader's own sockets (their other devices): others' read markers are not shown, as in REST.
        publish(
            "conversation.read",
            groups=[user_group(user.pk)],
            cursor=membership.last_read_at,
            conversation_id=conversation.pk,
        )
        return membership


# --- messages -----------------------------------------------------------------------------------


def _require_participant(*, conversation: Conversation, user: User) -> ConversationParticipant:
    membership = current_memberships().filter(conversation=conversation, user=user).first()
    if membership is None or not user.is_active:
        raise NotFound()
    return membership


def message_send(
    *,
    conversation: Conversation,
    sender: User,
    message_body: str,
    parent: Message | None = None,
    now: datetime | None = None,
    notify_participants: bool = True,
) -> Message:
    """Post a message; the other participants are notified once the transaction commits.

    ``notify_participants=False`` is for history loaded in bulk (demo data, imports), which pings nobody.
    """
    message_body = message_body.strip()
    if not message_body:
        raise ValidationFailed("A message cannot be empty.", details={"message_body": ["This field may not be blank."]})
    if parent is not None and (parent.conversation_id != conversation.pk or parent.is_deleted):
        raise ValidationFailed("You can only reply to a message of this conversation.", details={"parent": ["invalid"]})
    sent_at = now or timezone.now()
    with transaction.atomic():
        _require_participant(conversation=conversation, user=sender)
        message = Message.objects.create(
            conversation=conversation, sender=sender, message_body=message_body, parent=parent, sent_at=sent_at
        )
        Conversation.objects.filter(pk=conversation.pk).update(
            last_message_at=Greatest(Coalesce("last_message_at", sent_at), sent_at)
        )
        # Your own message is read by you.
        ConversationParticipant.objects.filter(conversation=conversation, user=sender).update(
            last_read_at=Greatest(Coalesce("last_read_at", "joined_at"), sent_at)
        )
        recipients = _recipients_to_notify(message) if notify_participants else []
        if recipients:
            _notify_new_message(message=message, recipients=recipients)
        if notify_participants:
            _publish(
                "message.created", conversation_id=conversation.pk, cursor=message.updated_at, message_id=message.pk
            )
    return message


def _recipients_to_notify(message: Message) -> list[User]:
    """Active participants other than the sender who had nothing unread before this message.

    One notification per unread streak: a busy group chat does not send a push for every line; the
    next notification comes after the participant has read the conversation.
    """
    earlier_unread = Message.objects.filter(
        conversation_id=message.conversation_id,
        deleted_at__isnull=True,
        sent_at__gt=Coalesce(OuterRef("last_read_at"), OuterRef("joined_at")),
    ).exclude(Q(pk=message.pk) | Q(sender_id=OuterRef("user_id")))
    memberships = (
        current_memberships()
        .filter(conversation_id=message.conversation_id, user__is_active=True)
        .filter(~Exists(earlier_unread))
        .select_related("user")
    )
    return [membership.user for membership in memberships if membership.user_id != message.sender_id]


def _notify_new_message(*, message: Message, recipients: list[User]) -> None:
    """Tell each recipient about ``message`` through the notification system (their preferences apply)."""
    conversation = message.conversation
    sender = message.sender
    sender_name = sender.display_name if sender is not None else "Someone"
    preview = message.message_body if len(message.message_body) <= 140 else message.message_body[:139] + "…"
    context: dict[str, Any] = {
        "sender_name": sender_name,
        "conversation_title": conversation.title,
        "conversation_kind": conversation.kind,
        "conversation_id": str(conversation.pk),
        "message_id": str(message.pk),
        "preview": preview,
        "url": f"{settings.OBS_FRONTEND_URL}/messages/{conversation.pk}",
    }
    for recipient in recipients:
        notify(
            template="new_message",
            category="message",
            context={**context, "first_name": recipient.first_name},
            user=recipient,
            dedupe_key=f"message:{message.pk}",
        )


def _author_message_for_update(*, message: Message, user: User) -> Message:
    locked = Message.objects.select_for_update().get(pk=message.pk)
    if locked.sender_id != user.pk:
        raise NotAuthor()
    if locked.is_deleted:
        raise MessageDeleted()
    return locked


def message_edit(*, message: Message, user: User, message_body: str, now: datetime | None = None) -> Message:
    """Change the text of ``user``'s own message within the edit window, keeping the previous text."""
    message_body = message_body.strip()
    if not message_body:
        raise ValidationFailed("A message cannot be empty.", details={"message_body": ["This field may not be blank."]})
    now = now or timezone.now()
    with transaction.atomic():
        _require_participant(conversation=message.conversation, user=user)
        locked = _author_message_for_update(message=message, user=user)
        if now - locked.sent_at > _edit_window():
            raise EditWindowClosed(details={"edit_window_minutes": settings.MESSAGING_EDIT_WINDOW_MINUTES})
        if locked.message_body == message_body:
            return locked
        MessageEdit.objects.create(message=locked, previous_body=locked.message_body, edited_at=now)
        locked.message_body = message_body
        locked.edited_at = now
        locked.save(update_fields=["message_body", "edited_at", "updated_at"])
        _publish(
            "message.edited", conversation_id=locked.conversation_id, cursor=locked.updated_at, message_id=locked.pk
        )
    return locked


def message_delete(*, message: Message, user: User, now: datetime | None = None) -> Message:
    """Tombstone ``user``'s own message (idempotent): it stays in place, its text is no longer shown."""
    with transaction.atomic():
        _require_participant(conversation=message.conversation, user=user)
        locked = Message.objects.select_for_update().get(pk=message.pk)
        if locked.sender_id != user.pk:
            raise NotAuthor()
        if locked.is_deleted:
            return locked
        locked.deleted_at = now or timezone.now()
        locked.save(update_fields=["deleted_at", "updated_at"])
        _publish(
            "message.deleted", conversation_id=locked.conversation_id, cursor=locked.updated_at, message_id=locked.pk
        )
    return locked


# --- batch group conversations (called by the booking service) --------------------------------------


@dataclass(frozen=True)
class BatchInfo:
    title: str
    guide_user_id: uuid.UUID | None


def _batch_info(batch_id: uuid.UUID) -> BatchInfo:
    """Title and acting guide of a batch (a batch the catalog does not know gets a plain title)."""
    batch = Batch.objects.select_related("trek", "guide__user").filter(pk=batch_id).first()
    if batch is None:
        return BatchInfo(title="Batch group", guide_user_id=None)
    title = f"{batch.trek.name} · {batch.start_date:%d %b %Y}"
    guide = acting_guide(batch)  # a guide without guide authority is not made a member
    return BatchInfo(title=title[:120], guide_user_id=guide.user_id if guide is not None else None)


def _batch_conversation_get_or_create(*, batch_id: uuid.UUID) -> Conversation:
    existing = Conversation.objects.filter(batch_id=batch_id).first()
    if existing is not None:
        return existing
    info = _batch_info(batch_id)
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                kind=Conversation.Kind.BATCH, batch_id=batch_id, title=info.title
            )
    except IntegrityError:
        return Conversation.objects.get(batch_id=batch_id)
    if info.guide_user_id is not None:
        _membership_join(conversation=conversation, user_id=info.guide_user_id)
    logger.info("batch conversation %s created for batch %s", conversation.pk, batch_id)
    return conversation


def _membership_join(*, conversation: Conversation, user_id: Any) -> ConversationParticipant:
    now = timezone.now()
    membership, created = ConversationParticipant.objects.get_or_create(
        conversation=conversation, user_id=user_id, defaults={"joined_at": now}
    )
    if not created and membership.left_at is not None:
        # Back after leaving (rebooked): unread counts start again from now.
        membership.left_at = None
        membership.joined_at = now
        membership.last_read_at = None
        membership.save(update_fields=["left_at", "joined_at", "last_read_at", "updated_at"])
    return membership


def batch_conversation_join(*, batch_id: uuid.UUID, user: User) -> Conversation:
    """Put ``user``, who holds a booking of the batch, into its group conversation (created on first use with
    the batch's acting guide). The membership is marked ``booked``: it keeps access whatever the member's role.

    Idempotent: joining twice keeps one membership; joining after leaving makes the membership active again.
    """
    with transaction.atomic():
        conversation = _batch_conversation_get_or_create(batch_id=batch_id)
        membership = _membership_join(conversation=conversation, user_id=user.pk)
        if not membership.booked:
            membership.booked = True
            membership.save(update_fields=["booked", "updated_at"])
    return conversation


def batch_conversation_leave(*, batch_id: uuid.UUID, user: User) -> bool:
    """Take ``user`` out of the group conversation of ``batch_id``; False when they were not in it."""
    with transaction.atomic():
        left = ConversationParticipant.objects.filter(
            conversation__batch_id=batch_id, user=user, left_at__isnull=True
        ).update(left_at=Greatest(F("joined_at"), timezone.now()), booked=False)
    return bool(left)


def batch_conversation_follow(*, batch_id: uuid.UUID, previous_guide_user_id: Any = None) -> Conversation | None:
    """The batch's group follows the batch (new dates, another guide): its title is the batch's again, a previous
    guide leaves it (unless they booked the batch themselves) and the acting guide joins it. Nothing happens for a
    batch that has no group yet: it is made with the right title and guide on first use. Inside the caller's
    transaction."""
    conversation = Conversation.objects.filter(batch_id=batch_id).first()
    if conversation is None:
        return None
    info = _batch_info(batch_id)
    if conversation.title != info.title:
        conversation.title = info.title
        conversation.save(update_fields=["title", "updated_at"])
    if previous_guide_user_id is not None and previous_guide_user_id != info.guide_user_id:
        ConversationParticipant.objects.filter(
            conversation=conversation, user_id=previous_guide_user_id, left_at__isnull=True, booked=False
        ).update(left_at=Greatest(F("joined_at"), timezone.now()), updated_at=timezone.now())
    if info.guide_user_id is not None:
        _membership_join(conversation=conversation, user_id=info.guide_user_id)
    logger.info("batch conversation %s follows batch %s", conversation.pk, batch_id)
    return conversation


def batch_announcement_post(*, batch_id: uuid.UUID, sender: User, message_body: str) -> Message:
    """Record a departure announcement in the batch's group chat (made on first use), in the caller's transaction.

    The sender need not be a member (ops announce to groups they are not in); whoever may announce is decided by
    the booking service that calls this. The members are told by the announcement itself, so the chat's own
    "new message" notifications are not sent for it.
    """
    message_body = message_body.strip()
    if not message_body:
        raise ValidationFailed("A message cannot be empty.", details={"message_body": ["This field may not be blank."]})
    now = timezone.now()
    with transaction.atomic():
        conversation = _batch_conversation_get_or_create(batch_id=batch_id)
        message = Message.objects.create(
            conversation=conversation, sender=sender, message_body=message_body, sent_at=now
        )
        Conversation.objects.filter(pk=conversation.pk).update(
            last_message_at=Greatest(Coalesce("last_message_at", now), now)
        )
        ConversationParticipant.objects.filter(conversation=conversation, user=sender).update(
            last_read_at=Greatest(Coalesce("last_read_at", "joined_at"), now)
        )
    return message


def participant_withdraw(*, user: User) -> dict[str, int]:
    """The account changed hands: the previous holder's messages are deleted (tombstones, as by their author)
    and the account leaves their direct and group conversations. Batch groups follow the bookings, which stay.
    Inside the caller's transaction."""
    now = timezone.now()
    counts = {
        "messages": Message.objects.filter(sender=user, deleted_at__isnull=True).update(deleted_at=now, updated_at=now),
        "conversations_left": ConversationParticipant.objects.filter(user=user, left_at__isnull=True)
        .exclude(conversation__kind=Conversation.Kind.BATCH)
        .update(left_at=Greatest(F("joined_at"), now), updated_at=now),
    }
    logger.info("messaging of user %s withdrawn: %s", user.pk, counts)
    return counts
