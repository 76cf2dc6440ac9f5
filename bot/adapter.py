"""The Bot Framework CloudAdapter, configured from settings, with its per-turn overhead removed."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botframework.connector.auth import ChannelValidation
from msrest.universal_http.requests import ClientRetryPolicy

from storage.protocols import StoreError

from .connectors import CachingAuthentication
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


def make_adapter(settings: Settings) -> CloudAdapter:
    speed_up_retry_policy()
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
