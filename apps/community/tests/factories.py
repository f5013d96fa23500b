from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from apps.bookings.models import Booking, BookingStatus
from apps.community.models import Challenge, ChallengeKind, Comment, JournalEntry, Post
from apps.treks.models import Batch, Trek
from apps.treks.tests.factories import BatchFactory, TrekFactory
from apps.users.models import User
from apps.users.tests.factories import UserFactory


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Post number {n} from the trail.")
    visibility = Post.Visibility.PUBLIC


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    post = factory.SubFactory(PostFactory)
    author = factory.SubFactory(UserFactory)
    body = "Lovely!"


class ChallengeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Challenge

    slug = factory.Sequence(lambda n: f"challenge-{n}")
    name = factory.Sequence(lambda n: f"Challenge {n}")
    kind = ChallengeKind.TREKS_COMPLETED
    target = 1
    points_reward = 100
    badge_name = factory.LazyAttribute(lambda o: f"{o.name} badge")
    badge_icon = "badge"


def make_booking(
    user: User,
    *,
    trek: Trek | None = None,
    batch: Batch | None = None,
    status: str = BookingStatus.CONFIRMED,
    start: date | None = None,
) -> Booking:
    """A booking row in ``status`` (written directly: the booking flow is tested in apps.bookings)."""
    if batch is None:
        trek = trek or TrekFactory()
        start = start or timezone.localdate() - timedelta(days=30)
        batch = BatchFactory(trek=trek, start_date=start, end_date=start + timedelta(days=trek.duration_days - 1))
    price = Decimal("10000.00")
    return Booking.objects.create(
        user=user,
        batch=batch,
        status=status,
        seats=1,
        unit_price=price,
        base_amount=price,
        tax_rate=Decimal("0.0500"),
        tax_amount=Decimal("500.00"),
        final_amount=Decimal("10500.00"),
        amount_paid=Decimal("10500.00") if status != BookingStatus.PENDING else Decimal("0"),
        hold_expires_at=timezone.now() + timedelta(minutes=30) if status == BookingStatus.PENDING else None,
        trekker_name="Trekker",
        trekker_age=30,
    )


def make_journal(author: User, *, privacy: str = JournalEntry.Privacy.PUBLIC, **kwargs: Any) -> JournalEntry:
    booking = kwargs.pop("booking", None) or make_booking(author, trek=kwargs.pop("trek", None))
    return JournalEntry.objects.create(
        author=author,
        trek=booking.batch.trek,
        booking=booking,
        day_number=kwargs.pop("day_number", 1),
        title=kwargs.pop("title", "Day one"),
        body=kwargs.pop("body", "Walked."),
        privacy=privacy,
        **kwargs,
    )


def jpeg_with_exif(name: str = "photo.jpg", size: tuple[int, int] = (64, 48)) -> SimpleUploadedFile:
    """A JPEG carrying camera and GPS EXIF tags."""
    image = Image.new("RGB", size, (30, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "TrailCam"  # Make
    exif[0x8825] = {1: "N", 2: (30.0, 20.0, 10.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")
