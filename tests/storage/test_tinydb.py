"""TinyDB backend specifics: persistence, the directory lock, atomic files and sharding."""

import json
from datetime import date

import pytest

from storage.protocols import StoreError, StoreLocked
from storage.responselog import ActionLog
from storage.tinydb_store import TinyDBStore
from tests.storage.test_contract import action, briefing, delivery, response, team

from storage.models import ActionStatus, DeliveryStatus, Discussion


async def test_data_survives_reopen(tmp_path):
    s = TinyDBStore(tmp_path)
    await s.open()
    await s.teams.upsert(team(1, "police"))
    await s.briefings.put(briefing())
    await s.discussions.put(Discussion(id="d-1", briefing_id="b1", team_id="t1"))
    await s.responses.add([response("d-1", "k1")])
    await s.outbox.enqueue([delivery("x1")])
    await s.actions.add([action("d-1", 1), action("d-1", 2)])
    answered = action("d-1", 2)
    answered.status = ActionStatus.done
    await s.actions.put(answered)
    await s.close()

    s2 = TinyDBStore(tmp_path)
    await s2.open()
    assert (await s2.teams.get(team(1).id)).organisation_id == "police"
    assert (await s2.discussions.get("d-1")).team_id == "t1"
    assert [d.id for d in await s2.discussions.list_for_team("t1")] == ["d-1"]
    assert [s.team_id for s in await s2.discussions.summaries("b1")] == ["t1"]
    assert [a.what for a in await s2.actions.list_for_discussion("d-1")] == ["Action 1", "Action 2"]
    assert [a.what for a in await s2.actions.to_follow_up(date(2026, 3, 2))] == ["Action 1"]  # not the answered one
    assert (await s2.actions.get(action("d-1", 1).id)).owner == "Team manager"
    assert await s2.responses.count("d-1") == 1
    assert await s2.responses.add([response("d-1", "k1")]) == []
    assert [d.id for d in await s2.outbox.due(delivery("y").next_attempt_at)] == ["x1"]
    await s2.close()


async def test_discussion_summaries_read_what_an_older_release_wrote(tmp_path):
    """A line without the later fields (no sent_to, no closed_at, no thread) is summarised with the
    model's defaults."""
    (tmp_path / "discussions").mkdir()
    line = {"id": "d-1", "briefing_id": "b1", "team_id": "t1", "opened_at": "2025-01-06T09:00:00"}
    (tmp_path / "discussions" / "b1.jsonl").write_text(json.dumps(line) + "\n")
    s = TinyDBStore(tmp_path)
    await s.open()
    try:
        [summary] = await s.discussions.summaries("b1")
        assert (summary.team_id, summary.posted, summary.closed) == ("t1", False, False)
        assert summary.opened_at == (await s.discussions.get("d-1")).opened_at
    finally:
        await s.close()


async def test_second_owner_is_refused_with_a_clear_message(tmp_path):
    first = TinyDBStore(tmp_path)
    await first.open()
    with pytest.raises(StoreLocked, match="in use by process"):
        await TinyDBStore(tmp_path).open()
    await first.close()
    second = TinyDBStore(tmp_path)
    await second.open()
    await second.close()


async def test_responses_are_logs_one_per_discussion(tmp_path):
    s = TinyDBStore(tmp_path)
    await s.open()
    await s.responses.add([response("d-a", "k1"), response("d-b", "k1"), response("d-a", "k2")])
    await s.close()
    files = sorted(p.name for p in (tmp_path / "responses").iterdir())
    assert files == [".counts", "d-a.jsonl", "d-b.jsonl"]  # .counts: each log's count, for the next start
    lines = (tmp_path / "responses" / "d-a.jsonl").read_text().splitlines()
    assert [json.loads(line)["idempotency_key"] for line in lines] == ["k1", "k2"]


