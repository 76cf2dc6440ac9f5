"""POST /api/messages: authenticate, run the turn, answer invokes with their body serialised once."""

from __future__ import annotations

import logging
from http import HTTPStatus
from urllib.parse import urlsplit

from aiohttp import web

from .adapter import SigningKeysUnavailable
from .http_errors import error, read_json
from .app_keys import ADAPTER, BOT, STORE
from .wire import read_activity

log = logging.getLogger(__name__)


def _http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


async def messages(request: web.Request) -> web.Response:
    body = await read_json(request)
    if not isinstance(body, dict):
        return error(400, "an activity must be a JSON object")
    if not isinstance(body.get("type"), str) or not isinstance(body.get("serviceUrl"), str) \
            or not isinstance(body.get("conversation"), dict):
        return error(400, "an activity needs type, serviceUrl and conversation")
    try:
        activity = read_activity(body)
    except Exception:  # msrest raises several types for bad shapes
        return error(400, "the body is not a valid activity")
    if not activity.type or not activity.service_url or not activity.conversation:
        return error(400, "an activity needs type, serviceUrl and conversation")
    if not _http_url(activity.service_url):
        return error(400, "serviceUrl must be an http or https URL")  # replies go there

    if not request.app[STORE].available:  # a database still being reached: the channel tries again
        return error(503, "the bot cannot reach its database right now; try again shortly")
    adapter = request.app[ADAPTER]
    auth_header = request.headers.get("Authorization", "")
    try:
        auth = await adapter.bot_framework_authentication.authenticate_request(activity, auth_header)
    except SigningKeysUnavailable:
        return error(503, "the request's signature cannot be checked right now; try again later")
    except Exception as exc:  # missing, malformed, expired or wrongly signed tokens all end here
        log.warning("inbound request refused: %s", type(exc).__name__)
        return error(401, "unauthorized")

    invoke_response = await adapter.process_activity(auth, activity, request.app[BOT].on_turn)
    if invoke_response is None:
        return web.Response(status=HTTPStatus.OK)
    payload = invoke_response.body
    if hasattr(payload, "serialize"):
        payload = payload.serialize()
    if payload is None:
        return web.Response(status=invoke_response.status)
    return web.json_response(payload, status=invoke_response.status)
