"""Conversations between users and their messages (seed 002).

A conversation is direct (two people, at most one conversation per pair: ``direct_key``), a group
(title, chosen participants) or a batch group (one per departure, ``batch_id``, joined on booking
confirmation and left on cancellation). Membership is a row of :class:`ConversationParticipant`,
which carries the participant's read marker and when they joined and left; a participant who has
left (``left_at`` set) no longer sees the conversation.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.common.models import BaseModel

MESSAGE_MAX_LENGTH = 4000


def direct_key_for(first: Any, second: Any) -> str:
    """The key naming the one direct conversation of two users, whatever their order."""
    a, b = sorted((str(first), str(second)))
    return f"{a}:{b}"


class Conversation(BaseModel):
    class Kind(models.TextChoices):
        DIRECT = "direct", "Direct"
        GROUP = "group", "Group"
        BATCH = "batch", "Batch group"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(max_length=120, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="ConversationParticipant", related_name="conversations"
    )
    # When the newest message was sent (kept in step by ``message_send``); orders the inbox.
    last_message_at = models.DateTimeField(null=True, blank=True)
    # "<smaller user id>:<larger user id>" for direct conversations: the database keeps them unique.
    direct_key = models.CharField(max_length=73, null=True, blank=True, editable=False)
    # The departure (apps.treks Batch) of a batch group conversation; one conversation per batch.
    batch_id = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["direct_key"], name="conversation_unique_direct_key"),
            models.UniqueConstraint(
                fields=["batch_id"], condition=Q(batch_id__isnull=False), name="conversation_unique_batch"
            ),
            models.CheckConstraint(
                condition=Q(kind="direct", direct_key__isnull=False) | (~Q(kind="direct") & Q(direct_key__isnull=True)),
                name="conversation_direct_has_key",
            ),
            models.CheckConstraint(
                condition=Q(kind="batch", batch_id__isnull=False) | (~Q(kind="batch") & Q(batch_id__isnull=True)),
                name="conversation_batch_has_batch_id",
            ),
            models.CheckConstraint(condition=Q(kind__in=["direct", "group", "batch"]), name="conversation_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.get_kind_display()} {self.id}"


class ConversationParticipant(BaseModel):
    """Membership of one user in one conversation, with their read marker."""

    # Indexed by the (conversation, user) unique constraint.
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="memberships", db_index=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversation_memberships"
    )
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)
    # Messages sent after this instant (by others) are unread; null means "since joined_at".
    last_read_at = models.DateTimeField(null=True, blank=True)
    # A batch group member who holds a booking of the batch: set when a confirmed booking joins them
    # (batch_conversation_join), cleared when it leaves; such a member keeps access whatever their guide role.
    booked = models.BooleanField(default=False)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="participant_unique_conversation_user"),
            models.CheckConstraint(
                condition=Q(left_at__isnull=True) | Q(left_at__gte=models.F("joined_at")),
                name="participant_left_after_joined",
            ),
        ]
        indexes = [
            models.Index(fields=["user"], condition=Q(left_at__isnull=True), name="participant_active_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.conversation_id}"

    @property
    def is_active(self) -> bool:
        return self.left_at is None


class Message(BaseModel):
    """One message. Deleting leaves a tombstone (``deleted_at``): the API hides the body."""

    # Both indexed by the composite indexes below.
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages", db_index=False)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="messages_sent", db_index=False
    )
    message_body = models.TextField(max_length=MESSAGE_MAX_LENGTH)
    sent_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies", help_text="Replied-to"
    )

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["conversation", "-sent_at", "-id"], name="message_conversation_sent_idx"),
            models.Index(fields=["sender", "-sent_at"], name="message_sender_sent_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(message_body=""), name="message_body_not_blank"),
            models.CheckConstraint(
                condition=Q(edited_at__isnull=True) | Q(edited_at__gte=models.F("sent_at")),
                name="message_edited_after_sent",
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="message_not_own_parent"),
        ]

    def __str__(self) -> str:
        return f"message {self.id} in {self.conversation_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class MessageEdit(BaseModel):
    """The text a message had before one edit (the history of a message, oldest first)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="edits", db_index=False)
    previous_body = models.TextField()
    edited_at = models.DateTimeField()

    class Meta:
        ordering = ["edited_at", "id"]
        indexes = [models.Index(fields=["message", "edited_at"], name="messageedit_message_idx")]

    def __str__(self) -> str:
        return f"edit of {self.message_id} at {self.edited_at:%Y-%m-%d %H:%M}"
