"""Serializer fields shared by every app, and the admin's JSON form field (read as the API reads JSON)."""

from __future__ import annotations

import math
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.fields import JSONString
from rest_framework import serializers
from rest_framework.exceptions import ParseError

from apps.common import parsers


class FiniteFloatField(serializers.FloatField):
    """The project's float field: refuses NaN and +/-Infinity, whatever spelling brings them.

    DRF 3.16's ``FloatField`` returns ``float(data)``, so the strings ``"nan"``, ``"inf"``, ``"-Infinity"``
    and ``"1e999"`` (and form fields carrying them) come through as non-finite floats, which PostgreSQL
    stores and the strict JSON renderer then cannot render. ``IntegerField`` and ``DecimalField`` already
    refuse them. Use this field for every float input (the non-finite proof test finds any that does not).
    """

    default_error_messages = {"non_finite": "A finite number is required (not NaN or Infinity)."}

    def to_internal_value(self, data: Any) -> float:
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("non_finite")
        return value


class StrictJSONFormField(forms.JSONField):
    """A form's JSON field read by the API's strict parser (``apps.common.parsers.loads``): ``NaN``, ``Infinity``,
    out-of-range numbers, NUL characters and over-deep nesting are a form error, as they are a 400 in the API
    (Django's ``JSONField`` takes ``NaN``, which PostgreSQL's jsonb then refuses with a server error)."""

    def to_python(self, value: Any) -> Any:
        if self.disabled or value in self.empty_values or not isinstance(value, str | bytes):
            return super().to_python(value)
        try:
            converted = parsers.loads(value)
        except ParseError as exc:
            raise ValidationError(str(exc.detail)) from exc
        return JSONString(converted) if isinstance(converted, str) else converted
