"""Logging: plain or JSON lines, each with the request id of the turn it belongs to.

What is logged is ids, kinds and counts: never the text of a response, a name or an email.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import uuid
from datetime import datetime, timezone
from typing import Any

from aiohttp.http_exceptions import HttpProcessingError

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


def new_request_id() -> str:
    value = uuid.uuid4().hex[:12]
    request_id.set(value)
    return value


class ServerLog(logging.LoggerAdapter):
    """aiohttp's server log (its `logger` handler argument). A request it refuses itself before any
    route runs (a header over the size limit, a malformed request line) is the client's mistake,
    answered 400: one WARNING line with a request id and the kind of problem, no traceback, and
    not the message (it quotes what was sent, e.g. the start of an Authorization header)."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        super().__init__(logger or logging.getLogger("aiohttp.server"), {})

    def exception(self, msg: Any, *args: Any, exc_info: Any = True, **kwargs: Any) -> None:
        exc = exc_info if isinstance(exc_info, BaseException) else sys.exc_info()[1]
        if isinstance(exc, HttpProcessingError):
            if request_id.get() == "-":
                new_request_id()  # the handler's own task: the id is this request's alone
            self.warning("request refused before it reached a route: %s (HTTP %s)", type(exc).__name__, exc.code)
            return
        super().exception(msg, *args, exc_info=exc_info, **kwargs)


class _RequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str = "INFO", fmt: str = "plain") -> None:
    handler = logging.StreamHandler()
    handler.addFilter(_RequestId())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)  # URLs carry signed tokens
    logging.getLogger("msrest").setLevel(logging.WARNING)  # at DEBUG it logs request bodies: messages
    # A database out of reach: the store says so once a retry, the pool would say it several times over.
    logging.getLogger("psycopg.pool").setLevel(logging.ERROR)
