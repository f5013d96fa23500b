from __future__ import annotations

import django_filters

from apps.messaging.models import Message


class MessageFilter(django_filters.FilterSet):
    sender = django_filters.UUIDFilter(field_name="sender_id", help_text="Only messages of this user.")
    sent_after = django_filters.IsoDateTimeFilter(
        field_name="sent_at", lookup_expr="gte", help_text="ISO 8601; messages sent at or after."
    )
    sent_before = django_filters.IsoDateTimeFilter(
        field_name="sent_at", lookup_expr="lt", help_text="ISO 8601; messages sent before."
    )
    updated_after = django_filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gt",
        help_text="ISO 8601; messages sent, edited or deleted after this instant (a real-time event's cursor).",
    )

    class Meta:
        model = Message
        fields = ("sender", "sent_after", "sent_before", "updated_after")
