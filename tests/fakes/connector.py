"""A local fake Bot Connector (the Teams side of the Bot Framework REST API) that records what
the bot sends and answers like the real service: create conversation, send, reply, update.

Optionally (constructor keywords, all off by default) it throttles like Teams: a global rate,
a rate and a sliding window per conversation, and a share of calls refused at random, each
answered 429 with Retry-After. Every request is counted in `calls`, whatever the answer.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import random
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any, Callable

from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.cards import read


@dataclass
class Sent:
    method: str
    conversation_id: str | None
    reply_to: str | None
    body: dict[str, Any]
    response: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)  # when it was answered (time.monotonic)

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

    @property
    def view(self):
        """The card, read by meaning (tests.cards)."""
        return read(self.card)


@dataclass
class Call:
    """One request the connector received, and how it was answered."""
    at: float
    method: str
    path: str
    conversation: str | None
    status: int
    reason: str | None = None  # why it was refused: global, conversation, conversation-window, random


class TokenBucket:
    """`rate` calls a second on average, bursts of up to `capacity`."""

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate, self.capacity, self.tokens, self._stamp = rate, capacity, capacity, now

    def _refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def wait(self, now: float) -> float:
        """Seconds until one more call is allowed (0: now)."""
        self._refill(now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1


class SlidingWindow:
    """At most `limit` calls in any `seconds`."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit, self.seconds = limit, seconds
        self._times: deque[float] = deque()

    def wait(self, now: float) -> float:
        while self._times and self._times[0] <= now - self.seconds:
            self._times.popleft()
        return 0.0 if len(self._times) < self.limit else self._times[0] + self.seconds - now

    def take(self, now: float) -> None:
        self._times.append(now)


