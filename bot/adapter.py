"""The Bot Framework CloudAdapter, configured from settings, with its per-turn overhead removed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import requests
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botframework.connector.auth import ChannelValidation
from botframework.connector.auth.jwt_token_extractor import _OpenIdMetadata
from msrest.universal_http.requests import ClientRetryPolicy

from storage.protocols import StoreError

from .connectors import CachingAuthentication, connector_failed
from .settings import Settings

log = logging.getLogger(__name__)


def speed_up_retry_policy() -> None:
    """msrest builds a retry policy per client with `i not in safe_codes` over a list, ~1,000
    times; the SDK makes two clients per turn (~8 ms). A frozenset makes that scan cheap.
    The policy is never used for our sends (the async connector does not retry)."""
    if not isinstance(ClientRetryPolicy.safe_codes, frozenset):
        ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)


def use_openid_metadata(url: str | None) -> None:
    """Where inbound channel tokens' signing keys are published: `url`, or (None) the Bot
    Framework's own. This is the SDK's setting on the public-cloud path the bot runs in production,
    so a test against a local issuer checks tokens with exactly the production code.
    Not `TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL` in the configuration: any such key swaps that
    authenticator for the SDK's "parameterized" one, with the token issuer, OAuth scope and login
    URL left unset unless all are given, and it refuses every valid token.
    The setting is class-level: every start sets it, or resets it to the default."""
    ChannelValidation.open_id_metadata_endpoint = url or None


class SigningKeysUnavailable(Exception):
    """The channel's signing keys could not be fetched and none are known: no token can be checked."""


KEY_FETCH_TIMEOUT = 10.0  # seconds, for each of the two requests
KEY_WAIT_SECONDS = 25.0  # the longest a request waits for keys when none are known
KEY_RETRY_SECONDS = 300.0  # after a failed refresh, while the keys already known still serve
KEY_RETRY_WITHOUT_KEYS_SECONDS = 10.0  # after a failed fetch with no keys known (requests get 503)


def _fetch_signing_keys(metadata_url: str) -> list[dict[str, Any]]:
    with requests.Session() as session:
        metadata = session.get(metadata_url, timeout=KEY_FETCH_TIMEOUT)
        metadata.raise_for_status()
        keys = session.get(metadata.json()["jwks_uri"], timeout=KEY_FETCH_TIMEOUT)
        keys.raise_for_status()
        found = keys.json()["keys"]
    if not isinstance(found, list) or not all(isinstance(k, dict) and "kid" in k for k in found):
        raise ValueError("the key set is not a list of keys")
    return found


async def _fetch_into(metadata: _OpenIdMetadata) -> bool:
    """Fetch the keys on a thread; on success store them, on failure log it and set when to retry."""
    state = metadata.__dict__
    try:
        keys = await asyncio.wait_for(asyncio.to_thread(_fetch_signing_keys, metadata.url), KEY_WAIT_SECONDS)
    except Exception as exc:
        wait = KEY_RETRY_SECONDS if metadata.keys else KEY_RETRY_WITHOUT_KEYS_SECONDS
        state["_retry_at"] = time.monotonic() + wait
        log.error("could not fetch the channel's signing keys error=%s keeping=%d retry_in=%ds",
                  type(exc).__name__, len(metadata.keys), wait)
        return False
    state.pop("_retry_at", None)
    metadata.keys = keys
    metadata.last_updated = datetime.now()
    return True


def _background_refresh(metadata: _OpenIdMetadata) -> asyncio.Task | None:
    """The refresh under way, or a new one; None while a failed one waits to be tried again."""
    state = metadata.__dict__
    running = state.get("_refreshing")
    if running is not None and not running.done():
        return running
    if time.monotonic() < state.get("_retry_at", 0.0):
        return None
    state["_refreshing"] = asyncio.get_running_loop().create_task(_fetch_into(metadata))
    return state["_refreshing"]


