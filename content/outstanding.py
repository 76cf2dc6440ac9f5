"""Teams that have a briefing but have not sent its minutes: the rows, counts per organisation, the full page."""

from __future__ import annotations

from pydantic import BaseModel

from .html_render import render
from .text import plural

NONE_OUTSTANDING = "Every team has sent its minutes."


class OutstandingTeam(BaseModel):
    briefing_title: str
    team: str
    organisation: str  # its name, or "no organisation yet"
    days: int  # since the briefing was posted
    responses: int


class OrganisationOutstanding(BaseModel):
    organisation: str
    not_started: int
    started: int

    @property
    def total(self) -> int:
        return self.not_started + self.started


class OutstandingView(BaseModel):
    title: str  # "Outstanding teams, Sussex Police"
    rows: list[OutstandingTeam]

    def most_overdue(self) -> list[OutstandingTeam]:
        return sorted(self.rows, key=lambda r: -r.days)

    def by_organisation(self) -> list[OrganisationOutstanding]:
        """Per organisation, the most outstanding first."""
        counts: dict[str, OrganisationOutstanding] = {}
        for r in self.rows:
            c = counts.setdefault(r.organisation, OrganisationOutstanding(organisation=r.organisation,
                                                                          not_started=0, started=0))
            if r.responses:
                c.started += 1
            else:
                c.not_started += 1
        return sorted(counts.values(), key=lambda c: (-c.total, c.organisation))


def headline(view: OutstandingView) -> str:
    n = len(view.rows)
    return f"{plural(n, 'team')} {'has' if n == 1 else 'have'} not sent {'its' if n == 1 else 'their'} minutes yet."


def state_line(c: OrganisationOutstanding) -> str:
    return f"{plural(c.total, 'team')}: {c.not_started:,} not started, {c.started:,} started"


def row_state(r: OutstandingTeam) -> str:
    started = plural(r.responses, "response") if r.responses else "not started"
    return f"{r.briefing_title}: posted {plural(r.days, 'day')} ago, {started}"


def outstanding_page(view: OutstandingView, generated: str) -> str:
    """Every outstanding team, most overdue first, counts per organisation first; every value escaped."""
    return render("outstanding.html", page_title=view.title, headline=headline(view), generated=generated,
                  rows=view.most_overdue(), by_organisation=view.by_organisation(), state_line=state_line,
                  row_state=row_state, none_outstanding=NONE_OUTSTANDING)
