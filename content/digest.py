"""A safeguarding lead's digest: per briefing, how their organisation's teams are getting on."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Sequence

from pydantic import BaseModel

from .html_render import render
from .text import plural

NO_BRIEFINGS = "No briefings have reached your organisation's teams yet."

class Outstanding(BaseModel):
    team: str
    days: int
    responses: int
    organisation: str = ""  # set when a digest covers several organisations


class SentMinutes(BaseModel):
    team: str
    closed: str  # date
    url: str | None = None
    organisation: str = ""
    closed_at: datetime | None = None  # for "latest first"


class StateCounts(BaseModel):
    """One organisation's teams for one briefing, by state."""

    organisation: str
    delivered: int
    discussed: int
    minutes: int
    outstanding: int


class DigestBriefing(BaseModel):
    briefing_id: str
    title: str
    delivered: int
    discussed: int
    minutes: list[SentMinutes]
    outstanding: list[Outstanding]
    by_organisation: list[StateCounts] = []
    actions: dict[str, int] = {}  # the teams' agreed actions by state ("open", "done", ..., and "overdue")

    def counts(self) -> list[StateCounts]:
        """Per organisation (one row for a digest of one organisation)."""
        return self.by_organisation or [StateCounts(organisation="", delivered=self.delivered,
                                                    discussed=self.discussed, minutes=len(self.minutes),
                                                    outstanding=len(self.outstanding))]

    def most_overdue(self) -> list[Outstanding]:
        return sorted(self.outstanding, key=lambda o: -o.days)

    def latest_minutes(self) -> list[SentMinutes]:
        return sorted(self.minutes, key=lambda m: m.closed_at.timestamp() if m.closed_at else 0.0, reverse=True)


class Digest(BaseModel):
    organisations: list[str]
    briefings: list[DigestBriefing]

    def fingerprint(self) -> str:
        """What the digest says, without what changes by itself (days waiting, links' expiry):
        an unchanged fingerprint means there is nothing new to send."""
        state = [(b.briefing_id, b.delivered, b.discussed, sorted(m.team for m in b.minutes),
                  sorted(o.team for o in b.outstanding), sorted(o.responses for o in b.outstanding))
                 + ((sorted(b.actions.items()),) if b.actions else ())  # as before actions, when there are none
                 for b in self.briefings]
        return hashlib.sha256(json.dumps([self.organisations, state]).encode()).hexdigest()


def combine(parts: Sequence[tuple[str, Digest]]) -> Digest:
    """One digest from each organisation's own (name, digest): totals, and counts per organisation."""
    rows: dict[str, DigestBriefing] = {}
    for name, digest in parts:
        tag = name if len(parts) > 1 else ""  # rows name their organisation only when there are several
        for b in digest.briefings:
            row = rows.setdefault(b.briefing_id, DigestBriefing(
                briefing_id=b.briefing_id, title=b.title, delivered=0, discussed=0, minutes=[], outstanding=[]))
            row.delivered += b.delivered
            row.discussed += b.discussed
            # Each organisation's digest is built for this one: its rows are tagged in place, not copied.
            for item in (*b.minutes, *b.outstanding):
                item.organisation = tag
            row.minutes += b.minutes
            row.outstanding += b.outstanding
            row.actions = {k: row.actions.get(k, 0) + b.actions.get(k, 0) for k in {*row.actions, *b.actions}}
            row.by_organisation.append(StateCounts(organisation=name, delivered=b.delivered, discussed=b.discussed,
                                                   minutes=len(b.minutes), outstanding=len(b.outstanding)))
    for row in rows.values():
        row.outstanding.sort(key=lambda o: -o.days)  # most overdue first
    return Digest(organisations=[name for name, _ in parts], briefings=list(rows.values()))


def counts_line(c: StateCounts) -> str:
    return (f"{plural(c.delivered, 'team')} received it, {c.discussed:,} discussed it, "
            f"minutes from {plural(c.minutes, 'team')}, {c.outstanding:,} outstanding")


def summary_line(b: DigestBriefing) -> str:
    return counts_line(StateCounts(organisation="", delivered=b.delivered, discussed=b.discussed,
                                   minutes=len(b.minutes), outstanding=len(b.outstanding)))


ACTION_STATES = (("done", "done"), ("partly", "partly done"), ("not_yet", "not yet done"),
                 ("no_longer_relevant", "no longer relevant"), ("open", "not answered yet"))


def actions_line(b: DigestBriefing) -> str:
    """The teams' agreed actions for this briefing, by how they went ('' when none were agreed)."""
    total = sum(n for state, n in b.actions.items() if state != "overdue")
    if not total:
        return ""
    parts = [f"{b.actions[state]:,} {label}" for state, label in ACTION_STATES if b.actions.get(state)]
    overdue = b.actions.get("overdue", 0)
    return (f"Actions agreed: {total:,} ({', '.join(parts)})"
            + (f"; {overdue:,} overdue (no answer after a reminder)" if overdue else ""))


def outstanding_line(o: Outstanding) -> str:
    started = plural(o.responses, "response") if o.responses else "not started"
    where = f" ({o.organisation})" if o.organisation else ""
    return f"{o.team}{where}: {plural(o.days, 'day')} since it arrived, {started}"


def digest_text(d: Digest, greeting: str) -> str:
    lines = [greeting, "", f"How {', '.join(d.organisations)} teams are getting on with the board's learning briefings.", ""]
    for b in d.briefings:
        lines += [b.title, "-" * len(b.title), summary_line(b)] + ([actions_line(b)] if b.actions else [])
        lines += [f"  Minutes: {m.team} ({m.closed})" + (f" {m.url}" if m.url else "") for m in b.minutes]
        lines += [f"  Outstanding: {outstanding_line(o)}" for o in b.outstanding]
        lines.append("")
    if not d.briefings:
        lines.append(NO_BRIEFINGS)
    return "\n".join(lines)


def digest_html(d: Digest, greeting: str) -> str:
    return render("digest_email.html", greeting=greeting, organisations=", ".join(d.organisations),
                  briefings=d.briefings, summary_line=summary_line, outstanding_line=outstanding_line,
                  actions_line=actions_line, no_briefings=NO_BRIEFINGS)


def digest_page(d: Digest, generated: str) -> str:
    """The full digest as a page (a card shows only the start): every team, every value escaped."""
    organisations = ", ".join(d.organisations)
    return render("digest_page.html", page_title=f"Digest: {organisations}", organisations=organisations,
                  generated=generated, briefings=list(reversed(d.briefings)), counts_line=counts_line,
                  outstanding_line=outstanding_line, actions_line=actions_line, no_briefings=NO_BRIEFINGS)