async def test_unsafe_keys_become_hashed_file_names(tmp_path):
    s = TinyDBStore(tmp_path)
    await s.open()
    await s.outbox.enqueue([delivery("x", group="../../etc/passwd")])
    await s.close()
    names = [p.name for p in (tmp_path / "outbox").iterdir()]
    assert len(names) == 1 and names[0].startswith("k-") and ".." not in names[0]


async def test_failed_write_leaves_previous_file_and_reports(tmp_path):
    s = TinyDBStore(tmp_path)
    await s.open()
    await s.briefings.put(briefing())
    blocker = tmp_path / ".briefings.json.tmp"
    blocker.mkdir()  # the temporary file cannot be created, even by root
    changed = briefing()
    changed.title = "Changed"
    with pytest.raises(StoreError, match="cannot write"):
        await s.briefings.put(changed)
    blocker.rmdir()
    assert (await s.briefings.get("b1")).title == "T"
    await s.close()


async def test_corrupt_file_is_a_store_error(tmp_path):
    (tmp_path / "teams.json").write_text("{not json")
    with pytest.raises(StoreError, match="teams.json"):
        await TinyDBStore(tmp_path).open()


async def test_a_shard_named_by_key_or_by_its_hashed_file_name_is_one_shard(tmp_path):
    from datetime import timedelta

    from storage.models import Minutes, utcnow

    s = TinyDBStore(tmp_path)
    await s.open()
    odd = "../not a safe name"
    await s.minutes.put(Minutes(discussion_id=odd, organisation_id="police", body={}, markdown="m",
                                compiled_at=utcnow() - timedelta(days=1000)))
    assert await s.minutes.purge_before(utcnow() - timedelta(days=730)) == 1  # purge finds shards by file name
    assert await s.minutes.get(odd) is None
    await s.close()
    s = TinyDBStore(tmp_path)
    await s.open()
    assert await s.minutes.get(odd) is None
    await s.close()


async def test_what_the_store_writes_is_readable_by_its_owner_only(tmp_path):
    import stat

    data = tmp_path / "data"
    s = TinyDBStore(data)
    await s.open()
    await s.teams.upsert(team(1, "police"))
    await s.responses.add([response("d-a", "k1")])
    await s.outbox.enqueue([delivery("x1")])
    await s.close()
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for path in (data / "teams.json", data / "responses" / "d-a.jsonl", data / "outbox" / "b1.jsonl", data / ".lock"):
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


async def test_a_data_directory_others_can_read_is_pointed_out(tmp_path, caplog):
    import logging

    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)  # as an operator may have made it
    with caplog.at_level(logging.WARNING):
        s = TinyDBStore(data)
        await s.open()
        await s.close()
    assert any("can be read by other users (mode 755)" in r.getMessage() and "chmod 700" in r.getMessage()
               for r in caplog.records)
    data.chmod(0o700)
    caplog.clear()
    s = TinyDBStore(data)
    await s.open()
    await s.close()
    assert not any("other users" in r.getMessage() for r in caplog.records)


async def test_status_says_the_store_refuses_writes_until_one_can_be_made(tmp_path):
    from datetime import timedelta

    from storage.models import Team, utcnow
    from tests.fakes.disk import files_cannot_grow_past

    store = TinyDBStore(tmp_path / "data")
    await store.open()
    try:
        team = Team(id="19:t@thread.tacv2", name="T" * 200, general={"service_url": "http://x", "conversation_id": "c"})
        with files_cannot_grow_past(64):
            with pytest.raises(StoreError):
                await store.teams.upsert(team)
            assert await store.outbox.claim(utcnow(), 8, timedelta(minutes=2)) == []  # writes nothing
            status = await store.status()
            assert status["ok"] is False and "refuses writes" in status["error"]
        assert (await store.status())["ok"] is True  # space again: the probe succeeds
    finally:
        await store.close()


