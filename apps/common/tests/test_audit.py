"""The audit catalogue: the names code uses are exactly its members, and stored rows were renamed to them."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest
from django.apps import apps as global_apps
from django.db import connection

from apps.common.audit import AuditAction, audit
from apps.common.models import AuditLog

APPS = Path(__file__).resolve().parents[2]
rename = importlib.import_module("apps.common.migrations.0002_audit_action_names")


def _sources() -> list[tuple[Path, ast.Module]]:
    paths = [
        path for path in sorted(APPS.rglob("*.py")) if not {"tests", "migrations"} & set(path.relative_to(APPS).parts)
    ]
    return [(path, ast.parse(path.read_text(), filename=str(path))) for path in paths]


SOURCES = _sources()


def test_the_catalogue_is_the_set_of_names_code_uses() -> None:
    used = {
        node.attr
        for _, tree in SOURCES
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "AuditAction"
    }
    assert used == {member.name for member in AuditAction}


def test_no_audit_call_names_its_action_in_a_string() -> None:
    """``action=`` is a catalogue member (or a variable or mapping holding one), never a literal or f-string."""
    offenders = []
    for path, tree in SOURCES:
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("audit", "audit_entry")):
                continue
            for keyword in node.keywords:
                if keyword.arg == "action" and any(
                    isinstance(part, ast.Constant | ast.JoinedStr | ast.BinOp) for part in ast.walk(keyword.value)
                ):
                    offenders.append(f"{path.relative_to(APPS)}:{node.lineno}")
    assert offenders == []


def test_names_are_entity_dot_past_tense() -> None:
    past = re.compile(r"^[a-z]+\.(?:[a-z]+_)*(?:[a-z]+ed|[a-z]+en|set)(?:_[a-z]+)*$")
    assert [member.value for member in AuditAction if not past.match(member.value)] == []
    assert len({member.value for member in AuditAction}) == len(AuditAction)


@pytest.mark.django_db
def test_audit_refuses_a_name_outside_the_catalogue() -> None:
    target = AuditLog.objects.create(action="x", target_type="t", target_id="1")
    with pytest.raises(ValueError, match="is not a valid AuditAction"):
        audit(actor=None, action="booking.cancel", target=target)  # type: ignore[arg-type]
    row = audit(actor=None, action="booking.cancelled", target=target)  # type: ignore[arg-type]
    assert AuditLog.objects.get(pk=row.pk).action == AuditAction.BOOKING_CANCELLED
    assert (row.actor_id, row.target_type, row.target_id) == (None, "common.auditlog", str(target.pk))


OLD_ROWS = [
    ("booking.cancel", {}, "booking.cancelled", {}),
    ("community.post_hide", {"reason": "spam"}, "post.hidden", {"reason": "spam"}),
    ("emergency.incident_responding", {}, "incident.response_started", {}),
    ("emergency.incident_false_alarm", {}, "incident.marked_false_alarm", {}),
    ("batch.full", {}, "batch.filled", {}),
    ("trek.photo.reorder", {}, "trek.photos_reordered", {}),
    ("notifications.delivery_retried", {}, "delivery.retried", {}),
    ("admin.batch.change", {"fields": ["price"]}, "batch.updated", {"fields": ["price"], "via": "admin"}),
    ("admin.region.add", {"fields": []}, "region.created", {"fields": [], "via": "admin"}),
    ("user.role_changed", {"from": None, "to": "guide"}, "user.role_granted", {"from": None, "to": "guide"}),
    ("user.role_changed", {"from": "guide", "to": None}, "user.role_revoked", {"from": "guide", "to": None}),
    ("user.role_changed", {"from": "guide", "to": ""}, "user.role_revoked", {"from": "guide", "to": ""}),
    ("user.anonymised", {}, "user.anonymised", {}),
    ("batch.cancelled", {}, "batch.cancelled", {}),
]


@pytest.mark.django_db
def test_the_migration_renames_stored_rows_and_back() -> None:
    rows = [
        AuditLog.objects.create(action=old, target_type="x.y", target_id=str(index), changes=changes)
        for index, (old, changes, _, _) in enumerate(OLD_ROWS)
    ]
    with connection.schema_editor() as editor:
        rename.forwards(global_apps, editor)
    after = {row.pk: (row.action, row.changes) for row in AuditLog.objects.filter(pk__in=[r.pk for r in rows])}
    assert [after[row.pk] for row in rows] == [(new, changes) for _, _, new, changes in OLD_ROWS]
    assert {action for action, _ in after.values()} <= {member.value for member in AuditAction}

    with connection.schema_editor() as editor:
        rename.backwards(global_apps, editor)
    before = {row.pk: (row.action, row.changes) for row in AuditLog.objects.filter(pk__in=[r.pk for r in rows])}
    assert [before[row.pk] for row in rows] == [(old, changes) for old, changes, _, _ in OLD_ROWS]
