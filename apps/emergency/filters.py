from __future__ import annotations

import django_filters

from apps.emergency.models import Incident, IncidentKind, IncidentStatus


class IncidentFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=IncidentStatus.choices)
    kind = django_filters.MultipleChoiceFilter(choices=IncidentKind.choices)
    batch = django_filters.UUIDFilter(field_name="batch_id")
    received_after = django_filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="gte")
    updated_after = django_filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gt",
        help_text="ISO 8601; incidents changed after this instant (a real-time event's cursor).",
    )

    class Meta:
        model = Incident
        fields = ["status", "kind", "batch", "received_after", "updated_after"]