class FakeConnector:
    def __init__(self, *, global_rate: float | None = None, conversation_rate: float | None = None,
                 conversation_window: tuple[int, float] | None = None, random_429: float = 0.0,
                 seed: int | None = None, retry_after: int = 1, random_5xx: float = 0.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """With no arguments it answers every call (or what `fail_next` says). Otherwise, like Teams:
        `global_rate` calls a second over all conversations and `conversation_rate` a second in one
        conversation (token buckets, bursts of one second's worth), at most `conversation_window`
        = (calls, seconds) in one conversation (a sliding window), and `random_429` (0..1) of the
        calls within those limits refused at random (seeded with `seed`); `random_5xx` (0..1) of all
        calls answered 503 at random (the service failing, seeded too). A refused call is answered
        429 with Retry-After (`retry_after` seconds, or longer for the window); a call within the
        limits counts against them even when refused at random. A new thread in a channel counts
        in that channel's conversation."""
        self.sent: list[Sent] = []
        self._ids = itertools.count(1000)
        self._changed = asyncio.Condition()
        self.server: TestServer | None = None
        self._faults: list[tuple[int, dict[str, str]]] = []
        self._conversation_faults: dict[str, list[int]] = {}
        self.refused = 0
        self.calls: list[Call] = []  # every request, in order of answer
        self.throttled: Counter[str] = Counter()  # 429s by reason
        self._clock = clock
        self._global = TokenBucket(global_rate, max(1.0, global_rate), clock()) if global_rate else None
        self._conversation_rate = conversation_rate
        self._conversation_window = conversation_window
        self._buckets: dict[str, TokenBucket] = {}
        self._windows: dict[str, SlidingWindow] = {}
        self._random_429 = random_429
        self.random_5xx = random_5xx  # may be changed while it runs
        self._random = random.Random(seed)
        self._retry_after = retry_after
        self.on_sent: list[Callable[[Sent], None]] = []  # called once a call is taken, before it is answered
        # Files people attach, as Teams serves them (downloadUrl), from a server of their own on loopback.
        self.files: dict[str, bytes] = {}
        self.file_server: TestServer | None = None
        self.file_downloads: list[str] = []

    @property
    def limited(self) -> bool:
        return bool(self._global or self._conversation_rate or self._conversation_window or self._random_429)

    def fail_next(self, count: int, status: int, headers: dict[str, str] | None = None) -> None:
        """Answer the next `count` calls with `status` (e.g. 429 with Retry-After) instead of success."""
        self._faults.extend([(status, headers or {})] * count)

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    async def start(self) -> "FakeConnector":
        app = web.Application(middlewares=[self._count, self._inject_faults, self._throttle])
        conv = "{conversation_id:[^/]+}"
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post(f"/v3/conversations/{conv}/activities", self._send)
        app.router.add_post(f"/v3/conversations/{conv}/activities/{{activity_id}}", self._send)
        app.router.add_put(f"/v3/conversations/{conv}/activities/{{activity_id}}", self._update)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        files = web.Application()
        files.router.add_get("/files/{name}", self._file)
        self.file_server = TestServer(files, host="127.0.0.1")
        await self.file_server.start_server()
        return self

    def serve_file(self, name: str, data: bytes) -> str:
        """Serve `data` as an attached file; returns its downloadUrl."""
        self.files[name] = data
        return str(self.file_server.make_url(f"/files/{name}"))

    async def _file(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        self.file_downloads.append(name)
        if name not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[name], content_type="application/octet-stream")

    async def close(self) -> None:
        if self.file_server:
            await self.file_server.close()
        if self.server:
            await self.server.close()

    def fail_in(self, conversation_id: str, count: int, status: int) -> None:
        """Answer the next `count` calls in one conversation (a new thread in a channel counts in it)
        with `status`."""
        self._conversation_faults[conversation_id] = [status] * count

    @web.middleware
    async def _inject_faults(self, request: web.Request, handler):
        if self._conversation_faults:
            pending = self._conversation_faults.get(await self._conversation_of(request) or "")
            if pending:
                self.refused += 1
                return web.json_response({"error": {"code": "Injected", "message": "fault"}}, status=pending.pop(0))
        if self.random_5xx and self._random.random() < self.random_5xx:
            self.refused += 1
            return web.json_response({"error": {"code": "Injected", "message": "fault"}}, status=503)
        if self._faults:
            status, headers = self._faults.pop(0)
            self.refused += 1
            return web.json_response({"error": {"code": "Injected", "message": "fault"}}, status=status, headers=headers)
        return await handler(request)

    @web.middleware
    async def _count(self, request: web.Request, handler):
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            self.calls.append(Call(self._clock(), request.method, request.path,
                                   request.get("conversation") or request.match_info.get("conversation_id"),
                                   status, request.get("refused")))

    @staticmethod
    async def _conversation_of(request: web.Request) -> str | None:
        """The conversation a call counts in: the path's, or for a new conversation its channel (a
        new thread) or its member (a 1:1 chat)."""
        if "conversation_id" in request.match_info:
            return request.match_info["conversation_id"]
        if request.method != "POST" or request.path.rstrip("/") != "/v3/conversations":
            return None
        try:
            body = await request.json()  # aiohttp keeps the body: the handler reads it again
        except ValueError:
            return None
        if not isinstance(body, dict):
            return None
        if body.get("isGroup"):
            return ((body.get("channelData") or {}).get("channel") or {}).get("id")
        members = body.get("members") or [{}]
        return f"personal:{members[0].get('id')}" if isinstance(members[0], dict) else None

    def _too_many(self, request: web.Request, reason: str, wait: float) -> web.Response:
        request["refused"] = reason
        self.throttled[reason] += 1
        retry_after = max(self._retry_after, math.ceil(wait))
        return web.json_response({"error": {"code": "TooManyRequests", "message": f"throttled ({reason})"}},
                                 status=429, headers={"Retry-After": str(retry_after)})

    @web.middleware
    async def _throttle(self, request: web.Request, handler):
        if not self.limited:
            return await handler(request)
        now = self._clock()
        conversation = request["conversation"] = await self._conversation_of(request)
        limits: list[tuple[str, TokenBucket | SlidingWindow]] = []
        if self._global is not None:
            limits.append(("global", self._global))
        if conversation is not None and self._conversation_rate:
            bucket = self._buckets.get(conversation)
            if bucket is None:
                rate = self._conversation_rate
                bucket = self._buckets[conversation] = TokenBucket(rate, max(1.0, rate), now)
            limits.append(("conversation", bucket))
        if conversation is not None and self._conversation_window:
            window = self._windows.get(conversation)
            if window is None:
                window = self._windows[conversation] = SlidingWindow(*self._conversation_window)
            limits.append(("conversation-window", window))
        for reason, limit in limits:
            wait = limit.wait(now)
            if wait > 0:
                return self._too_many(request, reason, wait)
        for _, limit in limits:
            limit.take(now)
        if self._random_429 and self._random.random() < self._random_429:
            return self._too_many(request, "random", 0)
        return await handler(request)

    async def _record(self, sent: Sent) -> web.Response:
        self.sent.append(sent)
        for hook in self.on_sent:
            hook(sent)
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
