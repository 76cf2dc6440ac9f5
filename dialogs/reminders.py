"""Reminders to teams that have not started a delivered briefing: once, and on working days only."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from content import strings
from content.calendar import is_working_time
from content.text import format_date
from storage.models import Delivery, DeliveryKind, Discussion, stable_id

from .deps import Deps
from .registration import lead_names

log = logging.getLogger(__name__)


async def _started(discussion: Discussion, deps: Deps) -> bool:
    """A team has started when it has recorded a response or met about it."""
    return discussion.meeting_id is not None or await deps.store.responses.count(discussion.id) > 0


async def due_reminders(deps: Deps, after_days: int, now: datetime | None = None) -> list[Delivery]:
    """Queue (and return) the reminders due now. Only in working hours (09:00-17:00 UK time), never
    on a weekend or bank holiday in England and Wales, never twice for the same discussion."""
    now = now or deps.clock()
    if not is_working_time(now):
        return []
    queued = []
    for briefing in await deps.store.briefings.list():
        for d in await deps.store.discussions.list_for_briefing(briefing.id):
            if d.closed or d.thread is None or d.reminded_at is not None:
                continue
            if now - d.opened_at < timedelta(days=after_days) or await _started(d, deps):
                continue
            team = await deps.store.teams.get(d.team_id)
            if team is None or not team.active:
                continue
            text = strings.reminder(briefing.title, format_date(d.opened_at),
                                    format_date(d.discuss_by) if d.discuss_by else None,
                                    lead_names(deps, team.organisation_id))
            reminder = Delivery(id=stable_id("reminder", d.id), group=d.id, kind=DeliveryKind.thread_notice,
                                team_id=d.team_id, discussion_id=d.id, briefing_id=d.briefing_id,
                                payload={"text": text})
            # Under the discussion's lock, as it is now: a close meanwhile is neither reminded nor undone.
            async with deps.lock(f"discussion:{d.id}"):
                current = await deps.store.discussions.get(d.id)
                if current is None or current.closed or current.reminded_at is not None:
                    continue
                queued += await deps.store.outbox.enqueue([reminder])  # its id makes it once, even if run again
                current.reminded_at = now
                await deps.store.discussions.put(current)
    if queued:
        log.info("reminders queued count=%d", len(queued))
    return queued
