"""JSON error answers and request-body helpers shared by the HTTP routes."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from aiohttp import ClientPayloadError, web
from aiohttp.http_exceptions import HttpProcessingError

from storage.protocols import StoreError

from .logs import new_request_id

log = logging.getLogger(__name__)
BODY_TIMEOUT = web.AppKey("body_timeout", float)  # seconds a request's whole body may take to arrive
# (method, path) -> (bytes, who may send that much): a route that takes more than the app's limit,
# for requests the predicate allows (judged from the headers, before the body is read).
LARGER_BODIES = web.AppKey("larger_bodies", dict)


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
async def request_ids(request: web.Request, handler) -> web.StreamResponse:
    """Every request's log lines carry an id of its own (bot/logs.py)."""
    new_request_id()
    return await handler(request)


@web.middleware
async def json_errors(request: web.Request, handler) -> web.StreamResponse:
    """Errors under /api/ are JSON with a reason; an unexpected one is logged and never shows a trace."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if not request.path.startswith("/api/") or exc.content_type == "application/json" or exc.status < 400:
            raise
        return error(exc.status, exc.reason)
    except StoreError as exc:  # the store is unavailable (a full disk, a database out of reach): no trace
        log.warning("store unavailable on %s %s: %s", request.method, request.path, exc)
        return error(503, "the bot cannot reach its data right now; try again shortly")
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error(500, "internal error; the bot's log has the details")


@web.middleware
async def read_body_in_time(request: web.Request, handler) -> web.StreamResponse:
    """Read a request's body before its route runs (routes then read it from memory), within
    `app[BODY_TIMEOUT]` seconds: a body that trickles in or stalls is answered 408, and a client
    that goes away mid-upload is one WARNING line. A reverse proxy in front still does this best."""
    if request.body_exists:
        larger = request.app.get(LARGER_BODIES, {}).get((request.method, request.path))
        if larger is not None and larger[1](request):  # only for those allowed it: checked before reading
            request = request.clone(client_max_size=larger[0])
        try:
            async with asyncio.timeout(request.app[BODY_TIMEOUT]):
                await request.read()
        except TimeoutError:
            log.warning("request body not received within %ss on %s %s", request.app[BODY_TIMEOUT],
                        request.method, request.path)
            # Answered now, and the connection closed: the rest of the body is not waited for (aiohttp
            # would otherwise go on reading it for up to 10 s, its "lingering" time).
            timed_out = error(408, "the request body took too long to arrive")
            timed_out.force_close()
            await timed_out.prepare(request)
            await timed_out.write_eof()
            if request.transport is not None:
                request.transport.close()
            return timed_out
        except (ConnectionError, ClientPayloadError, HttpProcessingError) as exc:
            log.warning("request body not received on %s %s: %s (the client went away or sent a broken body)",
                        request.method, request.path, type(exc).__name__)
            raise web.HTTPBadRequest(text='{"error": "the request body was cut short or malformed"}',
                                     content_type="application/json") from None
    return await handler(request)
