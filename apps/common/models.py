from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


def index_where_set(field: str, name: str) -> models.Index:
    """The index of a nullable foreign key ``field`` over the rows that set it, for a key most rows leave NULL
    (who cancelled, which device): its look-ups (``field = x``, the key's checks when ``x`` is deleted) use it as
    they would a whole index, and writing a row that leaves it NULL costs no index entry."""
    return models.Index(fields=[field], name=name, condition=Q(**{f"{field}__isnull": False}))


class BaseModel(models.Model):
    """UUID primary key and creation/update timestamps, shared by every domain model."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AuditLog(models.Model):
    """Who changed what, written by services through :func:`apps.common.audit.audit` (actions: ``AuditAction``)."""

    id = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries"
    )
    action = models.CharField(max_length=100, db_index=True)
    target_type = models.CharField(max_length=100)
    target_id = models.CharField(max_length=64)
    changes = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=128, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="auditlog_target_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}:{self.target_id}"
