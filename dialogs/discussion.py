"""A team's discussion of a briefing: recording responses, then closing it and sending minutes."""

from __future__ import annotations

import logging

from botbuilder.core import TurnContext

from content import strings
from content.briefing import Briefing as BriefingDoc
from content.briefing import parse_cached
from content.cards import ANSWER_PREFIX, minutes_preview_card
from content.minutes import CompiledMinutes, compile_minutes, render_markdown
from content.text import format_date, plural
from storage.models import Author, Discussion, Minutes, Response, Team

from .deps import Deps
from .forwarding import plan_forwarding
from .inbound import Inbound
from .registration import ask_organisation, ensure_team, lead_names
from .send import say, show

log = logging.getLogger(__name__)
MAX_RESPONSE_CHARS = 4000


async def _open_discussion(turn: TurnContext, inbound: Inbound, deps: Deps) -> tuple[Team, Discussion, BriefingDoc] | None:
    """The team, discussion and briefing a card action names, after checking it is this team's.

    Card data comes from the client, so every id in it is checked again here.
    """
    team = await ensure_team(inbound, deps)
    if team is None:
        await say(turn, strings.NOT_IN_TEAM)
        return None
    discussion_id = (inbound.value or {}).get("discussion")
    discussion = await deps.store.discussions.get(discussion_id) if isinstance(discussion_id, str) else None
    if discussion is None:
        await say(turn, strings.UNKNOWN_DISCUSSION)
        return None
    if discussion.team_id != team.id:
        log.warning("card action for another team's discussion refused team=%s", team.id)
        await say(turn, strings.WRONG_TEAM)
        return None
    if discussion.closed:
        await say(turn, strings.ALREADY_CLOSED.format(date=format_date(discussion.closed_at)))
        return None
    record = await deps.store.briefings.get(discussion.briefing_id)
    if record is None:
        await say(turn, strings.UNKNOWN_DISCUSSION)
        return None
    return team, discussion, parse_cached(record.source)


def _answers(inbound: Inbound, briefing: BriefingDoc) -> dict[str, str]:
    answers = {}
    for key, raw in (inbound.value or {}).items():
        if not key.startswith(ANSWER_PREFIX) or not isinstance(raw, str):
            continue
        question_id = key.removeprefix(ANSWER_PREFIX)
        if briefing.question(question_id) is not None and raw.strip():
            answers[question_id] = raw.strip()
    return answers


def _discussion_lock(inbound: Inbound, deps: Deps):
    """Recording and closing one discussion never interleave: a response is in the minutes or refused."""
    return deps.lock(f"discussion:{(inbound.value or {}).get('discussion')}")


async def record(turn: TurnContext, inbound: Inbound, deps: Deps) -> None:
    async with _discussion_lock(inbound, deps):
        await _record(turn, inbound, deps)


async def _record(turn: TurnContext, inbound: Inbound, deps: Deps) -> None:
    opened = await _open_discussion(turn, inbound, deps)
    if opened is None:
        return
    _, discussion, briefing = opened
    answers = _answers(inbound, briefing)
    if not answers:
        await say(turn, strings.EMPTY_SUBMISSION)
        return
    if any(len(text) > MAX_RESPONSE_CHARS for text in answers.values()):
        await say(turn, strings.TOO_LONG.format(limit=MAX_RESPONSE_CHARS))
        return
    author = Author(aad_object_id=inbound.user_aad, name=inbound.user_name)
    now = deps.clock()
    responses = [
        Response(
            id=Response.make_id(discussion.id, f"{inbound.activity_id}:{qid}"), discussion_id=discussion.id,
            question_id=qid, text=text, author=author, created_at=now,
            idempotency_key=f"{inbound.activity_id}:{qid}",
        )
        for qid, text in answers.items()
    ]
    added = await deps.store.responses.add(responses)
    total = await deps.store.responses.count(discussion.id)
    log.info("responses recorded discussion=%s added=%d total=%d", discussion.id, len(added), total)
    if added:
        await say(turn, strings.recorded(inbound.user_name.split(" ")[0], len(added), total))
    else:
        await say(turn, strings.already_recorded(total))


async def _compile(team: Team, discussion: Discussion, briefing: BriefingDoc, inbound: Inbound, deps: Deps) -> CompiledMinutes:
    org = deps.directory.organisation(team.organisation_id)
    now = deps.clock()
    return compile_minutes(
        briefing, await deps.store.responses.list(discussion.id),
        team_name=team.name or "Team", organisation_id=org.id, organisation_name=org.name,
        closed_by=inbound.user_name or "A team member", closed_at=now,
        meeting_date=discussion.meeting_date or format_date(now),
    )


async def _ready_to_close(turn: TurnContext, inbound: Inbound, deps: Deps):
    opened = await _open_discussion(turn, inbound, deps)
    if opened is None:
        return None
    team, discussion, _ = opened
    count = await deps.store.responses.count(discussion.id)
    if deps.directory.organisation(team.organisation_id) is None:
        await say(turn, strings.LINK_FIRST.format(responses=plural(count, "response")))
        await ask_organisation(turn, team, deps)
        return None
    if count == 0:
        await say(turn, strings.NOTHING_TO_CLOSE)
        return None
    return opened


async def close(turn: TurnContext, inbound: Inbound, deps: Deps) -> None:
    opened = await _ready_to_close(turn, inbound, deps)
    if opened is None:
        return
    team, discussion, briefing = opened
    minutes = await _compile(team, discussion, briefing, inbound, deps)
    org = deps.directory.organisation(team.organisation_id)
    await show(turn, minutes_preview_card(minutes, discussion.id, [lead.name for lead in org.safeguarding_leads]),
               "Check the minutes before they go")


async def close_confirm(turn: TurnContext, inbound: Inbound, deps: Deps) -> None:
    async with _discussion_lock(inbound, deps):
        opened = await _ready_to_close(turn, inbound, deps)
        if opened is None:
            return
        team, discussion, briefing = opened
        compiled = await _compile(team, discussion, briefing, inbound, deps)
        minutes = Minutes(discussion_id=discussion.id, organisation_id=compiled.organisation_id,
                          compiled_at=compiled.closed_at, body=compiled.model_dump(mode="json"),
                          markdown=render_markdown(compiled))
        await deps.store.minutes.put(minutes)
        discussion.closed_at = compiled.closed_at
        discussion.closed_by = compiled.closed_by
        discussion.closed_by_id = inbound.user_aad
        await deps.store.discussions.put(discussion)
        await deps.store.outbox.enqueue(plan_forwarding(team, discussion, deps))
    log.info("discussion closed discussion=%s organisation=%s", discussion.id, compiled.organisation_id)
    await say(turn, strings.CLOSED.format(name=compiled.closed_by, leads=lead_names(deps, team.organisation_id)))


async def close_cancel(turn: TurnContext, inbound: Inbound, deps: Deps) -> None:
    await say(turn, strings.CLOSE_CANCELLED)
