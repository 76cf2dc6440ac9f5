"""The follow-up of agreed actions (issue #17), with the clock moved: on the due date (past a weekend
and a bank holiday, in working hours, once) the thread asks how each went; the answer reaches the
lead as an impact update (card, email, Word addendum); unanswered, one reminder ten working days
on, and from then the actions are overdue."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import docx

from dialogs.delivery import Email, PersonalMessage, ThreadReply, prepare
from dialogs.follow_ups import due_follow_ups, overdue
from storage.models import ActionStatus, DeliveryKind, DeliveryStatus
from tests.cards import CardView
from tests.dialogs.test_actions_at_close import CHECKLIST, INDUCTION, confirm, review, typed
from tests.dialogs.transcript import ANA, BEN, TEAM, THREAD, URL, WORRY
from tests.fakes import teams as t
from tests.fakes.chat import Chat

TEAM_LINKED = True
ON_EACH_STORE = True

LONDON_SUMMER = timezone(timedelta(hours=1))  # April 2026 is British Summer Time
SAM = "00000000-0000-0000-0000-000000000021"  # Sussex Police's safeguarding lead in the bundled directory


def at(day: int, hour: int, minute: int = 0, month: int = 4) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LONDON_SUMMER)


async def agreed(chat: Chat) -> str:
    """Closed on Monday 23 February 2026 with two actions: one due Saturday 4 April, one left at the
    default (six weeks: Easter Monday 6 April, so Tuesday 7 April)."""
    discussion, view = await review(chat)
    await chat.say(confirm(view, typed(1, CHECKLIST, "Team manager") | typed(2, INDUCTION, "Ana", "2026-04-04")))
    return discussion


async def follow_up_card(chat: Chat, discussion: str) -> CardView:
    """The follow-up card the worker posts (the latest: a reminder, once there is one)."""
    row = [d for d in await chat.store.outbox.list_group(discussion) if d.kind is DeliveryKind.follow_up][-1]
    out = await prepare(row, chat.deps)
    assert isinstance(out, ThreadReply) and out.thread.conversation_id == THREAD  # in the briefing's thread
    return CardView(out.message.card)


async def sent(chat: Chat, delivery, when: datetime) -> None:
    """What the delivery worker does once it has posted a delivery."""
    from dialogs.delivery import after_final

    await after_final(delivery.model_copy(update={"status": DeliveryStatus.sent, "sent_at": when}), chat.deps)


def answer(view: CardView, inputs: dict, user: t.User = ANA) -> dict:
    """Send to our safeguarding lead, pressed on the follow-up card posted in the thread (message 88)."""
    pressed = t.press(URL, TEAM, user, view.button("Send to our safeguarding lead"), inputs, conversation_id=THREAD)
    return {**pressed, "replyToId": "88"}


async def test_the_follow_up_comes_on_the_first_working_day_in_working_hours_once(chat):
    discussion = await agreed(chat)
    assert await due_follow_ups(chat.deps, at(3, 10)) == []  # Good Friday
    assert await due_follow_ups(chat.deps, at(4, 10)) == []  # a Saturday (action 2's date)
    assert await due_follow_ups(chat.deps, at(6, 10)) == []  # Easter Monday
    assert await due_follow_ups(chat.deps, at(7, 8, 30)) == []  # before the working day
    [queued] = await due_follow_ups(chat.deps, at(7, 10))  # one card for both
    assert queued.kind is DeliveryKind.follow_up and len(queued.payload["actions"]) == 2
    assert await due_follow_ups(chat.deps, at(7, 10, 15)) == []  # once
    view = await follow_up_card(chat, discussion)
    assert view.heading.startswith("How did your actions go?")
    assert CHECKLIST in view.all_text and "Team manager, by 7 April 2026" in view.all_text
    assert "your answer goes to Sam Example \\(Sussex Police\\)" in view.all_text
    assert [c["title"] for c in view.card["body"][3]["items"][2]["choices"]] == [
        "Done", "Partly", "Not yet", "No longer relevant"]


async def test_the_answer_goes_to_the_lead_as_an_impact_update_with_a_word_addendum(chat):
    discussion = await agreed(chat)
    await due_follow_ups(chat.deps, at(7, 10))
    view = await follow_up_card(chat, discussion)
    first, second = await chat.store.actions.list_for_discussion(discussion)
    chat.deps.clock = lambda: at(8, 11)
    replies = await chat.send(answer(view, {f"status_{first.id}": "done",
                                            f"change_{first.id}": "Police get a formal invite to every strategy discussion.",
                                            f"status_{second.id}": "not_yet"}))
    settled = chat.last_settled().view  # the card in the thread, for everyone
    assert "Ana Practitioner answered" in settled.all_text and "Police get a formal invite" in settled.all_text
    assert replies and not any(r.text for r in replies)  # nothing said in the thread besides
    first, second = await chat.store.actions.list_for_discussion(discussion)
    assert (first.status, first.update, first.updated_by) == (ActionStatus.done,
                                                              "Police get a formal invite to every strategy discussion.",
                                                              "Ana Practitioner")
    assert second.status is ActionStatus.not_yet and not overdue(second)
    impact = [d for d in await chat.store.outbox.list_group(discussion)
              if d.kind in (DeliveryKind.impact_teams, DeliveryKind.impact_email)]
    assert sorted((d.kind, d.recipient) for d in impact) == [
        (DeliveryKind.impact_email, "sam@police.example.org"), (DeliveryKind.impact_teams, SAM)]
    for d in impact:
        out = await prepare(d, chat.deps)
        if isinstance(out, PersonalMessage):
            card = CardView(out.message.card)
            assert card.heading.endswith("how its actions went") and "Not yet" in card.all_text
        else:
            assert isinstance(out, Email)
            message = out.message
            assert message["Subject"] == "Impact update: Team A, Regular Case File Audit: Summary for Practitioners & Managers"
            [attachment] = [p for p in message.iter_attachments()]
            document = docx.Document(io.BytesIO(attachment.get_payload(decode=True)))
            rows = [[c.text for c in row.cells] for row in document.tables[0].rows]
            assert rows[1][2:] == ["Done", "Police get a formal invite to every strategy discussion."]
            assert rows[2][2:] == ["Not yet", "Not said"]
    # Pressed again (a second member, or Teams resending): nothing is sent twice.
    await chat.send(answer(view, {f"status_{first.id}": "partly", f"status_{second.id}": "partly"}, BEN))
    assert (await chat.store.actions.get(first.id)).status is ActionStatus.done
    assert len([d for d in await chat.store.outbox.list_group(discussion)
                if d.kind in (DeliveryKind.impact_teams, DeliveryKind.impact_email)]) == len(impact)


async def test_an_answer_to_put_right_comes_back_as_typed_and_a_worry_takes_the_route(chat):
    discussion = await agreed(chat)
    await due_follow_ups(chat.deps, at(7, 10))
    view = await follow_up_card(chat, discussion)
    first, second = await chat.store.actions.list_for_discussion(discussion)
    again = (await chat.say(answer(view, {f"status_{first.id}": "done", f"change_{first.id}": "Kept up"}))).view
    assert again.texts[0] == "Action 2: choose how it went."
    assert again.input(f"change_{first.id}")["value"] == "Kept up"
    held = (await chat.say(answer(view, {f"status_{first.id}": "done", f"change_{first.id}": WORRY,
                                         f"status_{second.id}": "partly"}))).view
    assert held.heading == "Is this about a child at risk now?"
    assert all(a.status is ActionStatus.open for a in await chat.store.actions.list_for_discussion(discussion))
    assert not [d for d in await chat.store.outbox.list_group(discussion) if d.kind is DeliveryKind.impact_email]


async def test_unanswered_one_reminder_ten_working_days_on_then_overdue(chat):
    discussion = await agreed(chat)
    await due_follow_ups(chat.deps, at(7, 10))
    assert await due_follow_ups(chat.deps, at(20, 10)) == []  # nine working days on
    [reminder] = await due_follow_ups(chat.deps, at(21, 10))  # ten (Tuesday 21 April)
    assert reminder.payload["reminder"] is True
    assert not any(overdue(a) for a in await chat.store.actions.list_for_discussion(discussion))  # not sent yet
    assert await due_follow_ups(chat.deps, at(21, 10, 15)) == []  # once
    await sent(chat, reminder, at(21, 10, 1))  # the worker posts it in the thread
    assert all(overdue(a) for a in await chat.store.actions.list_for_discussion(discussion))
    assert await due_follow_ups(chat.deps, at(5, 10, month=5)) == []  # once
    out = await prepare(reminder, chat.deps)
    assert CardView(out.message.card).texts[0] == "Reminder: how did your actions go?"


async def test_a_lead_lists_open_and_overdue_actions_and_the_digest_counts_them(chat):
    from dialogs.digest import build_digests

    discussion = await agreed(chat)
    await due_follow_ups(chat.deps, at(7, 10))
    [reminder] = await due_follow_ups(chat.deps, at(21, 10))
    await sent(chat, reminder, at(21, 10, 1))  # the reminder reached the thread: overdue from now
    sam = t.User("Sam Example", SAM)
    card = (await chat.say(t.personal(URL, sam, TEAM.tenant, "actions"))).view
    assert card.heading == "Sussex Police"
    assert card.texts[2] == "2 open actions, 2 overdue."
    assert CHECKLIST in card.all_text and "**Overdue**: no answer after a reminder" in card.all_text
    refused = await chat.say(t.personal(URL, ANA, TEAM.tenant, "actions"))
    assert refused.text.startswith("The list of agreed actions is for safeguarding leads")

    [briefing] = (await build_digests(chat.deps, {"sussex-police"}, at(21, 11)))["sussex-police"].briefings
    assert briefing.actions == {"open": 2, "overdue": 2}
    digest = (await chat.say(t.personal(URL, sam, TEAM.tenant, "digest"))).view
    assert "Actions agreed: 2 (2 not answered yet); 2 overdue (no answer after a reminder)" in digest.all_text

    first, second = await chat.store.actions.list_for_discussion(discussion)
    view = await follow_up_card(chat, discussion)  # answered late: no longer overdue
    await chat.send(answer(view, {f"status_{first.id}": "done", f"status_{second.id}": "no_longer_relevant"}))
    card = (await chat.say(t.personal(URL, sam, TEAM.tenant, "actions"))).view
    assert card.texts[2] == "0 open actions. Answered: 1 done, 1 no longer relevant."


async def test_the_board_report_counts_actions_by_organisation_and_says_what_changed(chat):
    from content.report_render import actions_csv, report_markdown
    from dialogs.reports import actions_export, build_report

    discussion = await agreed(chat)
    await due_follow_ups(chat.deps, at(7, 10))
    first, second = await chat.store.actions.list_for_discussion(discussion)
    chat.deps.clock = lambda: at(8, 11)
    await chat.send(answer(await follow_up_card(chat, discussion), {
        f"status_{first.id}": "partly", f"change_{first.id}": "Police get a formal invite to every strategy discussion.",
        f"status_{second.id}": "not_yet"}))
    report = await build_report(chat.deps, "2019-01-case-file-audit")
    [reach] = report.organisations
    assert (reach.actions_agreed, reach.actions_partly, reach.actions_not_yet, reach.actions_overdue) == (2, 1, 1, 0)
    [said] = report.impact
    assert (said.team_name, said.status, said.change, said.action) == (
        "Team A", "Partly", "Police get a formal invite to every strategy discussion.", CHECKLIST)
    markdown = report_markdown(report)
    assert "| Sussex Police | 2 | 0 | 1 | 1 | 0 | 0 |" in markdown and "## What changed in practice" in markdown
    assert (await build_report(chat.deps, "2019-01-case-file-audit", detail=0)).impact == []  # the card: figures only
    rows = await actions_export(chat.deps, "2019-01-case-file-audit")
    assert [r[7] for r in rows] == ["not_yet", "partly"] and rows[1][9].startswith("Police get")
    assert [r[11:] for r in rows] == [["action", "Not yet"], ["action", "Partly"]]
    assert actions_csv(rows).count("\r\n") == 3


async def test_a_team_the_bot_left_is_not_asked_nor_counted_overdue(chat):
    discussion = await agreed(chat)
    team = await chat.store.teams.get(TEAM.id)
    team.active = False  # the bot was removed from the team
    await chat.store.teams.upsert(team)
    assert await due_follow_ups(chat.deps, at(7, 10)) == []
    assert await due_follow_ups(chat.deps, at(21, 10)) == []
    assert not any(overdue(a) for a in await chat.store.actions.list_for_discussion(discussion))


async def test_an_answer_whose_update_was_lost_is_sent_when_pressed_again(chat, monkeypatch):
    discussion = await agreed(chat)
    await due_follow_ups(chat.deps, at(7, 10))
    view = await follow_up_card(chat, discussion)
    first, second = await chat.store.actions.list_for_discussion(discussion)
    inputs = {f"status_{first.id}": "done", f"status_{second.id}": "partly"}
    enqueue = chat.store.outbox.enqueue

    async def full_disk(rows):
        raise OSError("No space left on device")

    monkeypatch.setattr(chat.store.outbox, "enqueue", full_disk)
    try:
        await chat.send(answer(view, inputs))
    except OSError:
        pass
    monkeypatch.setattr(chat.store.outbox, "enqueue", enqueue)
    assert all(a.status is not ActionStatus.open for a in await chat.store.actions.list_for_discussion(discussion))
    await chat.send(answer(view, inputs))  # pressed again: the answer stands, and the leads get it now
    impact = [d for d in await chat.store.outbox.list_group(discussion)
              if d.kind in (DeliveryKind.impact_teams, DeliveryKind.impact_email)]
    assert len(impact) == 2 and all(len(d.payload["actions"]) == 2 for d in impact)


async def test_a_held_answer_not_recorded_goes_back_to_the_follow_up_not_the_briefing(chat):
    discussion = await agreed(chat)
    await due_follow_ups(chat.deps, at(7, 10))
    view = await follow_up_card(chat, discussion)
    first, second = await chat.store.actions.list_for_discussion(discussion)
    held = (await chat.say(answer(view, {f"status_{first.id}": "done", f"change_{first.id}": WORRY,
                                         f"status_{second.id}": "partly"}))).view
    assert held.heading == "Is this about a child at risk now?"
    gone = (await chat.say(t.press(URL, TEAM, ANA, held.button("Don't record it"), {}, conversation_id=THREAD))).view
    assert gone.texts == ["Not recorded. Thank you for acting on it."]  # for Ana alone
    assert gone.own_buttons == ["Back to the follow-up"]
    back = (await chat.say(t.press(URL, TEAM, ANA, gone.button("Back to the follow-up"), {},
                                   conversation_id=THREAD))).view
    assert back.heading.startswith("How did your actions go?") and CHECKLIST in back.all_text
    assert all(a.status is ActionStatus.open for a in await chat.store.actions.list_for_discussion(discussion))