async def _get_signing_key(self: _OpenIdMetadata, key_id: str):
    """The key a token names. The SDK's version refreshed (daily, or for an unknown key id at most
    hourly) with two `requests.get` calls with no timeout on the event loop: every turn stopped
    while they ran, indefinitely if the endpoint hung, and a failed refresh refused everything;
    and its lookup raised IndexError for an unknown key id, so that refresh never ran.

    Here the fetch runs on a thread. With no keys known, the request waits for a fetch (one at a
    time, at most KEY_WAIT_SECONDS) and gets SigningKeysUnavailable (a 503) if it fails. With keys
    known, a daily refresh runs in the background while they serve, and a failed one keeps them
    (as Microsoft.IdentityModel keeps its last known good configuration), tried again after
    KEY_RETRY_SECONDS. A key id not among them waits for a refresh (at most hourly, bounded), so a
    key Microsoft rotated in is accepted even after a day without traffic."""
    state = self.__dict__
    if not self.keys:
        async with state.setdefault("_fetch_lock", asyncio.Lock()):
            if not self.keys and (time.monotonic() < state.get("_retry_at", 0.0) or not await _fetch_into(self)):
                raise SigningKeysUnavailable("the channel's signing keys could not be fetched")
    elif self.last_updated < datetime.now() - timedelta(days=1):
        _background_refresh(self)
    key = self._find(key_id)
    if key is None and key_id and self.last_updated < datetime.now() - timedelta(hours=1):
        refresh = _background_refresh(self)
        if refresh is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(refresh), KEY_WAIT_SECONDS)
            key = self._find(key_id)
    return key


def _find_signing_key(self: _OpenIdMetadata, key_id: str):
    """The SDK's lookup, but None (the token is refused) for a key id it does not know."""
    if not any(isinstance(k, dict) and k.get("kid") == key_id for k in self.keys):
        return None
    return _sdk_find(self, key_id)


_sdk_find = _OpenIdMetadata._find


def fetch_signing_keys_off_the_loop() -> None:
    _OpenIdMetadata.get = _get_signing_key
    _OpenIdMetadata._find = _find_signing_key


def make_adapter(settings: Settings) -> CloudAdapter:
    speed_up_retry_policy()
    fetch_signing_keys_off_the_loop()
    use_openid_metadata(settings.openid_metadata_url)
    config = SimpleNamespace(
        APP_ID=settings.app_id,
        APP_PASSWORD=settings.app_password.get_secret_value(),
        APP_TYPE=settings.app_type,
        APP_TENANTID=settings.app_tenant_id,
    )
    adapter = CloudAdapter(CachingAuthentication(ConfigurationBotFrameworkAuthentication(config)))
    adapter.on_turn_error = on_turn_error
    return adapter


async def on_turn_error(turn: TurnContext, error: Exception) -> None:
    """A failure inside a turn: log it (type only, never message text) and tell the user."""
    activity = turn.activity
    if connector_failed(error):
        # Expected (the network, Teams, or in local mode a caller's service URL), not a bug: one
        # line, no traceback. Telling the user would go the same way. A refusal that will not pass
        # by itself (bad credentials 401/403, a card too large 413, a bad request 400) is an ERROR:
        # it needs the operator.
        response = getattr(error, "response", None)
        status = getattr(response, "status_code", None) or getattr(response, "status", None)
        needs_operator = isinstance(status, int) and 400 <= status < 500 and status not in (404, 408, 412, 429)
        log.log(logging.ERROR if needs_operator else logging.WARNING,
                "turn failed: a call to the Bot Connector failed type=%s activity=%s error=%s status=%s",
                activity.type, activity.id, type(error).__name__, status if isinstance(status, int) else "-")
        return
    log.error("turn failed type=%s activity=%s error=%s", activity.type, activity.id, type(error).__name__,
              exc_info=not isinstance(error, StoreError))
    if activity.type == "message":
        try:
            await turn.send_activity(
                "Sorry, something went wrong on my side and that may not have been saved. "
                "Please try again in a minute."
            )
        except Exception:  # the connector itself may be what failed
            log.warning("could not tell the user about the failed turn")
