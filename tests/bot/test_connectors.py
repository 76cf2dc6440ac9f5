"""Connector clients are reused per service URL, and only the most recently used few are kept."""

from __future__ import annotations

from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticationConstants, ClaimsIdentity

from bot.adapter import make_adapter
from bot.connectors import MAX_CLIENTS
from bot.settings import Settings


def factory_of(adapter):
    auth = adapter.bot_framework_authentication
    claims = ClaimsIdentity({AuthenticationConstants.APP_ID_CLAIM: "local-bot"}, True)
    return auth, auth.create_connector_factory(claims)


async def test_the_cache_stays_bounded_and_keeps_a_hot_client(connector):
    auth, factory = factory_of(make_adapter(Settings()))
    hot_url = connector.url
    hot = await factory.create(hot_url, None)
    first_cold = await factory.create("http://127.0.0.1:9/cold-0/", None)
    for n in range(1, 3 * MAX_CLIENTS):
        await factory.create(f"http://127.0.0.1:9/cold-{n}/", None)
        if n % 100 == 0:
            assert await factory.create(hot_url, None) is hot  # in use: never evicted
    assert len(auth._clients) == MAX_CLIENTS
    assert await factory.create(hot_url, None) is hot
    assert await factory.create("http://127.0.0.1:9/cold-0/", None) is not first_cold  # evicted, made again
    await auth.close()
    assert len(auth._clients) == 0


async def test_an_evicted_client_is_closed(connector):
    auth, factory = factory_of(make_adapter(Settings()))
    used = await factory.create(connector.url, None)
    await used.conversations.send_to_conversation("19:c", Activity(type="message", text="hi"))  # opens a session
    sender = used.config.pipeline._sender
    assert sender._session is not None and not sender._session.closed
    for n in range(MAX_CLIENTS):
        await factory.create(f"http://127.0.0.1:9/cold-{n}/", None)
    assert sender._session is None  # closed when it was dropped from the cache
    await auth.close()
