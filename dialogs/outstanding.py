"""Teams that have a briefing but have not sent its minutes: for board staff and safeguarding leads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from botbuilder.core import TurnContext

from content import strings
from content.cards import list_card
from content.text import escape_md, plural

from .deps import Deps
from .inbound import Inbound
from .send import say, show


@dataclass(frozen=True)
class Outstanding:
    briefing_id: str
    briefing_title: str
    team_id: str
    team_name: str
    organisation_id: str | None
    posted_at: datetime
    responses: int

    def days(self, now: datetime) -> int:
        return max(0, (now - self.posted_at).days)


async def outstanding(deps: Deps, *, organisation_ids: set[str] | None = None,
                      briefing_id: str | None = None) -> list[Outstanding]:
    """Delivered, not closed, oldest first; only `organisation_ids` when given (a lead's own)."""
    rows = []
    for briefing in await deps.store.briefings.list():
        if briefing_id and briefing.id != briefing_id:
            continue
        for d in await deps.store.discussions.list_for_briefing(briefing.id):
            if d.closed or d.thread is None:
                continue
            team = await deps.store.teams.get(d.team_id)
            if team is None or not team.active:
                continue
            if organisation_ids is not None and team.organisation_id not in organisation_ids:
                continue
            rows.append(Outstanding(briefing.id, briefing.title, team.id, team.name, team.organisation_id,
                                    d.opened_at, await deps.store.responses.count(d.id)))
    return sorted(rows, key=lambda r: r.posted_at)


async def outstanding_command(turn: TurnContext, inbound: Inbound, deps: Deps, briefing_id: str) -> None:
    if deps.directory.is_board_staff(inbound.user_aad):
        scope, title = None, "Outstanding teams, all organisations"
    else:
        orgs = deps.directory.lead_organisations(inbound.user_aad)
        if not orgs:
            await say(turn, strings.OUTSTANDING_REFUSED)
            return
        scope, title = {o.id for o in orgs}, "Outstanding teams, " + ", ".join(o.name for o in orgs)
    now = deps.clock()
    rows = []
    for r in await outstanding(deps, organisation_ids=scope, briefing_id=briefing_id or None):
        org = deps.directory.organisation(r.organisation_id)
        started = plural(r.responses, "response") if r.responses else "not started"
        rows.append((f"{escape_md(r.team_name)} ({org.name if org else 'no organisation yet'})",
                     f"{r.briefing_title}: posted {plural(r.days(now), 'day')} ago, {started}"))
    await show(turn, list_card(title, rows, "Every team has sent its minutes."), title)
