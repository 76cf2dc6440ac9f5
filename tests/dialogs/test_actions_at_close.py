"""Actions agreed at close (issue #17): typed on the review card, checked like what a team records,
sent in the minutes (card, email, Word document) and kept as records bound to the organisation the
minutes went to."""

from __future__ import annotations

import logging
from datetime import date, datetime, timezone

from storage.models import ActionStatus, DeliveryKind
from tests.cards import CardView
from tests.dialogs.transcript import ANA, BEN, ROUTE, TEAM, THREAD, URL, WORRY, WORRY_WORDS, deliveries_text, on_disk, \
    posted, record
from tests.fakes import teams as t
from tests.fakes.chat import Chat

TEAM_LINKED = True
ON_EACH_STORE = True

# Monday 23 February 2026, mid-morning: six weeks on is Easter Monday (a bank holiday in England and Wales).
NOW = datetime(2026, 2, 23, 10, 30, tzinfo=timezone.utc)
CHECKLIST = "Add a police invite step to our strategy meeting checklist"
INDUCTION = "Share the home safety visit referral form at induction"


async def review(chat: Chat) -> tuple[str, CardView]:
    """A discussion with a response, and the review card its Close shows (for the person who pressed)."""
    chat.deps.clock = lambda: NOW
    discussion = await posted(chat)
    await chat.send(record(discussion, BEN, learnt="Invite police formally to strategy discussions."))
    shown = await chat.say(t.execute(URL, TEAM, ANA, "close", {"discussion": discussion}, THREAD))
    return discussion, shown.view


def confirm(view: CardView, inputs: dict, user: t.User = ANA) -> dict:
    """Confirm and send, as Teams sends it: with every input's value (those not typed in as the card has them)."""
    values = {i: view.input(i).get("value", "") for i in view.input_ids} | inputs
    return t.press(URL, TEAM, user, view.button("Confirm and send"), values, conversation_id=THREAD)


def typed(n: int, what: str, owner: str = "", due: str = "", embedded: str = "") -> dict:
    return {f"action{n}_what": what, f"action{n}_owner": owner, f"action{n}_embedded": embedded,
            **({f"action{n}_due": due} if due else {})}


async def test_the_review_card_offers_one_action_then_more_dated_six_weeks_on_a_working_day(chat):
    _, view = await review(chat)
    assert "Actions agreed (optional)" in view.headings
    assert view.input("action1_due")["value"] == "2026-04-07"  # six weeks is Easter Monday: the day after
    assert [view.input(f"action{n}_what")["label"] for n in (1, 5)] == ["What will be done"] * 2
    slots = {n["id"]: n.get("isVisible", True) for n in _containers(view) if n.get("id", "").startswith("action_")}
    assert slots == {"action_1": True, "action_2": False, "action_3": False, "action_4": False, "action_5": False}
    more = [b for b in view.buttons if b.get("title") == "Add another action"]
    assert len(more) == 4 and more[0]["type"] == "Action.ToggleVisibility"
    assert more[0]["targetElements"][0] == {"elementId": "action_2", "isVisible": True}


def _containers(view: CardView) -> list[dict]:
    from tests.cards import nodes

    return [n for n in nodes(view.card) if n.get("type") == "Container"]


async def test_actions_go_with_the_minutes_and_are_kept_for_the_organisation_they_went_to(chat):
    discussion, view = await review(chat)
    done = await chat.say(confirm(view, typed(1, CHECKLIST, "Team manager", embedded="Audit five meetings in June")
                                  | typed(2, INDUCTION, "Ana Practitioner", "2026-05-01")))
    assert done.card_texts[0].startswith("\u2713 Discussion closed by Ana Practitioner.")
    assert "Actions agreed" in done.view.headings and CHECKLIST in done.view.all_text  # what was sent, for Ana
    actions = await chat.store.actions.list_for_discussion(discussion)
    assert [(a.what, a.owner, a.due, a.embedded, a.organisation_id, a.status) for a in actions] == [
        (CHECKLIST, "Team manager", date(2026, 4, 7), "Audit five meetings in June", "sussex-police", ActionStatus.open),
        (INDUCTION, "Ana Practitioner", date(2026, 5, 1), "", "sussex-police", ActionStatus.open)]
    minutes = await chat.store.minutes.get(discussion)
    assert "## Actions agreed" in minutes.markdown
    assert f"| {CHECKLIST} | Team manager | 7 April 2026 | Audit five meetings in June |" in minutes.markdown
    sent = await deliveries_text(chat, discussion)  # the lead's card, the email and its Word document
    assert sent.count(CHECKLIST) >= 3 and "Share the home safety visit referral form" in sent
    kinds = {d.kind for d in await chat.store.outbox.list_group(discussion)}
    assert {DeliveryKind.minutes_teams, DeliveryKind.minutes_email} <= kinds


