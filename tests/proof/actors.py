"""The actors of the proof suite and the world of objects every route of the matrix needs."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.users.models import User
from apps.users.roles import StaffRole

STAFF_ROLES: tuple[str, ...] = ("super_admin", "ops_manager", "cs", "finance", "content")
# Guides without authority over the batch the routes point at (see ``apps.treks.selectors``):
# the guide it was handed over from, and two who were its guide when their token was issued.
LAPSED_GUIDES: tuple[str, ...] = ("other_batch_guide", "former_guide", "inactive_guide")
ACTORS: tuple[str, ...] = (
    "anonymous",
    "owner",
    "other_trekker",
    *STAFF_ROLES,
    "guide",
    "other_guide",
    *LAPSED_GUIDES,
)
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
    "other_batch_guide": "guide of another batch",
    "former_guide": "former guide",
    "inactive_guide": "deactivated guide",
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


def _lapse(world: World, actor: str, *, lapse: Callable[[World, User], None]) -> None:
    """``actor`` becomes the guide of the routes' batch, then loses guide authority by ``lapse``."""
    from apps.treks.models import Batch

    user = world.users[actor]
    assert user is not None
    Batch.objects.filter(pk=world.batch.pk).update(guide=user.guide_profile)
    lapse(world, user)


def _remove_role(world: World, user: User) -> None:
    from apps.users.services import user_set_role

    user_set_role(actor=world.users["super_admin"], user=user, role=None)  # type: ignore[arg-type]


def _deactivate_profile(world: World, user: User) -> None:
    from apps.treks.services.guides import guide_update

    guide_update(actor=world.users["super_admin"], guide=user.guide_profile, changes={"is_active": False})


# Run in each of the actor's cells, after its token was issued and before the request (rolled back after).
ACTOR_SETUP: dict[str, Callable[[World], None]] = {
    "former_guide": lambda w: _lapse(w, "former_guide", lapse=_remove_role),
    "inactive_guide": lambda w: _lapse(w, "inactive_guide", lapse=_deactivate_profile),
}


def build_world() -> World:
    """Create the actors and every object the matrix routes need, with the apps' factories."""
    from apps.messaging.services import batch_conversation_join
    from apps.messaging.tests.factories import MessageFactory, ParticipantFactory
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
        **{actor: GuideFactory().user for actor in LAPSED_GUIDES},
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
    BatchFactory(trek=trek, guide=users["other_batch_guide"].guide_profile)  # type: ignore[union-attr]
    # The batch's group conversation: its guide joined when it was made; the lapsed guides had joined as
    # its guides before.
    conversation = batch_conversation_join(batch_id=batch.id, user=owner)
    for actor in LAPSED_GUIDES:
        ParticipantFactory(conversation=conversation, user=users[actor], joined_at=conversation.created_at)
    message = MessageFactory(conversation=conversation, sender=owner)
    from apps.community.tests.factories import CommentFactory, PostFactory, make_booking, make_journal
    from apps.emergency.tests.factories import IncidentFactory

    booking = make_booking(owner, batch=batch)
    from apps.bookings.models import BookingParticipant

    participant = BookingParticipant.objects.create(booking=booking, position=0, is_lead=True, name="Owner", age=30)
    post = PostFactory(author=owner)
    world.objects.update(
        booking=booking,
        participant=participant,
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
