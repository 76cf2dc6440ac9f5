"""Bad input over HTTP: each gets a clear 4xx (never a 500) and nothing is stored wrongly."""

from __future__ import annotations

import pytest

from tests.fakes import teams as t
from tests.harness import ADMIN_TOKEN, start_bot

TEAM = t.TeamSpec("19:team-a@thread.tacv2", "Team A", "11111111-1111-1111-1111-111111111111")
ANA = t.User("Ana Practitioner", "aaaaaaaa-0000-0000-0000-000000000001")


async def raw_post(bot, path, data, content_type="application/json", headers=None):
    async with bot.session.post(f"{bot.url}{path}", data=data,
                                headers={"Content-Type": content_type, **(headers or {})}) as resp:
        return resp.status, await resp.json(content_type=None)


@pytest.mark.parametrize("data, content_type, status, message", [
    (b"{not json", "application/json", 400, "the body is not valid JSON"),
    (b"[1, 2]", "application/json", 400, "an activity must be a JSON object"),
    (b'{"type": "message"}', "application/json", 400, "an activity needs type, serviceUrl and conversation"),
    (b'{"type": "message"}', "text/plain", 415, "send JSON with Content-Type: application/json"),
    (b"[" * 100000 + b"]" * 100000, "application/json", 400, "the body is not valid JSON"),
    (b'{"type": "message", "serviceUrl": "http://127.0.0.1:9", "conversation": 5}', "application/json", 400,
     "an activity needs type, serviceUrl and conversation"),
])
async def test_malformed_activities(running, data, content_type, status, message):
    assert await raw_post(running, "/api/messages", data, content_type) == (status, {"error": message})
    assert await running.deps.store.teams.list(active_only=False) == []


async def test_oversize_body_is_413(running):
    async with running.session.post(f"{running.url}/api/messages", data=b"x" * (2 * 1024 * 1024),
                                    headers={"Content-Type": "application/json"}) as resp:
        assert resp.status == 413


async def test_admin_token_required(running):
    async with running.session.get(f"{running.url}/api/briefings") as resp:
        assert resp.status == 401
    async with running.session.get(f"{running.url}/api/briefings", headers={"Authorization": "Bearer wrong"}) as resp:
        assert resp.status == 401
        assert (await resp.json())["error"].startswith("a valid admin token is required")
    status, body = await running.admin("GET", "/api/briefings")
    assert status == 200 and body[0]["id"] == "2019-01-case-file-audit"


