"""Inbound authentication with MicrosoftAppId set, over real HTTP: the SDK checks every token
against a local OpenID issuer on loopback; anything but a valid Teams channel token gets a JSON
401 (never a 500) and changes nothing."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import shutil
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable

import pytest
from aiohttp import web
from botframework.connector.auth import ChannelValidation, MicrosoftAppCredentials

from bot.adapter import make_adapter
from bot.settings import Settings
from tests.fakes import teams as t
from tests.fakes.connector import FakeConnector
from tests.fakes.openid import OpenIdIssuer, new_key
from tests.harness import start_bot

APP_ID = "6f1c5a47-3e2b-4d0a-9a51-0f6e2d8c9b10"
OTHER_APP_ID = "0d7e4c1b-8a2f-4b6e-9c3d-5e1f2a3b4c5d"
EXAMPLE_DIRECTORY = Path(__file__).resolve().parents[2] / "content" / "directory" / "east-sussex.example.yaml"
OUTBOUND_TOKEN = "outbound-token-for-the-connector"
WEBCHAT_KID = "webchat-key"

TEAM = t.TeamSpec("19:auth-team@thread.tacv2", "Auth Team", "11111111-1111-1111-1111-111111111111")
ANA = t.User("Ana Practitioner", "aaaaaaaa-0000-0000-0000-000000000001")


class RecordingConnector(FakeConnector):
    """The fake connector, also noting the Authorization header of every call the bot makes."""

    def __init__(self) -> None:
        super().__init__()
        self.authorizations: list[str | None] = []

    @web.middleware
    async def _inject_faults(self, request: web.Request, handler):
        self.authorizations.append(request.headers.get("Authorization"))
        return await super()._inject_faults(request, handler)


@pytest.fixture
async def connector():
    fake = await RecordingConnector().start()
    yield fake
    await fake.close()


@pytest.fixture
def issuer(monkeypatch):
    # The SDK keeps the metadata URL in a class attribute: put it back whatever a test does.
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", ChannelValidation.open_id_metadata_endpoint)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # the SDK fetches keys with requests
    fake = OpenIdIssuer()
    fake.publish(new_key(), WEBCHAT_KID, ("webchat",))  # a real key, but not one for Teams
    fake.start()
    yield fake
    fake.close()


@pytest.fixture
def outbound_tokens(monkeypatch) -> list[tuple[str, str, str]]:
    """The bot's own token for calling the connector comes from Entra ID (login.microsoftonline.com,
    through msal, which accepts only https authorities): hand it out locally and note who asked."""
    requests: list[tuple[str, str, str]] = []

    def get_access_token(self, force_refresh: bool = False) -> str:
        requests.append((self.microsoft_app_id, self.oauth_scope, self.oauth_endpoint))
        return OUTBOUND_TOKEN

    monkeypatch.setattr(MicrosoftAppCredentials, "get_access_token", get_access_token)
    return requests


@pytest.fixture
async def secured(tmp_path, connector, issuer, outbound_tokens):
    directory = tmp_path / "directory.yaml"
    shutil.copy(EXAMPLE_DIRECTORY, directory)
    bot = await start_bot(tmp_path / "data", connector, None, app_id=APP_ID, app_password="secret",
                          directory=directory, openid_metadata_url=issuer.metadata_url)
    yield bot
    await bot.close()


async def post(bot, activity: dict[str, Any], authorization: str | None) -> tuple[int, Any]:
    headers = {} if authorization is None else {"Authorization": authorization}
    async with bot.session.post(f"{bot.url}/api/messages", json=activity, headers=headers) as resp:
        raw = await resp.read()
        return resp.status, json.loads(raw) if raw else None


def bearer(token: str) -> str:
    return f"Bearer {token}"


async def test_a_valid_teams_token_is_accepted_and_answered(secured, issuer, outbound_tokens):
    bot, connector, url = secured, secured.connector, secured.connector.url
    token = bearer(issuer.mint(issuer.claims(APP_ID, url)))

    assert await post(bot, t.installed(url, TEAM, ANA), token) == (200, None)
    assert [team.id for team in await bot.deps.store.teams.list(active_only=False)] == [TEAM.id]
    ask = connector.in_conversation(TEAM.id)[-1]
    assert ask.view.heading == "Which organisation is this team part of?"

    assert (await post(bot, t.mention(url, TEAM, ANA, "help"), token))[0] == 200
    assert len(connector.in_conversation(TEAM.id)) == 2

    # The replies carry the bot's own token, asked for with its app id, for the Bot Framework.
    assert connector.authorizations and set(connector.authorizations) == {f"Bearer {OUTBOUND_TOKEN}"}
    assert set(outbound_tokens) == {(APP_ID, "https://api.botframework.com",
                                     "https://login.microsoftonline.com/botframework.com")}
    # The keys came from the local issuer, once.
    assert issuer.fetches == ["/.well-known/openidconfiguration", "/keys"]


def _tampered(issuer: OpenIdIssuer, url: str) -> str:
    """A validly signed token whose claims were changed afterwards (another serviceUrl)."""
    header, _, signature = issuer.mint(issuer.claims(APP_ID, "https://smba.example.net/")).split(".")
    claims = base64.urlsafe_b64encode(json.dumps(issuer.claims(APP_ID, url)).encode()).rstrip(b"=").decode()
    return bearer(f"{header}.{claims}.{signature}")


Case = Callable[[OpenIdIssuer, str], "str | None"]
now = lambda: int(time.time())  # noqa: E731

REFUSED: dict[str, Case] = {
    "no Authorization header": lambda i, url: None,
    "an empty Authorization header": lambda i, url: "",
    "Bearer and nothing": lambda i, url: "Bearer",
    "Bearer garbage": lambda i, url: "Bearer garbage",
    "Bearer three.part.garbage": lambda i, url: "Bearer aaa.bbb.ccc",
    "Basic credentials": lambda i, url: "Basic abc",
    "a valid token under another scheme": lambda i, url: f"Token {i.mint(i.claims(APP_ID, url))}",
    "a valid token and more": lambda i, url: f"Bearer {i.mint(i.claims(APP_ID, url))} extra",
    "signed by an unknown key": lambda i, url: bearer(i.mint(i.claims(APP_ID, url), key=new_key(), kid="someone-else")),
    "signed by another key under the issuer's kid": lambda i, url: bearer(i.mint(i.claims(APP_ID, url), key=new_key())),
    "no kid": lambda i, url: bearer(i.mint(i.claims(APP_ID, url), kid=None)),
    "claims changed after signing": _tampered,
    "expired": lambda i, url: bearer(i.mint(i.claims(APP_ID, url, iat=now() - 7200, nbf=now() - 7200, exp=now() - 600))),
    "not valid yet": lambda i, url: bearer(i.mint(i.claims(APP_ID, url, nbf=now() + 600))),
    "for another app": lambda i, url: bearer(i.mint(i.claims(APP_ID, url, aud=OTHER_APP_ID))),
    "for no app": lambda i, url: bearer(i.mint(i.claims(APP_ID, url, aud=None))),
    "from another issuer": lambda i, url: bearer(i.mint(i.claims(APP_ID, url, iss="https://issuer.example.com"))),
    "from no issuer": lambda i, url: bearer(i.mint(i.claims(APP_ID, url, iss=None))),
    "for another serviceUrl": lambda i, url: bearer(i.mint(i.claims(APP_ID, "https://smba.trafficmanager.net/emea/"))),
    "without a serviceurl claim": lambda i, url: bearer(i.mint(i.claims(APP_ID, url, serviceurl=None))),
    "alg none": lambda i, url: bearer(i.mint(i.claims(APP_ID, url), alg="none")),
    "alg none without kid": lambda i, url: bearer(i.mint(i.claims(APP_ID, url), alg="none", kid=None)),
    "HS256 keyed with the issuer's public key": lambda i, url: bearer(i.mint(i.claims(APP_ID, url), alg="HS256")),
    "HS256 keyed with the app password": lambda i, url: bearer(i.mint(i.claims(APP_ID, url), alg="HS256", secret=b"secret")),
    "signed by a key not endorsed for Teams": lambda i, url: bearer(
        i.mint(i.claims(APP_ID, url), key=i.private_keys[WEBCHAT_KID], kid=WEBCHAT_KID)),
}


@pytest.mark.parametrize("make_authorization", REFUSED.values(), ids=REFUSED.keys())
async def test_anything_but_a_valid_token_is_401(secured, issuer, outbound_tokens, make_authorization):
    bot, connector, url = secured, secured.connector, secured.connector.url

    assert await post(bot, t.installed(url, TEAM, ANA), make_authorization(issuer, url)) == (401, {"error": "unauthorized"})

    assert await bot.deps.store.teams.list(active_only=False) == []
    assert connector.sent == [] and connector.authorizations == [] and outbound_tokens == []


async def test_a_teams_token_for_an_activity_from_another_channel_is_401(secured, issuer):
    """The Teams key endorses only msteams: the same valid token cannot carry a webchat activity."""
    bot, url = secured, secured.connector.url
    activity = {**t.installed(url, TEAM, ANA), "channelId": "webchat"}

    assert await post(bot, activity, bearer(issuer.mint(issuer.claims(APP_ID, url)))) == (401, {"error": "unauthorized"})
    assert await bot.deps.store.teams.list(active_only=False) == []


async def test_local_mode_needs_no_token(tmp_path, connector):
    bot = await start_bot(tmp_path / "data", connector, None)
    try:
        assert await post(bot, t.installed(connector.url, TEAM, ANA), None) == (200, None)
        assert [team.id for team in await bot.deps.store.teams.list(active_only=False)] == [TEAM.id]
    finally:
        await bot.close()


def test_the_metadata_url_is_set_per_start_and_reset_without_it(tmp_path, monkeypatch):
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", None)
    directory = tmp_path / "directory.yaml"
    shutil.copy(EXAMPLE_DIRECTORY, directory)

    make_adapter(Settings(app_id=APP_ID, app_password="secret", directory=directory,
                          openid_metadata_url="http://127.0.0.1:9/.well-known/openidconfiguration"))
    assert ChannelValidation.open_id_metadata_endpoint == "http://127.0.0.1:9/.well-known/openidconfiguration"

    make_adapter(Settings())
    assert ChannelValidation.open_id_metadata_endpoint is None  # the Bot Framework's own again


def _cached_keys(issuer: OpenIdIssuer):
    from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor

    return JwtTokenExtractor.metadataCache[issuer.metadata_url]


async def test_fetching_the_keys_does_not_stop_the_bot_answering_others(secured, issuer):
    bot, url = secured, secured.connector.url
    issuer.hold = threading.Event()
    waiting = asyncio.create_task(post(bot, t.installed(url, TEAM, ANA), bearer(issuer.mint(issuer.claims(APP_ID, url)))))
    while "/keys" not in issuer.fetches:  # the key set is being fetched, and held back
        await asyncio.sleep(0.01)
    async with bot.session.get(f"{bot.url}/healthz") as resp:
        assert resp.status == 200
    assert not issuer.hold.is_set() and not waiting.done()  # answered while the fetch was still held
    issuer.hold.set()
    assert await waiting == (200, None)
    assert issuer.hold_timeouts == 0  # a bot blocked on the fetch could not have set it in time


async def until(condition, what: str) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


async def test_keys_already_known_are_kept_while_the_issuer_is_down(secured, issuer, caplog):
    bot, url = secured, secured.connector.url
    token = bearer(issuer.mint(issuer.claims(APP_ID, url)))
    assert (await post(bot, t.installed(url, TEAM, ANA), token))[0] == 200
    issuer.down = True
    _cached_keys(issuer).last_updated = datetime.min  # a day later: time to refresh
    fetched = len(issuer.fetches)
    with caplog.at_level(logging.ERROR):
        assert (await post(bot, t.mention(url, TEAM, ANA, "help"), token))[0] == 200
        await until(lambda: any("could not fetch the channel's signing keys" in r.getMessage() for r in caplog.records),
                    "the failed refresh logged")
    assert (await post(bot, t.mention(url, TEAM, ANA, "help"), token))[0] == 200
    assert len(issuer.fetches) == fetched + 1  # one attempt, then a pause before the next


async def test_a_due_refresh_runs_in_the_background_while_the_known_keys_serve(secured, issuer):
    bot, url = secured, secured.connector.url
    token = bearer(issuer.mint(issuer.claims(APP_ID, url)))
    assert (await post(bot, t.installed(url, TEAM, ANA), token))[0] == 200
    issuer.hold = threading.Event()
    _cached_keys(issuer).last_updated = datetime.min
    assert (await post(bot, t.mention(url, TEAM, ANA, "help"), token))[0] == 200  # not waiting for the refresh
    await until(lambda: issuer.fetches.count("/keys") == 2, "the refresh reached the key set")
    assert (await post(bot, t.mention(url, TEAM, ANA, "help"), token))[0] == 200  # still held: known keys serve
    issuer.hold.set()
    await until(lambda: _cached_keys(issuer).last_updated > datetime.min, "the refresh stored the keys")
    assert issuer.hold_timeouts == 0


@pytest.mark.parametrize("keys_age", [timedelta(hours=2), timedelta(days=3)], ids=["hours old", "days old"])
async def test_a_token_signed_by_a_rotated_in_key_waits_for_the_refresh_and_is_accepted(secured, issuer, keys_age):
    bot, url = secured, secured.connector.url
    assert (await post(bot, t.installed(url, TEAM, ANA), bearer(issuer.mint(issuer.claims(APP_ID, url)))))[0] == 200
    rotated = new_key()
    issuer.publish(rotated, "rotated-key")  # Microsoft publishes a new key; the bot has the old set
    token = bearer(issuer.mint(issuer.claims(APP_ID, url), key=rotated, kid="rotated-key"))
    _cached_keys(issuer).last_updated = datetime.now() - keys_age
    assert (await post(bot, t.mention(url, TEAM, ANA, "help"), token))[0] == 200
    # Another unknown key id within the hour: refused without fetching again.
    fetched = len(issuer.fetches)
    forged = bearer(issuer.mint(issuer.claims(APP_ID, url), key=new_key(), kid="forged-key"))
    assert (await post(bot, t.mention(url, TEAM, ANA, "help"), forged))[0] == 401
    assert len(issuer.fetches) == fetched


async def test_with_no_keys_and_the_issuer_down_requests_are_503_until_it_is_back(secured, issuer, monkeypatch):
    import bot.adapter

    bot_, url = secured, secured.connector.url
    monkeypatch.setattr(bot.adapter, "KEY_RETRY_WITHOUT_KEYS_SECONDS", 0.0)
    token = bearer(issuer.mint(issuer.claims(APP_ID, url)))
    issuer.down = True
    status, body = await post(bot_, t.installed(url, TEAM, ANA), token)
    assert status == 503 and "try again" in body["error"]
    assert await bot_.deps.store.teams.list(active_only=False) == []
    issuer.down = False
    assert (await post(bot_, t.installed(url, TEAM, ANA), token))[0] == 200
    assert [team.id for team in await bot_.deps.store.teams.list(active_only=False)] == [TEAM.id]
