"""Reads of the messaging domain. Every queryset here is scoped to what the given user may see."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.apps import apps as django_apps
from django.conf import settings
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from apps.messaging.models import Conversation, ConversationParticipant, Message

if TYPE_CHECKING:
    from apps.users.models import User


# Bookings that keep a trekker in their batch's group (they join on confirmation and leave on cancellation).
BOOKED_STATUSES = ("confirmed", "completed")


def _lapsed_guide() -> Q | None:
    """Memberships of a batch group held by someone with a guide profile who no longer acts for that batch.

    A batch's guide joins its group when it is created; once their role is removed, their profile
    deactivated or the batch handed to another guide (``apps.treks.selectors.acting_guide_q``) the membership
    carries no access, unless they booked the batch themselves. Decided on every request, like the other
    guide checks.
    """
    if not django_apps.is_installed("apps.treks"):  # noqa: TID251  optional-app branch; treks sits below messaging, to become a plain import
        return None
    from apps.treks.selectors import acting_guide_q

    batch_model = django_apps.get_model("treks", "Batch")  # noqa: TID251  string lookup of a lower app's model, to become a plain import
    guide_model = django_apps.get_model("treks", "Guide")  # noqa: TID251  string lookup of a lower app's model, to become a plain import
    acting = batch_model.objects.filter(
        acting_guide_q(), pk=OuterRef("conversation__batch_id"), guide__user=OuterRef("user_id")
    )
    lapsed = Q(
        Exists(guide_model.objects.filter(user=OuterRef("user_id"))),
        ~Exists(acting),
        conversation__kind=Conversation.Kind.BATCH,
    )
    if django_apps.is_installed("apps.bookings"):  # noqa: TID251  hidden upward edge to bookings, to be removed
        booked = django_apps.get_model("bookings", "Booking").objects.filter(  # noqa: TID251  hidden upward edge to bookings, to be removed
            batch_id=OuterRef("conversation__batch_id"), user=OuterRef("user_id"), status__in=BOOKED_STATUSES
        )
        lapsed &= Q(~Exists(booked))
    return lapsed


def current_memberships() -> QuerySet[ConversationParticipant]:
    """Memberships that give access now: not left, and not a lapsed guide's (every access check uses this)."""
    qs = ConversationParticipant.objects.filter(left_at__isnull=True)
    lapsed = _lapsed_guide()
    return qs if lapsed is None else qs.exclude(lapsed)


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
