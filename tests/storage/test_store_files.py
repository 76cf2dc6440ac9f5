"""Store files that are valid JSON of the wrong shape: refused at start with one line naming the
file (as a corrupt file is), never a traceback, and without quoting what the file holds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from storage.protocols import StoreError
from storage.tinydb_store import TinyDBStore

ROOT = Path(__file__).resolve().parents[2]
SECRET = "Ana's note about a child"

WRONG = [
    ("teams.json", [SECRET], "the file holds a list"),
    ("teams.json", SECRET, "the file holds a string"),
    ("teams.json", None, "the file holds null"),
    ("teams.json", {"_default": [SECRET]}, "a table is a list"),
    ("teams.json", {"_default": {"x": {}}}, "a record id is not a number"),
    ("teams.json", {"_default": {"1": SECRET}}, "record 1 is a string"),
    ("teams.json", {"_default": {"1": {"name": SECRET}}}, "record 1 is not a valid team (id: field required)"),
    ("briefings.json", {"_default": {"1": {"id": "b1", "title": 5}}}, "record 1 is not a valid briefing"),
    ("discussions/b1.json", {"_default": {"1": {"id": "d1", "note": SECRET}}}, "record 1 is not a valid discussion"),
    ("outbox/b1.json", {"_default": {"1": {"id": "p1", "status": SECRET}}}, "record 1 is not a valid delivery"),
]


@pytest.mark.parametrize("name, content, problem", WRONG, ids=[f"{w[0]}: {w[2]}" for w in WRONG])
async def test_a_file_of_the_wrong_shape_is_a_store_error_naming_it(tmp_path, name, content, problem):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content))
    with pytest.raises(StoreError) as caught:
        await TinyDBStore(tmp_path).open()
    message = str(caught.value)
    assert message.startswith(f"cannot read {path}: valid JSON, but ") and problem in message, message
    assert "\n" not in message and SECRET not in message


async def test_minutes_of_the_wrong_shape_are_a_store_error_when_read(tmp_path):
    store = TinyDBStore(tmp_path)
    await store.open()
    try:
        (tmp_path / "minutes").mkdir()
        (tmp_path / "minutes" / "d1.json").write_text(json.dumps({"_default": {"1": {"id": "d1", "markdown": SECRET}}}))
        with pytest.raises(StoreError, match="record 1 is not a valid minutes"):
            await store.minutes.get("d1")
    finally:
        await store.close()


def test_serve_stops_with_one_line_naming_the_file(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "teams.json").write_text(json.dumps({"_default": {"1": {"name": SECRET}}}))
    result = subprocess.run([sys.executable, "-m", "bot", "serve", "--data-dir", str(data), "--port", "9"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and SECRET not in result.stderr
    [line] = [x for x in result.stderr.splitlines() if x.startswith("learning-bot:")]
    assert line.startswith(f"learning-bot: cannot read {data / 'teams.json'}: valid JSON, but record 1 is not a valid team")
