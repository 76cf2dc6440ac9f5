"""A live worry about a child in the flows: the referral route always in sight, the "child at risk
now" tick box, a held response never stored, logged, mailed or shown beyond its writer's card."""

from __future__ import annotations

import logging

import pytest

from dialogs.meetings import MEETING_START
from tests.cards import read
from tests.dialogs.transcript import (ANA, BEN, ROUTE, TEAM, THREAD, URL, WORRY, WORRY_WORDS, deliveries_text,
                                     form_of, on_disk, posted, record)
from tests.fakes import teams as t

TEAM_LINKED = True  # every transcript here starts with the team linked
ON_EACH_STORE = True  # and runs on the in-memory store and on the TinyDB files


def execute_record(discussion: str, user: t.User = ANA, **fields: str) -> dict:
    """Submit on the response form as Teams sends it now: an Action.Execute."""
    return t.execute(URL, TEAM, user, "record", {"discussion": discussion, **fields}, THREAD)


def press(action: dict, user: t.User = ANA) -> dict:
    return t.press(URL, TEAM, user, action, conversation_id=THREAD)


# --- the route in sight ------------------------------------------------------------------------

def check_form(form: dict) -> None:
    """The route in one line, then the tick box, both above the first answer box."""
    body = form["body"]
    first_input = next(i for i, n in enumerate(body) if n["type"] == "Input.Text")
    route = next(i for i, n in enumerate(body) if n["type"] == "TextBlock" and ROUTE in n["text"])
    toggle = next(i for i, n in enumerate(body) if n.get("id") == "at_risk_now")
    assert route < toggle < first_input
    assert "call 999" in body[route]["text"]
    assert body[toggle]["type"] == "Input.Toggle" and body[toggle]["title"] == "This is about a child at risk now"
    assert body[toggle]["value"] == "false"


async def test_the_route_is_in_sight_on_the_thread_form_and_the_meeting_prompts(chat):
    from dialogs.delivery import prepare

    discussion = await posted(chat)
    await chat.send(record(discussion, learnt="A lesson"))  # the thread's card is updated: render it as sent
    [update] = await chat.store.outbox.list_group(discussion)
    check_form(form_of((await prepare(update, chat.deps)).message.card))
    [meeting] = await chat.send(t.meeting_event(URL, TEAM, ANA, MEETING_START))
    assert any(ROUTE in x and "call 999" in x for x in meeting.card_texts[:-1])  # above the form, in the prompts
    check_form(form_of(meeting.card))


# --- ticked: a child at risk now --------------------------------------------------------------

@pytest.mark.parametrize("answers", [{"learnt": WORRY}, {}])
async def test_ticked_stores_nothing_and_gives_the_route(chat, caplog, answers):
    discussion = await posted(chat)
    with caplog.at_level(logging.DEBUG):
        reply = await chat.say(execute_record(discussion, at_risk_now="true",
                                              **{f"answer:{k}": v for k, v in answers.items()}))
    assert chat.answer["type"] == "application/vnd.microsoft.card.adaptive"  # for the person who pressed alone
    assert reply.view.heading == "Please use the referral route now"
    assert "call 999" in reply.view.text(ROUTE)
    assert reply.view.text("Nothing has been recorded")
    assert reply.view.button_titles == ["Back to the briefing"]  # nothing else to press
    assert WORRY not in str(reply.card)  # nothing carried
    assert await chat.store.responses.count(discussion) == 0
    assert await deliveries_text(chat, discussion) == ""  # not even a card update
    assert not any(w in caplog.text or w in on_disk(chat) for w in WORRY_WORDS)


# --- held: reads like a worry ------------------------------------------------------------------

async def test_a_held_worry_is_not_stored_logged_mailed_or_shown(chat, caplog):
    discussion = await posted(chat)
    with caplog.at_level(logging.DEBUG):
        card = await chat.say(execute_record(discussion, **{"answer:learnt": WORRY,
                                                           "answer:apply": "We will share concerns sooner"}))
    assert chat.answer["type"] == "application/vnd.microsoft.card.adaptive"  # nothing posted in the thread
    assert card.view.heading == "Is this about a child at risk now?"
    assert "call 999" in card.view.text(ROUTE)
    # The log says that a response was held, and nothing else about it: not the text, not what was found.
    about = [r for r in caplog.records if "concern" in r.getMessage()]
    assert [r.getMessage() for r in about] == ["a response was held as a possible live concern"]
    assert not any(w in caplog.text for w in WORRY_WORDS)
    assert not any(name in caplog.text for name in ("near_time", "harm", "specific_child", "score"))
    # Nothing stored, nothing queued to be sent (so nothing mailed), nothing on disk.
    assert await chat.store.responses.count(discussion) == 0
    assert await deliveries_text(chat, discussion) == ""
    assert not any(w in on_disk(chat) for w in WORRY_WORDS)
    # The card shows the route, never the text; the text is only carried back for its writer.
    assert not any(w in " ".join(card.card_texts) for w in WORRY_WORDS)
    learning = card.view.data("It's learning: record it")
    assert learning["answer:learnt"] == WORRY and learning["held_for"] == ANA.aad

    settled = len(chat.adapter.updated)
    [dont] = await chat.send(press(card.view.button("Don't record it")))
    assert dont.card_texts == ["Not recorded. Thank you for acting on it."]  # for Ana alone
    assert len(chat.adapter.updated) == settled  # the briefing's card is left as everyone sees it
    # The team carries on; its minutes go to the lead without the held worry.
    await chat.send(record(discussion, BEN, learnt="A lesson about home safety visits"))
    await chat.send(t.submit(URL, TEAM, BEN, {"verb": "close_confirm", "discussion": discussion}))
    minutes = (await chat.store.minutes.get(discussion)).markdown
    assert "A lesson about home safety visits" in minutes
    queued = await deliveries_text(chat, discussion)
    assert "A lesson about home safety visits" in queued  # the minutes, queued for the lead's chat and mail
    assert not any(w in minutes or w in queued or w in on_disk(chat) for w in WORRY_WORDS)


