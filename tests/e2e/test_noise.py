"""Expected failures over real HTTP make one WARNING line each, with the request's id, and no
traceback: a caller's service URL that cannot be reached, a client that goes away mid-upload, a
header over the size limit, a body that never arrives (answered 408). Tracebacks are for bugs.

The bot is served here as `learning-bot serve` serves it (web.run_app's AppRunner: a handler is
not cancelled when its client goes away), not as aiohttp's TestServer does."""

from __future__ import annotations

import asyncio
import io
import logging
import re
from contextlib import asynccontextmanager

import aiohttp
import pytest
from aiohttp import web

from bot.app import create_app
from bot.logs import configure
from bot.settings import Settings
from tests.fakes import teams as t
from tests.fakes.smtp import free_port

TEAM = t.TeamSpec("19:team-a@thread.tacv2", "Team A", "11111111-1111-1111-1111-111111111111")
ANA = t.User("Ana Practitioner", "aaaaaaaa-0000-0000-0000-000000000001")
LINE = re.compile(r"^\S+ \S+ (?P<level>[A-Z]+) (?P<logger>\S+) \[(?P<request_id>[^\]]+)\]: (?P<message>.*)$")


@asynccontextmanager
async def served(tmp_path, **settings):
    app = create_app(Settings(data_dir=tmp_path / "data", digest_day="OFF", **settings))
    runner = web.AppRunner(app)  # what web.run_app (bot/cli.py) uses, with its defaults
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield port
    finally:
        await runner.cleanup()


class Log:
    """What the bot logs, as `learning-bot serve` formats it (bot/logs.py), into a buffer."""

    def __init__(self) -> None:
        configure("INFO")
        [handler] = logging.getLogger().handlers
        self._stream = io.StringIO()
        handler.setStream(self._stream)  # instead of stderr

    @property
    def text(self) -> str:
        return self._stream.getvalue()

    def read(self) -> str:
        return self.text

    def lines(self, level: str | None = None, logger: str | None = None) -> list[re.Match]:
        found = [LINE.match(line) for line in self.read().splitlines()]
        return [m for m in found if m and (level is None or m["level"] == level)
                and (logger is None or m["logger"] == logger)]

    async def wait_for(self, count: int, level: str, logger: str, deadline: float = 10.0) -> list[re.Match]:
        loop = asyncio.get_running_loop()
        end = loop.time() + deadline
        while len(self.lines(level, logger)) < count and loop.time() < end:
            await asyncio.sleep(0.02)
        return self.lines(level, logger)

    def assert_quiet(self) -> None:
        """No traceback and nothing at ERROR: every line is one of the log's own lines."""
        text = self.read()
        assert "Traceback" not in text, text
        assert not self.lines("ERROR"), text
        assert all(LINE.match(line) for line in text.splitlines()), text


@pytest.fixture
def log():
    return Log()  # the logging set-up is put back after the test (tests/conftest.py)


async def post(port: int, activity: dict, **kw) -> int:
    async with aiohttp.ClientSession() as session:
        async with session.post(f"http://127.0.0.1:{port}/api/messages", json=activity, **kw) as resp:
            await resp.read()
            return resp.status


async def test_a_service_url_that_cannot_be_reached_is_one_warning(tmp_path, log):
    async with served(tmp_path) as port:
        assert await post(port, t.mention("http://127.0.0.1:9", TEAM, ANA, "help")) == 200  # nothing listens there
        [line] = await log.wait_for(1, "WARNING", "bot.adapter")
        assert line["message"].startswith("turn failed: a call to the Bot Connector failed type=message")
        assert line["message"].endswith("error=ClientConnectorError status=-")
        assert re.fullmatch(r"[0-9a-f]{12}", line["request_id"])
    log.assert_quiet()


