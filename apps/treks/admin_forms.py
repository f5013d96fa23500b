"""The catalog's admin forms check what the API checks: the API's write serializer, then the service's own rules.

Each form's ``clean`` feeds its values to the serializer the API uses (``apps.treks.serializers``) and to the
service's check (``region_check``, ``guide_create_check``, ``batch_create_check`` / ``batch_update_check``), and
shows a refusal as form errors (a code such as ``guide_unavailable`` is named in the message). The admin then saves
through the services (``apps/treks/admin.py``), which check again under their locks.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from apps.common.admin_forms import api_validated, refusal_as_errors
from apps.common.exceptions import ApplicationError
from apps.common.uploads import UploadTooLarge, read_limited
from apps.treks.gpx import MAX_GPX_BYTES, GPXInvalid, parse_gpx
from apps.treks.models import Batch, Guide, Region, Trek
from apps.treks.serializers import (
    BatchWriteSerializer,
    GuideWriteSerializer,
    RegionWriteSerializer,
    TrekWriteSerializer,
)
from apps.treks.services.batches import batch_create_check, batch_update_check
from apps.treks.services.catalog import TREK_FIELDS, catalog_image_clean, region_check
from apps.treks.services.guides import GUIDE_FIELDS, guide_create_check


def upload_refused(upload: Any, *, kind: str) -> str | None:
    """Why the API would refuse this picture (``kind="image"``) or GPX route; None when it takes it."""
    if not isinstance(upload, UploadedFile):
        return None
    try:
        if kind == "image":
            catalog_image_clean(upload)
        else:
            parse_gpx(read_limited(upload, max_bytes=MAX_GPX_BYTES))
    except ApplicationError as exc:
        return exc.message
    except (GPXInvalid, UploadTooLarge) as exc:
        return str(exc) or "The file is too large."
    finally:
        upload.seek(0)
    return None


class RegionAdminForm(forms.ModelForm):
    class Meta:
        model = Region
        fields = ("name", "slug", "description")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        validated = api_validated(
            self, RegionWriteSerializer, {"name": data.get("name"), "description": data.get("description", "")}
        )
        if validated is not None:
            with refusal_as_errors(self):
                region_check(
                    name=validated["name"],
                    slug=data.get("slug") or None,
                    exclude=None if self.instance._state.adding else self.instance.pk,
                )
            self.service_values = validated
        return data


class TrekAdminForm(forms.ModelForm):
    class Meta:
        model = Trek
        fields = (*TREK_FIELDS, "cover_image", "gpx_file")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for field, kind in (("cover_image", "image"), ("gpx_file", "gpx")):
            if data.get(field) is False:
                self.add_error(field, "Upload a replacement instead; this file cannot be removed here.")
            elif reason := upload_refused(data.get(field), kind=kind):
                self.add_error(field, reason)
        if self.errors:
            return data
        payload = {name: data.get(name) for name in TREK_FIELDS}
        payload["region"] = data["region"].slug if data.get("region") else None
        validated = api_validated(self, TrekWriteSerializer, payload)
        if validated is not None:
            self.service_values = validated
        return data


class GuideAdminForm(forms.ModelForm):
    class Meta:
        model = Guide
        fields = ("user", *GUIDE_FIELDS, "regions", "photo")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if reason := upload_refused(data.get("photo"), kind="image"):
            self.add_error("photo", reason)
        if data.get("photo") is False:
            self.add_error("photo", "Upload a replacement instead; the photo cannot be removed here.")
        if self.errors:
            return data
        user = data.get("user") or self.instance.user
        payload = {name: data.get(name) for name in GUIDE_FIELDS}
        payload |= {"user": user.pk, "regions": [r.slug for r in data.get("regions", [])]}
        validated = api_validated(self, GuideWriteSerializer, payload)
        if validated is not None:
            if self.instance._state.adding:
                with refusal_as_errors(self):
                    guide_create_check(user=user)
            self.service_values = validated
        return data


class BatchAdminForm(forms.ModelForm):
    class Meta:
        model = Batch
        fields = ("trek", "guide", "start_date", "end_date", "total_seats", "price", "satellite_phone")
        help_texts = {"end_date": "Leave empty for the last day of the trek's duration (as the API does)."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "end_date" in self.fields:
            self.fields["end_date"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        payload = {
            name: data.get(name) for name in ("start_date", "end_date", "total_seats", "price", "satellite_phone")
        }
        if payload["end_date"] is None:
            del payload["end_date"]
        payload["guide"] = data["guide"].pk if data.get("guide") else None
        validated = api_validated(self, BatchWriteSerializer, payload)
        if validated is None:
            return data
        with refusal_as_errors(self):
            if self.instance._state.adding:
                rules = {name: value for name, value in validated.items() if name != "satellite_phone"}
                validated["end_date"] = batch_create_check(trek=data["trek"], **rules)
            else:
                current = Batch.objects.select_related("trek", "guide__user").get(pk=self.instance.pk)
                validated = batch_update_check(batch=current, changes=validated)
        self.service_values = validated
        return data
