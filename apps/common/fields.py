"""Serializer fields shared by every app."""

from __future__ import annotations

import math
from typing import Any

from rest_framework import serializers


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
