"""Shared fixtures: no network beyond loopback, a clean environment, the fakes, the bot on loopback."""

from __future__ import annotations

import ipaddress
import logging
import os
import socket

import pytest

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _loopback_only(address) -> None:
    if isinstance(address, tuple):
        host = address[0]
        try:
            ok = ipaddress.ip_address(host).is_loopback
        except ValueError:
            ok = host == "localhost"
        if not ok:
            raise ConnectionRefusedError(f"tests may not reach {host}: loopback only")


def _guarded_connect(self, address):
    _loopback_only(address)
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    _loopback_only(address)
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith(("LEARNING_BOT_", "SMTP_", "Microsoft")) or name.lower().startswith("microsoftapp"):
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def root_logging_restored():
    """`learning-bot` commands run in tests set up logging on a stream the test then closes."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
async def connector():
    from tests.fakes.connector import FakeConnector

    fake = await FakeConnector().start()
    yield fake
    await fake.close()


@pytest.fixture
def smtp():
    from tests.fakes.smtp import SmtpServer

    server = SmtpServer().start()
    yield server
    server.stop()


def pytest_addoption(parser):
    parser.addoption("--store", choices=["embedded", "postgresql"], default="embedded",
                     help="what the bot keeps its data in, in tests that run it (default: embedded)")


def _store_settings(request, store: str) -> dict:
    return {"database_url": request.getfixturevalue("pg_url")} if store == "postgresql" else {}


@pytest.fixture
async def running(request, tmp_path, connector, smtp):
    from tests.harness import start_bot

    bot = await start_bot(tmp_path / "data", connector, smtp,
                          **_store_settings(request, request.config.getoption("--store")))
    yield bot
    await bot.close()


@pytest.fixture
async def running_embedded(tmp_path, connector, smtp):
    """The bot on the embedded store whatever --store says (tests of the data directory itself)."""
    from tests.harness import start_bot

    bot = await start_bot(tmp_path / "data", connector, smtp)
    yield bot
    await bot.close()


@pytest.fixture(params=["embedded", "postgresql"])
async def running_on_each_store(request, tmp_path, connector, smtp):
    """The bot on the embedded store, then on PostgreSQL."""
    from tests.harness import start_bot

    bot = await start_bot(tmp_path / "data", connector, smtp, **_store_settings(request, request.param))
    yield bot
    await bot.close()


@pytest.fixture(scope="session")
def pg_server():
    """One throwaway PostgreSQL server for the run (tests/pgserver.py); each test takes a new database."""
    from tests.pgserver import PgServer

    server = PgServer().start()
    yield server
    server.destroy()


@pytest.fixture
def pg_url(pg_server):
    return pg_server.create_database()
