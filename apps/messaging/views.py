"""HTTP for conversations and messages. Someone who does not take part in a conversation gets 404
for everything about it: it can be neither read, nor posted to, nor discovered."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from apps.common.exceptions import NotFound, ValidationFailed
from apps.common.pagination import CursorPagination
from apps.common.schema import error_responses
from apps.messaging import examples, selectors, services
from apps.messaging.errors import EditWindowClosed, MessageDeleted, NotAuthor
from apps.messaging.filters import MessageFilter
from apps.messaging.models import Conversation, Message
from apps.messaging.serializers import (
    ConversationCreateSerializer,
    ConversationDetailSerializer,
    ConversationSerializer,
    MarkReadSerializer,
    MessageCreateSerializer,
    MessageEditSerializer,
    MessageSerializer,
    MessageUpdateSerializer,
    ReadMarkerSerializer,
)
from apps.messaging.throttles import MessageSendThrottle
from apps.users.current import authenticated_user

UUID_PATTERN = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


class MessageCursorPagination(CursorPagination):
    ordering = ("-sent_at", "-id")


@extend_schema_view(
    list=extend_schema(
        summary="My conversations, most recent activity first, with last message and unread count",
        description="Direct and group conversations of the signed-in person, batch chats included (a booker "
        "joins the chat of their batch). Page-number pagination.",
        responses={200: ConversationSerializer(many=True), **error_responses(400, 401, 404)},
        examples=examples.CONVERSATION_LIST,
    ),
    retrieve=extend_schema(
        summary="A conversation with its recent messages",
        description="A conversation the caller takes part in (else 404), with its participants and latest "
        "messages; older ones through `conversationMessageList`.",
        responses={200: ConversationDetailSerializer, **error_responses(401, 404)},
    ),
    create=extend_schema(
        summary="Start a direct conversation (the existing one with that person is returned, 200) or a group",
        description="`kind: direct` with one participant: the one conversation of the two (201 when new, 200 when "
        "it existed). `kind: group` with a `title` and participants: a new group with the caller as its creator "
        "(201).",
        request=ConversationCreateSerializer,
        responses={201: ConversationSerializer, 200: ConversationSerializer, **error_responses(400, 401)},
        examples=examples.CONVERSATION_CREATE,
    ),
)
@extend_schema(tags=["messaging"])
class ConversationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    permission_classes = [IsAuthenticated]
    lookup_value_regex = UUID_PATTERN
    queryset = Conversation.objects.none()

    def get_queryset(self) -> QuerySet[Conversation]:
        if getattr(self, "swagger_fake_view", False):
            return Conversation.objects.none()
        if self.action == "retrieve":
            return selectors.conversation_detail(user=authenticated_user(self.request))
        return selectors.conversation_list(user=authenticated_user(self.request))

    def get_serializer_class(self) -> type[BaseSerializer]:
        if self.action == "retrieve":
            return ConversationDetailSerializer
        if self.action == "create":
            return ConversationCreateSerializer
        return ConversationSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ConversationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = authenticated_user(request)
        if data["kind"] == Conversation.Kind.DIRECT:
            conversation, created = services.conversation_get_or_create_direct(user=user, other=data["participants"][0])
        else:
            conversation = services.conversation_create_group(
                user=user, title=data["title"], participants=data["participants"]
            )
            created = True
        annotated = selectors.conversation_list(user=user).filter(pk=conversation.pk).first()
        if annotated is None:  # not (or no longer) a participant of that conversation
            raise NotFound()
        return Response(
            ConversationSerializer(annotated).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(
        summary="Mark the conversation read, up to now or up to a given message",
        description="A participant's read marker only moves forward; answers the marker and what is still unread. "
        "A `message` of another conversation is 400 `validation_error`.",
        request=MarkReadSerializer,
        responses={200: ReadMarkerSerializer, **error_responses(400, 401, 404)},
    )
    @action(detail=True, methods=["post"], url_path="read")
    def read(self, request: Request, pk: str | None = None) -> Response:
        user = authenticated_user(request)
        conversation = selectors.conversation_for_participant(user=user, conversation_id=str(pk))
        if conversation is None:
            raise NotFound()
        serializer = MarkReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = None
        if serializer.validated_data.get("message"):
            message = Message.objects.filter(conversation=conversation, pk=serializer.validated_data["message"]).first()
            if message is None:
                raise ValidationFailed("This message is not in the conversation.", details={"message": ["not found"]})
        membership = services.conversation_mark_read(conversation=conversation, user=user, message=message)
        body = {
            "last_read_at": membership.last_read_at,
            "unread_count": selectors.unread_count_for(conversation=conversation, user=user),
        }
        return Response(ReadMarkerSerializer(body).data)


@extend_schema_view(
    list=extend_schema(
        summary="Messages of a conversation, newest first (cursor pagination)",
        description="A participant only (else 404). Filters: `sender`, `sent_after`, `sent_before`. Deleted "
        "messages stay as tombstones without text.",
        responses={200: MessageSerializer(many=True), **error_responses(400, 401, 404)},
        examples=examples.MESSAGE_LIST,
    ),
    retrieve=extend_schema(
        summary="One message",
        description="A message of a conversation the caller takes part in (else 404).",
        responses={200: MessageSerializer, **error_responses(401, 404)},
    ),
    create=extend_schema(
        summary="Send a message",
        description="A participant only (else 404). `parent` makes it a reply to a message of the same "
        "conversation. The other participants are notified (inbox, push) by their preferences. Rate-limited "
        "per sender (`THROTTLE_MESSAGE_SEND`, 30 a minute: 429 `throttled`).",
        request=MessageCreateSerializer,
        responses={201: MessageSerializer, **error_responses(400, 401, 404, 429)},
        examples=examples.MESSAGE_CREATE,
    ),
    partial_update=extend_schema(
        summary="Edit your own message (within the edit window; the previous text is kept)",
        description="The author only (403 `not_author`), within `MESSAGING_EDIT_WINDOW_MINUTES` (15) of sending "
        "(409 `edit_window_closed`); a deleted message is 409 `message_deleted`.",
        request=MessageUpdateSerializer,
        responses={
            200: MessageSerializer,
            **error_responses(400, 401, NotAuthor, 404, EditWindowClosed, MessageDeleted),
        },
    ),
    destroy=extend_schema(
        summary="Delete your own message (a tombstone stays in place)",
        description="The author only (403 `not_author`). Idempotent: deleting it again is harmless.",
        responses={204: None, **error_responses(401, NotAuthor, 404)},
    ),
)
@extend_schema(
    tags=["messaging"],
    parameters=[OpenApiParameter("conversation_pk", OpenApiTypes.UUID, OpenApiParameter.PATH)],
)
class MessageViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [IsAuthenticated]
    pagination_class = MessageCursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = MessageFilter
    lookup_value_regex = UUID_PATTERN
    queryset = Message.objects.none()
    _conversation: Conversation | None = None

    def get_throttles(self) -> list[Any]:
        throttles = list(super().get_throttles())
        if self.action == "create":
            throttles.append(MessageSendThrottle())
        return throttles

    @property
    def conversation(self) -> Conversation:
        if self._conversation is None:
            found = selectors.conversation_for_participant(
                user=authenticated_user(self.request), conversation_id=self.kwargs["conversation_pk"]
            )
            if found is None:
                raise NotFound()
            self._conversation = found
        return self._conversation

    def get_queryset(self) -> QuerySet[Message]:
        if getattr(self, "swagger_fake_view", False):
            return Message.objects.none()
        return selectors.message_list(conversation=self.conversation)

    def get_serializer_class(self) -> type[BaseSerializer]:
        if self.action == "create":
            return MessageCreateSerializer
        if self.action == "partial_update":
            return MessageUpdateSerializer
        return MessageSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        conversation = self.conversation
        serializer = MessageCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        parent = None
        if serializer.validated_data.get("parent"):
            parent = Message.objects.filter(conversation=conversation, pk=serializer.validated_data["parent"]).first()
            if parent is None:
                raise ValidationFailed(
                    "You can only reply to a message of this conversation.", details={"parent": ["not found"]}
                )
        message = services.message_send(
            conversation=conversation,
            sender=authenticated_user(request),
            message_body=serializer.validated_data["message_body"],
            parent=parent,
        )
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        message = self.get_object()
        serializer = MessageUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        updated = services.message_edit(
            message=message, user=authenticated_user(request), message_body=serializer.validated_data["message_body"]
        )
        return Response(MessageSerializer(updated).data)

    @extend_schema(
        summary="The earlier texts of a message, oldest first (a deleted message's are gone with it: 409)",
        description=(
            "For the conversation's participants, as the message itself (404 otherwise). Each edit keeps the text "
            "it replaced with the time of the edit; the current text is the message's own. A deleted message "
            "answers 409 `message_deleted`: its history is deleted with it."
        ),
        responses={200: MessageEditSerializer(many=True), **error_responses(401, 404, MessageDeleted)},
    )
    @action(detail=True, methods=["get"], url_path="history", pagination_class=None, filter_backends=[])
    def history(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        message = self.get_object()
        if message.is_deleted:
            raise MessageDeleted()
        return Response(MessageEditSerializer(selectors.message_history(message=message), many=True).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.message_delete(message=self.get_object(), user=authenticated_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
