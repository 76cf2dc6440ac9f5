"""Hostile and malformed input, over HTTP: each gets a clear 4xx or a polite reply, never a 500,
and nothing is stored wrongly."""

from __future__ import annotations

import json

import pytest

from tests.fakes import teams as t
from tests.harness import ADMIN_TOKEN

TEAM = t.TeamSpec("19:team-a@thread.tacv2", "Team A", "11111111-1111-1111-1111-111111111111")
OTHER = t.TeamSpec("19:team-b@thread.tacv2", "Team B", "11111111-1111-1111-1111-111111111111")
ANA = t.User("Ana Practitioner", "aaaaaaaa-0000-0000-0000-000000000001")
BRIEFING = "2019-01-case-file-audit"

# (name, body bytes, content type, expected status)
RAW = [
    ("empty body", b"", "application/json", 400),
    ("not json", b"hello", "application/json", 400),
    ("truncated json", b'{"type": "message"', "application/json", 400),
    ("json array", b"[]", "application/json", 400),
    ("json string", b'"message"', "application/json", 400),
    ("json number", b"42", "application/json", 400),
    ("json null", b"null", "application/json", 400),
    ("deeply nested", b'{"a":' * 50000 + b"1" + b"}" * 50000, "application/json", 400),
    ("nested arrays", b"[" * 200000 + b"]" * 200000, "application/json", 400),
    ("invalid utf-8", b'{"type": "message", "text": "\xff\xfe"}', "application/json", 400),
    ("wrong content type", b'{"type": "message"}', "text/plain", 415),
    ("form content type", b"type=message", "application/x-www-form-urlencoded", 415),
    ("xml", b"<activity/>", "application/xml", 415),
    ("no type", b'{"serviceUrl": "http://127.0.0.1:9", "conversation": {"id": "x"}}', "application/json", 400),
    ("no service url", b'{"type": "message", "conversation": {"id": "x"}}', "application/json", 400),
    ("no conversation", b'{"type": "message", "serviceUrl": "http://127.0.0.1:9"}', "application/json", 400),
    ("conversation not an object", b'{"type": "message", "serviceUrl": "http://127.0.0.1:9", "conversation": 5}',
     "application/json", 400),
    ("type not a string", b'{"type": 5, "serviceUrl": "http://127.0.0.1:9", "conversation": {"id": "x"}}',
     "application/json", 400),
    ("oversize", b'{"type": "message", "text": "' + b"x" * (2 * 1024 * 1024) + b'"}', "application/json", 413),
]


@pytest.mark.parametrize("name, body, content_type, status", RAW, ids=[r[0] for r in RAW])
async def test_malformed_requests(running, name, body, content_type, status):
    async with running.session.post(f"{running.url}/api/messages", data=body,
                                    headers={"Content-Type": content_type}) as resp:
        assert resp.status == status
        assert "error" in json.loads(await resp.read())
    assert await running.deps.store.teams.list(active_only=False) == []


def activity(running, **changes):
    base = t.mention(running.connector.url, TEAM, ANA, "help")
    base.update(changes)
    return base


ODD_ACTIVITIES = [
    ("unknown activity type", {"type": "somethingNew"}),
    ("typing", {"type": "typing"}),
    ("message reaction", {"type": "messageReaction", "reactionsAdded": [{"type": "like"}]}),
    ("end of conversation", {"type": "endOfConversation"}),
    ("unknown invoke", {"type": "invoke", "name": "composeExtension/query", "value": {}}),
    ("event without a name", {"type": "event"}),
    ("huge text", {"text": "<at>Learning Bot</at> " + "help " * 50000}),
    ("text null", {"text": None}),
    ("value not an object", {"text": None, "value": "record"}),
    ("value a list", {"text": None, "value": [1, 2, 3]}),
    ("verb not a string", {"text": None, "value": {"verb": ["record"]}}),
    ("unknown verb", {"text": None, "value": {"verb": "drop_tables"}}),
    ("channel data not an object", {"channelData": "team"}),
    ("team id not a string", {"channelData": {"team": {"id": 5}, "tenant": {"id": TEAM.tenant}}}),
    ("from missing", {"from": None}),
    ("mention injection", {"text": "<at>Learning Bot</at> <at>Everyone</at> help"}),
    ("html in a command", {"text": "<at>Learning Bot</at> <script>alert(1)</script>"}),
    ("another channel", {"channelId": "slack"}),
]


