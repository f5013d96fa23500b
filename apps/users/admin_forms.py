"""The account page in the admin checks what the API checks (``apps.common.admin_forms``).

The profile fields go through the serializer of ``PATCH users/me/`` (names, bio, tribe handle, date of birth,
experience level, language), the phone through the sign-up's number parsing (stored as E.164), and an e-mail,
phone or tribe handle that another account holds, in any case, is refused on the form: the model lower-cases
an e-mail when it saves, so the form's own exact-case uniqueness check would let a clash through to the database.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import UserChangeForm
from rest_framework import serializers

from apps.common.admin_forms import api_validated
from apps.users.models import User, normalize_email_address
from apps.users.phones import PhoneNumberField
from apps.users.serializers import ProfileUpdateSerializer
from apps.users.services.profile import PROFILE_FIELDS


class AccountAdminForm(UserChangeForm):
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        changed = [name for name in PROFILE_FIELDS if name in self.fields and name in self.changed_data]
        profile = {name: data.get(name) for name in changed if name not in self.errors}
        validated = api_validated(self, ProfileUpdateSerializer, profile)
        data.update(validated or {})  # as the API stores them (a handle lower-cased, a blank one None)
        self._check_phone(data)
        self._check_unique(data)
        return data

    def _check_phone(self, data: dict[str, Any]) -> None:
        if "phone" not in self.changed_data or not data.get("phone"):
            return
        try:
            data["phone"] = PhoneNumberField().run_validation(data["phone"])
        except serializers.ValidationError as exc:
            self.add_error("phone", [str(message) for message in exc.detail])

    def _check_unique(self, data: dict[str, Any]) -> None:
        others = User.objects.exclude(pk=self.instance.pk)
        email = normalize_email_address(data.get("email"))
        if "email" in self.changed_data and email and others.filter(email__iexact=email).exists():
            self.add_error("email", "Another account has this e-mail address.")
        phone = data.get("phone") if "phone" not in self.errors else None
        if "phone" in self.changed_data and phone and others.filter(phone=phone).exists():
            self.add_error("phone", "Another account has this phone number.")
        handle = data.get("tribe_handle")
        if handle and "tribe_handle" not in self.errors and others.filter(tribe_handle__iexact=handle).exists():
            self.add_error("tribe_handle", "Another account has this tribe handle.")
