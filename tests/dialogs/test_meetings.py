"""Channel meetings: prompts at the start, a reminder at the end, silence without an open briefing."""

from __future__ import annotations

import pytest

from dialogs.meetings import MEETING_END, MEETING_START
from tests.dialogs.transcript import ANA, TEAM, URL, posted, scheduled_card
from tests.fakes import teams as t


TEAM_LINKED = True  # every transcript here starts with the team linked


async def test_meeting_start_posts_the_prompts_and_records_the_meeting_date(chat):
    discussion = await posted(chat)
    [reply] = await chat.send(t.meeting_event(URL, TEAM, ANA, MEETING_START))
    assert reply.view.heading == "For this meeting: Regular Case File Audit: Summary for Practitioners & Managers"
    form = reply.view.shown_card("Record responses")
    assert form.button("Submit responses") == {"type": "Action.Execute", "title": "Submit responses", "verb": "record",
                                               "data": {"discussion": discussion}, "style": "positive"}
    assert (await chat.store.discussions.get(discussion)).meeting_date == "2 March 2026"
    assert await chat.send(t.meeting_event(URL, TEAM, ANA, MEETING_START)) == []  # the same meeting again


async def test_responses_from_the_meeting_chat_update_the_thread_card(chat):
    discussion = await posted(chat)
    meeting_chat = f"{TEAM.id};messageid=555"
    reply = await chat.say(t.submit(URL, TEAM, ANA, {"verb": "record", "discussion": discussion,
                                                     "answer:learnt": "Said in the meeting"}, meeting_chat))
    assert reply.text.startswith("Thanks, Ana: 1 response recorded")
    card = await scheduled_card(chat, discussion)  # the thread's card, not the meeting chat's
    assert "(1 response)" in str(card)
    await chat.send(t.submit(URL, TEAM, ANA, {"verb": "close_confirm", "discussion": discussion}))
    assert "**Meeting date:** " in (await chat.store.minutes.get(discussion)).markdown


async def test_a_payload_without_the_team_finds_it_by_its_channel(chat):
    await posted(chat)
    [reply] = await chat.send(t.meeting_event(URL, TEAM, ANA, MEETING_START, with_team=False))
    assert reply.view.heading.startswith("For this meeting:")


async def test_meeting_end_reminds_to_close(chat):
    await posted(chat)
    reply = await chat.say(t.meeting_event(URL, TEAM, ANA, MEETING_END, start="2026-03-02T10:30:00Z"))
    assert reply.text.startswith("The meeting has ended. When the team's responses to **Regular Case File Audit")
    assert "Sam Example (Sussex Police)" in reply.text


@pytest.mark.parametrize("name", [MEETING_START, MEETING_END])
async def test_silent_without_an_open_briefing(chat, name):
    assert await chat.send(t.meeting_event(URL, TEAM, ANA, name)) == []  # nothing delivered yet
    discussion = await posted(chat)
    await chat.send(t.submit(URL, TEAM, ANA, {"verb": "record", "discussion": discussion, "answer:learnt": "x"}))
    await chat.send(t.submit(URL, TEAM, ANA, {"verb": "close_confirm", "discussion": discussion}))
    assert await chat.send(t.meeting_event(URL, TEAM, ANA, name)) == []  # closed
    stranger = t.TeamSpec("19:unknown@thread.tacv2", "Unknown", TEAM.tenant)
    assert await chat.send(t.meeting_event(URL, stranger, ANA, name)) == []
