"""Teams that have a briefing but have not sent its minutes: the rows, counts per organisation, the full page."""

from __future__ import annotations

import html

from pydantic import BaseModel

from .report_render import html_page
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
    e = html.escape
    parts = [f"<h1>{e(view.title)}</h1>", f"<p>{e(headline(view))} Generated {e(generated)}.</p>"]
    if not view.rows:
        parts.append(f"<p class=\"none\">{e(NONE_OUTSTANDING)}</p>")
        return html_page(view.title, "".join(parts))
    parts.append("<h2>By organisation</h2><ul class=\"teams\">" + "".join(
        f"<li><strong>{e(c.organisation)}</strong>: {e(state_line(c))}</li>" for c in view.by_organisation()) + "</ul>")
    parts.append("<h2>Most overdue first</h2><ul class=\"teams\">")
    parts += [f"<li><strong>{e(r.team)}</strong> ({e(r.organisation)}): {e(row_state(r))}</li>"
              for r in view.most_overdue()]
    parts.append("</ul>")
    return html_page(view.title, "".join(parts))
