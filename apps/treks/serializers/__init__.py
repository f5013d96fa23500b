"""Shapes of the catalog API. Output serializers read annotations; input serializers only validate.

One module per concern; import from here.
"""

from apps.treks.domain import named_guide
from apps.treks.serializers.batches import BatchWriteSerializer
from apps.treks.serializers.common import (
    CENT,
    DIFFICULTY_LABELS,
    E164,
    TENTH,
    DifficultySerializer,
    GuideBriefSerializer,
    NextBatchSerializer,
    RegionBriefSerializer,
    file_url,
    guide_name,
    money,
    next_batch_of,
)
from apps.treks.serializers.guides import GuideSerializer, GuideWriteSerializer, StaffGuideSerializer
from apps.treks.serializers.treks import (
    BatchSerializer,
    FAQSerializer,
    FileUploadSerializer,
    ItineraryDayInSerializer,
    ItineraryDaySerializer,
    ItineraryWriteSerializer,
    PhotoOrderSerializer,
    PhotoSerializer,
    PhotoUploadSerializer,
    RegionSerializer,
    RegionWriteSerializer,
    RouteSerializer,
    StaffBatchSerializer,
    TrekDetailSerializer,
    TrekListSerializer,
    TrekWriteSerializer,
)

__all__ = [
    "CENT",
    "DIFFICULTY_LABELS",
    "E164",
    "TENTH",
    "BatchSerializer",
    "BatchWriteSerializer",
    "DifficultySerializer",
    "FAQSerializer",
    "FileUploadSerializer",
    "GuideBriefSerializer",
    "GuideSerializer",
    "GuideWriteSerializer",
    "ItineraryDayInSerializer",
    "ItineraryDaySerializer",
    "ItineraryWriteSerializer",
    "NextBatchSerializer",
    "PhotoOrderSerializer",
    "PhotoSerializer",
    "PhotoUploadSerializer",
    "RegionBriefSerializer",
    "RegionSerializer",
    "RegionWriteSerializer",
    "RouteSerializer",
    "StaffBatchSerializer",
    "StaffGuideSerializer",
    "TrekDetailSerializer",
    "TrekListSerializer",
    "TrekWriteSerializer",
    "file_url",
    "guide_name",
    "money",
    "named_guide",
    "next_batch_of",
]
