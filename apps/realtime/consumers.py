"""The one WebSocket endpoint, ``/ws/v1/live/``: the protocol is in docs/realtime.md.

The client authenticates with its access token in its first message (never in the URL, which servers and proxies
log); the socket then hears its user's conversations (every socket of a user is in the group ``user.<id>``) and,
for incident handlers, the incidents they may see (the group ``ops``, filtered per user on delivery). A
heartbeat keeps it open: a socket silent for ``REALTIME_IDLE_SECONDS`` is closed, and so is one whose token
expires (the client sends a fresh token in an ``auth`` message before then to stay connected).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from apps.common.realtime import OPS_GROUP, user_group
from apps.realtime.access import Refused, Session, authenticate, render, still_follows_incidents

logger = logging.getLogger(__name__)

# Close codes (docs/realtime.md): 4001 no authentication in time, 4003 token refused, expired or revoked,
# 4008 idle (no ping), 1009 message too big.
CLOSE_UNAUTHENTICATED = 4001
CLOSE_REFUSED = 4003
CLOSE_IDLE = 4008
CLOSE_TOO_BIG = 1009


class LiveConsumer(AsyncWebsocketConsumer):
    session: Session | None
    joined: set[str]

    async def connect(self) -> None:
        self.session, self.joined = None, set()
        self.opened_at = self.heard_at = time.monotonic()
        await self.accept()
        self.watchdog = asyncio.ensure_future(self._watch())

    async def disconnect(self, code: int) -> None:
        self.watchdog.cancel()
        for group in self.joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.joined.clear()

    # --- from the client ------------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        self.heard_at = time.monotonic()
        text = text_data if text_data is not None else (bytes_data or b"").decode("utf-8", "replace")
        if len(text.encode()) > settings.REALTIME_MAX_MESSAGE_BYTES:
            await self._refuse("message_too_big", "A client message is at most a few kilobytes.", CLOSE_TOO_BIG)
            return
        try:
            message = json.loads(text)
        except ValueError:
            message = None
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "auth":
            await self._authenticate(message.get("token"))
        elif self.session is None:
            await self._refuse("auth_required", 'The first message must be {"type": "auth", "token": ...}.')
        elif kind == "ping":
            await self._renew()
            await self._send({"type": "pong"})
        else:
            await self._send({"type": "error", "code": "bad_message", "message": "Send auth or ping."})

    async def _authenticate(self, token: Any) -> None:
        try:
            session = await database_sync_to_async(authenticate)(token)
        except Refused as refused:
            await self._refuse(refused.code, refused.message, CLOSE_REFUSED)
            return
        if self.session is not None and session.user_id != self.session.user_id:
            await self._refuse("token_invalid", "A socket stays with the user it was opened for.", CLOSE_REFUSED)
            return
        self.session = session
        await self._join(user_group(session.user_id))
        await self._follow_incidents(session.follows_incidents)
        await self._send(
            {
                "type": "ready",
                "user_id": str(session.user_id),
                "streams": ["messaging", *(["incidents"] if session.follows_incidents else [])],
                "expires_at": session.expires_at.isoformat(),
                "heartbeat_seconds": settings.REALTIME_IDLE_SECONDS,
            }
        )

    async def _renew(self) -> None:
        """A ping: group memberships are renewed, and the incident stream follows the user's current rights."""
        assert self.session is not None
        try:
            follows = await database_sync_to_async(still_follows_incidents)(self.session)
        except Refused as refused:
            await self._refuse(refused.code, refused.message, CLOSE_REFUSED)
            return
        for group in list(self.joined):
            await self.channel_layer.group_add(group, self.channel_name)
        await self._follow_incidents(follows)

    # --- from the channel layer ------------------------------------------------------------------

    async def realtime_event(self, payload: dict[str, Any]) -> None:
        """An event from ``apps.common.realtime.publish``: sent if the user may see it now, rendered as REST does."""
        if self.session is None:
            return
        try:
            out = await database_sync_to_async(render)(self.session, payload)
        except Refused as refused:
            await self._refuse(refused.code, refused.message, CLOSE_REFUSED)
            return
        if out is not None:
            await self._send(out)

    # --- helpers ---------------------------------------------------------------------------------

    async def _join(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self.joined.add(group)

    async def _follow_incidents(self, follows: bool) -> None:
        if follows and OPS_GROUP not in self.joined:
            await self._join(OPS_GROUP)
        elif not follows and OPS_GROUP in self.joined:
            await self.channel_layer.group_discard(OPS_GROUP, self.channel_name)
            self.joined.discard(OPS_GROUP)

    async def _send(self, message: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(message, default=str))

    async def _refuse(self, code: str, message: str, close_code: int = CLOSE_UNAUTHENTICATED) -> None:
        self.session = None
        await self._send({"type": "error", "code": code, "message": message})
        await self.close(code=close_code)

    async def _watch(self) -> None:
        """Close a socket that did not authenticate in time, fell silent, or whose token expired."""
        tick = max(0.05, min(1.0, settings.REALTIME_AUTH_SECONDS / 4, settings.REALTIME_IDLE_SECONDS / 4))
        while True:
            await asyncio.sleep(tick)
            now = time.monotonic()
            if self.session is None and now - self.opened_at > settings.REALTIME_AUTH_SECONDS:
                await self._refuse("auth_timeout", "No access token was sent in time.")
                return
            if self.session is not None and now - self.heard_at > settings.REALTIME_IDLE_SECONDS:
                await self._refuse("idle_timeout", "No ping was received in time.", CLOSE_IDLE)
                return
            if self.session is not None and datetime.now(tz=UTC) >= self.session.expires_at:
                await self._refuse(
                    "token_expired", "The access token expired: reconnect with a fresh one.", CLOSE_REFUSED
                )
                return
