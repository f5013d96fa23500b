"""Reads of the messaging domain. Every queryset here is scoped to what the given user may see."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from apps.messaging.models import Conversation, ConversationParticipant, Message, MessageEdit
from apps.treks.models import Batch, Guide
from apps.treks.selectors import acting_guide_q

if TYPE_CHECKING:
    from apps.users.models import User


def _lapsed_guide() -> Q:
    """Memberships of a batch group held by someone with a guide profile who no longer acts for that batch.

    A batch's guide joins its group when it is created; once their role is removed, their profile
    deactivated or the batch handed to another guide (``apps.treks.selectors.acting_guide_q``) the membership
    carries no access, unless they booked the batch themselves (``booked``). Decided on every request, like
    the other guide checks.
    """
    acting = Batch.objects.filter(
        acting_guide_q(), pk=OuterRef("conversation__batch_id"), guide__user=OuterRef("user_id")
    )
    return Q(
        Exists(Guide.objects.filter(user=OuterRef("user_id"))),
        ~Exists(acting),
        conversation__kind=Conversation.Kind.BATCH,
        booked=False,
    )


def current_memberships() -> QuerySet[ConversationParticipant]:
    """Memberships that give access now: not left, and not a lapsed guide's (every access check uses this)."""
    return ConversationParticipant.objects.filter(left_at__isnull=True).exclude(_lapsed_guide())


def _active_membership(user: User) -> QuerySet[ConversationParticipant]:
    return current_memberships().filter(conversation=OuterRef("pk"), user=user)


def conversations_visible_to(*, user: User) -> QuerySet[Conversation]:
    """Conversations ``user`` currently takes part in (no annotations): the base of every access check."""
    if not user.is_active:
        return Conversation.objects.none()
    return Conversation.objects.filter(Exists(_active_membership(user)))


def _unread_count(user: User) -> Coalesce:
    """Messages of others, not deleted, sent after the user's read marker (or their joining)."""
    marker = ConversationParticipant.objects.filter(conversation_id=OuterRef("conversation_id"), user=user).values(
        marker=Coalesce("last_read_at", "joined_at")
    )[:1]
    unread = (
        Message.objects.filter(conversation=OuterRef("pk"), deleted_at__isnull=True, sent_at__gt=Subquery(marker))
        .exclude(sender_id=user.pk)
        .order_by()
        .values("conversation")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(unread, output_field=IntegerField()), 0)


def conversation_list(*, user: User, recent_messages: int = 0) -> QuerySet[Conversation]:
    """``user``'s conversations, newest activity first, each with its participants, last message and
    ``unread_count`` (and, with ``recent_messages``, that many newest messages as ``recent_messages``).

    A fixed number of queries whatever the number of conversations: the page, the participants, the
    last (or recent) messages.
    """
    active_memberships = current_memberships().select_related("user")
    latest = Message.objects.select_related("sender").order_by("-sent_at", "-id")
    prefetches = [
        Prefetch("memberships", queryset=active_memberships, to_attr="active_memberships"),
        Prefetch("messages", queryset=latest[:1], to_attr="latest_messages"),
    ]
    if recent_messages:
        prefetches.append(Prefetch("messages", queryset=latest[:recent_messages], to_attr="recent_messages"))
    return (
        conversations_visible_to(user=user)
        .annotate(activity_at=Coalesce("last_message_at", "created_at"), unread_count=_unread_count(user))
        .prefetch_related(*prefetches)
        .order_by("-activity_at", "-id")
    )


def conversation_detail(*, user: User) -> QuerySet[Conversation]:
    """As :func:`conversation_list`, with the recent messages nested."""
    return conversation_list(user=user, recent_messages=settings.MESSAGING_RECENT_MESSAGES)


def conversation_for_participant(*, user: User, conversation_id: uuid.UUID | str) -> Conversation | None:
    """The conversation if ``user`` currently takes part in it, else None (callers answer 404)."""
    try:
        pk = uuid.UUID(str(conversation_id))
    except ValueError:
        return None
    return conversations_visible_to(user=user).filter(pk=pk).first()


def message_list(*, conversation: Conversation) -> QuerySet[Message]:
    """The messages of a conversation, newest first, with their senders."""
    return Message.objects.filter(conversation=conversation).select_related("sender").order_by("-sent_at", "-id")


def message_history(*, message: Message) -> QuerySet[MessageEdit]:
    """The earlier texts of ``message``, oldest first (callers have checked the message is visible)."""
    return MessageEdit.objects.filter(message=message).order_by("edited_at", "id")


def unread_count_for(*, conversation: Conversation, user: User) -> int:
    membership = ConversationParticipant.objects.filter(conversation=conversation, user=user).first()
    if membership is None:
        return 0
    marker = membership.last_read_at or membership.joined_at
    return (
        Message.objects.filter(conversation=conversation, deleted_at__isnull=True, sent_at__gt=marker)
        .exclude(sender_id=user.pk)
        .count()
    )
