"""Channel meetings: the prompts when a meeting starts, a reminder to close when it ends."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timezone
from typing import Any

from content import strings
from content.briefing import parse_cached
from content.cards import meeting_card
from content.text import format_date
from storage.models import Discussion, Team

from .deps import Deps
from .thread import change_discussion
from .inbound import Inbound
from .registration import lead_names
from .send import say, show
from .turn import Turn

log = logging.getLogger(__name__)
MEETING_START = "application/vnd.microsoft.meetingStart"
MEETING_END = "application/vnd.microsoft.meetingEnd"
MAX_BRIEFINGS = 2  # a meeting gets the prompts of the team's most recent open briefings, no more


def _field(value: Any, name: str) -> Any:
    """Teams sends the meeting details as a raw dict with PascalCase keys; accept any case."""
    if not isinstance(value, dict):
        return None
    return next((v for k, v in value.items() if k.lower() == name.lower()), None)


async def _team(inbound: Inbound, deps: Deps) -> Team | None:
    """The team a channel meeting belongs to: channelData.team, else the channel of its conversation
    (a General channel's id is the team id)."""
    for candidate in (inbound.team_id, inbound.conversation_id.split(";")[0]):
        if candidate:
            team = await deps.store.teams.get(candidate)
            if team is not None and team.active:
                return team
    return None


async def _open_discussions(team: Team, deps: Deps) -> list[Discussion]:
    """Delivered, not yet closed, newest first."""
    found = [d for d in await deps.store.discussions.list_for_team(team.id) if d.thread is not None and not d.closed]
    return sorted(found, key=lambda d: d.opened_at, reverse=True)[:MAX_BRIEFINGS]


async def on_meeting_start(turn: Turn, inbound: Inbound, value: Any, deps: Deps) -> None:
    team = await _team(inbound, deps)
    if team is None:
        return
    meeting_id = str(_field(value, "Id") or inbound.activity_id)
    started = _parse_time(_field(value, "StartTime")) or deps.clock()
    for discussion in await _open_discussions(team, deps):
        if discussion.meeting_id == meeting_id:  # Teams sent the same event again
            continue
        record = await deps.store.briefings.get(discussion.briefing_id)
        if record is None:
            continue
        def meeting(d: Discussion) -> bool:
            if d.closed or d.meeting_id == meeting_id:  # closed meanwhile, or the same event again
                return False
            d.meeting_id, d.meeting_date = meeting_id, format_date(started)
            return True

        if await change_discussion(deps, discussion.id, meeting) is None:
            continue
        briefing = parse_cached(record.source)
        await show(turn, meeting_card(briefing, discussion.id), f"For this meeting: {briefing.title}")
        log.info("meeting prompts posted team=%s discussion=%s", team.id, discussion.id)


async def on_meeting_end(turn: Turn, inbound: Inbound, value: Any, deps: Deps) -> None:
    team = await _team(inbound, deps)
    if team is None:
        return
    for discussion in await _open_discussions(team, deps):
        record = await deps.store.briefings.get(discussion.briefing_id)
        if record is not None:
            await say(turn, strings.MEETING_ENDED.format(title=record.title, leads=lead_names(deps, team.organisation_id)))


def _parse_time(raw: Any) -> datetime | None:
    """'2021-04-29T16:17:17.4388966Z' (Teams sends 7 fractional digits) as an aware datetime."""
    if not isinstance(raw, str):
        return None
    cleaned = re.sub(r"(\.\d{6})\d+", r"\1", raw.strip()).replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
