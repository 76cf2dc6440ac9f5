"""A full disk: a clear message to the user and in the log, nothing half-written."""

from __future__ import annotations

import logging

from bot.cli import main
from tests.fakes import teams as t
from tests.fakes.disk import files_cannot_grow_past
from tests.harness import eventually

TEAM = t.TeamSpec("19:disk@thread.tacv2", "Disk Team", "11111111-1111-1111-1111-111111111111")
ANA = t.User("Ana Practitioner", "aaaaaaaa-0000-0000-0000-000000000001")


async def test_a_write_that_fails_is_reported_and_leaves_the_file_whole(running_embedded, caplog):
    running = running_embedded
    url, connector = running.connector.url, running.connector
    await running.post_activity(t.installed(url, TEAM, ANA))
    await running.admin("POST", "/api/briefings/2019-01-case-file-audit/publish", json={"to": "all"})
    [post] = await connector.wait_for(lambda: connector.channel_posts())
    discussion, thread = post.view.discussion, post.response["id"]
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


SAM = t.User("Sam Example", "00000000-0000-0000-0000-000000000021")  # Sussex Police's lead


async def test_a_disk_that_fills_during_a_send_sends_the_minutes_once(running_embedded, caplog):
    """The lead's card is sent, then the disk is full: the outcome cannot be written. The worker
    keeps it and backs off (no resend, /healthz 503); once space returns the outbox finishes."""
    running = running_embedded
    url, connector, store = running.connector.url, running.connector, running.deps.store
    await running.post_activity(t.installed(url, TEAM, ANA))
    await running.post_activity(t.submit(url, TEAM, ANA, {"verb": "link_organisation", "organisation": "sussex-police"}))
    await running.admin("POST", "/api/briefings/2019-01-case-file-audit/publish", json={"to": "all"})
    [post] = await connector.wait_for(lambda: connector.channel_posts())
    discussion, thread = post.view.discussion, post.response["id"]
    await running.post_activity(t.submit(url, TEAM, ANA, {"verb": "record", "discussion": discussion,
                                                          "answer:learnt": "Invite the police formally."}, thread))
    full = files_cannot_grow_past(512)  # every store file is larger: nothing can be written

    def fill_the_disk(sent):
        if sent.conversation_id == f"a:personal-{SAM.aad}":
            full.__enter__()

    connector.on_sent.append(fill_the_disk)
    try:
        with caplog.at_level(logging.INFO):
            await running.post_activity(t.submit(url, TEAM, ANA, {"verb": "close_confirm", "discussion": discussion},
                                                 thread))
            await connector.wait_for(lambda: connector.personal_chats(SAM.aad))
            backoffs = lambda: [r for r in caplog.records if "the store cannot be written" in r.getMessage()]  # noqa: E731
            assert await eventually(lambda: _true(len(backoffs()) >= 3), timeout=20)
            async with running.session.get(f"{running.url}/healthz") as resp:
                assert resp.status == 503 and "refuses writes" in (await resp.json())["store"]["error"]
            assert len(connector.personal_chats(SAM.aad)) == 1  # not sent again while the outcome waits
            assert any("could not record delivery outcome" in r.getMessage() for r in caplog.records)
    finally:
        connector.on_sent.clear()
        full.__exit__(None, None, None)  # space again

    async def finished():
        rows = await store.outbox.list_group(discussion)
        minutes = [d for d in rows if d.kind.startswith("minutes")]
        notices = [d for d in rows if d.kind == "thread_notice"]
        return minutes and all(d.status == "sent" for d in minutes) and notices and notices[0].status == "sent"

    assert await eventually(finished, timeout=40)
    assert len(connector.personal_chats(SAM.aad)) == 1
    assert len([m for to, m in running.smtp.inbox.messages if m["Subject"].startswith("Team minutes")]) == len(
        [d for d in await store.outbox.list_group(discussion) if d.kind == "minutes_email"])
    async with running.session.get(f"{running.url}/healthz") as resp:
        assert resp.status == 200


async def _true(value: bool) -> bool:
    return value