@pytest.mark.parametrize("name, changes", ODD_ACTIVITIES, ids=[a[0] for a in ODD_ACTIVITIES])
async def test_odd_activities_are_answered_politely_or_ignored(running, name, changes):
    resp = await running.post_activity(activity(running, **changes))
    assert resp.status in (200, 201, 400, 501), resp.status
    for sent in running.connector.sent:  # anything said back is plain help or a polite line
        assert "Traceback" not in json.dumps(sent.body)


@pytest.fixture
async def two_teams(running):
    """Two linked teams; the briefing delivered to Team B only. Returns Team B's discussion id and thread."""
    url = running.connector.url
    for team, org in ((TEAM, "sussex-police"), (OTHER, "nhs-sussex")):
        await running.post_activity(t.installed(url, team, ANA))
        await running.post_activity(t.submit(url, team, ANA, {"verb": "link_organisation", "organisation": org}))
    await running.admin("POST", f"/api/briefings/{BRIEFING}/publish", json={"to": f"team:{OTHER.id}"})
    [post] = await running.connector.wait_for(lambda: running.connector.channel_posts())
    return post.view.discussion, post.response["id"]


TAMPERED = [
    ("another team's discussion", lambda d: {"verb": "record", "discussion": d, "answer:learnt": "x"}, "another team"),
    ("another team's close", lambda d: {"verb": "close_confirm", "discussion": d}, "another team"),
    ("another team's edit", lambda d: {"verb": "edit_responses", "discussion": d}, "another team"),
    ("another team's correction", lambda d: {"verb": "correction", "discussion": d, "correction": "x"}, "another team"),
    ("unknown discussion", lambda d: {"verb": "record", "discussion": "d-0", "answer:learnt": "x"}, "can't find"),
    ("discussion not a string", lambda d: {"verb": "record", "discussion": {"$ne": None}, "answer:learnt": "x"},
     "can't find"),
    ("path traversal discussion", lambda d: {"verb": "record", "discussion": "../../etc/passwd", "answer:learnt": "x"},
     "can't find"),
    ("another organisation", lambda d: {"verb": "link_organisation", "organisation": "../sussex-police"},
     "don't know that organisation"),
    ("organisation not a string", lambda d: {"verb": "link_organisation", "organisation": ["nhs-sussex"]},
     "Choose an organisation"),
]


@pytest.mark.parametrize("name, value, reply", TAMPERED, ids=[x[0] for x in TAMPERED])
async def test_tampered_card_data_is_refused(running, two_teams, name, value, reply):
    discussion, _ = two_teams
    resp = await running.post_activity(t.submit(running.connector.url, TEAM, ANA, value(discussion)))
    assert resp.status == 200
    said = running.connector.in_conversation(TEAM.id)[-1].text
    assert reply in said, said
    assert await running.deps.store.responses.count(discussion) == 0
    assert not (await running.deps.store.discussions.get(discussion)).closed
    assert (await running.deps.store.teams.get(TEAM.id)).organisation_id == "sussex-police"


