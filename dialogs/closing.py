"""Closing a discussion: the minutes for review, confirming sends them; corrections afterwards."""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime, timedelta

from content import strings
from content.cards import Verb, minutes_preview_card, sent_minutes_card
from content.minutes import AgreedAction, CompiledMinutes, compile_minutes, render_markdown
from content.text import LONDON, format_date, plural, quote
from storage.models import Addendum, Author, Minutes

from .actions import action_records, default_due, drafts_in, read_actions, texts_in, today_in_uk
from .deps import Deps
from .bundles import forward_minutes, leads_described, still_waiting
from .forwarding import plan_correction
from .hold import held, settle_view
from .inbound import Inbound
from .privacy_gate import findings_in, for_minutes, kinds
from .registration import ask_organisation, lead_names
from .send import note, say, settle, show_privately
from .thread import Opened, keep_view, lock, open_discussion, refresh_card
from .turn import Turn
from .views import ViewKind

log = logging.getLogger(__name__)
MAX_CORRECTION_CHARS = 4000


async def _compile(opened: Opened, inbound: Inbound, deps: Deps,
                   actions: list[AgreedAction] | None = None) -> CompiledMinutes:
    team, discussion = opened.team, opened.discussion
    org = deps.directory.organisation(team.organisation_id)
    now = deps.clock()
    return compile_minutes(
        opened.briefing, for_minutes(await deps.store.responses.list(discussion.id)),
        team_name=team.name or "Team", organisation_id=org.id, organisation_name=org.name,
        closed_by=inbound.user_name or "A team member", closed_at=now,
        meeting_date=discussion.meeting_date or format_date(now),
        attribution=team.attribution, present=discussion.present, roles=discussion.roles, actions=actions or (),
    )


async def _ready_to_close(turn: Turn, inbound: Inbound, deps: Deps) -> Opened | None:
    opened = await open_discussion(turn, inbound, deps)
    if opened is None:
        return None
    count = await deps.store.responses.count(opened.discussion.id)
    if deps.directory.organisation(opened.team.organisation_id) is None:
        await say(turn, strings.LINK_FIRST.format(responses=plural(count, "response")))
        await ask_organisation(turn, opened.team, deps)
        return None
    if count == 0:
        await note(turn, strings.NOTHING_TO_CLOSE)
        return None
    return opened


def _meeting_day(opened: Opened, deps: Deps) -> date:
    """The day of the meeting that discussed it: the channel meeting's, if the bot saw one, else today."""
    today = deps.clock().astimezone(LONDON).date()
    if opened.discussion.meeting_date:
        try:
            day = datetime.strptime(opened.discussion.meeting_date, "%d %B %Y").date()
        except ValueError:
            return today
        if today - timedelta(days=366) <= day <= today:  # one the review would accept
            return day
    return today


async def _preview(turn: Turn, opened: Opened, inbound: Inbound, deps: Deps,
                   drafts: list[dict[str, str]] | None = None) -> None:
    """The minutes as they would go now, to the leads of the team's organisation now (with the
    actions as typed, when it comes back with something to put right)."""
    await show_review(turn, opened, inbound, deps, drafts)
    keep_view(turn, inbound, deps, opened.discussion.id, ViewKind.review)


async def show_review(turn: Turn, opened: Opened, inbound: Inbound, deps: Deps,
                      drafts: list[dict[str, str]] | None = None) -> None:
    minutes = await _compile(opened, inbound, deps)
    leads = await leads_described(deps, minutes.organisation_id, with_organisation=False)
    # For the person who pressed: their view of the thread's card, not a message in it.
    await show_privately(turn, minutes_preview_card(minutes, opened.discussion.id, leads,
                                                    _meeting_day(opened, deps).isoformat(),
                                                    default_due=default_due(today_in_uk(deps)).isoformat(),
                                                    drafts=drafts or ()),
                         "Check the minutes before they go")


def _chosen_meeting_day(value: dict, deps: Deps) -> date | None | str:
    """The meeting date on the review (None on a review of an earlier release); a string: what is wrong."""
    raw = value.get("meeting_date")
    if raw in (None, ""):
        return None
    try:
        day = date.fromisoformat(str(raw))
    except ValueError:
        return strings.MEETING_DATE_UNREADABLE
    today = deps.clock().astimezone(LONDON).date()
    if day > today:
        return strings.MEETING_DATE_FUTURE
    if day < today - timedelta(days=366):
        return strings.MEETING_DATE_OLD
    return day


