"""A live worry typed into the response form is answered privately: the form is an Action.Execute,
and the held question, the referral route and what follows replace the card for the person who
pressed alone. Nothing is posted in the thread, and nothing is stored until they say it is learning."""

from __future__ import annotations

from typing import Any

import pytest

from content import strings
from tests.cards import read
from tests.fakes import teams as t
from tests.harness import briefing_in_channel, eventually

TEAM = t.TeamSpec("19:private@thread.tacv2", "Private Team", "11111111-1111-1111-1111-111111111111")
ANA = t.User("Ana Practitioner", "aaaaaaaa-0000-0000-0000-000000000001")
BEN = t.User("Ben Colleague", "bbbbbbbb-0000-0000-0000-000000000002")
WORRY = "mum was drunk at pick-up just now and drove off with the twins"
CARD = "application/vnd.microsoft.card.adaptive"


async def execute(running, user: t.User, verb: str, data: dict[str, Any], thread: str) -> dict[str, Any]:
    activity = t.execute(running.connector.url, TEAM, user, verb, data, conversation_id=thread)
    async with running.session.post(f"{running.url}/api/messages", json=activity) as resp:
        assert resp.status == 200
        body = await resp.json()
    assert body["statusCode"] == 200
    return body


@pytest.fixture
async def thread(running):
    post = await briefing_in_channel(running, TEAM, ANA)
    submit = post.view.shown_card("Record responses").button("Submit responses")
    assert submit["type"] == "Action.Execute" and submit["verb"] == "record"
    return post.response["id"], submit["data"]["discussion"]


async def test_a_held_worry_is_seen_by_its_writer_only_and_stored_only_as_learning(running, thread):
    conversation, discussion = thread
    posted = len(running.connector.in_conversation(conversation))
    body = await execute(running, ANA, "record", {"discussion": discussion, "answer:learnt": WORRY}, conversation)
    assert body["type"] == CARD and "Is this about a child at risk now?" in str(body["value"])
    assert len(running.connector.in_conversation(conversation)) == posted  # nothing in the thread
    assert await running.deps.store.responses.count(discussion) == 0

    learning = read(body["value"]).button("It's learning: record it")
    assert learning["type"] == "Action.Execute"
    other = await execute(running, BEN, learning["verb"], learning["data"], conversation)  # not Ben's to choose
    assert strings.HELD_FOR_SOMEONE_ELSE in str(other)
    assert await running.deps.store.responses.count(discussion) == 0

    done = await execute(running, ANA, learning["verb"], learning["data"], conversation)
    assert done["type"] == CARD and strings.RECORDED_AS_LEARNING in str(done["value"])
    assert read(done["value"]).button("Back to the briefing")["verb"] == "show_thread"
    assert [r.text for r in await running.deps.store.responses.list(discussion)] == [WORRY]
    # The briefing's card is never replaced by this person's outcome: only refreshed with the count.
    await eventually(lambda: _value([s for s in running.connector.sent if s.method == "update"]))
    for update in (s for s in running.connector.sent if s.method == "update"):
        assert strings.RECORDED_AS_LEARNING not in str(update.body)


async def test_ticked_at_risk_now_gives_the_route_privately_and_stores_nothing(running, thread, caplog):
    conversation, discussion = thread
    posted = len(running.connector.in_conversation(conversation))
    body = await execute(running, ANA, "record", {"discussion": discussion, "at_risk_now": "true",
                                                  "answer:learnt": "the boy in year 4 has bruises again"}, conversation)
    assert body["type"] == CARD
    shown = str(body["value"])
    assert "Please use the referral route now" in shown and "999" in shown and "bruises" not in shown
    assert len(running.connector.in_conversation(conversation)) == posted
    assert await running.deps.store.responses.count(discussion) == 0
    assert "bruises" not in caplog.text

    back = await execute(running, ANA, "show_thread", read(body["value"]).button("Back to the briefing")["data"], conversation)
    assert back["type"] == CARD and "Points for discussion" in str(back["value"])


async def test_not_recording_a_held_worry_is_private_too(running, thread):
    conversation, discussion = thread
    posted = len(running.connector.in_conversation(conversation))
    body = await execute(running, ANA, "record", {"discussion": discussion, "answer:learnt": WORRY}, conversation)
    discard = read(body["value"]).button("Don't record it")
    done = await execute(running, ANA, discard["verb"], discard["data"], conversation)
    assert done["type"] == CARD and strings.DISCARDED in str(done["value"])
    assert len(running.connector.in_conversation(conversation)) == posted
    assert not [s for s in running.connector.sent if s.method == "update" and s.conversation_id == conversation]
    assert await running.deps.store.responses.count(discussion) == 0


async def _value(value):
    return value
