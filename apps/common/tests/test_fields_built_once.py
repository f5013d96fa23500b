"""Serializers whose fields are built once per class validate exactly as DRF's own deep copies do."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from rest_framework import serializers

from apps.bookings.serializers import BookingCreateSerializer
from apps.bookings.serializers.paperwork import ParticipantInputSerializer
from apps.common.serializers import FieldsBuiltOnce
from apps.emergency.serializers import GuideReportSerializer, SOSRequestSerializer
from apps.treks.serializers import TrekDetailSerializer

BUILT_ONCE = [BookingCreateSerializer, SOSRequestSerializer, GuideReportSerializer]
# output serializers (their representation is compared with DRF's own copies in apps.treks' catalog tests)
REPRESENT_ONCE = [TrekDetailSerializer]

# values of every class a client may send, for any field
HOSTILE: list[Any] = [
    None, "", " ", "nan", "NaN", "Infinity", "-inf", "1e999", 1e308, -1, 0, 1, 100, 101, 10**30, True, False,
    "\x00", "a\x00b", "a" * 5000, "🙂 हिन्दी", [], {}, [{}], [None], "2026-11-30T10:00:00+05:30", "not-a-date",
    "0b0bd6a4-5e2b-4d1f-9f53-1d7b7a4c1e0a", "+919812345678", "app", "sos", "medical", "advanced", 32.5,
]  # fmt: skip

VALID: dict[type[Any], dict[str, Any]] = {
    BookingCreateSerializer: {
        "batch": "0b0bd6a4-5e2b-4d1f-9f53-1d7b7a4c1e0a",
        "participants": [{"name": "Asha", "age": 30}, {"name": "Ravi", "age": 12, "experience_level": "never"}],
    },
    SOSRequestSerializer: {"latitude": 32.3, "longitude": 77.1, "battery_pct": 40, "message": "help"},
    GuideReportSerializer: {"trekker": "0b0bd6a4-5e2b-4d1f-9f53-1d7b7a4c1e0a", "kind": "medical"},
}


def _plain(cls: type[Any]) -> type[Any]:
    """``cls`` with DRF's own field copies."""
    base = serializers.ModelSerializer if issubclass(cls, serializers.ModelSerializer) else serializers.Serializer
    return type(f"{cls.__name__}Plain", (cls,), {"get_fields": base.get_fields})


def _outcome(cls: type[Any], data: Any) -> tuple[bool, Any, Any]:
    serializer = cls(data=data)
    valid = serializer.is_valid()
    return valid, serializer.errors, dict(serializer.validated_data) if valid else None


def _inputs(cls: type[Any]) -> list[Any]:
    valid = VALID[cls]
    inputs: list[Any] = [valid, {}, None, [], "text", {"unknown": 1}]
    for name in cls._declared_fields:
        inputs += [{**valid, name: value} for value in HOSTILE]
        inputs.append({key: value for key, value in valid.items() if key != name})
    if cls is BookingCreateSerializer:  # each participant's fields too, and lists of every length
        lead = valid["participants"][0]
        for name in ParticipantInputSerializer._declared_fields:
            inputs += [{**valid, "participants": [{**lead, name: value}]} for value in HOSTILE]
        inputs += [{**valid, "participants": [lead] * count} for count in (0, 1, 6, 7, 50)]
        inputs += [{**valid, "add_ons": value} for value in ([{"add_on": valid["batch"], "quantity": 0}], [{}] * 21)]
    return inputs


@pytest.mark.parametrize("cls", BUILT_ONCE, ids=lambda cls: cls.__name__)
def test_validation_is_the_same_as_with_drfs_own_copies(cls: type[Any]) -> None:
    assert issubclass(cls, FieldsBuiltOnce)
    plain = _plain(cls)
    inputs = _inputs(cls)
    # twice over, alternating good and bad input, so what one instance leaves on a shared field would show
    for data in itertools.chain(inputs, reversed(inputs)):
        assert _outcome(cls, data) == _outcome(plain, data), data


@pytest.mark.parametrize("cls", BUILT_ONCE + REPRESENT_ONCE, ids=lambda cls: cls.__name__)
def test_each_instance_has_its_own_bound_fields_and_nothing_below_needs_the_context(cls: type[Any]) -> None:
    assert issubclass(cls, FieldsBuiltOnce)
    first, second = cls(data={}, context={"one": 1}), cls(data={}, context={"two": 2})
    assert first.fields.keys() == second.fields.keys() == _plain(cls)().fields.keys()
    for name in first.fields:
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].parent is first
        assert second.fields[name].parent is second
        assert first.fields[name].context == {"one": 1}

    def needs_context(field: Any) -> bool:
        default = getattr(field, "default", None)
        return getattr(default, "requires_context", False) or any(
            getattr(validator, "requires_context", False) for validator in field.validators
        )

    def below(field: Any) -> list[Any]:
        child = getattr(field, "child", None)
        nested = list(child.fields.values()) if isinstance(child, serializers.Serializer) else []
        if isinstance(field, serializers.Serializer):  # a nested serializer's own fields
            nested += list(field.fields.values())
        return ([child] if child is not None else []) + nested + [f for sub in nested for f in below(sub)]

    shared = [sub for field in first.fields.values() for sub in below(field)]
    assert not [field for field in shared if needs_context(field)]
