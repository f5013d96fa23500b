"""Catalog HTTP endpoints (thin: parse, authorize, call a service or selector, serialize)."""

from apps.treks.views.batches import (
    BatchDetailView,
    GuideDetailView,
    GuideListView,
    GuidePhotoView,
    TrekBatchesView,
)
from apps.treks.views.catalog import (
    RegionDetailView,
    RegionListView,
    TrekArchiveView,
    TrekCoverView,
    TrekDetailView,
    TrekGPXView,
    TrekItineraryView,
    TrekListView,
    TrekPhotoDetailView,
    TrekPhotoOrderView,
    TrekPhotosView,
    TrekRouteGeoJSONView,
)

__all__ = [
    "BatchDetailView",
    "GuideDetailView",
    "GuideListView",
    "GuidePhotoView",
    "RegionDetailView",
    "RegionListView",
    "TrekArchiveView",
    "TrekBatchesView",
    "TrekCoverView",
    "TrekDetailView",
    "TrekGPXView",
    "TrekItineraryView",
    "TrekListView",
    "TrekPhotoDetailView",
    "TrekPhotoOrderView",
    "TrekPhotosView",
    "TrekRouteGeoJSONView",
]
