"""Audit rows written before the catalogue (``apps.common.audit.AuditAction``) take its names.

The names are spelled out here, not imported: this migration must keep doing what it did when the catalogue
changes. Rows written by the admin (``admin.<model>.<add|change>``) become ``<model>.created`` / ``.updated``
with ``"via": "admin"`` in their changes; ``user.role_changed`` becomes ``user.role_granted`` or, when no role
is left, ``user.role_revoked``.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

RENAMED = {
    "booking.cancel": "booking.cancelled",
    "batch.create": "batch.created",
    "batch.update": "batch.updated",
    "batch.delete": "batch.deleted",
    "batch.open": "batch.opened",
    "batch.full": "batch.filled",
    "batch.ongoing": "batch.started",
    "batch.bulk_cancel": "batch.cancellation_queued",
    "community.post_hide": "post.hidden",
    "community.post_unhide": "post.unhidden",
    "community.comment_hide": "comment.hidden",
    "community.comment_unhide": "comment.unhidden",
    "emergency.incident_opened": "incident.raised",
    "emergency.incident_acknowledged": "incident.acknowledged",
    "emergency.incident_responding": "incident.response_started",
    "emergency.incident_resolved": "incident.resolved",
    "emergency.incident_false_alarm": "incident.marked_false_alarm",
    "emergency.incident_note_added": "incident.note_added",
    "guide.create": "guide.created",
    "guide.update": "guide.updated",
    "guide.photo.set": "guide.photo_set",
    "notifications.delivery_retried": "delivery.retried",
    "region.create": "region.created",
    "region.update": "region.updated",
    "trek.create": "trek.created",
    "trek.update": "trek.updated",
    "trek.itinerary.set": "trek.itinerary_set",
    "trek.cover.set": "trek.cover_set",
    "trek.photo.add": "trek.photo_added",
    "trek.photo.remove": "trek.photo_removed",
    "trek.photo.reorder": "trek.photos_reordered",
    "trek.gpx.attach": "trek.gpx_attached",
}
ADMIN_MODELS = ("region", "trek", "guide", "batch")
ADMIN_SAVES = {"add": "created", "change": "updated"}
ROLE_CHANGED, ROLE_GRANTED, ROLE_REVOKED = "user.role_changed", "user.role_granted", "user.role_revoked"


def forwards(apps: Any, schema_editor: Any) -> None:
    rows = apps.get_model("common", "AuditLog").objects.using(schema_editor.connection.alias)
    for old, new in RENAMED.items():
        rows.filter(action=old).update(action=new)
    for model in ADMIN_MODELS:
        for save, past in ADMIN_SAVES.items():
            changed = list(rows.filter(action=f"admin.{model}.{save}"))
            for row in changed:
                row.action = f"{model}.{past}"
                row.changes = {**(row.changes or {}), "via": "admin"}
            rows.bulk_update(changed, ["action", "changes"], batch_size=500)
    changed = list(rows.filter(action=ROLE_CHANGED))
    for row in changed:
        row.action = ROLE_GRANTED if (row.changes or {}).get("to") else ROLE_REVOKED
    rows.bulk_update(changed, ["action"], batch_size=500)


def backwards(apps: Any, schema_editor: Any) -> None:
    rows = apps.get_model("common", "AuditLog").objects.using(schema_editor.connection.alias)
    rows.filter(action__in=(ROLE_GRANTED, ROLE_REVOKED)).update(action=ROLE_CHANGED)
    for model in ADMIN_MODELS:
        for save, past in ADMIN_SAVES.items():
            changed = list(rows.filter(action=f"{model}.{past}", changes__via="admin"))
            for row in changed:
                row.action = f"admin.{model}.{save}"
                row.changes = {key: value for key, value in row.changes.items() if key != "via"}
            rows.bulk_update(changed, ["action", "changes"], batch_size=500)
    for old, new in RENAMED.items():
        rows.filter(action=new).update(action=old)


class Migration(migrations.Migration):
    dependencies = [("common", "0001_audit_log")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
