"""Teams that have a briefing but have not sent its minutes: for board staff and safeguarding leads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from content import strings
from content.list_cards import outstanding_card
from content.outstanding import OutstandingTeam, OutstandingView, outstanding_page
from content.text import format_datetime

from .deps import Deps
from .inbound import Inbound
from .pages import outstanding_path, page_link
from .send import say, show
from .turn import Turn

NO_ORGANISATION = "no organisation yet"


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
    found = []
    teams = {t.id: t for t in await deps.store.teams.summaries() if t.active}  # in one read
    for briefing in await deps.store.briefings.list():
        if briefing_id and briefing.id != briefing_id:
            continue
        for d in await deps.store.discussions.summaries(briefing.id):  # what the store keeps, not the records
            if d.closed or not d.posted:
                continue
            team = teams.get(d.team_id)
            if team is None:
                continue
            if organisation_ids is not None and team.organisation_id not in organisation_ids:
                continue
            found.append((briefing, d, team))
    counts = await deps.store.responses.counts([d.id for _, d, _ in found])  # in one go, from what is known
    rows = [Outstanding(briefing.id, briefing.title, team.id, team.name, team.organisation_id, d.opened_at,
                        counts[d.id]) for briefing, d, team in found]
    return sorted(rows, key=lambda r: r.posted_at)


async def outstanding_view(deps: Deps, organisation_ids: set[str] | None, briefing_id: str | None) -> OutstandingView:
    """What the card and the page show: `organisation_ids` None for board staff (every organisation)."""
    if organisation_ids is None:
        title = "Outstanding teams, all organisations"
    else:
        title = "Outstanding teams, " + ", ".join(o.name for o in deps.directory.organisations
                                                   if o.id in organisation_ids)
    now = deps.clock()
    rows = []
    for r in await outstanding(deps, organisation_ids=organisation_ids, briefing_id=briefing_id or None):
        org = deps.directory.organisation(r.organisation_id)
        rows.append(OutstandingTeam(briefing_title=r.briefing_title, team=r.team_name,
                                    organisation=org.name if org else NO_ORGANISATION, days=r.days(now),
                                    responses=r.responses))
    return OutstandingView(title=title, rows=rows)


async def outstanding_page_html(deps: Deps, organisation_ids: set[str] | None, briefing_id: str | None) -> str:
    """The full list behind the card (the signed page)."""
    view = await outstanding_view(deps, organisation_ids, briefing_id)
    return outstanding_page(view, format_datetime(deps.clock()))


async def outstanding_command(turn: Turn, inbound: Inbound, deps: Deps, briefing_id: str) -> None:
    if deps.directory.is_board_staff(inbound.user_aad):
        scope = None
    else:
        orgs = deps.directory.lead_organisations(inbound.user_aad)
        if not orgs:
            await say(turn, strings.OUTSTANDING_REFUSED)
            return
        scope = {o.id for o in orgs}
    if briefing_id and await deps.store.briefings.get(briefing_id) is None:
        await say(turn, strings.unknown_briefing(briefing_id, inbound.scope))  # and never into a link's path
        return
    view = await outstanding_view(deps, scope, briefing_id)
    url = page_link(deps, outstanding_path(scope, briefing_id or None)) if view.rows else None
    await show(turn, outstanding_card(view, url), view.title)
