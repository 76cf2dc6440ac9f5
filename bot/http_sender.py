"""Connector calls over aiohttp on the event loop, instead of msrest's default of `requests` on
executor threads (a thread hop, a GIL contest and a new requests session per client per turn)."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from msrest.pipeline import AsyncHTTPPolicy, AsyncHTTPSender, AsyncPipeline, Request, Response
from msrest.pipeline.universal import RawDeserializer
from msrest.universal_http.async_abc import AsyncClientResponse

TIMEOUT = aiohttp.ClientTimeout(total=100)


class _Body(AsyncClientResponse):
    def __init__(self, request, response: aiohttp.ClientResponse, body: bytes) -> None:
        super().__init__(request, response)
        self.status_code = response.status
        self.headers = response.headers
        self.reason = response.reason
        self._body = body

    def body(self) -> bytes:
        return self._body


class AiohttpSender(AsyncHTTPSender):
    """One aiohttp session per connector client (clients are reused per service URL)."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc_details) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(self, request: Request, **config: Any) -> Response:
        http = request.http_request
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        async with self._session.request(http.method, http.url, headers=dict(http.headers), data=http.data) as resp:
            body = await resp.read()
        return Response(request, _Body(http, resp, body))


class BearerPolicy(AsyncHTTPPolicy):
    """The bot's token on every call (as msrest's requests policy does), none without an app id."""

    def __init__(self, credentials) -> None:
        super().__init__()
        self._credentials = credentials

    async def send(self, request: Request, **kwargs: Any) -> Response:
        credentials = self._credentials
        app_id = getattr(credentials, "microsoft_app_id", None)
        if credentials is not None and app_id and app_id != "AnonymousSkill":
            # msal may fetch a token over the network (cached after that): not on the event loop.
            token = await asyncio.to_thread(credentials.get_access_token)
            request.http_request.headers["Authorization"] = f"Bearer {token}"
        return await self.next.send(request, **kwargs)


def use_aiohttp(client) -> None:
    """Give a Bot Framework ConnectorClient an aiohttp pipeline (same policies, another sender)."""
    config = client.config
    config.pipeline = AsyncPipeline(
        [config.user_agent_policy, BearerPolicy(config.credentials), RawDeserializer(), config.http_logger_policy],
        AiohttpSender(),
    )
