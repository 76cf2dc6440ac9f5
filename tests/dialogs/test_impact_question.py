"""The impact question (issue #17): a team that sent its minutes without actions is asked, the
briefing's follow_up_weeks later (default 6; the publisher may change it; 0: never), "Has this
learning changed anything in your practice?", on a working day in working hours, once, with one
reminder; the answer reaches the lead as an impact update, and the board's report counts it."""

from __future__ import annotations

import io
from datetime import date

import docx

from content.impact import IMPACT_QUESTION
from dialogs.delivery import Email, PersonalMessage, prepare
from dialogs.follow_ups import due_follow_ups, overdue
from storage.models import ActionStatus, DeliveryKind
from tests.cards import CardView
from tests.dialogs.test_actions_at_close import confirm, review
from tests.dialogs.test_follow_ups import SAM, answer, at, follow_up_card, sent
from tests.dialogs.transcript import BEN, TEAM, URL
from tests.fakes import teams as t
from tests.fakes.chat import Chat

TEAM_LINKED = True
ON_EACH_STORE = True
CHANGED = "We ask about smoke alarms on every home visit."


async def closed_without_actions(chat: Chat, weeks: int | None = None) -> str:
    """Closed on Monday 23 February 2026 with no actions (published with `weeks`, or the briefing's own)."""
    discussion, view = await review(chat)
    if weeks is not None:
        d = await chat.store.discussions.get(discussion)
        d.follow_up_weeks = weeks
        await chat.store.discussions.put(d)
    chat.closed = await chat.say(confirm(view, {}))
    return discussion


async def test_asked_six_weeks_on_on_a_working_day_as_one_question(chat):
    discussion = await closed_without_actions(chat)
    assert await due_follow_ups(chat.deps, at(6, 10)) == []  # Easter Monday: six weeks on is a bank holiday
    [queued] = await due_follow_ups(chat.deps, at(7, 10))
    assert await due_follow_ups(chat.deps, at(7, 11)) == []  # once
    view = await follow_up_card(chat, discussion)
    assert view.texts[0] == "Impact follow-up"
    assert view.heading.startswith(IMPACT_QUESTION)
    assert "Your answer goes to Sam Example \\(Sussex Police\\)" in view.all_text
    [question] = await chat.store.actions.list_for_discussion(discussion)
    assert [c["title"] for c in view.input(f"status_{question.id}")["choices"]] == ["Yes", "Partly", "Not yet", "No"]
    assert queued.payload["actions"] == [question.id]


async def test_the_answer_reaches_the_lead_as_an_impact_update(chat):
    discussion = await closed_without_actions(chat)
    await due_follow_ups(chat.deps, at(7, 10))
    view = await follow_up_card(chat, discussion)
    [question] = await chat.store.actions.list_for_discussion(discussion)
    wrong = await chat.say(answer(view, {f"status_{question.id}": "open"}))  # not an answer (the card's data is the client's)
    assert wrong.view.texts[0] == "Choose an answer." and wrong.view.heading.startswith(IMPACT_QUESTION)
    chat.deps.clock = lambda: at(8, 11)
    await chat.send(answer(view, {f"status_{question.id}": "done", f"change_{question.id}": CHANGED}))
    settled = chat.last_settled().view
    assert settled.heading.startswith("Whether the learning changed practice") and CHANGED in settled.all_text
    stored = await chat.store.actions.get(question.id)
    assert (stored.status, stored.update) == (ActionStatus.done, CHANGED)
    impact = [d for d in await chat.store.outbox.list_group(discussion)
              if d.kind in (DeliveryKind.impact_teams, DeliveryKind.impact_email)]
    assert sorted(d.kind for d in impact) == [DeliveryKind.impact_email, DeliveryKind.impact_teams]
    for d in impact:
        out = await prepare(d, chat.deps)
        if isinstance(out, PersonalMessage):
            card = CardView(out.message.card)
            assert card.heading == "Team A: whether the learning changed its practice"
            assert card.facts["Answer"] == "Yes" and card.facts["Asked"] == "7 April 2026"
            assert "without agreeing actions" in card.all_text
        else:
            assert isinstance(out, Email)
            body = out.message.get_body(("plain",)).get_content()
            assert f"\n{IMPACT_QUESTION}\n   Asked 7 April 2026. Answer: Yes.\n" in body
            [attachment] = list(out.message.iter_attachments())
            document = docx.Document(io.BytesIO(attachment.get_payload(decode=True)))
            rows = [[c.text for c in row.cells] for row in document.tables[0].rows]
            assert rows == [["Question", "When asked", "Answer", "What changed in practice"],
                            [IMPACT_QUESTION, "Asked 7 April 2026", "Yes", CHANGED]]