async def test_no_actions_is_fine_and_the_minutes_say_so(chat):
    """Without actions the team is asked the impact question instead, six weeks on (the briefing's
    default), on a working day, and told so when the minutes go."""
    discussion, view = await review(chat)
    done = await chat.say(confirm(view, {}))
    [question] = await chat.store.actions.list_for_discussion(discussion)
    assert question.impact_question and question.what == "Has this learning changed anything in your practice?"
    assert question.organisation_id == "sussex-police" and question.status is ActionStatus.open
    assert question.due == date(2026, 4, 7)  # closed Mon 23 Feb: six weeks is Easter Monday, so the Tuesday
    assert done.card_texts[0].endswith(" On 7 April 2026 I'll ask here whether this learning has changed anything "
                                       "in your practice.")
    assert "No actions were agreed." in (await chat.store.minutes.get(discussion)).markdown


async def test_an_action_to_put_right_brings_the_card_back_as_typed_and_sends_nothing(chat):
    discussion, view = await review(chat)
    again = (await chat.say(confirm(view, typed(1, CHECKLIST) | typed(2, INDUCTION, "Ana")))).view
    assert again.texts[0].startswith("Action 1: say who will do it")  # above the card, for Ana alone
    assert again.input("action1_what")["value"] == CHECKLIST and again.input("action2_owner")["value"] == "Ana"
    assert again.input("action2_what")["value"] == INDUCTION
    assert not (await chat.store.discussions.get(discussion)).closed
    assert await chat.store.actions.list_for_discussion(discussion) == []

    again = (await chat.say(confirm(view, typed(1, CHECKLIST, "Team manager", "2026-01-05")))).view
    assert again.texts[0] == "Action 1: its date (5 January 2026) has passed. Choose a day from today on."
    again = (await chat.say(confirm(view, typed(1, "Ring Mrs Smith on 07700 900123 about the referral",
                                                "Team manager")))).view
    assert again.texts[0].startswith("Action 1 looks like it contains a phone number.")
    assert not (await chat.store.discussions.get(discussion)).closed


async def test_an_action_that_reads_like_a_live_worry_takes_the_route_first(chat, caplog):
    discussion, view = await review(chat)
    with caplog.at_level(logging.DEBUG):
        held = await chat.say(confirm(view, typed(1, WORRY, "Team manager")))
    assert held.view.heading == "Is this about a child at risk now?" and "call 999" in held.view.text(ROUTE)
    assert not (await chat.store.discussions.get(discussion)).closed
    assert not any(w in caplog.text or w in on_disk(chat) for w in WORRY_WORDS)

    learning = held.view.button("It's learning: record it")  # it was, after all: the close goes ahead
    await chat.send(t.press(URL, TEAM, ANA, learning, conversation_id=THREAD))
    assert (await chat.store.discussions.get(discussion)).closed
    [action] = await chat.store.actions.list_for_discussion(discussion)
    assert action.what == WORRY


async def test_after_a_problem_only_the_actions_typed_are_open_again(chat):
    _, view = await review(chat)
    again = (await chat.say(confirm(view, typed(1, CHECKLIST)))).view  # no owner; every date sent as shown
    slots = {n["id"]: n.get("isVisible", True) for n in _containers(again) if n.get("id", "").startswith("action_")}
    assert slots == {"action_1": True, "action_2": False, "action_3": False, "action_4": False, "action_5": False}


def test_minutes_from_before_actions_were_asked_for_say_nothing_about_them():
    from content.minutes import CompiledMinutes, render_markdown, render_text

    from tests.content.test_documents import minutes

    older = CompiledMinutes.model_validate({k: v for k, v in minutes().model_dump(mode="json").items()
                                            if k != "actions"})  # as stored by the earlier release
    assert older.actions is None
    assert "Actions agreed" not in render_markdown(older) and "ACTIONS AGREED" not in render_text(older)