async def test_admin_api_absent_without_a_token(tmp_path, connector):
    bot = await start_bot(tmp_path / "data", connector, None, admin_token=None)
    try:
        async with bot.session.get(f"{bot.url}/api/briefings",
                                   headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as resp:
            assert resp.status == 404
    finally:
        await bot.close()


async def test_uploading_briefings(running):
    bad = "---\nid: x\n---\n\n## Background\n\ntext\n"
    status, body = await running.admin("POST", "/api/briefings", data=bad.encode())
    assert status == 422 and body["error"] == "the briefing is not valid"
    assert {"line": 2, "message": "missing field 'title'"} in body["problems"]
    status, body = await running.admin("POST", "/api/briefings", data=b"\xff\xfe")
    assert (status, body) == (400, {"error": "the briefing must be UTF-8 text"})

    good = ("---\nid: 2026-03-test\ntitle: A test\nissued: 2026-03\nboard: Board\nprompts:\n"
            "  - theme: T\n    questions:\n      - {id: q1, text: 'Why?'}\n---\n\n## Background\n\ntext\n")
    assert await running.admin("POST", "/api/briefings", data=good.encode()) == (201, {"id": "2026-03-test", "created": True})
    assert await running.admin("POST", "/api/briefings", data=good.encode()) == (200, {"id": "2026-03-test", "created": False})
    changed = good.replace("A test", "A changed test")
    assert await running.admin("POST", "/api/briefings", data=changed.encode()) == (200, {"id": "2026-03-test", "created": False})
    status, listed = await running.admin("GET", "/api/briefings")
    assert [b["title"] for b in listed if b["id"] == "2026-03-test"] == ["A changed test"]

    await running.post_activity(t.installed(running.connector.url, TEAM, ANA))
    await running.post_activity(t.submit(running.connector.url, TEAM, ANA, {"verb": "link_organisation", "organisation": "nhs-sussex"}))
    assert (await running.admin("POST", "/api/briefings/2026-03-test/publish", json={"to": "all"}))[0] == 202
    status, body = await running.admin("POST", "/api/briefings", data=good.encode())
    assert status == 409 and "already been published" in body["error"]


@pytest.mark.parametrize("path, payload, status, fragment", [
    ("/api/briefings/2019-01-case-file-audit/publish", {"to": "org:nowhere"}, 422, "unknown organisation 'nowhere'"),
    ("/api/briefings/2019-01-case-file-audit/publish", {"to": "team:19:nope"}, 422, "unknown or inactive team"),
    ("/api/briefings/2019-01-case-file-audit/publish", {"to": "everyone"}, 400, "'to' must be"),
    ("/api/briefings/2019-01-case-file-audit/publish", {"too": "all"}, 400, "send {\"to\""),
    ("/api/briefings/2019-01-case-file-audit/publish", [1], 400, "send {\"to\""),
    ("/api/briefings/no-such/publish", {"to": "all"}, 404, "no briefing with id 'no-such'"),
    ("/api/briefings/2019-01-case-file-audit/publish", {"to": "all", "discuss_by": "soon"}, 400,
     "'discuss_by' must be a date"),
    ("/api/briefings/2019-01-case-file-audit/publish", {"to": "all", "discuss_by": "2020-01-01"}, 422,
     "'discuss_by' (2020-01-01) is in the past"),
    ("/api/briefings/2019-01-case-file-audit/publish", {"to": "all", "follow_up_weeks": 53}, 400,
     "(follow_up_weeks) must be a whole number from 0 (never ask) to 52"),
    ("/api/briefings/2019-01-case-file-audit/publish", {"to": "all", "follow_up_weeks": True}, 400,
     "(follow_up_weeks) must be a whole number"),
])
async def test_publish_errors(running, path, payload, status, fragment):
    got_status, body = await running.admin("POST", path, json=payload)
    assert got_status == status and fragment in body["error"]
    assert await running.deps.store.outbox.list_group("2019-01-case-file-audit") == []


async def test_publish_needs_json(running):
    status, body = await running.admin("POST", "/api/briefings/2019-01-case-file-audit/publish", data=b"to=all",
                                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 415


async def test_deliveries_of_unknown_briefing(running):
    assert await running.admin("GET", "/api/briefings/%2E%2E%2Fetc/deliveries") == (
        404, {"error": "no briefing with id '../etc'"})
    assert await running.admin("GET", "/api/nothing-here") == (404, {"error": "Not Found"})
    status, body = await running.admin("GET", "/api/briefings/nope/deliveries")
    assert (status, body) == (404, {"error": "no briefing with id 'nope'"})


async def test_healthz(running_embedded):
    running = running_embedded
    async with running.session.get(f"{running.url}/healthz") as resp:
        body = await resp.json()
    assert resp.status == 200 and body["status"] == "ok" and body["store"]["backend"] == "tinydb"
    assert body["version"] == "0.1.0"


async def test_a_briefing_too_long_for_a_card_is_refused_at_upload(running):
    section = "## Section {n}\n\n" + ("A long paragraph of learning from the audit. " * 60) + "\n\n"
    text = ("---\nid: 2026-04-long\ntitle: Long\nissued: 2026-04\nboard: Board\nprompts:\n"
            "  - theme: T\n    questions:\n      - {id: q1, text: 'Why?'}\n---\n\n"
            + "".join(section.format(n=n) for n in range(14)))
    status, body = await running.admin("POST", "/api/briefings", data=text.encode())
    assert status == 422 and body["problems"][0]["message"].startswith("too long for a Teams card")
    assert await running.deps.store.briefings.get("2026-04-long") is None


async def test_a_briefing_with_an_identifier_needs_the_publishers_word(running):
    text = ("---\nid: 2026-05-ids\ntitle: With identifiers\nissued: 2026-05\nboard: Board\nprompts:\n"
            "  - theme: T\n    questions:\n      - {id: q1, text: 'Why?'}\n---\n\n## Background\n\n"
            "The family moved to BN21 4UW and Child B (aged 6) started school.\n")
    assert (await running.admin("POST", "/api/briefings", data=text.encode()))[0] == 201
    status, body = await running.admin("POST", "/api/briefings/2026-05-ids/publish", json={"to": "all"})
    assert status == 422
    assert body["error"].startswith("the briefing contains what looks like a postcode (line 14); an age (line 14)")
    assert "BN21" not in body["error"]
    assert (await running.admin("POST", "/api/briefings/2026-05-ids/publish",
                                json={"to": "all", "allow_identifiers": True}))[0] == 202
