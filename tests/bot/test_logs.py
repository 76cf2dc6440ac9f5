"""Logs: JSON lines with a request id per turn, and never the text of a response, a name or an email."""

from __future__ import annotations

import json
import logging

from bot.logs import JsonFormatter, _RequestId, configure, new_request_id
from tests.fakes import teams as t

SECRET_TEXT = "Our team now invites the police formally"


def test_json_lines_carry_the_request_id():
    record = logging.LogRecord("bot", logging.INFO, __file__, 1, "delivered id=%s", ("x1",), None)
    new_request_id()
    _RequestId().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "delivered id=x1" and entry["level"] == "INFO" and len(entry["request_id"]) == 12


async def test_a_whole_turn_logs_no_text_names_or_emails(running, caplog):
    team = t.TeamSpec("19:t@thread.tacv2", "Rother Early Help", "11111111-1111-1111-1111-111111111111")
    ana = t.User("Anastasia Practitioner", "aaaaaaaa-0000-0000-0000-000000000001")
    url = running.connector.url
    with caplog.at_level(logging.DEBUG):
        await running.post_activity(t.installed(url, team, ana))
        await running.post_activity(t.submit(url, team, ana, {"verb": "link_organisation", "organisation": "nhs-sussex"}))
        await running.admin("POST", "/api/briefings/2019-01-case-file-audit/publish", json={"to": "all"})
        [post] = await running.connector.wait_for(lambda: running.connector.channel_posts())
        discussion = post.view.discussion
        await running.post_activity(t.submit(url, team, ana, {"verb": "record", "discussion": discussion,
                                                              "answer:learnt": SECRET_TEXT}, post.response["id"]))
        await running.post_activity(t.submit(url, team, ana, {"verb": "close_confirm", "discussion": discussion}))
        await running.connector.wait_for(lambda: running.smtp.to("priya@nhs.example.org"))
    # Everything the bot's process logs, the SDK and mail client included; not the test's own SMTP server.
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}"
                        for r in caplog.records if not r.name.startswith("mail.log"))
    assert "responses recorded" in logged  # the turn was logged...
    for secret in (SECRET_TEXT, "Anastasia", "priya@nhs.example.org", "Priya Example", "Rother Early Help"):
        assert secret not in logged, secret  # ...without what people wrote, who they are, or where it went


def test_configure_json(capsys):
    configure("INFO", "json")
    logging.getLogger("bot.test").info("hello %s", "world")
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert json.loads(line)["message"] == "hello world"
    configure("WARNING", "plain")
