"""Background work of the accounts domain (thin: each task calls a service)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="users.send_password_reset", ignore_result=True)
def send_password_reset(email: str) -> None:
    from apps.users.services.email import password_reset_send

    password_reset_send(email=email)
