"""A stock Bot Framework echo bot, the baseline of the throughput benchmark (scripts/bench.py, 2).

Built the way Microsoft's Python samples build one: an unmodified
`botbuilder.integration.aiohttp.CloudAdapter` over `ConfigurationBotFrameworkAuthentication` with an
empty app id (inbound authentication off), `adapter.process(request, bot)` at `POST /api/messages`,
and a bot that answers each message with one reply. It imports nothing from this project, so
none of the bot's speed-ups (msrest's retry-policy scan, connector clients reused per service URL)
apply: run it in a process of its own.

    .venv/bin/python scripts/echo_bot.py --port 3979 --connector-url http://127.0.0.1:PORT

It listens on loopback only and replies only when an activity's serviceUrl is `--connector-url`
(with no app id anyone who can reach it could otherwise choose where its replies go).
`GET /healthz` answers 200 with whether msrest's retry policy is stock.
"""

from __future__ import annotations

import argparse
import sys

from aiohttp import web
from aiohttp.web import Request, Response
from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
from botbuilder.core.integration import aiohttp_error_middleware
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from msrest.universal_http.requests import ClientRetryPolicy


class DefaultConfig:
    """The samples' config.py, with no app id: local mode."""

    APP_ID = ""
    APP_PASSWORD = ""
    APP_TYPE = "MultiTenant"
    APP_TENANTID = ""


class EchoBot(ActivityHandler):
    def __init__(self, connector_url: str) -> None:
        self._connector_url = connector_url.rstrip("/")

    async def on_message_activity(self, turn_context: TurnContext):
        if (turn_context.activity.service_url or "").rstrip("/") != self._connector_url:
            return None  # a reply would go wherever the caller said: never off this benchmark's connector
        return await turn_context.send_activity(MessageFactory.text(f"Echo: {turn_context.activity.text}"))


def make_app(connector_url: str) -> web.Application:
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(DefaultConfig()))
    bot = EchoBot(connector_url)

    async def messages(req: Request) -> Response:
        return await adapter.process(req, bot)

    async def healthz(_: Request) -> Response:
        return web.json_response({"status": "ok",
                                  "stock_retry_policy": not isinstance(ClientRetryPolicy.safe_codes, frozenset)})

    app = web.Application(middlewares=[aiohttp_error_middleware])
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    return app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3979)
    parser.add_argument("--connector-url", required=True, help="the (fake) Bot Connector the bot may reply to")
    args = parser.parse_args()
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the echo bot has no inbound authentication: it listens on loopback only")
    web.run_app(make_app(args.connector_url), host=args.host, port=args.port,
                print=lambda _: print(f"echo bot on http://{args.host}:{args.port}/api/messages", flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
