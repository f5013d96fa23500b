"""The actors of the proof suite and the world of objects every route of the matrix needs."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.users.models import User
from apps.users.roles import StaffRole

STAFF_ROLES: tuple[str, ...] = ("super_admin", "ops_manager", "cs", "finance", "content")
ACTORS: tuple[str, ...] = ("anonymous", "owner", "other_trekker", *STAFF_ROLES, "guide", "other_guide")
ACTOR_TITLES = {
    "anonymous": "anon",
    "owner": "owner",
    "other_trekker": "other trekker",
    "super_admin": "super_admin",
    "ops_manager": "ops_manager",
    "cs": "cs",
    "finance": "finance",
    "content": "content",
    "guide": "batch's guide",
    "other_guide": "other guide",
}


@dataclass
class World:
    """Users per actor plus the objects routes point at (all owned by ``owner`` where ownership applies)."""

    users: dict[str, User | None]
    objects: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["objects"][name]
        except KeyError:
            raise AttributeError(name) from None


def jpeg_bytes(size: tuple[int, int] = (32, 24)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (120, 160, 200)).save(out, "JPEG")
    return out.getvalue()


def jpeg_upload(name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(), content_type="image/jpeg")


def build_world() -> World:
    """Create the actors and every object the matrix routes need, with the apps' factories."""
    from apps.messaging.tests.factories import MessageFactory, group_with
    from apps.notifications.tests.factories import DeviceFactory, NotificationFactory
    from apps.treks.models import TrekPhoto
    from apps.treks.tests.factories import BatchFactory, GuideFactory, ItineraryDayFactory, RegionFactory, TrekFactory
    from apps.users.models import EmergencyContact
    from apps.users.tests.factories import UserFactory

    owner = UserFactory(email="owner@example.com")
    guide = GuideFactory()
    other_guide = GuideFactory()
    users: dict[str, User | None] = {
        "anonymous": None,
        "owner": owner,
        "other_trekker": UserFactory(email="other@example.com"),
        **{role: UserFactory(staff_role=StaffRole(role)) for role in STAFF_ROLES},
        "guide": guide.user,
        "other_guide": other_guide.user,
    }
    world = World(users=users)
    region = RegionFactory(slug="matrix-region")
    trek = TrekFactory(slug="matrix-trek", region=region)
    trek.route_geojson = {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [[78.0, 31.0, 2000.0], [78.01, 31.01, 2100.0]]},
        "properties": {},
    }
    trek.save(update_fields=["route_geojson"])
    ItineraryDayFactory(trek=trek, day_number=1)
    photo = TrekPhoto.objects.create(trek=trek, image="treks/gallery/matrix.jpg", caption="Camp", position=0)
    batch = BatchFactory(trek=trek, guide=guide)
    conversation = group_with(owner, guide.user, title="Batch chat")
    message = MessageFactory(conversation=conversation, sender=owner)
    from apps.community.tests.factories import CommentFactory, PostFactory, make_booking, make_journal
    from apps.emergency.tests.factories import IncidentFactory

    booking = make_booking(owner, batch=batch)
    post = PostFactory(author=owner)
    world.objects.update(
        booking=booking,
        incident=IncidentFactory(trekker=owner, batch=batch),
        empty_batch=BatchFactory(trek=trek, start_date=batch.start_date + timedelta(days=20)),
        post=post,
        comment=CommentFactory(post=post, author=owner),
        journal=make_journal(owner),
        region=region,
        trek=trek,
        photo=photo,
        batch=batch,
        guide_profile=guide,
        other_guide_profile=other_guide,
        conversation=conversation,
        message=message,
        notification=NotificationFactory(user=owner),
        contact=EmergencyContact.objects.create(
            user=owner, name="Ma", relationship="mother", phone="+919800000001", is_primary=True
        ),
        device=DeviceFactory(user=owner),
    )
    return world
