"""The `learning-bot` command: validate, serve's refusals, and publish as a client of the admin API."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from content.briefing import bundled_briefings
from tests.fakes import teams as t
from tests.harness import ADMIN_TOKEN

ROOT = Path(__file__).resolve().parents[2]


def test_validate_the_bundled_briefing(capsys):
    path = ROOT / "content" / "briefings" / bundled_briefings()[0][0]
    assert main(["briefing", "validate", str(path)]) == 0
    assert capsys.readouterr().out == ""


def test_validate_reports_path_line_message(tmp_path, capsys):
    bad = tmp_path / "bad.md"
    bad.write_text("---\nid: x\ntitle: T\nissued: 2026-01\nboard: B\nprompts:\n  - theme: A\n    questions: []\n---\n\n## S\n\n")
    missing = tmp_path / "missing.md"
    assert main(["briefing", "validate", str(bad), str(missing)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{bad}:2: id: 'x' is not allowed here: use letters, digits and hyphens"
    assert lines[1].startswith(f"{bad}:8: prompts.0.questions:")
    assert lines[2] == f"{bad}:11: empty section 'S'"
    assert lines[3] == f"{missing}:1: cannot read: No such file or directory"


def test_import_a_word_briefing_then_validate_it(tmp_path, capsys):
    word = ROOT / "tests" / "fixtures" / "word" / "case-file-audit.docx"
    out = tmp_path / "briefing.md"
    assert main(["briefing", "import", str(word), "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert said == (f"Wrote {out} (briefing id 2019-01-regular-case-file-audit-summary-for-practitioners-and-managers"
                    "): 8 sections, 4 discussion questions in 2 themes.\n")
    assert main(["briefing", "validate", str(out)]) == 0  # the board's published contacts are allowed


def test_import_says_what_to_change_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "notes.docx"
    bad.write_bytes(b"not really a docx")
    assert main(["briefing", "import", str(bad)]) == 1
    assert capsys.readouterr().out == (f"{bad}: This isn't a Word document I can read. Save the briefing from Word "
                                       "as a Word Document (.docx) and attach that.\n")
    assert not (tmp_path / "notes.md").exists()
    assert main(["briefing", "import", str(tmp_path / "missing.docx")]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_serve_refuses_a_network_address_without_credentials(capsys):
    assert main(["serve", "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("learning-bot: cannot start:\nrefusing to listen on 0.0.0.0 without MicrosoftAppId")


def test_serve_names_a_bad_directory_line(tmp_path, monkeypatch, capsys):
    directory = tmp_path / "directory.yaml"
    directory.write_text("board:\n  name: B\norganisations: []\n")
    monkeypatch.setenv("LEARNING_BOT_DIRECTORY", str(directory))
    assert main(["serve", "--data-dir", str(tmp_path / "data")]) == 2
    err = capsys.readouterr().err
    assert f"{directory}:3: organisations:" in err


def wait_healthy(port: int, timeout: float = 20.0) -> None:
    import time
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as resp:
                if resp.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.05)


def test_second_serve_on_the_same_data_dir_stops_with_a_message(tmp_path):
    from tests.fakes.smtp import free_port

    data, port = tmp_path / "data", free_port()
    first = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--data-dir", str(data), "--port", str(port)],
                             cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_healthy(port)
        second = subprocess.run([sys.executable, "-m", "bot", "serve", "--data-dir", str(data), "--port", str(free_port())],
                                cwd=ROOT, capture_output=True, text=True, timeout=30)
        assert second.returncode == 2
        assert f"the data directory {data} is in use by process {first.pid}" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        first.terminate()
        first.wait(10)


async def test_publish_command_uploads_follows_and_reports(running, tmp_path, capsys):
    from bot.client import publish_and_follow

    team = t.TeamSpec("19:team-a@thread.tacv2", "Team A", "11111111-1111-1111-1111-111111111111")
    ana = t.User("Ana", "aaaaaaaa-0000-0000-0000-000000000001")
    await running.post_activity(t.installed(running.connector.url, team, ana))
    await running.post_activity(t.submit(running.connector.url, team, ana, {"verb": "link_organisation", "organisation": "esfrs"}))
    briefing = tmp_path / "new.md"
    briefing.write_text(bundled_briefings()[0][1].replace("id: 2019-01-case-file-audit", "id: 2026-01-copy"))

    code = await publish_and_follow(running.url, ADMIN_TOKEN, str(briefing), "all", poll=0.05, follow_up_weeks=3)
    err = capsys.readouterr().err
    assert code == 0
    assert "Uploaded 2026-01-copy" in err and "Queued for 1 team(s)" in err and "Sent 1 of 1." in err
    [discussion] = await running.deps.store.discussions.list_for_briefing("2026-01-copy")
    assert discussion.follow_up_weeks == 3

    from bot.client import PublishClientError

    with pytest.raises(PublishClientError, match="401 a valid admin token is required"):
        await publish_and_follow(running.url, "wrong-token-wrong-token", "2026-01-copy", "all")
    with pytest.raises(PublishClientError, match="422 unknown organisation 'x'"):
        await publish_and_follow(running.url, ADMIN_TOKEN, "2026-01-copy", "org:x")


async def test_publish_command_exits_non_zero_when_a_delivery_fails(running, capsys):
    from bot.client import publish_and_follow

    team = t.TeamSpec("19:team-a@thread.tacv2", "Team A", "11111111-1111-1111-1111-111111111111")
    ana = t.User("Ana", "aaaaaaaa-0000-0000-0000-000000000001")
    await running.post_activity(t.installed(running.connector.url, team, ana))
    running.connector.fail_next(1, 404)
    code = await publish_and_follow(running.url, ADMIN_TOKEN, "2019-01-case-file-audit", "all", poll=0.05)
    err = capsys.readouterr().err
    assert code == 1 and "failed Team A: HTTP 404" in err and "Sent 0 of 1." in err


def test_publish_follow_up_weeks_is_checked_before_anything_is_sent(capsys):
    with pytest.raises(SystemExit):
        main(["briefing", "publish", "x", "--to", "all", "--token", ADMIN_TOKEN, "--follow-up-weeks", "60"])
    assert "must be a whole number of weeks from 0 (never ask) to 52" in capsys.readouterr().err


def test_publish_without_a_token(capsys):
    assert main(["briefing", "publish", "x", "--to", "all"]) == 2
    assert "an admin token is needed" in capsys.readouterr().err


def test_publish_when_the_bot_is_not_running(capsys):
    from tests.fakes.smtp import free_port

    code = main(["briefing", "publish", "x", "--to", "all", "--token", ADMIN_TOKEN,
                 "--url", f"http://127.0.0.1:{free_port()}"])
    assert code == 1 and "cannot reach the bot" in capsys.readouterr().err


def test_validate_reports_identifiers_unless_allowed(tmp_path, capsys):
    briefing = tmp_path / "ids.md"
    briefing.write_text("---\nid: 2026-05-ids\ntitle: T\nissued: 2026-05\nboard: B\nprompts:\n  - theme: A\n"
                        "    questions:\n      - {id: q1, text: 'Why?'}\n---\n\n## Background\n\n"
                        "Mum's number was 07700 900123.\n")
    assert main(["briefing", "validate", str(briefing)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{briefing}:14: looks like a phone number: remove it") and "07700" not in out
    assert main(["briefing", "validate", "--allow-identifiers", str(briefing)]) == 0
    assert capsys.readouterr().out == f"{briefing}:14: looks like a phone number (allowed)\n"


async def test_report_export_and_purge_commands(running, tmp_path, capsys):
    import asyncio

    from bot.cli import main as cli

    def run(*argv):
        return asyncio.get_running_loop().run_in_executor(None, cli, [*argv, "--url", running.url, "--token", ADMIN_TOKEN])

    out = tmp_path / "report.md"
    assert await run("report", "2019-01-case-file-audit", "--out", str(out)) == 0
    assert out.read_text().startswith("# Briefing report: Regular Case File Audit")
    assert await run("report", "2019-01-case-file-audit", "--format", "docx", "--out", str(tmp_path / "r.docx")) == 0
    assert (tmp_path / "r.docx").read_bytes()[:2] == b"PK"
    assert await run("export", "2019-01-case-file-audit", "--out", str(tmp_path / "e.csv")) == 0
    assert (tmp_path / "e.csv").read_text().startswith("\"briefing_id\",\"organisation\"")
    assert await run("export", "2019-01-case-file-audit", "--kind", "actions", "--out", str(tmp_path / "a.csv")) == 0
    assert (tmp_path / "a.csv").read_text().startswith(
        '"briefing_id","organisation","team","action","owner","due","embedded_when","status","overdue"')
    assert await run("purge", "--dry-run") == 0
    assert ("would delete 0 responses, the minutes of 0 discussions, 0 agreed actions, 0 emails kept as files and "
            "the records of 0 messages, older than 730 days" in capsys.readouterr().out)
    assert await run("report", "nope") == 1
    assert "404 no briefing with id 'nope'" in capsys.readouterr().err


def test_serve_refuses_to_start_on_a_broken_live_concern_rules_file(tmp_path, capsys, monkeypatch):
    import bot.app
    from content.concern import SIGNALS_FILE, compile_rules

    monkeypatch.setattr(bot.app, "bundled_rules", lambda: compile_rules("threshold: three\n", SIGNALS_FILE))
    assert main(["serve", "--data-dir", str(tmp_path / "data"), "--port", "3"]) == 2
    err = capsys.readouterr().err
    assert "the live-concern rules file is not valid" in err and "concern_signals.yaml:" in err and "Traceback" not in err
