"""Thin Celery tasks."""

from __future__ import annotations

from celery import shared_task

from apps.emergency import services


@shared_task(name="emergency.escalate", ignore_result=True)
def escalate() -> int:
    """Every minute (beat): re-alert ops and super admins about incidents nobody has acknowledged."""
    return services.incidents_escalate()


@shared_task(name="emergency.overdue_check_ins", ignore_result=True)
def overdue_check_ins() -> int:
    """Every minute (beat): open an overdue incident for each armed check-in past its time plus the grace."""
    return services.check_ins_raise_overdue()


@shared_task(name="emergency.missed_camp_check_ins", ignore_result=True)
def missed_camp_check_ins() -> int:
    """Every five minutes (beat): alert ops once per departure day with no camp check-in by the day's hour."""
    return services.camp_check_ins_missed()
