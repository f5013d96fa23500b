"""Catalog services: every write of the trek catalog, plus the seat helpers the booking service uses."""

from apps.treks.catalog_cache import catalog_version, catalog_version_bump
from apps.treks.domain import local_today  # re-exported for the demo seeder
from apps.treks.services.batches import (
    batch_cancel,
    batch_create,
    batch_delete,
    batch_release_seats,
    batch_sync_statuses,
    batch_take_seats,
    batch_transition,
    batch_update,
)
from apps.treks.services.catalog import (
    region_create,
    region_update,
    trek_add_photo,
    trek_archive,
    trek_attach_gpx,
    trek_create,
    trek_refresh_search,
    trek_remove_photo,
    trek_reorder_photos,
    trek_set_cover,
    trek_set_itinerary,
    trek_update,
)
from apps.treks.services.guides import guide_create, guide_set_photo, guide_update

__all__ = [
    "batch_cancel",
    "batch_create",
    "batch_delete",
    "batch_release_seats",
    "batch_sync_statuses",
    "batch_take_seats",
    "batch_transition",
    "batch_update",
    "catalog_version",
    "catalog_version_bump",
    "guide_create",
    "guide_set_photo",
    "guide_update",
    "local_today",
    "region_create",
    "region_update",
    "trek_add_photo",
    "trek_archive",
    "trek_attach_gpx",
    "trek_create",
    "trek_refresh_search",
    "trek_remove_photo",
    "trek_reorder_photos",
    "trek_set_cover",
    "trek_set_itinerary",
    "trek_update",
]