@pytest.mark.parametrize("status, level", [(503, "WARNING"), (401, "ERROR"), (413, "ERROR")])
async def test_a_refusal_the_operator_must_fix_is_an_error_with_its_status(tmp_path, log, connector, status, level):
    """A reply Teams refuses for good (bad credentials, a card too large) needs a person; a 503 passes."""
    async with served(tmp_path) as port:
        connector.fail_next(1, status)
        assert await post(port, t.mention(connector.url, TEAM, ANA, "help")) == 200
        [line] = await log.wait_for(1, level, "bot.adapter")
        assert line["message"].startswith("turn failed: a call to the Bot Connector failed type=message")
        assert line["message"].endswith(f"status={status}")
    assert "Traceback" not in log.text


@pytest.mark.parametrize("service_url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "127.0.0.1:9", "http://"])
async def test_a_service_url_that_is_not_http_is_refused(tmp_path, log, service_url):
    async with served(tmp_path) as port:
        assert await post(port, t.mention(service_url, TEAM, ANA, "help")) == 400
    log.assert_quiet()


async def test_uploads_cut_short_are_one_warning_each(tmp_path, log):
    async with served(tmp_path) as port:
        for _ in range(20):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"POST /api/messages HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 100000\r\n\r\n" + b'{"type": "message", "text": "' + b"x" * 1000)
            await writer.drain()
            await asyncio.sleep(0.05)  # the route is reading the body now
            writer.transport.abort()  # gone, mid-upload
        lines = await log.wait_for(20, "WARNING", "bot.http_errors")
        assert len(lines) == 20 and len({m["request_id"] for m in lines}) == 20
        assert all(m["message"] == "request body not received on POST /api/messages: ConnectionResetError "
                                   "(the client went away or sent a broken body)" for m in lines)
    log.assert_quiet()


async def test_a_100_kb_header_is_a_400_and_one_warning(tmp_path, log):
    token = "Bearer " + "x" * 100_000
    async with served(tmp_path) as port:
        assert await post(port, {}, headers={"Authorization": token}) == 400
        [line] = await log.wait_for(1, "WARNING", "aiohttp.server")
        assert line["message"] == "request refused before it reached a route: LineTooLong (HTTP 400)"
        assert re.fullmatch(r"[0-9a-f]{12}", line["request_id"])
    log.assert_quiet()
    assert "xxxxxxxx" not in log.text


async def read_answer(reader: asyncio.StreamReader, deadline: float = 10.0) -> tuple[bytes, bool]:
    """The status line the server answers with, and whether it then closed the connection."""
    status = await asyncio.wait_for(reader.readline(), deadline)
    try:
        await asyncio.wait_for(reader.read(), deadline)  # up to end of file: the server closed it
        closed = True
    except ConnectionResetError:  # closed with bytes sent to it still unread (a trickling client's)
        closed = True
    except asyncio.TimeoutError:
        closed = False
    return status, closed


@pytest.mark.parametrize("trickle", [False, True], ids=["stalled", "trickling"])
async def test_a_body_that_does_not_arrive_in_time_is_answered_408(tmp_path, log, trickle):
    async with served(tmp_path, body_timeout=0.5) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /api/messages HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 5000\r\n\r\n{")
        await writer.drain()

        async def drip():
            while trickle:  # one byte every 50 ms: never done in time, never idle for long
                await asyncio.sleep(0.05)
                writer.write(b" ")
                await writer.drain()

        dripping = asyncio.create_task(drip())
        try:
            status, closed = await read_answer(reader)
        finally:
            dripping.cancel()
            writer.transport.abort()
        assert status.startswith(b"HTTP/1.1 408") and closed
        [line] = await log.wait_for(1, "WARNING", "bot.http_errors")
        assert line["message"] == "request body not received within 0.5s on POST /api/messages"
    log.assert_quiet()


async def test_a_body_in_time_is_served_as_before(tmp_path, log):
    async with served(tmp_path, body_timeout=5) as port:
        assert await post(port, t.mention("http://127.0.0.1:9", TEAM, ANA, "help")) == 200
