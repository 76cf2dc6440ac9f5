"""Cards that list teams, briefings or organisations: counts first, a bounded list, a link to the rest.

Teams refuses a card over about 28 KB, and a lead may have thousands of teams: each card here names
only a few (most overdue first), within what is left of the card, and links to a signed page with all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from . import strings
from .cards import Card, _clip, card, facts, heading, room, take, text
from .digest import NO_BRIEFINGS, Digest, DigestBriefing, actions_line, counts_line, outstanding_line, summary_line
from .outstanding import NONE_OUTSTANDING, OutstandingView, headline, row_state, state_line
from .report import BriefingReport
from .text import escape_md, plural

MAX_BRIEFINGS = 5  # in a digest card, the most recent
MAX_ORGANISATIONS = 8  # rows of counts per organisation
MAX_MINUTES = 3  # the latest minutes, per briefing in a digest
MAX_OVERDUE = 5  # the most overdue teams, per briefing in a digest
MAX_TEAMS = 10  # the most overdue teams in the outstanding card
MAX_ROWS = 30  # rows of a plain list
NAME_CHARS = 120  # team names are clipped in cards (the pages show them whole)


def _fact(title: str, value: str) -> Card:
    return {"title": title, "value": value}


def _open(url: str, title: str) -> Card:
    return {"type": "Action.OpenUrl", "title": title, "url": url}


def _fact_set(rows: list[Card]) -> Card:
    return {"type": "FactSet", "facts": rows}


def report_card(report: BriefingReport, url: str | None, whom: str = "the board") -> Card:
    """The summary of one briefing, for the board (or a lead: their organisations' teams): totals,
    the organisations that most teams were reached in, and a link to the full report."""
    on_time = f", {report.on_time:,} on time" if report.discuss_by else ""
    body = [
        text(f"Report for {_clip(whom, 200)}", size="Small", isSubtle=True),
        heading(report.title, "Large"),
        facts([
            ("Reach", f"{plural(report.teams_delivered, 'team')} in "
                      f"{plural(report.organisations_delivered, 'organisation')}"),
            ("Discussed", f"{plural(report.teams_discussed, 'team')} of {report.teams_delivered:,}, "
                          f"{plural(report.responses, 'response')}"),
            ("Minutes", f"from {plural(report.minutes_sent, 'team')}{on_time}"),
            ("Received by leads", f"{report.acknowledged:,} of {report.minutes_sent:,}"),
        ]),
    ]
    ranked = sorted(report.organisations, key=lambda o: (-o.teams_delivered, o.organisation_name))
    rows, left_out = take(ranked, lambda o: _fact(
        _clip(o.organisation_name, NAME_CHARS), f"{plural(o.teams_delivered, 'team')} reached, {o.teams_discussed:,} discussed, "
                                    f"minutes from {o.minutes_sent:,}"), room(card(body), 2048), MAX_ORGANISATIONS)
    if rows:
        body.append(_fact_set(rows))
    if left_out:
        body.append(text(f"\u2026and {plural(left_out, 'more organisation')}"
                         + (": all of them are in the full report." if url else "."), size="Small", spacing="Small"))
    if not url:
        body.append(text(strings.NO_LINK_REPORT, size="Small", isSubtle=True))
        return card(body)
    return card(body, [_open(url, "Open the full report")])


def _digest_briefing(b: DigestBriefing, several: bool) -> Card:
    items: list[Card] = [heading(_clip(b.title, 300), "Medium")]
    if several:
        counts = b.counts()
        items.append(facts((c.organisation, counts_line(c)) for c in counts[:MAX_ORGANISATIONS]))
        if len(counts) > MAX_ORGANISATIONS:
            items.append(text(f"\u2026and {plural(len(counts) - MAX_ORGANISATIONS, 'more organisation')}",
                              size="Small", spacing="None"))
    else:
        items.append(text(summary_line(b), spacing="Small"))
    if actions_line(b):
        items.append(text(actions_line(b), spacing="Small"))
    latest = b.latest_minutes()[:MAX_MINUTES]
    if latest:
        items.append(text("**Latest minutes**", spacing="Medium"))
    for m in latest:
        where = f" ({m.organisation})" if several and m.organisation else ""
        label = text(f"{escape_md(_clip(m.team, NAME_CHARS))}{where}, {m.closed}", spacing="Small",
                     **({"color": "Accent"} if m.url else {}))
        items.append({"type": "Container", "items": [label],
                      **({"selectAction": _open(m.url, "Open the minutes")} if m.url else {})})
    if len(b.minutes) > len(latest):
        items.append(text(f"\u2026and minutes from {plural(len(b.minutes) - len(latest), 'more team')}",
                          size="Small", spacing="None"))
    if b.outstanding:
        items.append(text("**Most overdue**", spacing="Medium"))
        shown = b.most_overdue()[:MAX_OVERDUE]
        lines = [f"- {escape_md(outstanding_line(o.model_copy(update={'team': _clip(o.team, NAME_CHARS)})))}" for o in shown]
        if len(b.outstanding) > len(shown):
            lines.append(f"\u2026and {plural(len(b.outstanding) - len(shown), 'more outstanding team')}")
        items.append(text("\n".join(lines), spacing="Small"))
    return {"type": "Container", "separator": True, "spacing": "Medium", "items": items}


def digest_card(d: Digest, url: str | None) -> Card:
    """A lead's digest in chat, for their organisations only: per briefing (the latest few), counts by
    state, the latest minutes and the most overdue teams; the full digest is a signed page."""
    body: list[Card] = [text("Digest", size="Small", isSubtle=True), heading(_clip(", ".join(d.organisations), 300),
                                                                              "Large")]
    if not d.briefings:
        body.append(text(NO_BRIEFINGS, isSubtle=True))
        return card(body)
    recent = list(reversed(d.briefings))  # the latest first
    several = len(d.organisations) > 1
    shown, left_out = take(recent, lambda b: _digest_briefing(b, several), room(card(body), 1536), MAX_BRIEFINGS)
    body += shown
    cut = left_out or any(len(b.minutes) > MAX_MINUTES or len(b.outstanding) > MAX_OVERDUE for b in recent)
    if left_out:
        where = ", in the full digest." if url else "."
        body.append(text(f"\u2026and {plural(left_out, 'earlier briefing')}{where}", spacing="Medium"))
    if not url:
        if cut:
            body.append(text(strings.NO_LINK_LIST, size="Small", isSubtle=True))
        return card(body)
    body.append(text("The full digest lists every team, with links to their minutes.", size="Small", isSubtle=True))
    return card(body, [_open(url, "Open the full digest")])


def outstanding_card(view: OutstandingView, url: str | None) -> Card:
    """Outstanding teams: how many per organisation (not started, started), the most overdue by name,
    and a link to the page with every one."""
    body: list[Card] = [heading(_clip(view.title, 300)), text(headline(view), spacing="Small")]
    if not view.rows:
        body[1] = text(NONE_OUTSTANDING, isSubtle=True)
        return card(body)
    by_org = view.by_organisation()
    rows, orgs_left = take(by_org, lambda c: _fact(_clip(c.organisation, NAME_CHARS), state_line(c)), 6000, MAX_ORGANISATIONS)
    body.append(_fact_set(rows))
    if orgs_left:
        body.append(text(f"\u2026and {plural(orgs_left, 'more organisation')}", size="Small", spacing="None"))
    body.append(text("**Most overdue**", spacing="Medium"))
    teams, left_out = take(view.most_overdue(), lambda r: _fact(f"{escape_md(_clip(r.team, NAME_CHARS))} ({_clip(r.organisation, NAME_CHARS)})",
                                                      row_state(r)), room(card(body), 1536), MAX_TEAMS)
    body.append(_fact_set(teams))
    if left_out:
        body.append(text(f"\u2026and {plural(left_out, 'more team')}" + (", on the full list." if url else "."),
                         size="Small", spacing="Small"))
    if not url:
        if left_out or orgs_left:
            body.append(text(strings.NO_LINK_LIST, size="Small", isSubtle=True))
        return card(body)
    return card(body, [_open(url, f"See all {plural(len(view.rows), 'outstanding team')}")])


def list_card(title: str, rows: Sequence[tuple[str, str]], empty: str,
              more: Callable[[int], str] | None = None) -> Card:
    """(title, value) rows, as many as fit (at most MAX_ROWS); `more` says what was left out."""
    body = [heading(title)]
    if not rows:
        return card([*body, text(empty, isSubtle=True)])
    shown, left_out = take(rows, lambda r: _fact(r[0], r[1]), room(card(body), 1024), MAX_ROWS)
    body.append(_fact_set(shown))
    if left_out:
        body.append(text(more(left_out) if more else f"\u2026and {left_out:,} more, not shown here.",
                         size="Small", isSubtle=True))
    return card(body)


@dataclass(frozen=True)
class ActionRow:
    """One open action in a lead's list."""
    team: str
    organisation: str  # shown when the lead has several
    briefing: str
    what: str
    owner: str
    due: str  # in words
    state: str  # "overdue", "asked" (the follow-up went, no answer yet) or "due"


ACTION_STATE_WORDS = {"overdue": "**Overdue**: no answer after a reminder", "asked": "asked how it went, no answer yet",
                      "due": "due"}


def actions_card(title: str, rows: Sequence[ActionRow], answered: str) -> Card:
    """A lead's open actions, by team, overdue first; `answered`: how the others went, in a line."""
    body: list[Card] = [text("Agreed actions", size="Small", isSubtle=True), heading(_clip(title, 300), "Large")]
    overdue = sum(r.state == "overdue" for r in rows)
    body.append(text(f"{plural(len(rows), 'open action')}" + (f", {overdue:,} overdue" if overdue else "")
                     + (f". Answered: {answered}." if answered else "."), spacing="Small"))
    if not rows:
        body.append(text("Teams record actions when they send their minutes; the thread asks how each went on "
                         "its date, and the answer comes to you.", isSubtle=True))
        return card(body)
    teams: dict[tuple[str, str, str], list[ActionRow]] = {}  # by team and briefing, overdue first
    for r in sorted(rows, key=lambda r: (r.state != "overdue", r.team.lower(), r.briefing)):
        teams.setdefault((r.team, r.organisation, r.briefing), []).append(r)

    def team_block(item: tuple[tuple[str, str, str], list[ActionRow]]) -> Card:
        (team, organisation, _), actions = item
        where = f" ({escape_md(_clip(organisation, NAME_CHARS))})" if organisation else ""
        lines = [f"- {escape_md(_clip(a.what, 200))} \u2014 {escape_md(_clip(a.owner, 60))}, by {a.due}"
                 + ("" if a.state == "due" else f" \u00B7 {ACTION_STATE_WORDS[a.state]}") for a in actions]
        return {"type": "Container", "separator": True, "spacing": "Medium", "items": [
            text(f"**{escape_md(_clip(team, NAME_CHARS))}**{where} \u00B7 {escape_md(_clip(actions[0].briefing, 120))}"),
            text("\n".join(lines), spacing="Small")]}

    shown, left_out = take(list(teams.items()), team_block, room(card(body), 1024))
    body += shown
    if left_out:
        body.append(text(f"\u2026and {plural(left_out, 'more team')} with open actions, not shown here for length; "
                         "say **digest** for the counts.", spacing="Medium"))
    return card(body)
