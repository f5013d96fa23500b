"""Helpers shared by the bookings views."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from apps.common.exceptions import NotFound
from apps.treks.models import Batch

BOOKING_ID = OpenApiParameter("booking_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
BATCH_ID = OpenApiParameter("batch_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
DOCUMENT_ID = OpenApiParameter("document_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


def batch_or_404(batch_id: Any) -> Batch:
    batch = Batch.objects.select_related("trek", "guide__user").filter(pk=batch_id).first()
    if batch is None:
        raise NotFound("No such batch.")
    return batch