async def test_unanswered_one_reminder_then_unanswered_in_the_report(chat):
    from dialogs.reports import build_report

    discussion = await closed_without_actions(chat)
    # Not counted as asked until it is: a report the week after the close says nobody has been asked.
    assert [(o.impact_asked, o.impact_overdue) for o in (await build_report(chat.deps, "2019-01-case-file-audit"))
            .organisations] == [(0, 0)]
    await due_follow_ups(chat.deps, at(7, 10))
    [reach] = (await build_report(chat.deps, "2019-01-case-file-audit")).organisations
    assert (reach.impact_asked, reach.impact_overdue) == (1, 0)
    [reminder] = await due_follow_ups(chat.deps, at(21, 10))
    assert CardView((await prepare(reminder, chat.deps)).message.card).texts[0] == \
        "Reminder: a question about this briefing"
    await sent(chat, reminder, at(21, 10, 1))
    [question] = await chat.store.actions.list_for_discussion(discussion)
    assert overdue(question)
    [reach] = (await build_report(chat.deps, "2019-01-case-file-audit")).organisations
    assert (reach.impact_asked, reach.impact_overdue, reach.actions_agreed, reach.actions_overdue) == (1, 1, 0, 0)


async def test_the_report_counts_answers_apart_from_actions_and_groups_what_changed(chat):
    from content.report_render import report_markdown
    from dialogs.digest import build_digests
    from dialogs.reports import actions_export, build_report

    discussion = await closed_without_actions(chat)
    await due_follow_ups(chat.deps, at(7, 10))
    [question] = await chat.store.actions.list_for_discussion(discussion)
    chat.deps.clock = lambda: at(8, 11)
    await chat.send(answer(await follow_up_card(chat, discussion),
                           {f"status_{question.id}": "partly", f"change_{question.id}": CHANGED}, BEN))
    report = await build_report(chat.deps, "2019-01-case-file-audit")
    [reach] = report.organisations
    assert (reach.impact_asked, reach.impact_partly, reach.actions_agreed) == (1, 1, 0)
    [said] = report.impact
    assert said.question and (said.status, said.change, said.team_name) == ("Partly", CHANGED, "Team A")
    markdown = report_markdown(report)
    assert "| Sussex Police | 1 | 0 | 1 | 0 | 0 | 0 |" in markdown
    assert f"### {IMPACT_QUESTION}" in markdown and "*Team A, Sussex Police, 8 April 2026 \\(Partly\\)*" in markdown
    assert "| Said it had, at least in part | 1 (100%) |" in markdown
    [row] = await actions_export(chat.deps, "2019-01-case-file-audit")
    assert (row[3], row[7], row[11], row[12]) == (IMPACT_QUESTION, "partly", "impact question", "Partly")
    # Not an action the team agreed: a lead's digest and `actions` list leave it out.
    [briefing] = (await build_digests(chat.deps, {"sussex-police"}, at(8, 12)))["sussex-police"].briefings
    assert briefing.actions == {}
    listed = (await chat.say(t.personal(URL, t.User("Sam Example", SAM), TEAM.tenant, "actions"))).view
    assert listed.texts[2].startswith("0 open actions")


async def test_the_weeks_the_publisher_chose(chat):
    discussion = await closed_without_actions(chat, weeks=2)
    [question] = await chat.store.actions.list_for_discussion(discussion)
    assert question.due == date(2026, 3, 9)  # two weeks from Monday 23 February
    assert "On 9 March 2026 I'll ask here" in chat.closed.card_texts[0]


async def test_never_asked_when_the_publisher_said_0(chat):
    discussion = await closed_without_actions(chat, weeks=0)
    assert await chat.store.actions.list_for_discussion(discussion) == []
    assert chat.closed.card_texts[0] == ("\u2713 Discussion closed by Ana Practitioner. Sending the minutes to Sam "
                                         "Example (Sussex Police).")
    assert await due_follow_ups(chat.deps, at(7, 10)) == []


async def test_the_thread_is_told_where_the_answer_went_and_what_could_not_be_sent(chat):
    from dialogs.delivery import after_final
    from storage.models import DeliveryStatus

    discussion = await closed_without_actions(chat)
    await due_follow_ups(chat.deps, at(7, 10))
    [question] = await chat.store.actions.list_for_discussion(discussion)
    chat.deps.clock = lambda: at(8, 11)
    await chat.send(answer(await follow_up_card(chat, discussion), {f"status_{question.id}": "not_yet"}))
    teams, email = sorted((d for d in await chat.store.outbox.list_group(discussion)
                           if d.kind in (DeliveryKind.impact_teams, DeliveryKind.impact_email)),
                          key=lambda d: d.kind != DeliveryKind.impact_teams)
    async def final(d, **outcome):  # as the delivery worker does: stored, then what follows
        d = d.model_copy(update=outcome)
        await chat.store.outbox.update(d)
        await after_final(d, chat.deps)

    await final(teams, status=DeliveryStatus.sent, sent_at=at(8, 11, 1))
    notices = [d for d in await chat.store.outbox.list_group(discussion) if d.kind is DeliveryKind.thread_notice
               and "follow-up answer" in d.payload["text"].lower()]
    assert notices == []  # not until every channel has had its outcome
    await final(email, status=DeliveryStatus.failed)
    [notice] = [d for d in await chat.store.outbox.list_group(discussion) if d.kind is DeliveryKind.thread_notice
                and "follow-up answer" in d.payload["text"].lower()]
    assert notice.payload["text"] == ("Follow-up answer sent to Sam Example (Teams chat) at 11:01. Could not send the "
                                      "follow-up answer to Sam Example (email). The board's administrator can see why.")
