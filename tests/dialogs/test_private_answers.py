"""Answers to Action.Execute presses: for the person who pressed, with what was done (a check mark)
or what is wrong (none) above the card they see, and nothing lost when one card follows another."""

from __future__ import annotations

from datetime import datetime, timezone

from tests.dialogs.transcript import ANA, TEAM, THREAD, URL, posted, record
from tests.fakes import teams as t

TEAM_LINKED = True


def execute(verb: str, data: dict, user=ANA) -> dict:
    return t.execute(URL, TEAM, user, verb, data, THREAD)


async def test_an_edit_that_needs_a_privacy_check_keeps_its_outcome_above_it(chat):
    discussion = await posted(chat)
    await chat.send(record(discussion, learnt="A lesson"))
    [r] = await chat.store.responses.list(discussion)
    [view] = await chat.send(execute("edit_responses", {"discussion": discussion,
                                                        f"edit:{r.id}": "NHS number 943 476 5919 was wrong"}))
    assert view.view.texts[0] == "\u2713 1 response updated."
    assert view.view.heading == "Check before these go further"


async def test_a_refusal_has_no_check_mark_and_the_review_comes_back(chat):
    chat.deps.clock = lambda: datetime(2026, 3, 5, 12, 0, tzinfo=timezone.utc)
    discussion = await posted(chat)
    await chat.send(record(discussion, learnt="A lesson"))
    [view] = await chat.send(execute("close_confirm", {"discussion": discussion, "meeting_date": "2026-03-09"}))
    assert view.view.texts[0] == "The meeting date is in the future. Choose the day the team discussed it."
    assert view.view.text("You are about to close this discussion")
    assert not (await chat.store.discussions.get(discussion)).closed


async def test_closing_on_a_leap_day(chat):
    chat.deps.clock = lambda: datetime(2028, 2, 29, 12, 0, tzinfo=timezone.utc)
    discussion = await posted(chat)
    await chat.send(record(discussion, learnt="A lesson"))
    [review] = await chat.send(execute("close", {"discussion": discussion}))
    assert review.view.input("meeting_date")["value"] == "2028-02-29"
    [done] = await chat.send(execute("close_confirm", {"discussion": discussion, "meeting_date": "2027-03-01"}))
    assert done.view.texts[0].startswith("\u2713 Discussion closed by Ana Practitioner.")
    assert "**Meeting date:** 1 March 2027" in (await chat.store.minutes.get(discussion)).markdown


async def test_not_yet_sends_no_inputs(chat):
    discussion = await posted(chat)
    await chat.send(record(discussion, learnt="A lesson"))
    [review] = await chat.send(execute("close", {"discussion": discussion}))
    assert review.view.button("Not yet")["associatedInputs"] == "none"  # a cleared date cannot block it
    assert "associatedInputs" not in review.view.button("Confirm and send")
