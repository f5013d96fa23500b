"""Thin Celery tasks."""

from __future__ import annotations

from celery import shared_task

from apps.emergency import services


@shared_task(name="emergency.escalate", ignore_result=True)
def escalate() -> int:
    """Every minute (beat): re-alert ops and super admins about incidents nobody has acknowledged."""
    return services.incidents_escalate()
