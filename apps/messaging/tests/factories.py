from __future__ import annotations

from typing import Any

import factory
from django.utils import timezone

from apps.messaging.models import Conversation, ConversationParticipant, Message, direct_key_for
from apps.users.models import User
from apps.users.tests.factories import UserFactory


class GroupConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    kind = Conversation.Kind.GROUP
    title = factory.Sequence(lambda n: f"Group {n}")


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConversationParticipant

    conversation = factory.SubFactory(GroupConversationFactory)
    user = factory.SubFactory(UserFactory)
    joined_at = factory.LazyFunction(timezone.now)


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    conversation = factory.SubFactory(GroupConversationFactory)
    sender = factory.SubFactory(UserFactory)
    message_body = factory.Faker("sentence")
    sent_at = factory.LazyFunction(timezone.now)


def group_with(*users: User, **kwargs: Any) -> Conversation:
    """A group conversation whose active participants are ``users``."""
    conversation = GroupConversationFactory(**kwargs)
    for user in users:
        ParticipantFactory(conversation=conversation, user=user, joined_at=conversation.created_at)
    return conversation


def direct_between(first: User, second: User) -> Conversation:
    conversation = Conversation.objects.create(
        kind=Conversation.Kind.DIRECT, direct_key=direct_key_for(first.pk, second.pk)
    )
    for user in (first, second):
        ParticipantFactory(conversation=conversation, user=user, joined_at=conversation.created_at)
    return conversation
