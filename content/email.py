"""Emails the bot sends: minutes to a safeguarding lead (text, HTML and the minutes attached)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Sequence

from .html_render import render
from .impact import ImpactUpdate, impact_html, impact_text
from .minutes import BundledMinutes, CompiledMinutes, header_facts, render_html, render_text
from .text import format_datetime, plural, slug


def minutes_file_name(m: CompiledMinutes) -> str:
    return f"minutes-{m.briefing_id}-{slug(m.team_name, 'team')}.docx"


def minutes_email(m: CompiledMinutes, *, to_name: str, to_email: str, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = f"Team minutes: {m.team_name}, {m.briefing_title}"
    msg["From"] = sender
    msg["To"] = formataddr((to_name, to_email))
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or "localhost")
    greeting = f"Dear {to_name},\n\n{m.team_name} ({m.organisation_name}) has discussed the briefing " \
               f"\"{m.briefing_title}\" and sent you its minutes, below and attached.\n\n"
    msg.set_content(greeting + render_text(m))
    msg.add_alternative(render_html(m), subtype="html")
    from .documents import minutes_docx  # python-docx when a document is made, not at start-up

    msg.add_attachment(minutes_docx(m), maintype="application",
                       subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
                       filename=minutes_file_name(m))
    return msg


def addendum_email(m: CompiledMinutes, correction: str, *, author: str, when: str, to_name: str, to_email: str,
                   sender: str) -> EmailMessage:
    """A correction to minutes already sent (the minutes are final; this is an addendum)."""
    msg = EmailMessage()
    msg["Subject"] = f"Correction to team minutes: {m.team_name}, {m.briefing_title}"
    msg["From"] = sender
    msg["To"] = formataddr((to_name, to_email))
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or "localhost")
    body = (f"Dear {to_name},\n\n{m.team_name} ({m.organisation_name}) has sent a correction to the minutes of "
            f"its discussion of \"{m.briefing_title}\", sent on {format_datetime(m.closed_at)}.\n\n"
            f"Correction from {author}, {when}:\n\n{correction}\n")
    msg.set_content(body)
    msg.add_alternative(
        render("addendum_email.html", m=m, closed=format_datetime(m.closed_at), author=author, when=when,
               to_name=to_name, correction=correction),
        subtype="html")
    return msg


def impact_email(u: ImpactUpdate, *, to_name: str, to_email: str, sender: str) -> EmailMessage:
    """How a team's agreed actions went, with the Word addendum to its minutes."""
    greeting = f"Dear {to_name},"
    msg = plain_email(sender=sender, to_name=to_name, to_email=to_email, subject=u.subject,
                      text=impact_text(u, greeting), html_body=impact_html(u, greeting))
    from .documents import impact_docx, impact_file_name

    msg.add_attachment(impact_docx(u), maintype="application",
                       subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
                       filename=impact_file_name(u))
    return msg


def plain_email(*, sender: str, to_name: str, to_email: str, subject: str, text: str,
                html_body: str | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = formataddr((to_name, to_email))
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or "localhost")
    msg.set_content(text)
    if html_body:
        msg.add_alternative(html_body, subtype="html")
    return msg


MAX_ATTACHED = 10 * 1024 * 1024  # Word documents in one bundle, as sent (base64); past it they are linked
MAX_WRITTEN_OUT = 2 * 1024 * 1024  # minutes written out in a bundle's text; past it, in their documents
# With the HTML part, a bundle stays under about 20 MB: within what mail servers commonly accept (25 MB+).


def bundle_subject(items: Sequence[BundledMinutes], day: str) -> str:
    return f"Team minutes from {plural(len({item.m.team_name for item in items}), 'team')}: {day}"


def _corrections_text(item: BundledMinutes) -> list[str]:
    return [f"Correction from {author}, {when}: {text}" for author, when, text in item.corrections]


def bundle_email(items: Sequence[BundledMinutes], day: str, *, to_name: str, to_email: str,
                 sender: str) -> EmailMessage:
    """Every team's minutes since the last bundle, in one email: a list, then each team's minutes
    with any correction since, and each team's Word document attached. Kept to a size mail servers
    accept: past MAX_ATTACHED documents are linked, past MAX_WRITTEN_OUT minutes are left to them."""
    msg = EmailMessage()
    subject = bundle_subject(items, day)
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = formataddr((to_name, to_email))
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or "localhost")
    documents, attached_size, attached = [], 0, set()
    from .documents import minutes_docx

    for n, item in enumerate(items):
        data = minutes_docx(item.m)
        if attached_size + len(data) * 4 // 3 <= MAX_ATTACHED:
            documents.append((data, minutes_file_name(item.m)))
            attached_size += len(data) * 4 // 3
            attached.add(n)
    written, written_size = set(), 0
    for n, item in enumerate(items):
        size = len(render_text(item.m).encode()) + sum(len(c.encode()) for c in _corrections_text(item))
        if written_size + size <= MAX_WRITTEN_OUT:
            written.add(n)
            written_size += size
    teams = plural(len({item.m.team_name for item in items}), "team")
    intro = (f"{teams} sent you minutes since your last bundle. "
             + ("Each team's minutes are below" if len(written) == len(items) else
                f"The minutes of {plural(len(written), 'discussion')} are below (the rest are in their Word documents)")
             + (", and attached as Word documents." if attached else "."))

    def where(n: int, item: BundledMinutes) -> str:
        if n in attached:
            return "attached"
        return f"Word document: {item.url}" if item.url else "open it from the bundle's card in Teams"

    text = [f"Dear {to_name},", "", intro, ""]
    for n, item in enumerate(items):
        text.append(f"- {item.m.team_name}: {item.m.briefing_title}, sent {format_datetime(item.m.closed_at)}, "
                    f"{plural(item.m.response_count, 'response')}"
                    + (f", {plural(len(item.corrections), 'correction')} since" if item.corrections else "")
                    + f" ({where(n, item)})")
    for n, item in enumerate(items):
        if n in written:
            text += ["", "", render_text(item.m), *_corrections_text(item)]
    msg.set_content("\n".join(text))
    rows = [{"m": item.m, "closed": format_datetime(item.m.closed_at), "responses": item.m.response_count,
             "attached": n in attached, "url": item.url, "facts": header_facts(item.m), "written": n in written,
             "corrections": _corrections_text(item)} for n, item in enumerate(items)]
    msg.add_alternative(render("bundle_email.html", subject=subject, to_name=to_name, intro=intro, items=rows,
                               footer=f"Forwarded at the request of the {items[0].m.board}." if items else ""),
                        subtype="html")
    for data, name in documents:
        msg.add_attachment(data, maintype="application",
                           subtype="vnd.openxmlformats-officedocument.wordprocessingml.document", filename=name)
    return msg
