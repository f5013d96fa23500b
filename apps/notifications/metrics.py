"""Scrape-time metrics of deliveries still pending (``database_metrics_collect``, see ``apps.common.metrics``)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Min
from prometheus_client.core import GaugeMetricFamily, Metric

from apps.common.metrics import age_seconds
from apps.notifications.models import Delivery


def pending_delivery_metrics(*, now: datetime) -> list[Metric]:
    """Deliveries queued or being sent, by category and channel, and the age of the oldest by category."""
    pending = (
        Delivery.objects.filter(status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING])
        .values("category", "channel")
        .annotate(count=Count("id"), oldest=Min("created_at"))
        .order_by()
    )
    count = GaugeMetricFamily(
        "obs_notification_deliveries_pending",
        "Deliveries queued or being sent (category emergency: SOS alerts)",
        labels=["category", "channel"],
    )
    oldest = GaugeMetricFamily(
        "obs_notification_delivery_oldest_pending_seconds",
        "Age of the oldest delivery not yet sent, by category (0 when none is pending)",
        labels=["category"],
    )
    ages: dict[str, float] = {}
    for row in pending:
        count.add_metric([row["category"], row["channel"]], row["count"])
        age = age_seconds(row["oldest"], now)
        ages[row["category"]] = max(age, ages.get(row["category"], 0.0))
    for category in ("emergency", *sorted(set(ages) - {"emergency"})):
        oldest.add_metric([category], ages.get(category, 0.0))
    return [count, oldest]
