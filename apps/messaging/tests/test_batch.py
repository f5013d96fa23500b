"""Batch group conversations, joined on booking confirmation and left on cancellation."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from apps.messaging import services
from apps.messaging.models import Conversation, ConversationParticipant
from apps.treks.tests.factories import BatchFactory, GuideFactory
from apps.users.models import User

pytestmark = pytest.mark.django_db


def test_join_creates_the_conversation_once(make_user: Callable[..., User]) -> None:
    batch_id = uuid.uuid4()
    first, second = make_user(), make_user()
    conversation = services.batch_conversation_join(batch_id=batch_id, user=first)
    assert conversation.kind == Conversation.Kind.BATCH
    assert conversation.batch_id == batch_id
    assert conversation.title
    assert services.batch_conversation_join(batch_id=batch_id, user=second) == conversation
    assert services.batch_conversation_join(batch_id=batch_id, user=first) == conversation  # idempotent
    assert Conversation.objects.filter(batch_id=batch_id).count() == 1
    assert set(conversation.memberships.values_list("user_id", flat=True)) == {first.pk, second.pk}
    # Another batch, another conversation.
    assert services.batch_conversation_join(batch_id=uuid.uuid4(), user=first) != conversation


def test_leave_is_idempotent_and_rejoin_reactivates(make_user: Callable[..., User]) -> None:
    batch_id = uuid.uuid4()
    trekker = make_user()
    conversation = services.batch_conversation_join(batch_id=batch_id, user=trekker)
    assert services.batch_conversation_leave(batch_id=batch_id, user=trekker) is True
    assert services.batch_conversation_leave(batch_id=batch_id, user=trekker) is False
    assert services.batch_conversation_leave(batch_id=uuid.uuid4(), user=trekker) is False
    membership = ConversationParticipant.objects.get(conversation=conversation, user=trekker)
    assert membership.left_at is not None

    services.batch_conversation_join(batch_id=batch_id, user=trekker)
    membership.refresh_from_db()
    assert membership.left_at is None
    assert ConversationParticipant.objects.filter(conversation=conversation, user=trekker).count() == 1


def test_database_keeps_one_conversation_per_batch_and_per_pair() -> None:
    from django.db import IntegrityError, transaction

    batch_id = uuid.uuid4()
    Conversation.objects.create(kind="batch", batch_id=batch_id)
    with pytest.raises(IntegrityError), transaction.atomic():
        Conversation.objects.create(kind="batch", batch_id=batch_id)
    with pytest.raises(IntegrityError), transaction.atomic():
        Conversation.objects.create(kind="group", batch_id=uuid.uuid4())  # only batch conversations have one
    with pytest.raises(IntegrityError), transaction.atomic():
        Conversation.objects.create(kind="direct")  # a direct conversation needs its pair key


def test_batch_conversation_includes_the_guide_from_the_catalog(make_user: Callable[..., User]) -> None:
    batch = BatchFactory(guide=GuideFactory())
    trekker = make_user()
    conversation = services.batch_conversation_join(batch_id=batch.pk, user=trekker)
    members = set(conversation.memberships.values_list("user_id", flat=True))
    assert members == {batch.guide.user_id, trekker.pk}
    assert batch.trek.name in conversation.title


def test_guide_joins_a_new_batch_conversation(make_user: Callable[..., User], monkeypatch: pytest.MonkeyPatch) -> None:
    guide, trekker = make_user(), make_user()
    monkeypatch.setattr(
        services,
        "_batch_info",
        lambda batch_id: services.BatchInfo(title="Hampta Pass · 12 Jun 2026", guide_user_id=guide.pk),
    )
    conversation = services.batch_conversation_join(batch_id=uuid.uuid4(), user=trekker)
    assert conversation.title == "Hampta Pass · 12 Jun 2026"
    assert set(conversation.memberships.values_list("user_id", flat=True)) == {guide.pk, trekker.pk}


def test_services_refuse_non_participants(make_user: Callable[..., User]) -> None:
    from apps.common.exceptions import NotFound, ValidationFailed
    from apps.messaging.tests.factories import group_with

    member, outsider = make_user(), make_user()
    conversation = group_with(member, make_user())
    with pytest.raises(NotFound):
        services.message_send(conversation=conversation, sender=outsider, message_body="hi")
    message = services.message_send(conversation=conversation, sender=member, message_body="hi")
    conversation.memberships.filter(user=member).update(left_at=conversation.created_at)
    with pytest.raises(NotFound):
        services.message_edit(message=message, user=member, message_body="edited after leaving")
    with pytest.raises(NotFound):
        services.message_delete(message=message, user=member)
    with pytest.raises(ValidationFailed):
        services.conversation_create_group(user=member, title="  ", participants=[outsider])


def test_a_booked_member_is_marked_and_leaving_clears_it(make_user: Callable[..., User]) -> None:
    guide = GuideFactory()
    batch = BatchFactory(guide=guide)
    conversation = services.batch_conversation_join(batch_id=batch.pk, user=make_user())
    guide_membership = conversation.memberships.get(user=guide.user)
    assert not guide_membership.booked, "the guide is a member by their role, not by a booking"
    services.batch_conversation_join(batch_id=batch.pk, user=guide.user)  # the guide books their own batch
    guide_membership.refresh_from_db()
    assert guide_membership.booked
    services.batch_conversation_leave(batch_id=batch.pk, user=guide.user)
    guide_membership.refresh_from_db()
    assert not guide_membership.booked
