"""Response logs that cannot be read whole: a torn last line is dropped and logged; a damaged line
before it is skipped, kept in the file, logged with its place, audited and shown in the store's
status, and the rest is served and purged. Never the content of a line in the log."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest

from storage.models import utcnow
from storage.tinydb_store import TinyDBStore
from tests.storage.test_contract import response

SECRET = "the family's new address"


async def opened(path) -> TinyDBStore:
    s = TinyDBStore(path)
    await s.open()
    return s


async def a_log_of(tmp_path, name: str, keys: list[str], age_days: int = 0) -> list[bytes]:
    s = await opened(tmp_path)
    rows = [response(name, k) for k in keys]
    for r in rows:
        r.created_at = utcnow() - timedelta(days=age_days)
    await s.responses.add(rows)
    await s.close()
    return (tmp_path / "responses" / f"{name}.jsonl").read_bytes().split(b"\n")[:-1]


def warnings(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno == logging.WARNING and r.name == "storage.responselog"]


@pytest.mark.parametrize("tail", [
    b'{"id":"r-half","discussion_id":"d","text":"' + SECRET.encode(),  # a write cut short
    b"\0" * 100,  # a block the file system never wrote
], ids=["cut short", "zeros"])
async def test_a_torn_last_line_is_logged_with_the_file_and_its_size(tmp_path, caplog, tail):
    lines = await a_log_of(tmp_path, "d", ["k1"])
    log = tmp_path / "responses" / "d.jsonl"
    log.write_bytes(b"\n".join(lines) + b"\n" + tail)
    caplog.set_level(logging.WARNING)
    s = await opened(tmp_path)
    assert await s.responses.count("d") == 1
    await s.close()
    [record] = warnings(caplog)
    assert record.getMessage() == (f"response log d.jsonl: dropped 1 torn last line ({len(tail)} bytes) "
                                   "left by a write that never finished")
    assert SECRET not in caplog.text
    assert log.read_bytes() == b"\n".join(lines) + b"\n"


DAMAGE = [
    ("not JSON", b'{"id": "r-1", "text": "' + SECRET.encode()),
    ("not a record", json.dumps({"note": SECRET}).encode()),
    ("not a response", json.dumps({"id": "r-9", "question_id": "q1", "created_at": "yesterday",
                                   "text": SECRET}).encode()),
    ("not UTF-8", b'{"id": "r-1", "text": "\xff\xfe"}'),
]


@pytest.mark.parametrize("name, damaged", DAMAGE, ids=[d[0] for d in DAMAGE])
@pytest.mark.parametrize("where", [2, 3], ids=["in the middle", "last, whole"])
async def test_a_damaged_line_is_skipped_kept_logged_audited_and_shown(tmp_path, caplog, name, damaged, where):
    lines = await a_log_of(tmp_path, "d", ["k1", "k2", "k3"])
    lines[where - 1] = damaged
    log = tmp_path / "responses" / "d.jsonl"
    log.write_bytes(b"\n".join(lines) + b"\n")
    caplog.set_level(logging.WARNING)
    s = await opened(tmp_path)
    kept = [k for n, k in enumerate(["k1", "k2", "k3"], start=1) if n != where]
    assert [r.idempotency_key for r in await s.responses.list("d")] == kept
    assert await s.responses.count("d") == 2
    [record] = warnings(caplog)
    assert record.getMessage() == f"response log d.jsonl: line {where} is damaged; skipped, and kept in the file"
    assert (await s.status())["damaged"] == ["responses/d.jsonl"]
    [entry] = [e for e in await s.meta.audit_log() if e["event"] == "damaged"]
    assert entry["file"] == "responses/d.jsonl" and entry["lines"] == [where]

    await s.responses.add([response("d", "k4")])  # the log carries on after it
    await s.close()
    assert log.read_bytes().split(b"\n")[where - 1] == damaged
    assert SECRET not in caplog.text and SECRET not in json.dumps(entry)
    s = await opened(tmp_path)
    assert [r.idempotency_key for r in await s.responses.list("d")] == [*kept, "k4"]
    assert len([e for e in await s.meta.audit_log() if e["event"] == "damaged"]) == 2  # once a run
    await s.close()


async def test_the_purge_skips_a_damaged_line_it_cannot_date_and_purges_the_rest(tmp_path):
    old_lines = await a_log_of(tmp_path, "d-old", ["k1", "k2", "k3"], age_days=800)
    await a_log_of(tmp_path, "d-other", ["k1", "k2"], age_days=800)
    await a_log_of(tmp_path, "d-new", ["k1"])
    log = tmp_path / "responses" / "d-old.jsonl"
    # Line 2 is damaged, and so is the last line: written after everything else, as far as is known.
    log.write_bytes(b"\n".join([old_lines[0], b"{damaged", old_lines[2], b"{damaged at the end"]) + b"\n")
    s = await opened(tmp_path)
    cutoff = utcnow() - timedelta(days=730)
    assert await s.responses.purge_before(cutoff, dry_run=True) == 5
    assert await s.responses.purge_before(cutoff) == 5  # line 2 was written before line 3, 800 days ago
    assert [await s.responses.count(d) for d in ("d-old", "d-other", "d-new")] == [0, 0, 1]
    assert (await s.status())["damaged"] == ["responses/d-old.jsonl"]
    await s.close()
    assert log.read_bytes() == b"{damaged at the end\n"  # the file's time is today: it may be new
    assert not (tmp_path / "responses" / "d-other.jsonl").exists()
    s = await opened(tmp_path)
    assert await s.responses.purge_before(cutoff) == 0
    await s.close()


async def test_a_damaged_line_stays_where_it_was_reported_until_a_purge_rewrites_the_log(tmp_path):
    s = await opened(tmp_path)
    r = response("d", "k1")
    await s.responses.add([r])
    for n in range(100):
        r.text = f"edit {n}"
        await s.responses.replace(r)
    await s.close()
    log = tmp_path / "responses" / "d.jsonl"
    lines = log.read_bytes().split(b"\n")
    log.write_bytes(b"\n".join([lines[0], b"{damaged", *lines[1:]]))
    damaged = log.read_bytes()
    s = await opened(tmp_path)
    assert [x.text for x in await s.responses.list("d")] == ["edit 99"]
    await s.close()
    assert log.read_bytes() == damaged  # not compacted: line 2 is where the log and the audit say
    s = await opened(tmp_path)
    assert await s.responses.purge_before(utcnow() - timedelta(days=1)) == 0  # nothing old: not rewritten
    assert await s.responses.purge_before(utcnow() + timedelta(days=1)) == 2  # the response and the damaged line
    assert "damaged" not in await s.status() or not (await s.status())["damaged"]
    await s.close()
    assert not log.exists()  # nothing of it is kept past the retention period


async def test_a_sound_store_reports_nothing_damaged(tmp_path):
    await a_log_of(tmp_path, "d", ["k1"])
    s = await opened(tmp_path)
    assert await s.responses.count("d") == 1
    assert "damaged" not in await s.status()
    await s.close()
