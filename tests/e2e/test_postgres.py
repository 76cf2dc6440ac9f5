"""The bot on PostgreSQL over HTTP: a database away at the start (503, then served), and a data
directory of 100,000 responses copied into the database with the loop carrying on there."""

from __future__ import annotations

import asyncio
import contextlib
import io

import pytest

from bot.cli import main
from storage.models import Author, Response
from storage.tinydb_store import TinyDBStore
from tests.e2e.test_loop import ANA, BEN, BRIEFING, LEAD_AAD, TEAM
from tests.fakes import teams as t
from tests.harness import briefing_in_channel, eventually, start_bot
from tests.pgserver import PgServer


@pytest.fixture
def own_server():
    server = PgServer()
    yield server
    server.destroy()


async def health(running) -> tuple[int, dict]:
    async with running.session.get(f"{running.url}/healthz") as resp:
        return resp.status, await resp.json()


async def test_a_database_away_at_the_start_is_503_until_it_is_reached(tmp_path, connector, smtp, own_server):
    running = await start_bot(tmp_path / "data", connector, smtp, database_url=own_server.url())
    try:
        status, body = await health(running)
        assert status == 503 and body["status"] == "degraded"
        assert body["store"]["backend"] == "postgresql" and "not reachable" in body["store"]["error"]
        assert (await running.post_activity(t.installed(connector.url, TEAM, ANA))).status == 503
        assert (await running.admin("GET", "/api/briefings"))[0] == 503

        await asyncio.to_thread(own_server.start)

        async def healthy():
            return (await health(running))[0] == 200
        assert await eventually(healthy, timeout=30)

        async def bundled_loaded():
            status, briefings = await running.admin("GET", "/api/briefings")
            return status == 200 and BRIEFING in [b["id"] for b in briefings]
        assert await eventually(bundled_loaded, timeout=10)
        post = await briefing_in_channel(running, TEAM, ANA)
        assert post.view.heading.startswith("Regular Case File Audit")
    finally:
        await running.close()


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


async def add_responses(data_dir, n: int, discussions: int) -> None:
    store = TinyDBStore(data_dir)
    await store.open()
    try:
        for d in range(discussions):
            batch = [Response(id=f"r-old-{d}-{i}", discussion_id=f"d-old-{d}", question_id="learnt",
                              text=f"An earlier answer {i}", author=Author(name="Someone"),
                              idempotency_key=f"old-{d}-{i}") for i in range(n // discussions)]
            await store.responses.add(batch)
    finally:
        await store.close()


async def test_a_data_directory_copied_into_the_database_carries_on_there(tmp_path, connector, smtp, pg_url):
    data = tmp_path / "data"
    # On the embedded store: a team, the briefing in its channel, one response.
    running = await start_bot(data, connector, smtp)
    post = await briefing_in_channel(running, TEAM, ANA)
    thread = post.response["id"]
    discussion = post.view.shown_card("Record responses").data("Submit responses")["discussion"]
    await running.post_activity(t.submit(connector.url, TEAM, ANA, {"verb": "record", "discussion": discussion,
                                                                    "answer:learnt": "Invite police formally."}, thread))
    await running.close()
    await add_responses(data, 100_000, 500)  # a partnership's earlier discussions (their responses alone)

    code, out, err = await asyncio.to_thread(run_cli, "migrate", "--from-data-dir", str(data), "--to", pg_url)
    assert (code, err) == (0, "")
    rows = {line.split()[0]: [int(x.replace(",", "")) for x in line.split()[1:]]
            for line in out.splitlines() if line.startswith("  ") and line.split()[0] != "in"}
    assert rows["responses"] == [100_001, 100_001, 0, 100_001]
    assert rows["teams"] == [1, 1, 0, 1] and rows["discussions"] == [1, 1, 0, 1]
    assert rows["outbox"][0] == rows["outbox"][3] >= 1
    assert "Done: all" in out
    # Run again: nothing more.
    code, out, _ = await asyncio.to_thread(run_cli, "migrate", "--from-data-dir", str(data), "--to", pg_url)
    assert code == 0 and "(0 copied now)" in out

    # On the database: the same discussion carries on and its minutes reach the lead.
    running = await start_bot(tmp_path / "elsewhere", connector, smtp, database_url=pg_url)
    try:
        await running.post_activity(t.submit(connector.url, TEAM, BEN, {
            "verb": "record", "discussion": discussion, "answer:learnt": "Keep health notes current."}, thread))
        assert connector.in_conversation(thread)[-1].text.endswith("The team has 2 responses so far.")
        await running.post_activity(t.submit(connector.url, TEAM, BEN, {"verb": "close_confirm", "discussion": discussion},
                                             thread))
        chat = await connector.wait_for(lambda: connector.personal_chats(LEAD_AAD))
        assert "Invite police formally." in str(chat[0].card) and "Keep health notes current." in str(chat[0].card)
        assert (await health(running))[1]["store"]["backend"] == "postgresql"
    finally:
        await running.close()


def test_migrate_says_what_is_wrong(tmp_path, pg_url):
    code, _, err = run_cli("migrate", "--from-data-dir", str(tmp_path), "--to", pg_url)
    assert code == 2 and "is not the bot's data directory" in err
    code, _, err = run_cli("migrate", "--from-data-dir", str(tmp_path))
    assert code == 2 and "--to postgresql://" in err
    code, out, err = run_cli("db", "upgrade", "--url", pg_url)
    assert code == 0 and "applied 0001_initial" in out and "postgres@" in out
    code, out, _ = run_cli("db", "upgrade", "--url", pg_url)
    assert code == 0 and "up to date" in out


async def test_replicas_without_a_configured_secret_sign_links_alike(tmp_path, connector, pg_url):
    from bot.app_keys import DEPS, SIGNER

    first = await start_bot(tmp_path / "one", connector, None, database_url=pg_url, public_url="https://bot.example.org")
    second = await start_bot(tmp_path / "two", connector, None, database_url=pg_url, public_url="https://bot.example.org")
    try:
        now = first.server.app[DEPS].clock()
        link = first.server.app[SIGNER].sign("/minutes/d-1.docx", now)
        query = dict(part.split("=") for part in link.split("?")[1].split("&"))
        assert second.server.app[SIGNER].verify("/minutes/d-1.docx", query["expires"], query["sig"], now)
        assert not (tmp_path / "one" / "link-secret").exists()  # kept in the database, not on one machine
    finally:
        await first.close()
        await second.close()