async def test_responses_arriving_together_share_one_fsync_per_log(tmp_path, monkeypatch):
    """A team of 50 submitting at once: each caller returns once its response is on disk, and the
    ones that arrived while a write was under way were written together, with one fsync per log."""
    import asyncio
    import os

    import storage.responselog as responselog

    s = TinyDBStore(tmp_path)
    await s.open()
    await s.responses.add([response("d-a", "warm")])  # the log exists: what follows are appends
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(responselog.os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd))[1])
    added = await asyncio.gather(*(s.responses.add([response("d-a", f"k{i}")]) for i in range(50)),
                                 s.responses.add([response("d-a", "k0")]))  # Teams resending one of them
    assert [[r.idempotency_key for r in a] for a in added[:50]] == [[f"k{i}"] for i in range(50)]
    assert added[50] == []  # stored once
    assert 1 <= len(synced) <= 3  # the first write alone, the others waiting for it together (not one each)
    await s.close()
    reopened = TinyDBStore(tmp_path)
    await reopened.open()
    assert await reopened.responses.count("d-a") == 51
    await reopened.close()


async def test_posts_finishing_together_share_one_fsync_per_log(tmp_path, monkeypatch):
    """A batch of sends in a broadcast finishing together: their deliveries marked sent and their
    discussions' threads recorded are a few fsyncs, not one each; an unknown delivery is its own
    caller's KeyError and the others are written."""
    import asyncio
    import os

    import storage.responselog as responselog

    s = TinyDBStore(tmp_path)
    await s.open()
    rows = [delivery(f"p{i}", group="b1") for i in range(8)]
    await s.outbox.enqueue(rows)
    await s.discussions.create([Discussion(id=f"d{i}", briefing_id="b1", team_id=f"t{i}") for i in range(8)])
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(responselog.os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd))[1])
    results = await asyncio.gather(
        *(s.outbox.update(r.model_copy(update={"status": DeliveryStatus.sent})) for r in rows),
        s.outbox.update(delivery("nowhere", group="b1")),
        *(s.discussions.put(Discussion(id=f"d{i}", briefing_id="b1", team_id=f"t{i}", card_activity_id=f"a{i}"))
          for i in range(8)), return_exceptions=True)
    assert isinstance(results[8], KeyError) and [r for i, r in enumerate(results) if i != 8] == [None] * 16
    assert len(synced) <= 4  # each log: the first alone, the rest together (16 writes one by one before)
    await s.close()
    again = TinyDBStore(tmp_path)
    await again.open()
    assert {(await again.outbox.get(f"p{i}")).status for i in range(8)} == {"sent"}
    assert [(await again.discussions.get(f"d{i}")).card_activity_id for i in range(8)] == [f"a{i}" for i in range(8)]
    assert await again.outbox.next_due_at() is None  # none pending: the index knows they were sent
    await again.close()


async def test_a_log_that_cannot_be_written_fails_only_its_own_callers(tmp_path):
    import asyncio

    s = TinyDBStore(tmp_path)
    await s.open()
    await s.responses.add([response("d-ok", "k0"), response("d-bad", "k0")])
    (tmp_path / "responses" / "d-bad.jsonl").write_bytes(b"")  # cut short behind the store's back: refused
    ok, bad = await asyncio.gather(s.responses.add([response("d-ok", "k1")]),
                                   s.responses.add([response("d-bad", "k1")]), return_exceptions=True)
    assert [r.idempotency_key for r in ok] == ["k1"]
    assert isinstance(bad, StoreError)
    assert await s.responses.count("d-ok") == 2 and await s.responses.count("d-bad") == 1
    await s.close()