async def test_own_discussion_edge_cases(running, two_teams):
    discussion, thread = two_teams
    url = running.connector.url
    cases = [
        ({"answer:unknown-question": "x"}, "Nothing to record"),
        ({"answer:learnt": "x" * 4001}, "longer than 4000 characters"),
        ({"answer:learnt": 12345}, "Nothing to record"),
        ({"answer:learnt": "ok", "present": "1e9", "for_team": "true"}, "whole number from 1 to 500"),
    ]
    for extra, expected in cases:
        value = {"verb": "record", "discussion": discussion, **extra}
        await running.post_activity(t.submit(url, OTHER, ANA, value, thread))
        assert expected in running.connector.in_conversation(thread)[-1].text
    assert await running.deps.store.responses.count(discussion) == 0
    replayed = t.submit(url, OTHER, ANA, {"verb": "record", "discussion": discussion, "answer:learnt": "once"}, thread)
    for _ in range(3):  # the same activity replayed: stored once
        await running.post_activity(replayed)
    assert await running.deps.store.responses.count(discussion) == 1
    injection = "[click](http://evil.example) <at>Everyone</at> **bold** <script>x</script>"
    await running.post_activity(t.submit(url, OTHER, ANA, {"verb": "record", "discussion": discussion,
                                                           "answer:apply": injection}, thread))
    await running.post_activity(t.submit(url, OTHER, ANA, {"verb": "close", "discussion": discussion}, thread))
    preview = json.dumps(running.connector.in_conversation(thread)[-1].card)
    assert "[click](http://evil.example)" not in preview and "\\\\[click\\\\]" in preview


BOARD_ONLY = [
    ("publish by a practitioner", "publish 2019-01-case-file-audit", "only East Sussex Local Safeguarding"),
    ("report by a practitioner", "report 2019-01-case-file-audit", "reports are for board staff"),
    ("outstanding by a practitioner", "outstanding", "Only board staff and safeguarding leads"),
    ("digest by a practitioner", "digest", "The digest is for safeguarding leads"),
]


@pytest.mark.parametrize("name, text, reply", BOARD_ONLY, ids=[x[0] for x in BOARD_ONLY])
async def test_board_only_commands_from_others(running, name, text, reply):
    await running.post_activity(t.personal(running.connector.url, ANA, TEAM.tenant, text))
    assert reply in running.connector.in_conversation(f"a:personal-{ANA.aad}")[-1].text
    assert await running.deps.store.outbox.list_group(BRIEFING) == []


ADMIN = [
    ("no token", {}, 401),
    ("wrong token", {"Authorization": "Bearer wrong-token-wrong-token"}, 401),
    ("basic auth", {"Authorization": "Basic " + "YWRtaW46YWRtaW4="}, 401),
    ("token without scheme", {"Authorization": ADMIN_TOKEN}, 401),
    ("token with extra", {"Authorization": f"Bearer {ADMIN_TOKEN}x"}, 401),
]


@pytest.mark.parametrize("name, headers, status", ADMIN, ids=[x[0] for x in ADMIN])
async def test_admin_routes_need_the_token(running, name, headers, status):
    for method, path in (("GET", "/api/briefings"), ("POST", f"/api/briefings/{BRIEFING}/publish"),
                         ("GET", "/api/deliveries"), ("POST", "/api/purge")):
        async with running.session.request(method, f"{running.url}{path}", headers=headers, json={"to": "all"}) as resp:
            assert resp.status == status
    assert await running.deps.store.outbox.list_group(BRIEFING) == []


TRAVERSAL = ["..%2F..%2Fetc%2Fpasswd", "%2E%2E", "..", "a%00b", "%252e%252e%252f", "x" * 300]


@pytest.mark.parametrize("briefing_id", TRAVERSAL)
async def test_path_traversal_in_briefing_ids(running, briefing_id):
    from yarl import URL

    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    for method, suffix, kw in (("POST", "/publish", {"json": {"to": "all"}}), ("GET", "/deliveries", {}),
                               ("GET", "/report", {}), ("GET", "/export", {})):
        raw = URL(f"{running.url}/api/briefings/{briefing_id}{suffix}", encoded=True)  # sent as written
        async with running.session.request(method, raw, headers=headers, **kw) as resp:
            assert resp.status in (404, 400), (method, suffix, resp.status)
    async with running.session.get(URL(f"{running.url}/reports/{briefing_id}", encoded=True)) as resp:
        assert resp.status in (403, 404)
    assert await running.deps.store.outbox.list_group(BRIEFING) == []
