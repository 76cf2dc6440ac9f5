"""Action plans end to end (issue #17), over HTTP with the local Bot Connector fake and an SMTP
server: a team agrees an action as it sends its minutes; the bot's clock is moved to the action's
date by the test-only clock file; the thread gets the follow-up; the answer reaches the lead's chat
and inbox (with the Word addendum); the lead's `actions` list and the board's export show it."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone

import docx
import pytest

from content.calendar import next_working_day
from tests.cards import read
from tests.fakes import teams as t
from tests.fakes.smtp import free_port
from tests.harness import briefing_in_channel, eventually, start_bot

TENANT = "11111111-1111-1111-1111-111111111111"
TEAM = t.TeamSpec("19:plans@thread.tacv2", "Plans Team", TENANT)
ANA = t.User("Ana Practitioner", "aaaaaaaa-0000-0000-0000-000000000041")
SAM = t.User("Sam Example", "00000000-0000-0000-0000-000000000021")  # Sussex Police's lead
SAM_EMAIL = "sam@police.example.org"
ACTION = "Add a police invite step to our strategy meeting checklist"
CHANGED = "Police get a formal invite to every strategy discussion."


@pytest.fixture
async def running(tmp_path, connector, smtp):
    clock = tmp_path / "now"
    port = free_port()
    bot = await start_bot(tmp_path / "data", connector, smtp, port=port, public_url=f"http://127.0.0.1:{port}",
                          test_clock_file=clock)
    bot.clock_file = clock
    yield bot
    await bot.close()


async def invoke(running, activity) -> dict:
    async with running.session.post(f"{running.url}/api/messages", json=activity) as resp:
        assert resp.status == 200
        return await resp.json()


async def discussed_and_closing(running):
    """The briefing in the team's channel, a response recorded, Close pressed: (thread, the review card)."""
    url = running.connector.url
    post = await briefing_in_channel(running, TEAM, ANA)
    thread, card = post.response["id"], post.view
    submit = card.shown_card("Record responses").button("Submit responses")
    await invoke(running, t.press(url, TEAM, ANA, submit, {"answer:learnt": "Invite the police formally"}, thread))
    review = read((await invoke(running, t.press(url, TEAM, ANA, card.button("Close and send minutes"), None,
                                                 thread)))["value"])
    return thread, review


async def test_an_action_agreed_at_close_is_followed_up_on_its_date_and_reaches_the_lead(running):
    connector, url = running.connector, running.connector.url
    thread, review = await discussed_and_closing(running)
    due = review.input("action1_due")["value"]  # six weeks on, on a working day
    today = datetime.now(timezone.utc).date()
    assert date.fromisoformat(due) == next_working_day(today + timedelta(weeks=6))
    await invoke(running, t.press(url, TEAM, ANA, review.button("Confirm and send"),
                                  {"action1_what": ACTION, "action1_owner": "Team manager"}, thread))
    [minutes] = await connector.wait_for(lambda: [s for s in connector.personal_chats(SAM.aad) if s.card])
    assert ACTION in minutes.view.all_text  # the minutes' card ends with the actions agreed

    # Nothing until the date; then, in working hours, the follow-up in the briefing's thread.
    running.clock_file.write_text(f"{due}T09:30:00+00:00")
    [follow_up] = await connector.wait_for(
        lambda: [s for s in connector.in_conversation(thread) if s.card and "How did your actions go?" in
                 s.view.all_text], timeout=15)
    view = follow_up.view
    [action] = await running.deps.store.actions.list()
    answered = await invoke(running, {**t.press(url, TEAM, ANA, view.button("Send to our safeguarding lead"),
                                                {f"status_{action.id}": "done", f"change_{action.id}": CHANGED},
                                                thread), "replyToId": follow_up.response["id"]})
    assert "on its way to" in read(answered["value"]).all_text

    [impact] = await connector.wait_for(lambda: [s for s in connector.personal_chats(SAM.aad)
                                                 if s.card and "how its actions went" in s.view.all_text])
    assert CHANGED in impact.view.all_text and "Done" in impact.view.all_text
    # Once the chat and the email have gone, the thread is told (as for the minutes).
    await connector.wait_for(lambda: [s for s in connector.in_conversation(thread)
                                      if "Follow-up answer sent to Sam Example (Teams chat and email)" in s.text])

    async def mail():
        return [m for m in running.smtp.to(SAM_EMAIL) if m["Subject"].startswith("Impact update")]

    [email] = await eventually(mail)
    [attachment] = list(email.iter_attachments())
    document = docx.Document(io.BytesIO(attachment.get_payload(decode=True)))
    assert [c.text for c in document.tables[0].rows[1].cells][2:] == ["Done", CHANGED]

    await running.post_activity(t.personal(url, SAM, TENANT, "actions"))  # the lead's list
    [listed] = await connector.wait_for(lambda: [s for s in connector.personal_chats(SAM.aad)
                                                 if s.card and s.view.texts[:1] == ["Agreed actions"]])
    assert listed.view.texts[2] == "0 open actions. Answered: 1 done."

    status, body = await running.admin_raw("GET", "/api/briefings/2019-01-case-file-audit/export?kind=actions")
    assert status == 200 and CHANGED in body.decode() and "Plans Team" in body.decode()


async def test_a_team_that_agreed_no_actions_is_asked_whether_practice_changed(running):
    connector, url = running.connector, running.connector.url
    thread, review = await discussed_and_closing(running)
    await invoke(running, t.press(url, TEAM, ANA, review.button("Confirm and send"), {}, thread))
    [question] = await running.deps.store.actions.list()
    assert question.impact_question  # six weeks on (the briefing's own follow_up_weeks), on a working day
    assert question.due == next_working_day(datetime.now(timezone.utc).date() + timedelta(weeks=6))

    running.clock_file.write_text(f"{question.due.isoformat()}T09:30:00+00:00")
    [asked] = await connector.wait_for(
        lambda: [s for s in connector.in_conversation(thread) if s.card and s.view.texts[:1] == ["Impact follow-up"]],
        timeout=15)
    assert asked.view.heading.startswith("Has this learning changed anything in your practice?")
    await invoke(running, {**t.press(url, TEAM, ANA, asked.view.button("Send to our safeguarding lead"),
                                     {f"status_{question.id}": "done", f"change_{question.id}": CHANGED}, thread),
                           "replyToId": asked.response["id"]})
    [impact] = await connector.wait_for(lambda: [s for s in connector.personal_chats(SAM.aad) if s.card
                                                 and "whether the learning changed its practice" in s.view.all_text])
    assert CHANGED in impact.view.all_text and impact.view.facts["Answer"] == "Yes"

    async def mail():
        return [m for m in running.smtp.to(SAM_EMAIL) if m["Subject"].startswith("Impact update")]

    [email] = await eventually(mail)
    assert "Has this learning changed anything in your practice?" in email.get_body(("plain",)).get_content()
