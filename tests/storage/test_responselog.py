"""Responses as append-only logs: torn and failed writes, edits, compaction, and data from before logs."""

import json
from datetime import timedelta

import pytest
from tinydb import TinyDB

from storage.models import Minutes, utcnow
from storage.protocols import StoreError
from storage.responselog import ResponseLog
from storage.tinydb_store import TinyDBStore
from tests.fakes.disk import files_cannot_grow_past
from tests.storage.test_contract import response


async def opened(path) -> TinyDBStore:
    s = TinyDBStore(path)
    await s.open()
    return s


async def one_response_edited_100_times(path) -> None:
    """A log of 101 lines, 100 of them superseded."""
    s = await opened(path)
    r = response("d", "k1")
    await s.responses.add([r])
    for n in range(100):
        r.text = f"edit {n}"
        await s.responses.replace(r)
    await s.close()


async def test_an_edit_and_a_withdrawal_are_appended_and_win_on_reading(tmp_path):
    s = await opened(tmp_path)
    first, second = response("d", "k1", "first"), response("d", "k2", "second")
    await s.responses.add([first, second])
    first.text = "first, edited"
    await s.responses.replace(first)
    second.withdrawn_at = utcnow()
    await s.responses.replace(second)
    assert await s.responses.count("d") == 1
    await s.close()

    log = tmp_path / "responses" / "d.jsonl"
    assert len(log.read_text().splitlines()) == 4  # nothing rewritten
    s = await opened(tmp_path)
    listed = await s.responses.list("d")
    assert [(r.text, r.active) for r in listed] == [("first, edited", True), ("second", False)]
    assert await s.responses.count("d") == 1
    assert await s.responses.count_by_question("d") == {"q1": 1}
    await s.close()


async def test_a_torn_last_line_is_dropped_and_the_log_carries_on(tmp_path):
    s = await opened(tmp_path)
    await s.responses.add([response("d", "k1")])
    await s.close()
    log = tmp_path / "responses" / "d.jsonl"
    whole = log.read_bytes()
    for torn in (b'{"id":"r-half","discussion_id":"d","quest', b"\0" * 512):  # or a block never written
        log.write_bytes(whole + torn)  # a crash in the middle of a write that was never acknowledged
        s = await opened(tmp_path)
        assert [r.idempotency_key for r in await s.responses.list("d")] == ["k1"]
        assert log.read_bytes() == whole  # cut back to the last whole line
        await s.close()
    s = await opened(tmp_path)
    await s.responses.add([response("d", "k2")])
    await s.close()
    s = await opened(tmp_path)
    assert [r.idempotency_key for r in await s.responses.list("d")] == ["k1", "k2"]
    await s.close()


async def test_a_damaged_line_before_the_end_is_skipped_and_kept_in_its_place(tmp_path):
    # More in test_damaged_logs.py: the warning, the audit entry, /healthz, export and purge.
    s = await opened(tmp_path)
    await s.responses.add([response("d", "k1"), response("d", "k2")])
    await s.close()
    log = tmp_path / "responses" / "d.jsonl"
    lines = log.read_bytes().split(b"\n")
    log.write_bytes(b"\n".join([b"{damaged", *lines[1:]]))
    s = await opened(tmp_path)
    assert [r.idempotency_key for r in await s.responses.list("d")] == ["k2"]
    await s.close()
    assert log.read_bytes().startswith(b"{damaged")  # left for a person to look at, not dropped


async def test_a_write_cut_short_by_a_full_disk_is_reported_and_taken_back(tmp_path):
    s = await opened(tmp_path)
    await s.responses.add([response("d", "k1")])
    log = tmp_path / "responses" / "d.jsonl"
    before = log.read_bytes()
    with files_cannot_grow_past(len(before) + 20):  # the next line gets 20 bytes in, then the disk is full
        with pytest.raises(StoreError, match="cannot write d.jsonl"):
            await s.responses.add([response("d", "k2", "a longer answer than twenty bytes")])
    assert log.read_bytes() == before
    assert await s.responses.count("d") == 1
    await s.responses.add([response("d", "k2", "after the disk was freed")])
    await s.close()
    s = await opened(tmp_path)
    assert [r.text for r in await s.responses.list("d")] == ["an answer", "after the disk was freed"]
    await s.close()


async def test_a_log_mostly_of_superseded_lines_is_rewritten_when_read(tmp_path):
    await one_response_edited_100_times(tmp_path)
    log = tmp_path / "responses" / "d.jsonl"
    assert len(log.read_text().splitlines()) == 101
    loaded = ResponseLog.load(log)
    assert len(log.read_text().splitlines()) == 1
    assert [d["text"] for d in loaded.docs()] == ["edit 99"]