async def test_a_sent_delivery_or_a_changed_discussion_writes_one_line_however_many_teams(tmp_path):
    """A briefing to 2,000 teams: marking one post sent, or one discussion opened, appends a line to its
    log; it does not rewrite the 2,000 deliveries or discussions (as a whole-file shard did)."""
    s = TinyDBStore(tmp_path)
    await s.open()
    rows = [delivery(f"p{i}", group="b1") for i in range(2000)]
    await s.outbox.enqueue(rows)
    await s.discussions.create([Discussion(id=f"d{i}", briefing_id="b1", team_id=f"t{i}") for i in range(2000)])
    outbox, discussions = tmp_path / "outbox" / "b1.jsonl", tmp_path / "discussions" / "b1.jsonl"
    before = outbox.stat().st_size, discussions.stat().st_size
    sent = rows[7].model_copy(update={"status": DeliveryStatus.sent})
    await s.outbox.update(sent)
    opened = (await s.discussions.get("d7")).model_copy(update={"card_activity_id": "a-7"})
    await s.discussions.put(opened)
    assert outbox.stat().st_size - before[0] < 2048 and discussions.stat().st_size - before[1] < 2048
    assert (await s.outbox.get("p7")).status == "sent" and (await s.discussions.get("d7")).card_activity_id == "a-7"
    await s.close()
    again = TinyDBStore(tmp_path)
    await again.open()
    assert (await again.outbox.get("p7")).status == "sent" and (await again.outbox.get("p8")).status == "pending"
    assert (await again.discussions.get("d7")).card_activity_id == "a-7"
    assert len(await again.discussions.list_for_briefing("b1")) == 2000
    await again.close()


async def test_a_log_of_many_changes_is_compacted_as_it_grows(tmp_path):
    s = TinyDBStore(tmp_path)
    await s.open()
    await s.outbox.enqueue([delivery("p1", group="g")])
    for attempt in range(3000):  # one delivery retried 3,000 times
        await s.outbox.update(delivery("p1", group="g", attempts=attempt))
    lines = (tmp_path / "outbox" / "g.jsonl").read_text().splitlines()
    assert len(lines) <= 1024 + 4  # rewritten now and then, never the whole history
    assert (await s.outbox.get("p1")).attempts == 2999
    await s.close()


async def test_shards_of_an_earlier_release_become_logs(tmp_path):
    """outbox/<group>.json and discussions/<briefing>.json (TinyDB files) are read into logs at open."""
    from storage.jsonfile import open_db

    for directory, doc in (("outbox", delivery("p1", group="b1").model_dump(mode="json")),
                           ("discussions", Discussion(id="d1", briefing_id="b1", team_id="t1").model_dump(mode="json"))):
        (tmp_path / directory).mkdir()
        db = open_db(tmp_path / directory / "b1.json")
        db.insert(doc)
        db.close()
    s = TinyDBStore(tmp_path)
    await s.open()
    assert (await s.outbox.get("p1")).group == "b1" and (await s.discussions.get("d1")).team_id == "t1"
    assert [d.id for d in await s.outbox.list_group("b1")] == ["p1"]
    await s.close()
    assert sorted(p.name for p in (tmp_path / "outbox").iterdir()) == ["b1.jsonl"]
    assert sorted(p.name for p in (tmp_path / "discussions").iterdir()) == ["b1.jsonl"]


def logs_read(monkeypatch) -> list[str]:
    """The names of the response logs read from disk from now on (appended to as they are read)."""
    import storage.responselog as responselog

    loads: list[str] = []
    real_load = responselog.ResponseLog.load.__func__
    monkeypatch.setattr(responselog.ResponseLog, "load",
                        classmethod(lambda cls, path: (loads.append(path.name), real_load(cls, path))[1]))
    return loads


