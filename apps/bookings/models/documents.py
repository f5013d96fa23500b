"""Documents a trekker uploads for a booking (ID, medical certificate), kept in private storage."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.files.storage import Storage, default_storage, storages
from django.db import models

from apps.bookings.models.bookings import Booking, BookingParticipant
from apps.common.models import BaseModel


def private_storage() -> Storage:
    """The ``private`` storage (never served under MEDIA_URL); the default storage where none is configured."""
    return storages["private"] if "private" in settings.STORAGES else default_storage


def document_upload_to(instance: Any, filename: str) -> str:
    return f"bookings/{instance.booking_id}/{instance.kind}/{secrets.token_hex(8)}{instance.extension}"


class BookingDocument(BaseModel):
    class Kind(models.TextChoices):
        ID_DOCUMENT = "id_document", "Photo ID"
        FITNESS_PROOF = "fitness_proof", "Fitness proof"

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="documents")
    # whose document it is (documents from before per-participant paperwork were given to the lead)
    participant = models.ForeignKey(
        BookingParticipant, on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    file = models.FileField(upload_to=document_upload_to, storage=private_storage, max_length=255)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["booking", "kind", "-created_at"]

    @property
    def extension(self) -> str:
        return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(self.content_type, "")
