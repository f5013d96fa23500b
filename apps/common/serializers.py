"""Serializer building blocks shared by every app."""

from __future__ import annotations

import copy

from rest_framework import serializers


class FieldsBuiltOnce:
    """For a serializer on a hot path: its fields are built once per class, not once per instance.

    DRF deep-copies a serializer's declared fields for every instance, which re-runs each field's constructor
    (choices flattened, validators built, a list's child serializer copied and its fields built again): 0.25 ms
    of a booking's or an SOS's CPU. A ``ModelSerializer`` also builds its model fields again from the model's
    metadata: 0.6 ms of a trek detail's 2.6 ms. Here the fields are built once per class (by the serializer's own
    ``get_fields``) and each instance gets shallow copies of them, which DRF then binds to that instance as usual
    (name, parent, label, source).

    What the copies share is read-only during validation and representation: options, choices, validators, error
    messages and a list field's child. A shared child is bound to the class's copy, not to the instance, so it
    does not see the serializer's ``context``: use this only where no field below the top level needs it (a hidden
    field with ``CurrentUserDefault``, a validator asking for the request, a nested serializer reading the
    request). The top-level fields see it as usual. The fields may not depend on the instance (``get_fields``
    reading ``self.context`` or ``self.instance``).
    """

    def get_fields(self) -> dict[str, serializers.Field]:
        cls = type(self)
        built: dict[str, serializers.Field] | None = cls.__dict__.get("_fields_built")
        if built is None:  # two threads racing here each build an equal copy; either one serves
            built = cls._fields_built = super().get_fields()  # type: ignore[attr-defined,misc]
        return {name: copy.copy(field) for name, field in built.items()}