async def test_counts_after_a_restart_read_only_the_logs_that_changed(tmp_path, monkeypatch):
    """A digest of every discussion: each count is remembered with its log's size, across restarts;
    a log whose file differs (anything appended or rewritten since) is read again."""
    s = TinyDBStore(tmp_path)
    await s.open()
    for d, n in (("d1", 1), ("d2", 2), ("d3", 3)):
        await s.responses.add([response(d, f"k{i}") for i in range(n)])
    await s.close()

    loads = logs_read(monkeypatch)
    again = TinyDBStore(tmp_path)
    await again.open()
    assert await again.responses.counts(["d1", "d2", "d3", "d4"]) == {"d1": 1, "d2": 2, "d3": 3, "d4": 0}
    assert loads == []  # none read
    await again.close()
    extra = response("d2", "k9").model_dump(mode="json")  # written between two runs (another release, say)
    with open(tmp_path / "responses" / "d2.jsonl", "a") as log:
        log.write(json.dumps(extra) + "\n")
    third = TinyDBStore(tmp_path)
    await third.open()
    assert await third.responses.counts(["d1", "d2", "d3"]) == {"d1": 1, "d2": 3, "d3": 3}
    assert loads == ["d2.jsonl"]
    await third.responses.add([response("d3", "k9")])  # a write in this run: counted as it is
    assert await third.responses.counts(["d3"]) == {"d3": 4}
    await third.close()


async def test_a_caller_cancelled_while_waiting_writes_nothing_one_being_written_waits_for_it(tmp_path):
    import asyncio
    import threading

    s = TinyDBStore(tmp_path)
    await s.open()
    state = s._state
    real, go_on, writing = state.add_response_batches, threading.Event(), threading.Event()

    def slow(requests):
        writing.set()
        go_on.wait(5)
        return real(requests)

    state.add_response_batches = slow
    first = asyncio.create_task(s.responses.add([response("d", "being-written")]))
    while not writing.is_set():
        await asyncio.sleep(0.01)
    waiting = asyncio.create_task(s.responses.add([response("d", "still-waiting")]))
    await asyncio.sleep(0.01)
    waiting.cancel()
    first.cancel()  # cancelled mid-write: it ends only once its write is durable
    await asyncio.sleep(0.01)
    assert not first.done()
    go_on.set()
    results = await asyncio.gather(first, waiting, return_exceptions=True)
    assert all(isinstance(r, asyncio.CancelledError) for r in results)
    state.add_response_batches = real
    assert [r.idempotency_key for r in await s.responses.list("d")] == ["being-written"]
    await s.close()


async def test_a_shard_beside_a_log_is_merged_into_it_not_written_over_it(tmp_path):
    """The earlier release run again after this one (a rollback): its shard holds what it changed
    since; the log keeps what only it holds."""
    from storage.jsonfile import open_db

    s = TinyDBStore(tmp_path)
    await s.open()
    await s.discussions.create([Discussion(id="d1", briefing_id="b1", team_id="t1"),
                                Discussion(id="d2", briefing_id="b1", team_id="t2")])
    await s.close()
    db = open_db(tmp_path / "discussions" / "b1.json")  # the earlier release: d2 changed there
    db.insert(Discussion(id="d2", briefing_id="b1", team_id="t2", card_activity_id="a-2").model_dump(mode="json"))
    db.close()
    again = TinyDBStore(tmp_path)
    await again.open()
    assert (await again.discussions.get("d1")).team_id == "t1"  # not lost
    assert (await again.discussions.get("d2")).card_activity_id == "a-2"
    await again.close()
    assert sorted(p.name for p in (tmp_path / "discussions").iterdir()) == ["b1.jsonl"]


async def test_a_damaged_line_in_the_outbox_is_refused_naming_the_file_not_guessed_past(tmp_path):
    s = TinyDBStore(tmp_path)
    await s.open()
    await s.outbox.enqueue([delivery("p1", group="b1")])
    await s.outbox.update(delivery("p1", group="b1", status=DeliveryStatus.sent))
    await s.close()
    path = tmp_path / "outbox" / "b1.jsonl"
    lines = path.read_bytes().split(b"\n")
    lines[1] = b'{"id": "p1", "status": "se' + b"\xff" * 10 + b'"}'  # the "sent" line, damaged on disk
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(StoreError, match=r"b1.jsonl: line 2 is damaged"):
        await TinyDBStore(tmp_path).open()


