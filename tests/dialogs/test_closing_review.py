"""Two findings of a review of closing: a correction that reads like a live worry is held as a
response is (the route in sight on its form), and the close preview's organisation is the one
the minutes go to (a move in between shows the preview again)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from storage.models import DeliveryKind
from tests.cards import read
from tests.dialogs import test_organisation_change as move
from tests.dialogs.transcript import (ANA, BEN, ROUTE, TEAM, THREAD, URL, WORRY, WORRY_WORDS, asked_on, deliveries_text,
                                     form_of, on_disk, posted, record, scheduled_card)
from tests.fakes import teams as t
from tests.fakes.chat import Chat

TEAM_LINKED = True  # every transcript here starts with the team linked
ON_EACH_STORE = True  # and runs on the in-memory store and on the TinyDB files


LESSON = "A lesson about home safety visits"
FIX = "The home safety visit was in March, not May."
SENDING = "Correction recorded. Sending it to Sam Example (Sussex Police) as an addendum to the minutes."


async def closed(chat: Chat) -> tuple[str, dict]:
    """A discussion whose minutes were sent; (its id, the correction form on its thread's card)."""
    discussion = await posted(chat)
    await chat.send(record(discussion, BEN, learnt=LESSON))
    await chat.send(t.submit(URL, TEAM, BEN, {"verb": "close_confirm", "discussion": discussion}))
    return discussion, form_of(await scheduled_card(chat, discussion))


def send_correction(form: dict, text: str, user: t.User = ANA) -> dict:
    """Send the correction form as Teams does: its button, with what was typed in its box."""
    action = read(form).button("Send the correction")
    return t.press(URL, TEAM, user, action, {"correction": text}, conversation_id=THREAD)


def press(action: dict, user: t.User = ANA) -> dict:
    return t.press(URL, TEAM, user, action, conversation_id=THREAD)


async def addenda(chat: Chat, discussion: str) -> list[str]:
    return [a.text for a in (await chat.store.minutes.get(discussion)).addenda]


async def addendum_rows(chat: Chat, discussion: str) -> list:
    return [d for d in await chat.store.outbox.list_group(discussion)
            if d.kind in (DeliveryKind.addendum_teams, DeliveryKind.addendum_email)]


# --- 1. a correction is held as a response is ----------------------------------------------------

async def test_the_correction_form_shows_the_route_above_its_box_and_answers_privately(chat):
    discussion, form = await closed(chat)
    body = form["body"]
    route = next(i for i, n in enumerate(body) if n["type"] == "TextBlock" and ROUTE in n["text"])
    box = next(i for i, n in enumerate(body) if n.get("id") == "correction")
    assert route < box and "call 999" in body[route]["text"]
    action = read(form).button("Send the correction")
    # Action.Execute, so that what the bot answers (a held worry) is seen by the writer alone.
    assert (action["type"], action["verb"], action["data"]) == ("Action.Execute", "correction",
                                                                {"discussion": discussion})
    sent = await chat.send(send_correction(form, FIX))
    assert sent[0].text == SENDING
    assert chat.answer["value"] == sent[0].text
    assert await addenda(chat, discussion) == [FIX]


async def test_a_correction_that_reads_like_a_worry_is_held_not_stored_logged_or_mailed(chat, caplog):
    discussion, form = await closed(chat)
    queued = [d.id for d in await chat.store.outbox.list_group(discussion)]  # the minutes, the card
    with caplog.at_level(logging.DEBUG):
        card = await chat.say(send_correction(form, WORRY))
    assert chat.answer["type"] == "application/vnd.microsoft.card.adaptive"  # for the writer alone
    assert card.view.heading == "Is this about a child at risk now?"
    assert "call 999" in card.view.text(ROUTE)
    assert not any(w in " ".join(card.card_texts) for w in WORRY_WORDS)  # carried back, never shown
    assert await addenda(chat, discussion) == []
    assert await addendum_rows(chat, discussion) == []
    assert [d.id for d in await chat.store.outbox.list_group(discussion)] == queued  # nothing more: nothing mailed
    queued_text = await deliveries_text(chat, discussion)
    assert not any(w in queued_text for w in WORRY_WORDS)
    assert not any(w in caplog.text or w in on_disk(chat) for w in WORRY_WORDS)
    learning, dont = card.view.button("It's learning: record it"), card.view.button("Don't record it")
    assert (learning["verb"], learning["data"]) == ("correction", {
        "correction": WORRY, "held_for": ANA.aad, "discussion": discussion, "learning_confirmed": "true"})

    [outcome] = await chat.send(press(dont))
    assert outcome.card_texts == ["Not recorded. Thank you for acting on it."]
    assert await addenda(chat, discussion) == []


async def test_only_its_writer_can_send_a_held_correction_after_all(chat):
    discussion, form = await closed(chat)
    held = (await chat.say(send_correction(form, WORRY))).view
    learning, dont = held.button("It's learning: record it"), held.button("Don't record it")
    for action in (learning, dont):  # Ben presses the buttons on Ana's card (its data reached him)
        assert await chat.send(press(action, BEN)) == []  # nothing in the thread: told to Ben alone
        assert chat.answer["value"].startswith("Only the person who wrote that response can choose")
    assert await addenda(chat, discussion) == [] and await addendum_rows(chat, discussion) == []

    replies = await chat.send(press(learning))
    assert replies[0].text == SENDING  # the thread is told, as for any correction
    assert replies[-1].card_texts == [SENDING]  # in place of the question, for Ana, with a way back
    assert [a["verb"] for a in replies[-1].view.buttons] == ["show_thread"]
    minutes = await chat.store.minutes.get(discussion)
    [addendum] = minutes.addenda
    assert addendum.text == WORRY and addendum.author.aad_object_id == ANA.aad
    assert sorted(d.kind for d in await addendum_rows(chat, discussion)) == [
        DeliveryKind.addendum_email, DeliveryKind.addendum_teams]


async def test_a_worry_on_a_correction_form_of_an_earlier_release_is_held_too(chat):
    discussion, _ = await closed(chat)
    card = await chat.say(t.submit(URL, TEAM, ANA, {"verb": "correction", "discussion": discussion,
                                                    "correction": WORRY}, THREAD))
    assert card.view.heading == "Is this about a child at risk now?"  # posted: there is no private answer
    assert WORRY not in str(card.card)  # so it carries nothing of what was typed
    assert await addenda(chat, discussion) == [] and await addendum_rows(chat, discussion) == []


async def test_a_held_correction_with_an_identifier_is_still_refused_when_sent_after_all(chat):
    discussion, form = await closed(chat)
    held = await chat.say(send_correction(form, WORRY + ", NHS number 943 476 5919"))
    learning = held.view.button("It's learning: record it")
    assert await chat.send(press(learning)) == []
    assert chat.answer["value"].startswith("The correction looks like it contains an NHS number.")
    assert await addenda(chat, discussion) == [] and await addendum_rows(chat, discussion) == []


# --- 2. the close preview's organisation ----------------------------------------------------------

@pytest.fixture
async def org_chat():
    c = move.new_chat()
    await move.briefings(c)
    await c.send(t.installed(move.URL, move.TEAM, move.ANA))
    await c.send(move.click({"verb": "link_organisation", "organisation": "nhs-trust"}))
    discussion = await move.posted(c, move.BRIEFING)
    await c.send(move.click({"verb": "record", "discussion": discussion, "answer:learnt": move.LEARNT}))
    await move.posted(c, move.SECOND)  # a second discussion, so a move asks first
    return c, discussion


async def preview(chat: Chat, discussion: str) -> dict:
    """What Confirm and send sends (an earlier release's Submit shows the review as a reply)."""
    shown = await chat.say(move.click({"verb": "close", "discussion": discussion}))
    return {"data": shown.view.data("Confirm and send")}


async def test_the_preview_carries_the_organisation_it_names(org_chat):
    chat, discussion = org_chat
    confirm = await preview(chat, discussion)
    assert confirm["data"] == {"verb": "close_confirm", "discussion": discussion, "organisation": "nhs-trust"}


async def test_after_a_move_the_confirmed_preview_is_shown_again_for_the_new_organisation(org_chat):
    chat, discussion = org_chat
    confirm = await preview(chat, discussion)  # names Priya Lead (NHS Trust)
    await move.move_to_fire(chat)
    notice, again = await chat.send(move.click(confirm["data"]))
    assert notice.text == ("This team's organisation changed since that preview, so nothing was sent. "
                           "Check the minutes again before they go.")
    assert "Morgan Lead (Fire & Rescue)" in again.view.text("You are about to close this discussion")
    d = await chat.store.discussions.get(discussion)
    assert not d.closed and await chat.store.minutes.get(discussion) is None
    assert not [d for d in await chat.store.outbox.list_group(discussion)  # nothing queued for a lead
                if d.kind in (DeliveryKind.minutes_teams, DeliveryKind.minutes_email)]

    confirm_again = {"data": again.view.data("Confirm and send")}
    assert confirm_again["data"]["organisation"] == "fire-rescue"
    done = await chat.say(move.click(confirm_again["data"]))
    assert done.text == ("Discussion closed by Ana Practitioner. Sending the minutes to Morgan Lead (Fire & Rescue)."
                         + asked_on(chat))
    assert (await chat.store.minutes.get(discussion)).organisation_id == "fire-rescue"


async def test_a_confirm_without_an_organisation_sends_to_the_current_one(org_chat):
    """A preview posted by an earlier release carries none: the team's organisation now, as before."""
    chat, discussion = org_chat
    await move.move_to_fire(chat)
    done = await chat.say(move.click({"verb": "close_confirm", "discussion": discussion}))
    assert done.text == ("Discussion closed by Ana Practitioner. Sending the minutes to Morgan Lead (Fire & Rescue)."
                         + asked_on(chat))
    assert (await chat.store.minutes.get(discussion)).organisation_id == "fire-rescue"


async def test_a_move_waits_for_a_close_in_progress(org_chat, monkeypatch):
    """While a close is compiling the minutes for the organisation shown, the team cannot move."""
    chat, discussion = org_chat
    confirm = await preview(chat, discussion)
    compiling, go_on = asyncio.Event(), asyncio.Event()
    listed = chat.store.responses.list

    async def paused(discussion_id: str):
        compiling.set()
        await go_on.wait()
        return await listed(discussion_id)

    monkeypatch.setattr(chat.store.responses, "list", paused)
    closing = asyncio.create_task(chat.send(move.click(confirm["data"])))
    await asyncio.wait_for(compiling.wait(), 5)
    assert chat.deps.is_locked(f"team:{move.TEAM.id}")  # a move's Confirm would wait here
    go_on.set()
    await asyncio.wait_for(closing, 5)
    monkeypatch.undo()
    await move.move_to_fire(chat)
    assert (await chat.store.minutes.get(discussion)).organisation_id == "nhs-trust"  # as the preview said
