"""Connector clients reused per service URL, so replies keep their HTTP connections alive
(and each given an aiohttp sender and the lean request serializer, bot/wire.py).

The SDK builds a new ConnectorClient (and with it a new HTTP session) for every turn and every
proactive send: a new TCP (and, against Teams, TLS) connection per reply. This wrapper around
the Bot Framework authentication hands out one client per (app id, service URL, audience), and
keeps the most recently used few (Teams uses a handful of service URLs; in local mode a caller
chooses them, and each client holds tens of kilobytes).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from typing import Any

import aiohttp
from msrest.exceptions import ClientRequestError, HttpOperationError

from .http_sender import use_aiohttp
from .wire import use_lean_serializer
from botframework.connector.auth import (
    AuthenticationConstants, BotFrameworkAuthentication, ClaimsIdentity, ConnectorFactory,
)


MAX_CLIENTS = 256


def connector_failed(exc: BaseException) -> bool:
    """A call to the Bot Connector that failed on its way or was refused: a service URL that is not
    http(s) or does not answer, a timeout, an HTTP error status. Expected in operation (and in local
    mode the caller chooses the URL), not a bug in the bot."""
    return isinstance(exc, (aiohttp.ClientError, asyncio.TimeoutError, ClientRequestError, HttpOperationError))


class ClientCache:
    """Connector clients by key, least recently used closed first beyond `size`. A client closed
    while a send of its own is under way fails that send like a network error would; it is the
    least recently used, so that is a service URL nobody has used for a while."""

    def __init__(self, size: int = MAX_CLIENTS) -> None:
        self.size = size
        self._clients: OrderedDict[tuple, Any] = OrderedDict()

    def __len__(self) -> int:
        return len(self._clients)

    def get(self, key: tuple) -> Any | None:
        client = self._clients.get(key)
        if client is not None:
            self._clients.move_to_end(key)
        return client

    async def put(self, key: tuple, client: Any) -> None:
        self._clients[key] = client
        while len(self._clients) > self.size:
            _, old = self._clients.popitem(last=False)
            await _close(old)

    async def close(self) -> None:
        clients, self._clients = list(self._clients.values()), OrderedDict()
        for client in clients:
            await _close(client)


async def _close(client: Any) -> None:
    """Close a client's HTTP session."""
    with contextlib.suppress(Exception):
        await client.__aexit__(None, None, None)


class _CachingConnectorFactory(ConnectorFactory):
    def __init__(self, inner: ConnectorFactory, app_id: str | None, cache: ClientCache) -> None:
        self._inner = inner
        self._app_id = app_id
        self._cache = cache

    async def create(self, service_url: str, audience: str = None):
        key = (self._app_id, service_url, audience)
        client = self._cache.get(key)
        if client is None:
            client = await self._inner.create(service_url, audience)
            already = self._cache.get(key)  # another turn made one meanwhile: keep that one
            if already is not None:
                return already  # (this one has opened no session yet: nothing to close)
            use_aiohttp(client)
            use_lean_serializer(client)
            await self._cache.put(key, client)
        return client


class CachingAuthentication(BotFrameworkAuthentication):
    def __init__(self, inner: BotFrameworkAuthentication, max_clients: int = MAX_CLIENTS) -> None:
        self._inner = inner
        self._clients = ClientCache(max_clients)
        self._token_clients: dict[str | None, Any] = {}

    def _wrap(self, factory: ConnectorFactory | None, claims: ClaimsIdentity | None) -> ConnectorFactory | None:
        if factory is None:
            return None
        app_id = (claims.claims or {}).get(AuthenticationConstants.APP_ID_CLAIM) if claims else None
        return _CachingConnectorFactory(factory, app_id, self._clients)

    async def authenticate_request(self, activity, auth_header: str):
        result = await self._inner.authenticate_request(activity, auth_header)
        result.connector_factory = self._wrap(result.connector_factory, result.claims_identity)
        return result

    async def authenticate_streaming_request(self, auth_header: str, channel_id_header: str):
        result = await self._inner.authenticate_streaming_request(auth_header, channel_id_header)
        result.connector_factory = self._wrap(result.connector_factory, result.claims_identity)
        return result

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return self._wrap(self._inner.create_connector_factory(claims_identity), claims_identity)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity):
        """Also one per app id: the SDK builds one every turn (for sign-in prompts, which this bot
        does not use), each with its own HTTP session."""
        app_id = (claims_identity.claims or {}).get(AuthenticationConstants.APP_ID_CLAIM) if claims_identity else None
        client = self._token_clients.get(app_id)
        if client is None:
            client = self._token_clients[app_id] = await self._inner.create_user_token_client(claims_identity)
        return client

    def create_bot_framework_client(self):
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return self._inner.get_originating_audience()

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self._inner.authenticate_channel_request(auth_header)

    async def close(self) -> None:
        """Close the clients' HTTP sessions."""
        await self._clients.close()