async def close(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    opened = await _ready_to_close(turn, inbound, deps)
    if opened is not None:
        await _preview(turn, opened, inbound, deps)


async def close_confirm(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    # The team's lock too, so that a move to another organisation (registration takes it) cannot
    # happen between the check below and the minutes being sent. Always the team's first, then the
    # discussion's: nothing takes them the other way round, so they cannot deadlock.
    async with deps.lock(f"team:{inbound.team_id}"), lock(inbound, deps):
        opened = await _ready_to_close(turn, inbound, deps)
        if opened is None:
            return
        team, discussion = opened.team, opened.discussion
        shown = (inbound.value or {}).get("organisation")  # absent on a preview of an earlier release
        if shown is not None and shown != team.organisation_id:
            # The team confirmed minutes for the leads of the organisation it was in then.
            log.info("close not confirmed: the team's organisation changed since its preview discussion=%s",
                     discussion.id)
            await note(turn, strings.CLOSE_ORGANISATION_CHANGED)
            await _preview(turn, opened, inbound, deps, drafts_in(inbound.value or {}))
            return
        value = inbound.value or {}
        day = _chosen_meeting_day(value, deps)
        if isinstance(day, str):
            await note(turn, day)
            await _preview(turn, opened, inbound, deps, drafts_in(value))
            return
        # An action is forwarded as typed: what reads like a live worry about a child takes the
        # referral route first (and comes back here if it is learning), like a response.
        if await held(turn, inbound, deps, opened, texts_in(value), ("action", "meeting_date", "organisation"),
                      Verb.close_confirm, "action"):
            return
        agreed = read_actions(value, today_in_uk(deps), deps, opened.briefing)
        if isinstance(agreed, str):
            await note(turn, agreed)
            await _preview(turn, opened, inbound, deps, drafts_in(value))
            return
        if day is not None:
            discussion.meeting_date = format_date(day)
        compiled = await _compile(opened, inbound, deps, agreed)
        # The organisation they are sent to is recorded on the minutes, now: it stays theirs (their
        # digest, corrections, Received, reports) even if the team moves to another one later.
        minutes = Minutes(
            discussion_id=discussion.id, organisation_id=compiled.organisation_id, compiled_at=compiled.closed_at,
            body=compiled.model_dump(mode="json"), markdown=render_markdown(compiled))
        await deps.store.minutes.put(minutes)
        # The actions too stay with that organisation (its lead's follow-ups, digests and reports).
        # Exactly these: a close that failed part way leaves none of its own behind.
        weeks = discussion.follow_up_weeks if discussion.follow_up_weeks is not None else opened.briefing.follow_up_weeks
        records = action_records(discussion, compiled.organisation_id, agreed, compiled.closed_at, weeks)
        await deps.store.actions.set_for_discussion(discussion.id, records)
        discussion.closed_at = compiled.closed_at
        discussion.closed_by = compiled.closed_by
        discussion.closed_by_id = inbound.user_aad
        discussion.sent_to = compiled.organisation_id
        await deps.store.discussions.put(discussion)
        await deps.store.outbox.enqueue(await forward_minutes(team, discussion, minutes, deps))
        deps.views.forget(discussion.id)  # closed: everyone sees the closed card, views of it are over
    log.info("discussion closed discussion=%s organisation=%s actions=%d", discussion.id, compiled.organisation_id,
             len(agreed))
    leads = ", ".join(await leads_described(deps, minutes.organisation_id))
    await settle(turn, sent_minutes_card(compiled, leads))
    await refresh_card(discussion, deps)  # closed, for everyone; the thread is told once they are sent
    asked = next((a.due for a in records if a.impact_question), None)
    await note(turn, strings.CLOSED.format(name=quote(compiled.closed_by), leads=leads)
               + (strings.IMPACT_QUESTION_PLANNED.format(date=format_date(asked)) if asked else ""), True)


async def close_cancel(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    await settle(turn, strings.CLOSE_CANCELLED)


async def correction(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    """An addendum to minutes already sent: stored with them and forwarded to the same leads."""
    async with lock(inbound, deps):
        opened = await open_discussion(turn, inbound, deps, closed=True)
        if opened is None:
            return
        text = str((inbound.value or {}).get("correction") or "").strip()
        if not text:
            await note(turn, strings.EMPTY_CORRECTION)
            return
        if len(text) > MAX_CORRECTION_CHARS:
            await note(turn, strings.TOO_LONG.format(limit=MAX_CORRECTION_CHARS))
            return
        # As a response is: what reads like a live worry is not stored or sent unless its writer says
        # it is learning (the route first: the identifiers, if any, are asked about when it comes back).
        if await held(turn, inbound, deps, opened, [text], ("correction",), Verb.correction, "correction"):
            return
        found = findings_in(text, deps, opened.briefing)
        if found:  # a correction is forwarded as written, so it must not carry identifiers
            await note(turn, strings.CORRECTION_HAS_IDENTIFIERS.format(kinds=" and ".join(kinds(found))))
            return
        minutes = await deps.store.minutes.get(opened.discussion.id)
        if minutes is None:
            await note(turn, strings.unknown_discussion(inbound.scope))
            return
        addendum = Addendum(id=f"a-{uuid.uuid5(uuid.NAMESPACE_URL, inbound.activity_id or uuid.uuid4().hex).hex[:16]}",
                            text=text, author=Author(aad_object_id=inbound.user_aad, name=inbound.user_name),
                            created_at=deps.clock())
        if any(a.id == addendum.id for a in minutes.addenda):  # Teams resent the same click
            return
        minutes.addenda.append(addendum)
        await deps.store.minutes.put(minutes)
        # To the leads of the organisation the minutes went to, as the team is told below.
        # Leads whose bundle with these minutes has not gone yet get the correction in it, not before it.
        waiting = await still_waiting(deps, opened.discussion.id)
        await deps.store.outbox.enqueue(plan_correction(opened.team, opened.discussion, minutes, addendum, deps,
                                                        skip=waiting))
    log.info("correction recorded discussion=%s", opened.discussion.id)
    sending = strings.CORRECTION_SENDING.format(leads=lead_names(deps, minutes.organisation_id))
    if str((inbound.value or {}).get("learning_confirmed")) == "true":  # clicked on the live-concern card
        await settle_view(turn, opened.discussion.id, sending)
    await say(turn, sending)
