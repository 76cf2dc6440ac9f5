"""JSON error answers and request-body helpers shared by the HTTP routes."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web


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
