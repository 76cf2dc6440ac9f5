"""A local fake Bot Connector (the Teams side of the Bot Framework REST API) that records what
the bot sends and answers like the real service: create conversation, send, reply, update."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class Sent:
    method: str
    conversation_id: str | None
    reply_to: str | None
    body: dict[str, Any]
    response: dict[str, Any] = field(default_factory=dict)

    @property
    def activity(self) -> dict[str, Any]:
        return self.body.get("activity") or {} if self.method == "create" else self.body

    @property
    def text(self) -> str:
        return self.activity.get("text") or ""

    @property
    def card(self) -> dict[str, Any] | None:
        for attachment in self.activity.get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                return attachment["content"]
        return None


class FakeConnector:
    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self._ids = itertools.count(1000)
        self._changed = asyncio.Condition()
        self.server: TestServer | None = None
        self._faults: list[tuple[int, dict[str, str]]] = []
        self.refused = 0

    def fail_next(self, count: int, status: int, headers: dict[str, str] | None = None) -> None:
        """Answer the next `count` calls with `status` (e.g. 429 with Retry-After) instead of success."""
        self._faults.extend([(status, headers or {})] * count)

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    async def start(self) -> "FakeConnector":
        app = web.Application(middlewares=[self._inject_faults])
        conv = "{conversation_id:[^/]+}"
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post(f"/v3/conversations/{conv}/activities", self._send)
        app.router.add_post(f"/v3/conversations/{conv}/activities/{{activity_id}}", self._send)
        app.router.add_put(f"/v3/conversations/{conv}/activities/{{activity_id}}", self._update)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return self

    async def close(self) -> None:
        if self.server:
            await self.server.close()

    @web.middleware
    async def _inject_faults(self, request: web.Request, handler):
        if self._faults:
            status, headers = self._faults.pop(0)
            self.refused += 1
            return web.json_response({"error": {"code": "Injected", "message": "fault"}}, status=status, headers=headers)
        return await handler(request)

    async def _record(self, sent: Sent) -> web.Response:
        self.sent.append(sent)
        async with self._changed:
            self._changed.notify_all()
        return web.json_response(sent.response)

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        activity_id = str(next(self._ids))
        if body.get("isGroup"):
            channel = (body.get("channelData") or {}).get("channel", {}).get("id", "channel")
            conversation_id = f"{channel};messageid={activity_id}"
        else:
            member = (body.get("members") or [{}])[0].get("id", "user")
            conversation_id = f"a:personal-{member}"
        return await self._record(Sent("create", None, None, body,
                                       {"id": conversation_id, "activityId": activity_id}))

    async def _send(self, request: web.Request) -> web.Response:
        body = await request.json()
        return await self._record(Sent("send", request.match_info["conversation_id"],
                                       request.match_info.get("activity_id"), body, {"id": str(next(self._ids))}))

    async def _update(self, request: web.Request) -> web.Response:
        body = await request.json()
        return await self._record(Sent("update", request.match_info["conversation_id"],
                                       request.match_info["activity_id"], body, {"id": request.match_info["activity_id"]}))

    # what tests ask
    def channel_posts(self) -> list[Sent]:
        return [s for s in self.sent if s.method == "create" and s.body.get("isGroup")]

    def personal_chats(self, user_id: str) -> list[Sent]:
        """Messages sent into 1:1 chats created with `user_id`."""
        conversation = f"a:personal-{user_id}"
        return [s for s in self.sent if s.method == "send" and s.conversation_id == conversation]

    def in_conversation(self, conversation_id: str) -> list[Sent]:
        return [s for s in self.sent if s.method == "send" and s.conversation_id == conversation_id]

    async def wait_for(self, predicate, timeout: float = 10.0):
        """Wait until `predicate()` returns something truthy, and return it."""
        async def check():
            async with self._changed:
                while not (result := predicate()):
                    await self._changed.wait()
                return result
        return await asyncio.wait_for(check(), timeout)