async def test_only_its_writer_can_record_or_set_aside_a_held_response(chat):
    discussion = await posted(chat)
    card = await chat.say(execute_record(discussion, **{"answer:learnt": WORRY}))
    learning, dont = card.view.button("It's learning: record it"), card.view.button("Don't record it")
    settled = len(chat.adapter.updated)
    for action in (learning, dont):  # Ben presses the buttons on Ana's card (its data reached him)
        assert await chat.send(press(action, BEN)) == []  # nothing in the thread: told to Ben alone
        assert chat.answer["value"] == ("Only the person who wrote that response can choose what happens to it. "
                                        "Nothing was recorded.")
    assert await chat.store.responses.count(discussion) == 0
    stored = await chat.send(press(learning))
    assert len(stored) == 1  # nothing posted in the thread: the acknowledgement is in Ana's view
    assert stored[-1].card_texts == ["\u2713 Thanks, Ana: 1 response recorded. The team has 1 response so far.",
                                     "Recorded as learning for the minutes."]  # Ana's view, with a way back
    assert [a["verb"] for a in stored[-1].view.buttons] == ["show_thread"]
    assert len(chat.adapter.updated) == settled  # no card replaced for everyone
    [r] = await chat.store.responses.list(discussion)
    assert r.text == WORRY and r.author.aad_object_id == ANA.aad


async def test_an_edit_that_reads_like_a_worry_is_held_too(chat):
    discussion = await posted(chat)
    await chat.send(record(discussion, learnt="A lesson"))
    [r] = await chat.store.responses.list(discussion)
    # From a card of an earlier release (Action.Submit) the question is a reply everyone sees: it
    # carries nothing of what was typed, and nothing is stored.
    public = await chat.say(t.submit(URL, TEAM, ANA, {"verb": "edit_responses", "discussion": discussion,
                                                      f"edit:{r.id}": WORRY}))
    assert public.view.heading == "Is this about a child at risk now?" and WORRY not in str(public.card)
    assert [a["verb"] for a in public.view.buttons] == ["show_thread"]
    assert (await chat.store.responses.list(discussion))[0].text == "A lesson"
    # Save changes is an Action.Execute now: the question is for Ana alone, and can carry it back.
    card = await chat.say(t.execute(URL, TEAM, ANA, "edit_responses", {"discussion": discussion,
                                                                       f"edit:{r.id}": WORRY}, THREAD))
    assert chat.answer["type"] == "application/vnd.microsoft.card.adaptive"
    assert card.view.heading == "Is this about a child at risk now?"
    assert (await chat.store.responses.list(discussion))[0].text == "A lesson"
    learning = card.view.button("It's learning: record it")
    assert learning["verb"] == "edit_responses" and learning["data"][f"edit:{r.id}"] == WORRY
    replies = await chat.send(press(learning))
    assert len(replies) == 1  # nothing in the thread
    assert replies[-1].card_texts == ["1 response updated."]  # in place of the question, for Ana
    assert (await chat.store.responses.list(discussion))[0].text == WORRY


def test_a_held_response_too_long_to_carry_back_still_gets_the_route():
    import json

    from content.cards import MAX_CARD_BYTES, concern_card

    long = {f"answer:q{i}": "\u00e9" * 4000 for i in range(3)} | {"held_for": ANA.aad}  # 72 KB as card JSON
    card = concern_card("d-1", ROUTE, long)
    assert len(json.dumps(card).encode()) <= MAX_CARD_BYTES
    view = read(card)
    assert view.button_titles == ["Don't record it"]
    assert view.data("Don't record it")["held_for"] == ANA.aad
    assert view.text(ROUTE) and view.text("submit it again in shorter parts")
