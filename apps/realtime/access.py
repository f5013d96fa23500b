"""Who a socket belongs to and what it may hear: the REST API's own authentication, selectors and serializers.

Everything here is synchronous (the ORM); the consumer calls it through ``database_sync_to_async``. Every event
is checked against the recipient as they are at delivery (their account, their token, the conversation or
incident selector REST uses), so a user whose role is removed or whose account is deactivated stops receiving
at the next event, and a socket never shows what the REST API would answer 404 for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import Token

from apps.bookings.models import BaseCheckIn, CampCheckIn
from apps.bookings.selectors import can_view_manifest
from apps.bookings.serializers.field import BaseCheckInSerializer, CampCheckInSerializer
from apps.bookings.views.field import base_check_in_data
from apps.emergency.selectors import can_manage_all, incidents_visible_to
from apps.emergency.serializers import IncidentSerializer
from apps.messaging.selectors import conversation_for_participant, message_list, unread_count_for
from apps.messaging.serializers import MessageSerializer
from apps.treks.models import Batch
from apps.treks.selectors import is_acting_guide
from apps.users.authentication import JWTAuthentication
from apps.users.models import User


class Refused(Exception):
    """The token or its user is not (or no longer) accepted; ``code`` is the error sent before closing."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Session:
    user_id: Any
    token: Token
    expires_at: datetime
    follows_incidents: bool


def _user(token: Token) -> User:
    """The token's user, with simplejwt's checks (active account, password unchanged since the token)."""
    try:
        user = JWTAuthentication().get_user(token)
    except (InvalidToken, AuthenticationFailed) as exc:
        raise Refused("token_revoked", "This token's account is not active or the token was revoked.") from exc
    assert isinstance(user, User)
    return user


def authenticate(raw: Any) -> Session:
    """A session for an access token (the first message), or :class:`Refused`."""
    if not isinstance(raw, str) or not raw or len(raw) > 4096:
        raise Refused("token_invalid", 'Send an access token: {"type": "auth", "token": "..."}.')
    try:
        token = JWTAuthentication().get_validated_token(raw.encode())
    except (InvalidToken, TokenError) as exc:
        raise Refused("token_invalid", "The token is invalid or expired.") from exc
    user = _user(token)
    return Session(
        user_id=user.pk,
        token=token,
        expires_at=datetime.fromtimestamp(int(token["exp"]), tz=UTC),
        follows_incidents=can_manage_all(user) or is_acting_guide(user),
    )


def still_follows_incidents(session: Session) -> bool:
    """Whether the socket may (still) follow incidents: re-read at each heartbeat."""
    user = _user(session.token)
    return can_manage_all(user) or is_acting_guide(user)


def render(session: Session, payload: dict[str, Any]) -> dict[str, Any] | None:
    """What the socket's user is sent for ``payload`` (an event from ``apps.common.realtime``), or None when they
    may not see it. Raises :class:`Refused` when the user is no longer accepted at all."""
    user = _user(session.token)
    event = str(payload.get("event", ""))
    if event.startswith("incident."):
        data = _incident(user, payload)
    elif event.startswith(("message.", "conversation.")):
        data = _conversation(user, payload)
    elif event.startswith("departure."):
        data = _departure(user, payload)
    else:
        return None
    if data is None:
        return None
    return {"type": "event", "event": event, "cursor": payload.get("cursor"), "data": data}


def _conversation(user: User, payload: dict[str, Any]) -> dict[str, Any] | None:
    conversation = conversation_for_participant(user=user, conversation_id=payload.get("conversation_id", ""))
    if conversation is None:
        return None
    data: dict[str, Any] = {
        "conversation_id": str(conversation.pk),
        "unread_count": unread_count_for(conversation=conversation, user=user),
    }
    if "message_id" in payload:
        message = message_list(conversation=conversation).filter(pk=payload["message_id"]).first()
        if message is None:
            return None
        data["message"] = MessageSerializer(message).data
    else:
        data["last_read_at"] = payload.get("cursor")
    return data


def _incident(user: User, payload: dict[str, Any]) -> dict[str, Any] | None:
    if not (can_manage_all(user) or is_acting_guide(user)):
        return None  # the ops stream is for incident handlers; a trekker reads their own incidents over REST
    incident = incidents_visible_to(user).filter(pk=str(payload.get("incident_id", ""))).first()
    if incident is None:
        return None
    data: dict[str, Any] = {"incident": IncidentSerializer(incident).data}
    if "update_id" in payload:
        data["update_id"] = payload["update_id"]
    return data


def _departure(user: User, payload: dict[str, Any]) -> dict[str, Any] | None:
    """A base or camp check-in of a departure, for whoever may read its roster (``can_view_manifest``: ops and
    customer success, the departure's acting guide), as ``GET batches/{id}/roster/`` and ``camp-check-ins/`` show."""
    batch = Batch.objects.filter(pk=str(payload.get("batch_id", ""))).first()
    if batch is None or not can_view_manifest(user=user, batch=batch):
        return None
    data: dict[str, Any] = {"batch_id": str(batch.pk)}
    if "participant_id" in payload:
        check_in = (
            BaseCheckIn.objects.select_related("marked_by")
            .filter(batch=batch, participant_id=payload["participant_id"])
            .first()
        )
        if check_in is None:
            return None
        data["participant_id"] = payload["participant_id"]
        data["base_check_in"] = BaseCheckInSerializer(base_check_in_data(check_in)).data
        return data
    posted = (
        CampCheckIn.objects.select_related("posted_by")
        .filter(batch=batch, pk=str(payload.get("check_in_id", "")))
        .first()
    )
    if posted is None:
        return None
    data["camp_check_in"] = CampCheckInSerializer(posted).data
    return data
