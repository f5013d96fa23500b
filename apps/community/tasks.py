"""Thin tasks: each calls one service."""

from __future__ import annotations

from celery import shared_task

from apps.community import services


@shared_task(name="community.evaluate_challenges")
def evaluate_challenges(user_id: str) -> int:
    """Award the challenges the user has reached (idempotent); returns how many badges were new."""
    return len(services.challenges_evaluate(user_id=user_id))
