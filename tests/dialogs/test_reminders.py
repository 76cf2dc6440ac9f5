"""Reminders: after N days without a start, once, never on a weekend or a bank holiday."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from dialogs.reminders import due_reminders
from tests.dialogs.transcript import ANA, BRIEFING, STAFF, TEAM, TENANT, URL, posted, record

TEAM_LINKED = True  # every transcript here starts with the team linked


POSTED = datetime(2026, 3, 16, 9, 0, tzinfo=timezone.utc)  # a Monday


async def post_on(chat, when=POSTED, discuss_by=None) -> str:
    discussion = await posted(chat)
    d = await chat.store.discussions.get(discussion)
    d.opened_at, d.discuss_by = when, discuss_by
    await chat.store.discussions.put(d)
    return discussion


async def test_one_reminder_after_n_days_on_a_working_day(chat):
    discussion = await post_on(chat, discuss_by=date(2026, 4, 10))
    assert await due_reminders(chat.deps, 14, POSTED + timedelta(days=13)) == []
    [reminder] = await due_reminders(chat.deps, 14, POSTED + timedelta(days=14))  # Monday 30 March
    assert reminder.discussion_id == discussion
    assert reminder.payload["text"].startswith("A reminder: your team hasn't discussed **Regular Case File Audit")
    assert "(posted on 16 March 2026, to discuss by 10 April 2026)" in reminder.payload["text"]
    assert await due_reminders(chat.deps, 14, POSTED + timedelta(days=15)) == []  # never twice
    assert len([d for d in await chat.store.outbox.list_group(discussion) if d.kind == "thread_notice"]) == 1


async def test_no_reminder_on_weekends_or_bank_holidays(chat):
    await post_on(chat, datetime(2026, 3, 20, 9, 0, tzinfo=timezone.utc))  # a Friday
    saturday = datetime(2026, 4, 4, 10, 0, tzinfo=timezone.utc)
    assert await due_reminders(chat.deps, 14, saturday) == []
    assert await due_reminders(chat.deps, 14, saturday + timedelta(days=1)) == []
    assert await due_reminders(chat.deps, 14, saturday + timedelta(days=2)) == []  # Easter Monday 6 April 2026
    assert len(await due_reminders(chat.deps, 14, saturday + timedelta(days=3))) == 1  # Tuesday


async def test_no_reminder_once_the_team_has_started_or_closed(chat):
    discussion = await post_on(chat)
    await chat.send(record(discussion, learnt="We started"))
    assert await due_reminders(chat.deps, 14, POSTED + timedelta(days=20)) == []


async def test_no_reminder_outside_working_hours(chat):
    await post_on(chat)
    evening = datetime(2026, 3, 30, 18, 30, tzinfo=timezone.utc)  # Monday, 19:30 in London (BST)
    assert await due_reminders(chat.deps, 14, evening) == []
    assert len(await due_reminders(chat.deps, 14, evening + timedelta(hours=14))) == 1  # Tuesday 09:30


async def test_outstanding_for_staff_and_leads_only(chat):
    from tests.dialogs.transcript import ANA, STAFF, TENANT, URL
    from tests.fakes import teams as t

    discussion = await post_on(chat)
    chat.deps.clock = lambda: POSTED + timedelta(days=16)
    staff = await chat.say(t.personal(URL, STAFF, TENANT, "outstanding"))
    assert staff.view.heading == "Outstanding teams, all organisations"
    assert "1 team has not sent its minutes yet." in staff.view.texts
    assert staff.view.facts == {
        "Sussex Police": "1 team: 1 not started, 0 started",
        "Team A (Sussex Police)": "Regular Case File Audit: Summary for Practitioners & Managers: posted 16 days ago, "
                                  "not started"}
    lead = t.User("Sam Example", "00000000-0000-0000-0000-000000000021")
    own = await chat.say(t.personal(URL, lead, TENANT, "outstanding"))
    assert own.view.heading == "Outstanding teams, Sussex Police"
    assert "1 team has not sent its minutes yet." in own.view.texts
    other_lead = t.User("Priya Example", "00000000-0000-0000-0000-000000000022")
    others = await chat.say(t.personal(URL, other_lead, TENANT, "outstanding"))
    assert "Every team has sent its minutes." in others.view.texts
    refused = await chat.say(t.personal(URL, ANA, TENANT, "outstanding"))
    assert refused.text.startswith("Only board staff and safeguarding leads")
    await chat.send(record(discussion, learnt="x"))
    await chat.send(t.submit(URL, t.TeamSpec("19:team-a@thread.tacv2", "Team A", TENANT), ANA,
                             {"verb": "close_confirm", "discussion": discussion}))
    after = await chat.say(t.personal(URL, STAFF, TENANT, "outstanding"))
    assert "Every team has sent its minutes." in after.view.texts


async def test_weekly_digest_once_a_week_and_only_when_something_changed(chat):
    from dialogs.digest import due_digests

    await post_on(chat)
    monday = datetime(2026, 3, 23, 8, 30, tzinfo=timezone.utc)  # 08:30 in London (GMT)
    queued = await due_digests(chat.deps, "MON", "08:00", monday)
    assert [d.recipient for d in queued] == ["sam@police.example.org"]  # only organisations with something to say
    assert "Team A: 6 days since it arrived, not started" in queued[0].payload["text"]
    assert await due_digests(chat.deps, "MON", "08:00", monday + timedelta(hours=2)) == []  # once a week
    assert await due_digests(chat.deps, "MON", "08:00", monday + timedelta(days=7)) == []  # nothing changed
    await chat.send(record(await_discussion(chat), learnt="Started"))
    again = await due_digests(chat.deps, "MON", "08:00", monday + timedelta(days=14))
    assert len(again) == 1 and "1 response" in again[0].payload["text"]
    assert await due_digests(chat.deps, "OFF", "08:00", monday + timedelta(days=21)) == []


async def test_a_digest_missed_while_the_bot_was_down_goes_when_it_is_back(chat):
    from dialogs.digest import due_digests

    await post_on(chat)
    monday = datetime(2026, 3, 23, 8, 30, tzinfo=timezone.utc)
    assert len(await due_digests(chat.deps, "MON", "08:00", monday)) == 1
    await chat.send(record(await_discussion(chat), learnt="Started"))
    next_monday = monday + timedelta(days=7)
    assert await due_digests(chat.deps, "MON", "08:00", next_monday - timedelta(hours=3)) == []  # not yet (BST now)
    # Down from Sunday to Wednesday: the Monday digest goes on Wednesday, once.
    wednesday = next_monday + timedelta(days=2)
    late = await due_digests(chat.deps, "MON", "08:00", wednesday)
    assert len(late) == 1 and "1 response" in late[0].payload["text"]
    assert await due_digests(chat.deps, "MON", "08:00", wednesday + timedelta(hours=1)) == []


async def test_a_friday_digest_missed_over_the_weekend_goes_on_monday(chat):
    from dialogs.digest import due_digests

    await post_on(chat)
    friday = datetime(2026, 3, 27, 16, 30, tzinfo=timezone.utc)  # 16:30 in London (GMT)
    assert len(await due_digests(chat.deps, "FRI", "16:00", friday)) == 1
    await chat.send(record(await_discussion(chat), learnt="Started"))
    monday = friday + timedelta(days=10)  # down from before Friday 3 April to Monday 6 April (next ISO week)
    late = await due_digests(chat.deps, "FRI", "16:00", monday)
    assert len(late) == 1 and "1 response" in late[0].payload["text"]
    assert await due_digests(chat.deps, "FRI", "16:00", monday + timedelta(hours=4)) == []


def await_discussion(chat):
    from storage.models import Discussion
    from tests.dialogs.transcript import BRIEFING, TEAM

    return Discussion.make_id(BRIEFING, TEAM.id)


async def test_changing_the_digest_day_neither_repeats_nor_swallows_a_digest(chat):
    from dialogs.digest import due_digests

    await post_on(chat)
    monday = datetime(2026, 3, 23, 8, 30, tzinfo=timezone.utc)
    assert len(await due_digests(chat.deps, "MON", "08:00", monday)) == 1
    await chat.send(record(await_discussion(chat), learnt="Started"))
    assert len(await due_digests(chat.deps, "MON", "08:00", monday + timedelta(days=7))) == 1
    await chat.send(record(await_discussion(chat), learnt="More"))
    # Tuesday: the day becomes Friday. Last Friday's time is older than Monday's digest: nothing.
    assert await due_digests(chat.deps, "FRI", "16:00", monday + timedelta(days=8)) == []
    # This Friday: the change since Monday goes.
    friday = await due_digests(chat.deps, "FRI", "16:00", monday + timedelta(days=11, hours=8))
    assert len(friday) == 1 and "2 responses" in friday[0].payload["text"]


async def test_a_digest_sent_this_week_by_the_earlier_release_is_not_sent_again(chat):
    from dialogs.digest import due_digests

    await post_on(chat)
    monday = datetime(2026, 3, 23, 8, 30, tzinfo=timezone.utc)
    await chat.deps.store.meta.put("digest:week", {"week": "2026-W13"})  # what the earlier release kept
    assert await due_digests(chat.deps, "MON", "08:00", monday + timedelta(days=2)) == []
    assert len(await due_digests(chat.deps, "MON", "08:00", monday + timedelta(days=7))) == 1