async def test_purge_leaves_no_file_for_a_discussion_with_nothing_left(tmp_path):
    s = await opened(tmp_path)
    old, new = response("d-old", "k1"), response("d-mixed", "k2")
    old.created_at = utcnow() - timedelta(days=1000)
    older_in_mixed = response("d-mixed", "k1")
    older_in_mixed.created_at = old.created_at
    await s.responses.add([old, older_in_mixed, new])
    assert await s.responses.purge_before(utcnow() - timedelta(days=730)) == 2
    await s.close()
    assert sorted(p.name for p in (tmp_path / "responses").iterdir()) == [".counts", "d-mixed.jsonl"]
    assert "d-old" not in (tmp_path / "responses" / ".counts").read_text()  # counts kept: of logs that are
    s = await opened(tmp_path)
    assert [r.idempotency_key for r in await s.responses.list("d-mixed")] == ["k2"]
    assert await s.responses.list("d-old") == []
    await s.close()


async def test_data_from_before_logs_is_carried_over_once(tmp_path):
    # The earlier layout: responses/<discussion>.json, a TinyDB file with a responses and a minutes table.
    (tmp_path / "responses").mkdir()
    old = TinyDB(tmp_path / "responses" / "d.json")
    old.table("responses").insert_multiple([response("d", "k1").model_dump(mode="json"),
                                            response("d", "k2", "second").model_dump(mode="json")])
    minutes = Minutes(discussion_id="d", organisation_id="police", body={}, markdown="# Minutes")
    old.table("minutes").insert({"id": "d", **minutes.model_dump(mode="json")})
    old.close()

    for _ in range(2):
        s = await opened(tmp_path)
        assert [r.text for r in await s.responses.list("d")] == ["an answer", "second"]
        assert (await s.minutes.get("d")).markdown == "# Minutes"
        assert await s.responses.add([response("d", "k1")]) == []
        await s.close()
    assert not (tmp_path / "responses" / "d.json").exists()
    assert [json.loads(line)["idempotency_key"]
            for line in (tmp_path / "responses" / "d.jsonl").read_text().splitlines()] == ["k1", "k2"]


async def test_data_written_by_the_earlier_release_after_an_upgrade_is_merged_not_lost(tmp_path):
    # Upgraded, then the earlier release ran again for a while (it writes responses/<id>.json).
    s = await opened(tmp_path)
    await s.responses.add([response("d", "k1", "recorded after the upgrade")])
    await s.minutes.put(Minutes(discussion_id="d", organisation_id="police", body={}, markdown="first",
                                compiled_at=utcnow() - timedelta(days=1)))
    await s.close()
    old = TinyDB(tmp_path / "responses" / "d.json")
    old.table("responses").insert(response("d", "k2", "recorded by the earlier release").model_dump(mode="json"))
    old.table("minutes").insert({"id": "d", **Minutes(discussion_id="d", organisation_id="police", body={},
                                                       markdown="compiled again").model_dump(mode="json")})
    old.close()

    s = await opened(tmp_path)
    assert [r.text for r in await s.responses.list("d")] == ["recorded after the upgrade", "recorded by the earlier release"]
    assert (await s.minutes.get("d")).markdown == "compiled again"  # the later of the two
    await s.close()
    assert not (tmp_path / "responses" / "d.json").exists()


async def test_a_log_that_cannot_be_compacted_on_a_full_disk_is_still_read(tmp_path):
    await one_response_edited_100_times(tmp_path)
    s = await opened(tmp_path)
    with files_cannot_grow_past(50):  # the compacted copy cannot be written
        assert await s.responses.count("d") == 1
        assert [x.text for x in await s.responses.list("d")] == ["edit 99"]
    await s.close()


async def test_a_log_cut_short_underneath_the_store_is_refused_not_padded(tmp_path):
    s = await opened(tmp_path)
    await s.responses.add([response("d", "k1"), response("d", "k2")])
    log = tmp_path / "responses" / "d.jsonl"
    first = log.read_bytes().split(b"\n")[0] + b"\n"
    log.write_bytes(first)  # someone else's doing: the store believes it is longer
    with pytest.raises(StoreError, match="shorter than this process wrote it"):
        await s.responses.add([response("d", "k3")])
    assert log.read_bytes() == first  # not extended with zeros
    await s.close()
    s = await opened(tmp_path)
    assert [r.idempotency_key for r in await s.responses.list("d")] == ["k1"]
    await s.close()


def test_a_purge_rewrite_that_fails_keeps_the_damaged_lines_it_would_have_dropped(tmp_path, monkeypatch):
    """Otherwise the log would look whole in memory (and in the counts kept for the next start) while
    the file still holds the damaged line, which no later purge would then read."""
    import storage.responselog as responselog

    path = tmp_path / "d.jsonl"
    good = json.dumps(response("d", "k1").model_dump(mode="json"))
    path.write_text("{damaged\n" + good + "\n")
    log = ResponseLog.load(path)
    assert log.damaged == [1] and log.oldest() is None

    def full_disk(*_):
        raise StoreError("cannot write d.jsonl: No space left on device")

    monkeypatch.setattr(responselog, "write_atomically", full_disk)
    with pytest.raises(StoreError):
        log.rewrite(damaged_before=utcnow() + timedelta(days=1))
    assert log.damaged == [1] and log.oldest() is None  # as the file still is
