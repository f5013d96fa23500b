"""Read-only admin for moderators (``community.moderate``): conversations, members, messages and edit history."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.messaging.models import Conversation, ConversationParticipant, Message, MessageEdit
from apps.users.admin import CapabilityAdmin
from apps.users.roles import Capability


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True


class ParticipantInline(ReadOnlyInline):
    model = ConversationParticipant
    fields = ("user", "joined_at", "left_at", "last_read_at")
    readonly_fields = fields


class MessageEditInline(ReadOnlyInline):
    model = MessageEdit
    fields = ("edited_at", "previous_body")
    readonly_fields = fields


class ViewOnlyAdmin(CapabilityAdmin):
    """Moderators look; every change goes through the services (and so through their rules)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Conversation)
class ConversationAdmin(ViewOnlyAdmin):
    view_capability = Capability.COMMUNITY_MODERATE
    list_display = ("__str__", "kind", "created_at", "last_message_at")
    list_filter = ("kind",)
    search_fields = ("=id", "title", "=batch_id", "memberships__user__email")
    date_hierarchy = "created_at"
    readonly_fields = ("id", "kind", "title", "created_by", "batch_id", "direct_key", "created_at", "last_message_at")
    fields = readonly_fields
    inlines = (ParticipantInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Conversation]:
        return super().get_queryset(request).distinct()


@admin.register(Message)
class MessageAdmin(ViewOnlyAdmin):
    view_capability = Capability.COMMUNITY_MODERATE
    list_display = ("id", "conversation", "sender", "sent_at", "edited_at", "deleted_at")
    list_filter = ("conversation__kind",)
    list_select_related = ("conversation", "sender")
    search_fields = ("=id", "=conversation__id", "sender__email", "message_body")
    date_hierarchy = "sent_at"
    readonly_fields = ("id", "conversation", "sender", "parent", "message_body", "sent_at", "edited_at", "deleted_at")
    fields = readonly_fields
    inlines = (MessageEditInline,)
