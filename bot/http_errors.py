"""JSON error answers and request-body helpers shared by the HTTP routes."""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)


def error(status: int, message: str, **extra: Any) -> web.Response:
    return web.json_response({"error": message, **extra}, status=status)


async def read_json(request: web.Request) -> Any:
    """The request's JSON body, or an HTTP error that says what is wrong with it."""
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(
            text='{"error": "send JSON with Content-Type: application/json"}', content_type="application/json")
    raw = await request.read()
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise web.HTTPBadRequest(text='{"error": "the body is not valid JSON"}', content_type="application/json") from None


@web.middleware
async def json_errors(request: web.Request, handler) -> web.StreamResponse:
    """Errors under /api/ are JSON with a reason; an unexpected one is logged and never shows a trace."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if not request.path.startswith("/api/") or exc.content_type == "application/json" or exc.status < 400:
            raise
        return error(exc.status, exc.reason)
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error(500, "internal error; the bot's log has the details")
