"""Admin forms that check what the API checks: a write serializer's validation and a service's refusal shown as
form errors, so the admin refuses what the API refuses (``apps/treks/admin_forms.py``, the coupon and account
forms use them)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django import forms
from rest_framework import serializers

from apps.common.exceptions import ApplicationError


def _add_errors(form: forms.BaseForm, errors: dict[str, Any]) -> None:
    for field, messages in errors.items():
        listed = messages if isinstance(messages, list) else [messages]
        form.add_error(field if field in form.fields else None, [str(m) for m in listed])


def api_validated(
    form: forms.BaseForm, serializer: type[serializers.Serializer], data: dict[str, Any]
) -> dict[str, Any] | None:
    """``data`` as the API's ``serializer`` takes it, or None after putting its errors on ``form``."""
    checked = serializer(data=data)
    if checked.is_valid():
        return dict(checked.validated_data)
    _add_errors(form, dict(checked.errors))
    return None


@contextmanager
def refusal_as_errors(form: forms.BaseForm) -> Iterator[None]:
    """A service's refusal (400, 409...) becomes the form's errors instead of an error page."""
    try:
        yield
    except ApplicationError as exc:
        details = exc.details or {}
        fields = {k: v for k, v in details.items() if k in form.fields and isinstance(v, list)}
        if fields:
            _add_errors(form, fields)
        else:
            form.add_error(None, f"{exc.message} ({exc.code})")