async def test_a_log_rewritten_to_the_same_size_is_not_counted_from_memory(tmp_path):
    """A purge then an append can leave a log exactly as long as before, with another count: the
    remembered counts are tied to the file itself (its inode and time), not only its size."""
    import os

    s = TinyDBStore(tmp_path)
    await s.open()
    await s.responses.add([response("d1", "k1")])
    await s.close()
    again = TinyDBStore(tmp_path)
    await again.open()
    path = tmp_path / "responses" / "d1.jsonl"
    line = path.read_bytes()
    withdrawn = json.loads(line)
    withdrawn["withdrawn_at"] = "2026-01-01T00:00:00+00:00"
    replaced = json.dumps(withdrawn).encode()[: len(line) - 1].ljust(len(line) - 1) + b"\n"  # same size
    tmp = path.with_suffix(".new")
    tmp.write_bytes(replaced)
    os.utime(tmp, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns))
    os.replace(tmp, path)  # as a rewrite does: a new file renamed into place, same size and time
    assert path.stat().st_size == len(line)
    assert await again.responses.counts(["d1"]) == {"d1": 0}
    await again.close()


async def test_the_daily_purge_reads_only_logs_that_may_hold_something_old_enough(tmp_path, monkeypatch):
    """Each log's oldest response is remembered with its counts: a purge skips the logs whose oldest is
    newer than the cutoff (most of them, most days) without reading them."""
    from datetime import timedelta

    from storage.models import utcnow

    s = TinyDBStore(tmp_path)
    await s.open()
    old = response("d-old", "k1")
    old.created_at = utcnow() - timedelta(days=800)
    await s.responses.add([old, response("d-old", "k2")])
    for d in ("d1", "d2", "d3"):
        await s.responses.add([response(d, "k1")])
    await s.close()

    loads = logs_read(monkeypatch)
    again = TinyDBStore(tmp_path)
    await again.open()
    assert await again.responses.purge_before(utcnow() - timedelta(days=730)) == 1
    assert loads == ["d-old.jsonl"]  # the others' oldest responses are recent: not read
    assert [r.idempotency_key for r in await again.responses.list("d-old")] == ["k2"]
    await again.close()


async def test_a_start_reads_the_action_index_and_only_the_logs_changed_since(tmp_path, monkeypatch):
    s = TinyDBStore(tmp_path)
    await s.open()
    await s.discussions.put(Discussion(id="d-1", briefing_id="b1", team_id="t1"))
    await s.actions.add([action("d-1", 1), action("d-1", 2)])
    await s.actions.add([action("d-2", 1, briefing_id="b2")])
    await s.close()
    index = json.loads((tmp_path / "actions" / ".index").read_text())
    assert set(index["logs"]) == {"b1", "b2"}

    # A write the index does not know of (a crash before the next stop): that log is read again, and
    # only that one.
    later = action("d-2", 2, briefing_id="b2", due=date(2026, 3, 1))
    with (tmp_path / "actions" / "b2.jsonl").open("a") as log:
        log.write(later.model_dump_json() + "\n")
    read = []
    loaded = ActionLog.load.__func__

    def load(cls, path):
        read.append(path.name)
        return loaded(cls, path)

    monkeypatch.setattr(ActionLog, "load", classmethod(load))
    s2 = TinyDBStore(tmp_path)
    await s2.open()
    assert read == ["b2.jsonl"]
    assert [a.what for a in await s2.actions.to_follow_up(date(2026, 3, 2))] == ["Action 1", "Action 2", "Action 1",
                                                                              "Action 2"]
    assert (await s2.actions.get(later.id)).due == date(2026, 3, 1)
    await s2.close()

    (tmp_path / "actions" / ".index").write_text("{not json")  # unreadable: every log is read
    s3 = TinyDBStore(tmp_path)
    await s3.open()
    assert len(await s3.actions.to_follow_up(date(2026, 3, 2))) == 4
    await s3.close()
