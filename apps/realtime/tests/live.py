"""Test helpers: a socket on the ASGI application, authenticated like a client, and a way to run a scenario."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application

PATH = "/ws/v1/live/"
# How long a test waits for something it expects (a reply, an event, a close): generous, so a loaded machine
# only makes a passing test slower, never a failing one; waiting for silence stays short.
WAIT = 20.0


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    """Run an async scenario from a sync test (database calls in it go back to the test's thread)."""
    async_to_sync(scenario)()


def db(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Awaitable[Any]:
    """``call`` in the test's thread (the ORM, the REST client), awaited from a scenario."""
    return database_sync_to_async(call)(*args, **kwargs)


class Socket:
    def __init__(self) -> None:
        self.communicator = WebsocketCommunicator(application, PATH)

    async def open(self, token: str | None) -> dict[str, Any]:
        connected, _ = await self.communicator.connect()
        assert connected
        if token is None:
            return {}
        await self.send({"type": "auth", "token": token})
        return await self.receive()

    async def send(self, message: dict[str, Any]) -> None:
        await self.communicator.send_to(text_data=json.dumps(message))

    async def receive(self, timeout: float = WAIT) -> dict[str, Any]:
        return json.loads(await self.communicator.receive_from(timeout=timeout))

    async def event(self, name: str, timeout: float = WAIT) -> dict[str, Any]:
        """The next event called ``name`` (other events before it are skipped)."""
        while True:
            message = await self.receive(timeout)
            if message.get("type") == "event" and message["event"] == name:
                return message

    async def silent(self, timeout: float = 0.5) -> bool:
        """Nothing arrives within ``timeout``."""
        return await self.communicator.receive_nothing(timeout=timeout)

    async def closed_with(self, timeout: float = WAIT) -> int:
        """The close code the server sent (after skipping any messages before it)."""
        while True:
            output = await self.communicator.receive_output(timeout=timeout)
            if output["type"] == "websocket.close":
                return int(output.get("code", 1000))

    async def close(self) -> None:
        await self.communicator.disconnect()
        await asyncio.sleep(0)
