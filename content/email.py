"""Emails the bot sends: minutes to a safeguarding lead (text, HTML and the minutes attached)."""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from .minutes import CompiledMinutes, render_html, render_markdown, render_text


def _file_name(m: CompiledMinutes) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", m.team_name.lower()).strip("-") or "team"
    return f"minutes-{m.briefing_id}-{slug}.md"


def minutes_email(m: CompiledMinutes, *, to_name: str, to_email: str, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = f"Team minutes: {m.team_name}, {m.briefing_title}"
    msg["From"] = sender
    msg["To"] = formataddr((to_name, to_email))
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    greeting = f"Dear {to_name},\n\n{m.team_name} ({m.organisation_name}) has discussed the briefing " \
               f"\"{m.briefing_title}\" and sent you its minutes, below and attached.\n\n"
    msg.set_content(greeting + render_text(m))
    msg.add_alternative(render_html(m), subtype="html")
    msg.add_attachment(render_markdown(m).encode("utf-8"), maintype="text", subtype="markdown",
                       filename=_file_name(m))
    return msg
