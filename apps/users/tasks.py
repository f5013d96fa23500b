"""Background work of the accounts domain (thin: each task calls a service)."""

from __future__ import annotations

from celery import shared_task

from apps.users.services import email as email_services  # which enqueues this task: each imports the other


@shared_task(name="users.send_password_reset", ignore_result=True)
def send_password_reset(email: str) -> None:
    email_services.password_reset_send(email=email)
