"""A full disk: a clear message to the user and in the log, nothing half-written."""

from __future__ import annotations

import logging

from bot.cli import main
from tests.fakes import teams as t
from tests.fakes.disk import files_cannot_grow_past

TEAM = t.TeamSpec("19:disk@thread.tacv2", "Disk Team", "11111111-1111-1111-1111-111111111111")
ANA = t.User("Ana Practitioner", "aaaaaaaa-0000-0000-0000-000000000001")


async def test_a_write_that_fails_is_reported_and_leaves_the_file_whole(running, caplog):
    url, connector = running.connector.url, running.connector
    await running.post_activity(t.installed(url, TEAM, ANA))
    await running.admin("POST", "/api/briefings/2019-01-case-file-audit/publish", json={"to": "all"})
    [post] = await connector.wait_for(lambda: connector.channel_posts())
    discussion, thread = post.card["actions"][1]["data"]["discussion"], post.response["id"]
    record = lambda text: t.submit(url, TEAM, ANA, {"verb": "record", "discussion": discussion,  # noqa: E731
                                                    "answer:learnt": text}, thread)
    await running.post_activity(record("kept"))
    log = running.deps.store._state.data_dir / "responses" / f"{discussion}.jsonl"
    before = log.read_bytes()
    with caplog.at_level(logging.ERROR), files_cannot_grow_past(len(before) + 20):  # a full disk
        resp = await running.post_activity(record("lost?"))
    assert resp.status == 200
    assert connector.in_conversation(thread)[-1].text.startswith("Sorry, something went wrong on my side")
    assert log.read_bytes() == before  # the part that was written is taken back
    assert any("turn failed" in r.getMessage() and "StoreError" in r.getMessage() for r in caplog.records)
    await running.post_activity(record("after"))
    assert sorted(r.text for r in await running.deps.store.responses.list(discussion)) == ["after", "kept"]


def test_an_unusable_data_directory_stops_the_bot_with_a_message(tmp_path, capsys):
    not_a_dir = tmp_path / "data"
    not_a_dir.write_text("a file where the data directory should be")
    assert main(["serve", "--data-dir", str(not_a_dir), "--port", "3"]) == 2
    err = capsys.readouterr().err
    assert "learning-bot: cannot use data directory" in err and "Traceback" not in err
