"""Demo eligibility and paperwork for ``manage.py seed_demo``: each trek's age range (and the least experience on
the hardest ones), and the demo trekker's checklists part done, with a photo ID waiting for staff review.

Idempotent: rules are set only where none is, documents only where the booking has none.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.bookings.models import Booking, BookingDocument, BookingStatus
from apps.bookings.services.documents import document_upload, health_declare, waiver_accept
from apps.demo.accounts import demo_user
from apps.treks.models import Trek

# (min age, max age, least experience) by trek; any other trek: by difficulty
RULES: dict[str, tuple[int, int, str]] = {
    "kedarkantha": (8, 65, "never"),
    "roopkund": (14, 58, "beginner"),
    "kashmir-great-lakes": (14, 58, "beginner"),
}
BY_DIFFICULTY: dict[str, tuple[int, int, str]] = {
    Trek.Difficulty.EASY: (7, 70, "never"),
    Trek.Difficulty.MODERATE: (10, 62, "never"),
    Trek.Difficulty.DIFFICULT: (14, 60, "never"),
    Trek.Difficulty.VERY_DIFFICULT: (16, 55, "beginner"),
}
DEMO_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def seed_eligibility(write: Callable[[str], None]) -> None:
    ruled = 0
    for trek in Trek.objects.filter(min_age__isnull=True, max_age__isnull=True):
        min_age, max_age, experience = RULES.get(trek.slug) or BY_DIFFICULTY[trek.difficulty]
        Trek.objects.filter(pk=trek.pk).update(min_age=min_age, max_age=max_age, min_experience_level=experience)
        ruled += 1
    write(f"  demo eligibility: age ranges on {ruled} trek(s); Roopkund and Kashmir Great Lakes need some experience")


def seed_paperwork(write: Callable[[str], None]) -> None:
    trekker = demo_user("trekker")
    if trekker is None:
        return
    bookings = Booking.objects.filter(user=trekker, status__in=(BookingStatus.PENDING, BookingStatus.CONFIRMED))
    for booking in bookings.order_by("created_at"):
        if BookingDocument.objects.filter(booking=booking).exists():
            continue
        # the lead has declared, accepted and sent a photo ID (awaiting review); a friend, if any, nothing yet
        health_declare(booking=booking, answers={"asthma": False, "previous_altitude_sickness": False})
        waiver_accept(booking=booking, version=settings.BOOKINGS_WAIVER_VERSION, ip=None, user_agent="seed_demo")
        upload = SimpleUploadedFile("id.pdf", DEMO_PDF, content_type="application/pdf")
        document_upload(booking=booking, kind=BookingDocument.Kind.ID_DOCUMENT, upload=upload)
    write("  demo paperwork: the trekker's lead checklists part done, photo IDs waiting for review (documents.review)")
