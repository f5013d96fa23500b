"""Writes to regions, treks, itineraries, pictures and routes. Every one is audited and bumps the catalog version."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.postgres.search import SearchVector
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max, TextField, Value
from django.utils import timezone
from django.utils.text import slugify

from apps.common.audit import AuditAction, audit
from apps.common.exceptions import ValidationFailed
from apps.common.uploads import ImageInvalid, UploadTooLarge, file_delete_on_commit, image_upload_clean, read_limited
from apps.treks.catalog_cache import catalog_version_bump
from apps.treks.errors import FileTooLarge, InvalidUpload, RegionExists, SlugConflict
from apps.treks.gpx import MAX_GPX_BYTES, GPXInvalid, parse_gpx
from apps.treks.models import Guide, Region, Trek, TrekItineraryDay, TrekPhoto
from apps.users.models import User

logger = logging.getLogger(__name__)

PictureOwner = TypeVar("PictureOwner", Trek, Guide)  # the models with a catalog picture field

MAX_IMAGE_BYTES = 8 * 1024 * 1024  # trek, gallery and guide pictures
MAX_IMAGE_EDGE = 2560  # longest edge kept

TREK_FIELDS = (
    "name",
    "region",
    "description",
    "max_altitude",
    "total_distance",
    "duration_days",
    "difficulty",
    "max_group_size",
    "themes",
    "best_months",
    "inclusions",
    "exclusions",
    "packing_list",
    "fitness_prep",
    "faqs",
    "status",
    "deposit_kind",
    "deposit_value",
    "balance_due_days",
)
SEARCH_CONFIG = "english"


def _jsonable(value: Any) -> Any:
    """A value as it can be stored in an audit row."""
    if isinstance(value, Decimal | date | uuid.UUID):
        return str(value)
    if hasattr(value, "pk"):
        return str(value.pk)
    return value


def _apply_changes(instance: Any, changes: dict[str, Any], allowed: Iterable[str]) -> dict[str, list[Any]]:
    """Set ``changes`` on ``instance``; return ``{field: [old, new]}`` for the fields that really changed."""
    diff: dict[str, list[Any]] = {}
    for field in allowed:
        if field not in changes:
            continue
        old, new = getattr(instance, field), changes[field]
        if old != new:
            setattr(instance, field, new)
            diff[field] = [_jsonable(old), _jsonable(new)]
    return diff


# --- search -------------------------------------------------------------------------------------


def trek_refresh_search(*, trek_ids: Sequence[Any]) -> None:
    """Rebuild the weighted full-text document of the given treks (PostgreSQL; a no-op elsewhere)."""
    if connection.vendor != "postgresql" or not trek_ids:
        return
    rows = Trek.objects.filter(pk__in=trek_ids).values_list("pk", "region__name", "themes")
    for pk, region_name, themes in rows:
        keywords = " ".join([region_name or "", *(str(t).replace("_", " ") for t in (themes or []))])
        Trek.objects.filter(pk=pk).update(
            search_vector=SearchVector("name", weight="A", config=SEARCH_CONFIG)
            + SearchVector(Value(keywords, output_field=TextField()), weight="B", config=SEARCH_CONFIG)
            + SearchVector("description", weight="C", config=SEARCH_CONFIG)
        )


# --- regions ------------------------------------------------------------------------------------


def region_check(*, name: str, slug: str | None = None, exclude: Any = None) -> str:
    """A region's name must make a slug and be free (case aside): 400 / 409 ``region_exists``; returns the slug.
    ``exclude``: the region being renamed (its slug never changes)."""
    slug = slug or slugify(name)
    if not slug:
        raise ValidationFailed("A region needs a name that makes a slug.", details={"name": ["Not usable."]})
    others = Region.objects.exclude(pk=exclude) if exclude is not None else Region.objects.all()
    if (exclude is None and others.filter(slug=slug).exists()) or others.filter(name__iexact=name).exists():
        raise RegionExists()
    return slug


@transaction.atomic
def region_create(*, actor: User | None, name: str, description: str = "", slug: str | None = None) -> Region:
    slug = region_check(name=name, slug=slug)
    region = Region.objects.create(name=name, slug=slug, description=description)
    audit(actor=actor, action=AuditAction.REGION_CREATED, target=region, changes={"name": name, "slug": slug})
    catalog_version_bump()
    return region


@transaction.atomic
def region_update(*, actor: User | None, region: Region, changes: dict[str, Any]) -> Region:
    region = Region.objects.select_for_update().get(pk=region.pk)
    if "name" in changes and changes["name"] != region.name:
        region_check(name=changes["name"], slug=region.slug, exclude=region.pk)
    diff = _apply_changes(region, changes, ("name", "description"))
    if diff:
        region.save()
        audit(actor=actor, action=AuditAction.REGION_UPDATED, target=region, changes=diff)
        if "name" in diff:
            trek_refresh_search(trek_ids=list(region.treks.values_list("pk", flat=True)))
        catalog_version_bump()
    return region


# --- treks --------------------------------------------------------------------------------------


def _unique_trek_slug(name: str) -> str:
    base = slugify(name)[:200].strip("-") or "trek"
    taken = set(Trek.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def deposit_terms_check(trek: Trek) -> None:
    """400 unless the trek's payment terms hold together: a deposit has a positive value, a percentage is below 100
    (a deposit of the whole price is no deposit)."""
    if trek.deposit_kind == Trek.DepositKind.NONE:
        return
    if trek.deposit_value is None or trek.deposit_value <= 0:
        raise ValidationFailed(details={"deposit_value": ["A deposit needs a positive value."]})
    if trek.deposit_kind == Trek.DepositKind.PERCENT and trek.deposit_value >= 100:
        raise ValidationFailed(details={"deposit_value": ["A percentage deposit is below 100."]})


def trek_create(*, actor: User | None, **fields: Any) -> Trek:
    """Create a trek; its slug comes from the name and is made unique (``-2``, ``-3``...)."""
    unknown = set(fields) - set(TREK_FIELDS)
    if unknown:
        raise TypeError(f"unknown trek fields: {sorted(unknown)}")
    deposit_terms_check(Trek(**{k: v for k, v in fields.items() if k != "region"}))
    for attempt in range(5):
        try:
            with transaction.atomic():
                trek = Trek.objects.create(slug=_unique_trek_slug(fields["name"]), **fields)
                trek_refresh_search(trek_ids=[trek.pk])
                audit(
                    actor=actor,
                    action=AuditAction.TREK_CREATED,
                    target=trek,
                    changes={k: _jsonable(v) for k, v in fields.items() if k in ("name", "region", "status")}
                    | {"slug": trek.slug},
                )
                catalog_version_bump()
                return trek
        except IntegrityError:
            # Another request took the same slug between our check and insert: pick the next one.
            logger.info("trek slug collision, retrying (attempt %s)", attempt + 1)
    raise SlugConflict()


@transaction.atomic
def trek_update(*, actor: User, trek: Trek, changes: dict[str, Any]) -> Trek:
    """Change a trek's fields (the slug never changes: it is the trek's public address)."""
    trek = Trek.objects.select_for_update().get(pk=trek.pk)
    diff = _apply_changes(trek, changes, list(TREK_FIELDS))
    if not diff:
        return trek
    deposit_terms_check(trek)
    trek.save()
    if {"name", "region", "themes", "description"} & diff.keys():
        trek_refresh_search(trek_ids=[trek.pk])
    audit(actor=actor, action=AuditAction.TREK_UPDATED, target=trek, changes=diff)
    catalog_version_bump()
    return trek


def trek_archive(*, actor: User, trek: Trek) -> Trek:
    return trek_update(actor=actor, trek=trek, changes={"status": Trek.Status.ARCHIVED})


@transaction.atomic
def trek_set_itinerary(*, actor: User | None, trek: Trek, days: Sequence[dict[str, Any]]) -> list[TrekItineraryDay]:
    """Replace the itinerary with ``days`` in order: day 1 is the first item. One day per trek day."""
    trek = Trek.objects.select_for_update().get(pk=trek.pk)
    if len(days) != trek.duration_days:
        raise ValidationFailed(
            f"The itinerary must have exactly {trek.duration_days} days (the trek's duration).",
            details={"days": [f"Expected {trek.duration_days} days, got {len(days)}."]},
        )
    for index, day in enumerate(days, start=1):
        given = day.get("day_number")
        if given is not None and given != index:
            raise ValidationFailed(
                "Days must be listed in order, starting with day 1.",
                details={"days": [f"Item {index} says day {given}."]},
            )
    TrekItineraryDay.objects.filter(trek=trek).delete()
    created = TrekItineraryDay.objects.bulk_create(
        [
            TrekItineraryDay(trek=trek, day_number=index, **{k: v for k, v in day.items() if k != "day_number"})
            for index, day in enumerate(days, start=1)
        ]
    )
    Trek.objects.filter(pk=trek.pk).update(updated_at=timezone.now())
    audit(actor=actor, action=AuditAction.TREK_ITINERARY_SET, target=trek, changes={"days": len(created)})
    catalog_version_bump()
    return created


# --- pictures and routes ------------------------------------------------------------------------


def _too_large(exc: UploadTooLarge) -> FileTooLarge:
    limit = exc.max_bytes
    return FileTooLarge(f"The file may be at most {limit // (1024 * 1024)} MB.", details={"max_bytes": limit})


def catalog_image_clean(upload: UploadedFile) -> ContentFile[bytes]:
    """Validate an uploaded picture and return the re-encoded JPEG, ready for storage."""
    try:
        return image_upload_clean(upload, max_bytes=MAX_IMAGE_BYTES, max_edge=MAX_IMAGE_EDGE)
    except UploadTooLarge as exc:
        raise _too_large(exc) from exc
    except ImageInvalid as exc:
        raise InvalidUpload(str(exc), details={"file": [str(exc)]}) from exc


def catalog_picture_set(
    *, actor: User, instance: PictureOwner, field: str, upload: UploadedFile, action: AuditAction
) -> PictureOwner:
    """Replace the picture in ``field`` of ``instance`` (row locked); the old file goes once this commits.
    Call inside a transaction."""
    content = catalog_image_clean(upload)
    locked = type(instance).objects.select_for_update().get(pk=instance.pk)
    picture = getattr(locked, field)
    file_delete_on_commit(picture.storage, picture.name)
    picture.save(content.name, content, save=False)
    locked.save(update_fields=[field, "updated_at"])
    audit(actor=actor, action=action, target=locked, changes={field: picture.name})
    catalog_version_bump()
    return locked


@transaction.atomic
def trek_set_cover(*, actor: User, trek: Trek, upload: UploadedFile) -> Trek:
    return catalog_picture_set(
        actor=actor, instance=trek, field="cover_image", upload=upload, action=AuditAction.TREK_COVER_SET
    )


@transaction.atomic
def trek_add_photo(*, actor: User, trek: Trek, upload: UploadedFile, caption: str = "") -> TrekPhoto:
    content = catalog_image_clean(upload)
    trek = Trek.objects.select_for_update().get(pk=trek.pk)  # serializes position allocation
    last = TrekPhoto.objects.filter(trek=trek).aggregate(last=Max("position"))["last"]
    photo = TrekPhoto(trek=trek, caption=caption, position=0 if last is None else last + 1)
    photo.image.save(content.name or "photo.jpg", content, save=False)
    photo.save()
    audit(actor=actor, action=AuditAction.TREK_PHOTO_ADDED, target=trek, changes={"photo": str(photo.pk)})
    catalog_version_bump()
    return photo


@transaction.atomic
def trek_remove_photo(*, actor: User, photo: TrekPhoto) -> None:
    trek = Trek.objects.select_for_update().get(pk=photo.trek_id)
    file_delete_on_commit(photo.image.storage, photo.image.name)
    photo_id = str(photo.pk)
    photo.delete()
    for position, remaining in enumerate(TrekPhoto.objects.filter(trek=trek).order_by("position")):
        if remaining.position != position:
            TrekPhoto.objects.filter(pk=remaining.pk).update(position=position)
    audit(actor=actor, action=AuditAction.TREK_PHOTO_REMOVED, target=trek, changes={"photo": photo_id})
    catalog_version_bump()


@transaction.atomic
def trek_reorder_photos(*, actor: User, trek: Trek, photo_ids: Sequence[uuid.UUID]) -> list[TrekPhoto]:
    """Put the gallery in the order of ``photo_ids`` (which must list every photo exactly once)."""
    trek = Trek.objects.select_for_update().get(pk=trek.pk)
    photos = {p.pk: p for p in TrekPhoto.objects.filter(trek=trek)}
    if len(photo_ids) != len(set(photo_ids)) or set(photo_ids) != set(photos):
        raise ValidationFailed(
            "List every photo of this trek exactly once.", details={"order": ["Not a permutation of the gallery."]}
        )
    # Move everything out of the way first, so no intermediate state repeats a position.
    TrekPhoto.objects.filter(trek=trek).update(position=F("position") + 10000)
    for position, pk in enumerate(photo_ids):
        photos[pk].position = position
        TrekPhoto.objects.filter(pk=pk).update(position=position)
    audit(
        actor=actor,
        action=AuditAction.TREK_PHOTOS_REORDERED,
        target=trek,
        changes={"order": [str(pk) for pk in photo_ids]},
    )
    catalog_version_bump()
    return sorted(photos.values(), key=lambda p: p.position)


@transaction.atomic
def trek_attach_gpx(*, actor: User | None, trek: Trek, upload: UploadedFile) -> Trek:
    """Parse a GPX upload; store the file, the route statistics and the track, or nothing at all."""
    try:
        data = read_limited(upload, max_bytes=MAX_GPX_BYTES)
    except UploadTooLarge as exc:
        raise _too_large(exc) from exc
    try:
        route = parse_gpx(data)
    except GPXInvalid as exc:
        raise InvalidUpload(str(exc), details={"file": [str(exc)]}) from exc
    trek = Trek.objects.select_for_update().get(pk=trek.pk)
    file_delete_on_commit(trek.gpx_file.storage, trek.gpx_file.name)
    trek.gpx_file.save(f"{trek.slug}-{uuid.uuid4().hex[:8]}.gpx", ContentFile(data), save=False)
    stored_name = trek.gpx_file.name or ""
    storage = trek.gpx_file.storage
    try:
        trek.route_stats = route["stats"]
        trek.route_geojson = {
            "type": "Feature",
            "properties": {"trek": trek.slug, "name": trek.name},
            "geometry": route["geometry"],
        }
        trek.save(update_fields=["gpx_file", "route_stats", "route_geojson", "updated_at"])
    except Exception:
        storage.delete(stored_name)
        raise
    stats = route["stats"]
    audit(
        actor=actor,
        action=AuditAction.TREK_GPX_ATTACHED,
        target=trek,
        changes={k: stats[k] for k in ("distance_km", "elevation_gain_m", "max_altitude_m", "points")},
    )
    catalog_version_bump()
    return trek
