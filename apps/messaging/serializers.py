"""Shapes of the messaging API (seed 002 names: ``participants``, ``message_body``, ``sent_at``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.messaging.models import MESSAGE_MAX_LENGTH, Conversation, Message, MessageEdit
from apps.users.models import User


class ParticipantSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ("id", "display_name", "tribe_handle")
        read_only_fields = fields


class MessageSerializer(serializers.ModelSerializer):
    conversation = serializers.UUIDField(source="conversation_id", read_only=True)
    sender = ParticipantSerializer(read_only=True, allow_null=True)
    message_body = serializers.SerializerMethodField()
    is_deleted = serializers.BooleanField(read_only=True)
    parent = serializers.UUIDField(source="parent_id", read_only=True, allow_null=True)  # type: ignore[assignment]

    class Meta:
        model = Message
        fields = (
            "id",
            "conversation",
            "sender",
            "message_body",
            "sent_at",
            "edited_at",
            "deleted_at",
            "is_deleted",
            "parent",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_message_body(self, message: Message) -> str | None:
        """A deleted message is a tombstone: its text is never shown."""
        return None if message.is_deleted else message.message_body


class MessageEditSerializer(serializers.ModelSerializer):
    """One earlier text of a message: what it said until ``edited_at``."""

    class Meta:
        model = MessageEdit
        fields = ("id", "previous_body", "edited_at")
        read_only_fields = fields


class ConversationSerializer(serializers.ModelSerializer):
    participants = serializers.SerializerMethodField()
    last_message = serializers.SerializerMethodField()
    unread_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Conversation
        fields: tuple[str, ...] = (
            "id",
            "kind",
            "title",
            "batch_id",
            "created_at",
            "last_message_at",
            "participants",
            "last_message",
            "unread_count",
        )
        read_only_fields: tuple[str, ...] = fields

    @extend_schema_field(ParticipantSerializer(many=True))
    def get_participants(self, conversation: Conversation) -> list[dict[str, Any]]:
        users = [membership.user for membership in conversation.active_memberships]  # type: ignore[attr-defined]
        return ParticipantSerializer(users, many=True).data  # type: ignore[return-value]

    @extend_schema_field(MessageSerializer(allow_null=True))
    def get_last_message(self, conversation: Conversation) -> dict[str, Any] | None:
        latest = conversation.latest_messages  # type: ignore[attr-defined]
        return MessageSerializer(latest[0]).data if latest else None


class ConversationDetailSerializer(ConversationSerializer):
    messages = serializers.SerializerMethodField(help_text="The most recent messages, newest first.")

    class Meta(ConversationSerializer.Meta):
        fields = (*ConversationSerializer.Meta.fields, "messages")
        read_only_fields = fields

    @extend_schema_field(MessageSerializer(many=True))
    def get_messages(self, conversation: Conversation) -> list[dict[str, Any]]:
        return MessageSerializer(conversation.recent_messages, many=True).data  # type: ignore[attr-defined,return-value]


class ConversationCreateSerializer(serializers.Serializer):
    """A direct conversation (one other participant) or a group (a title and participants)."""

    KINDS = (Conversation.Kind.DIRECT.value, Conversation.Kind.GROUP.value)

    kind = serializers.ChoiceField(choices=KINDS, default=Conversation.Kind.DIRECT.value)
    title = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    participants = serializers.ListField(
        child=serializers.UUIDField(), min_length=1, max_length=100, help_text="User ids, not counting yourself."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        ids = list(dict.fromkeys(attrs["participants"]))
        if attrs["kind"] == Conversation.Kind.DIRECT:
            if len(ids) != 1:
                raise serializers.ValidationError(
                    {"participants": ["A direct conversation has exactly one other person."]}
                )
            if attrs["title"]:
                raise serializers.ValidationError({"title": ["A direct conversation has no title."]})
        elif not attrs["title"].strip():
            raise serializers.ValidationError({"title": ["A group needs a title."]})
        users = {user.pk: user for user in User.objects.filter(pk__in=ids, is_active=True)}
        unknown = [str(pk) for pk in ids if pk not in users]
        if unknown:
            raise serializers.ValidationError({"participants": [f"Unknown user: {pk}" for pk in unknown]})
        attrs["participants"] = [users[pk] for pk in ids]
        return attrs


class MessageCreateSerializer(serializers.Serializer):
    message_body = serializers.CharField(max_length=MESSAGE_MAX_LENGTH)
    parent = serializers.UUIDField(  # type: ignore[assignment]
        required=False, allow_null=True, help_text="The message replied to (same conversation)."
    )


class MessageUpdateSerializer(serializers.Serializer):
    message_body = serializers.CharField(max_length=MESSAGE_MAX_LENGTH)


class MarkReadSerializer(serializers.Serializer):
    message = serializers.UUIDField(
        required=False, allow_null=True, help_text="Read up to this message (default: everything up to now)."
    )


class ReadMarkerSerializer(serializers.Serializer):
    last_read_at = serializers.DateTimeField()
    unread_count = serializers.IntegerField()
