"""Action.Execute over HTTP: every `adaptiveCard/action` invoke is answered 200 with a Universal
Actions body (a message, or an error for a malformed one); a known verb runs the same flow as the
Action.Submit of that verb."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from storage.models import Discussion
from tests.fakes import teams as t
from tests.harness import start_bot

TEAM = t.TeamSpec("19:team-a@thread.tacv2", "Team A", "11111111-1111-1111-1111-111111111111")
ANA = t.User("Ana Practitioner", "aaaaaaaa-0000-0000-0000-000000000001")
BRIEFING = "2019-01-case-file-audit"
EXAMPLE_DIRECTORY = Path(__file__).resolve().parents[2] / "content" / "directory" / "east-sussex.example.yaml"
MESSAGE = "application/vnd.microsoft.activity.message"
CARD = "application/vnd.microsoft.card.adaptive"
ERROR = "application/vnd.microsoft.error"


async def invoke(running, activity: dict[str, Any]) -> tuple[int, Any]:
    async with running.session.post(f"{running.url}/api/messages", json=activity) as resp:
        return resp.status, (await resp.json() if resp.content_type == "application/json" else None)


def action(verb: object = "record", kind: object = "Action.Execute", **extra) -> dict[str, Any]:
    return {"action": {"type": kind, "verb": verb, "data": {}}, **extra}


MALFORMED = [
    ("no value", None, "no value"),
    ("value not an object", "record", "no value"),
    ("empty value", {}, "no action"),
    ("action not an object", {"action": "Action.Execute"}, "no action"),
    ("an Action.Submit", action(kind="Action.Submit"), "only Action.Execute"),
    ("no type", {"action": {"verb": "record"}}, "only Action.Execute"),
    ("no verb", action(verb=None), "no verb"),
    ("verb not a string", action(verb=["record"]), "no verb"),
    ("empty verb", action(verb=""), "no verb"),
    ("data not an object", {"action": {"type": "Action.Execute", "verb": "record", "data": [1]}}, "data must be"),
    ("an automatic refresh that would act", action(trigger="automatic"), "only a view is refreshed"),
]


@pytest.mark.parametrize("name, value, reason", MALFORMED, ids=[m[0] for m in MALFORMED])
async def test_malformed_card_actions_get_an_error_body(running, name, value, reason):
    status, body = await invoke(running, t.invoke(running.connector.url, TEAM, ANA, value))
    assert status == 200
    assert body["statusCode"] == 400 and body["type"] == ERROR
    assert body["value"]["code"] == "BadRequest" and reason in body["value"]["message"]
    assert running.connector.sent == []
    assert await running.deps.store.teams.list(active_only=False) == []


async def test_an_unknown_verb_is_answered_as_the_submit_path_answers_it(running):
    status, body = await invoke(running, t.execute(running.connector.url, TEAM, ANA, "drop_tables"))
    assert status == 200 and body["statusCode"] == 200 and body["type"] == MESSAGE
    assert body["value"].startswith("That button is from an older version of this card. Mention me with **help**")
    assert running.connector.in_conversation(TEAM.id)[-1].text == body["value"]


async def test_other_invokes_stay_not_implemented(running):
    status, _ = await invoke(running, t.invoke(running.connector.url, TEAM, ANA, {}, name="composeExtension/query"))
    assert status == 501


async def test_a_known_verb_runs_the_flow_of_its_submit(running):
    url = running.connector.url
    await running.post_activity(t.installed(url, TEAM, ANA))
    status, body = await invoke(running, t.execute(url, TEAM, ANA, "link_organisation", {"organisation": "nhs-sussex"}))
    assert status == 200 and body["statusCode"] == 200 and body["type"] == CARD  # the question settled, for Ana
    assert "NHS Sussex" in str(body["value"])
    assert running.connector.in_conversation(TEAM.id)[-1].text.startswith("This team is now linked to **NHS Sussex**")
    assert (await running.deps.store.teams.get(TEAM.id)).organisation_id == "nhs-sussex"

    await running.admin("POST", f"/api/briefings/{BRIEFING}/publish", json={"to": f"team:{TEAM.id}"})
    [post] = await running.connector.wait_for(lambda: running.connector.channel_posts())
    thread, discussion = post.response["id"], Discussion.make_id(BRIEFING, TEAM.id)
    # The verb comes from action.verb: one in the data (an older card's) does not override it.
    record = t.execute(url, TEAM, ANA, "record", {"discussion": discussion, "answer:learnt": "Check the chronology.",
                                                  "verb": "close_confirm"}, conversation_id=thread)
    for _ in range(2):  # Teams resends an invoke it had no answer to in time: stored once
        status, body = await invoke(running, record)
        assert status == 200 and body["statusCode"] == 200
    assert "1 response so far" in body["value"]
    assert await running.deps.store.responses.count(discussion) == 1
    assert not (await running.deps.store.discussions.get(discussion)).closed


async def test_a_flow_that_fails_is_answered_with_an_error_body_not_a_5xx(running):
    # The reply cannot be delivered (nothing listens at that service URL): the turn fails.
    status, body = await invoke(running, t.execute("http://127.0.0.1:9", TEAM, ANA, "drop_tables"))
    assert status == 200
    assert body["statusCode"] == 500 and body["type"] == ERROR and body["value"]["message"].startswith("Sorry")


async def test_card_actions_from_another_channel_are_refused_with_an_error_body(running):
    other_channel = t.execute(running.connector.url, TEAM, ANA, "link_organisation", {"organisation": "nhs-sussex"})
    other_channel["channelId"] = "webchat"
    status, body = await invoke(running, other_channel)
    assert status == 200 and body["statusCode"] == 400 and body["type"] == ERROR
    assert running.connector.sent == []
    assert await running.deps.store.teams.list(active_only=False) == []


async def test_card_actions_from_an_unknown_tenant_are_refused_with_an_error_body(tmp_path, connector):
    directory = tmp_path / "directory.yaml"
    directory.write_text(EXAMPLE_DIRECTORY.read_text().replace("allow_unlisted_tenants: true", ""))
    bot = await start_bot(tmp_path / "data", connector, None, directory=directory)
    try:
        status, body = await invoke(bot, t.execute(connector.url, TEAM, ANA, "link_organisation",
                                                   {"organisation": "nhs-sussex"}))
        assert status == 200 and body["statusCode"] == 400 and body["type"] == ERROR
        assert connector.sent == []
        assert await bot.deps.store.teams.list(active_only=False) == []
    finally:
        await bot.close()


async def test_a_card_pressed_by_action_execute_is_settled_for_the_person_who_pressed(running):
    # The answer replaces the card for that person alone; the card everyone sees is left as it is
    # (it may be the briefing's, under a private view).
    status, body = await invoke(running, t.execute(running.connector.url, TEAM, ANA, "publish_cancel"))
    assert status == 200 and body["statusCode"] == 200 and body["type"] == CARD
    assert "Not published. Nothing was sent." in str(body["value"])
    assert not [s for s in running.connector.sent if s.method == "update"]
