"""A safeguarding lead's digest: per briefing, how their organisation's teams are getting on."""

from __future__ import annotations

import hashlib
import html
import json

from pydantic import BaseModel

from .text import plural


class Outstanding(BaseModel):
    team: str
    days: int
    responses: int


class SentMinutes(BaseModel):
    team: str
    closed: str  # date
    url: str | None = None


class DigestBriefing(BaseModel):
    briefing_id: str
    title: str
    delivered: int
    discussed: int
    minutes: list[SentMinutes]
    outstanding: list[Outstanding]


class Digest(BaseModel):
    organisations: list[str]
    briefings: list[DigestBriefing]

    def fingerprint(self) -> str:
        """What the digest says, without what changes by itself (days waiting, links' expiry):
        an unchanged fingerprint means there is nothing new to send."""
        state = [(b.briefing_id, b.delivered, b.discussed, sorted(m.team for m in b.minutes),
                  sorted(o.team for o in b.outstanding), sorted(o.responses for o in b.outstanding))
                 for b in self.briefings]
        return hashlib.sha256(json.dumps([self.organisations, state]).encode()).hexdigest()


def summary_line(b: DigestBriefing) -> str:
    return (f"{plural(b.delivered, 'team')} received it, {b.discussed} discussed it, "
            f"{len(b.minutes)} sent minutes, {len(b.outstanding)} outstanding")


def outstanding_line(o: Outstanding) -> str:
    started = plural(o.responses, "response") if o.responses else "not started"
    return f"{o.team}: {plural(o.days, 'day')} since it arrived, {started}"


def digest_text(d: Digest, greeting: str) -> str:
    lines = [greeting, "", f"How {', '.join(d.organisations)} teams are getting on with the board's learning briefings.", ""]
    for b in d.briefings:
        lines += [b.title, "-" * len(b.title), summary_line(b)]
        lines += [f"  Minutes: {m.team} ({m.closed})" + (f" {m.url}" if m.url else "") for m in b.minutes]
        lines += [f"  Outstanding: {outstanding_line(o)}" for o in b.outstanding]
        lines.append("")
    if not d.briefings:
        lines.append("No briefings have reached your organisation's teams yet.")
    return "\n".join(lines)


def digest_html(d: Digest, greeting: str) -> str:
    e = html.escape
    parts = ["<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>Digest</title></head><body>",
             f"<p>{e(greeting)}</p><p>How {e(', '.join(d.organisations))} teams are getting on with the board's "
             "learning briefings.</p>"]
    for b in d.briefings:
        parts.append(f"<h2>{e(b.title)}</h2><p>{e(summary_line(b))}</p>")
        if b.minutes:
            items = "".join(
                f"<li>{e(m.team)} ({e(m.closed)})" + (f" <a href=\"{e(m.url)}\">minutes</a>" if m.url else "") + "</li>"
                for m in b.minutes)
            parts.append(f"<h3>Minutes sent</h3><ul>{items}</ul>")
        if b.outstanding:
            items = "".join(f"<li>{e(outstanding_line(o))}</li>" for o in b.outstanding)
            parts.append(f"<h3>Outstanding</h3><ul>{items}</ul>")
    if not d.briefings:
        parts.append("<p>No briefings have reached your organisation's teams yet.</p>")
    parts.append("</body></html>")
    return "".join(parts)
