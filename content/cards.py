"""Adaptive Card builders (schema 1.5): every card the bot sends is built here, as plain dicts."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any, Iterable, Sequence

from .briefing import Briefing
from .minutes import CompiledMinutes, header_facts
from .digest import Digest, outstanding_line, summary_line
from .report import BriefingReport
from .text import escape_md, format_datetime, plural
from .yamlfile import ContentError, Problem

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
ANSWER_PREFIX = "answer:"
MAX_CARD_BYTES = 28 * 1024  # a message under ~28 KB is safe in every Teams client
MINUTES_BUDGET = 22_000  # bytes of card JSON for the minutes, leaving room for the rest

Card = dict[str, Any]


class Verb(StrEnum):
    """Card actions; each arrives back as `value.verb` and is routed by it."""

    record = "record"  # submit responses to a discussion
    close = "close"  # ask for the minutes preview
    close_confirm = "close_confirm"
    close_cancel = "close_cancel"
    link_organisation = "link_organisation"
    publish_confirm = "publish_confirm"
    publish_cancel = "publish_cancel"
    my_responses = "my_responses"  # show a member's own responses to edit or withdraw
    edit_responses = "edit_responses"
    correction = "correction"  # an addendum to minutes already sent
    confirm_findings = "confirm_findings"  # the responder confirms a privacy finding identifies nobody
    discard = "discard"  # a response that was a live concern, not learning: not recorded
    acknowledge = "acknowledge"  # a lead has received the minutes


def card(body: list[Card], actions: list[Card] | None = None) -> Card:
    out: Card = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body}
    if actions:
        out["actions"] = actions
    return out


def text(value: str, **style: Any) -> Card:
    return {"type": "TextBlock", "text": value, "wrap": True, **style}


def heading(value: str, size: str = "Medium") -> Card:
    return text(value, weight="Bolder", size=size, style="heading")


def facts(pairs: Iterable[tuple[str, str]]) -> Card:
    return {"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in pairs]}


def submit(title: str, verb: Verb, style: str | None = None, **data: Any) -> Card:
    action: Card = {"type": "Action.Submit", "title": title, "data": {"verb": str(verb), **data}}
    if style:
        action["style"] = style
    return action


def markdown_blocks(body: str) -> list[Card]:
    """A section's Markdown as TextBlocks: one per paragraph or list, `###` headings in bold.

    A TextBlock renders emphasis, links and lists but neither headings nor blank lines.
    """
    blocks: list[Card] = []
    for chunk in (c.strip() for c in body.split("\n\n")):
        if not chunk:
            continue
        if chunk.startswith("#"):
            blocks.append(text(f"**{chunk.lstrip('#').strip()}**", spacing="Medium"))
        else:
            blocks.append(text(chunk, spacing="Small"))
    return blocks


def _section_toggle(index: int, title: str, body: str) -> list[Card]:
    target = f"section-{index}"
    return [
        {
            "type": "Container",
            "selectAction": {"type": "Action.ToggleVisibility", "title": f"Show {title}", "targetElements": [target]},
            "items": [text(f"**{title}** \u25BE", color="Accent", spacing="Small")],
        },
        {"type": "Container", "id": target, "isVisible": False, "items": markdown_blocks(body)},
    ]


def _prompts(briefing: Briefing, counts: dict[str, int] | None = None) -> list[Card]:
    """The discussion questions; with `counts`, how many responses each has so far."""
    items: list[Card] = [heading("Points for discussion", "Medium")]
    for theme in briefing.prompts:
        items.append(text(f"**{theme.theme}**", spacing="Medium"))
        lines = [f"{i}. {q.text}" + (f" **({plural(counts.get(q.id, 0), 'response')})**" if counts is not None else "")
                 for i, q in enumerate(theme.questions, 1)]
        items.append(text("\n".join(lines), spacing="Small"))
    return items


def check_fits(briefing: Briefing) -> None:
    """Refuse a briefing whose card Teams would not accept (checked at upload and by validate)."""
    size = len(json.dumps(briefing_card(briefing, "d-" + "0" * 20)).encode())
    if size > MAX_CARD_BYTES:
        raise ContentError([Problem(1, f"too long for a Teams card ({size / 1024:.0f} KB, at most "
                                       f"{MAX_CARD_BYTES // 1024} KB): shorten the sections")])


def response_form(briefing: Briefing, discussion_id: str) -> Card:
    body: list[Card] = [text("Record your team's responses. Each answer is kept with your name; "
                             "anyone in the team can add more until the minutes are sent.", isSubtle=True)]
    for theme in briefing.prompts:
        body.append(text(f"**{theme.theme}**", spacing="Medium"))
        for q in theme.questions:
            body.append({
                "type": "Input.Text", "id": f"{ANSWER_PREFIX}{q.id}", "label": q.text,
                "isMultiline": True, "maxLength": 4000, "placeholder": "Your team's response",
            })
    body.append({"type": "Container", "separator": True, "spacing": "Large", "items": [
        {"type": "Input.Toggle", "id": "for_team", "title": "I'm the note-taker: these are the team's agreed answers",
         "valueOn": "true", "valueOff": "false", "value": "false"},
        {"type": "Input.Number", "id": "present", "label": "Note-taker: how many were present?", "min": 1, "max": 500},
        {"type": "Input.Text", "id": "roles", "label": "Note-taker: roles present (optional, no names)",
         "maxLength": 300, "placeholder": "e.g. two social workers, a health visitor, a team manager"},
    ]})
    return card(body, [submit("Submit responses", Verb.record, "positive", discussion=discussion_id)])


def privacy_review_card(discussion_id: str, items: Sequence[tuple[str, str, list[str], str]]) -> Card:
    """After recording: responses (id, question, kinds found, text with those parts removed) that
    may identify someone. The values found are never shown again."""
    body: list[Card] = [
        heading("Check before these go further"),
        text("Recorded, but something in these responses looks like it could identify a child or family. "
             "The minutes will show [removed: ...] in its place unless you change the response, or confirm "
             "that it identifies nobody.", wrap=True),
    ]
    for response_id, question, found, masked in items:
        body += [
            text(f"**{question}**: looks like {' and '.join(found)}", spacing="Medium"),
            {"type": "Input.Text", "id": f"edit:{response_id}", "label": "Your response (what was found is removed)",
             "isMultiline": True, "maxLength": 4000, "value": masked},
        ]
    return card(body, [
        submit("Save my changes", Verb.edit_responses, "positive", discussion=discussion_id),
        submit("It identifies nobody", Verb.confirm_findings, discussion=discussion_id,
               responses=[item[0] for item in items]),
    ])


def concern_card(discussion_id: str, urgent_contact: str, resubmit: dict[str, Any]) -> Card:
    """A response that reads like a live worry about a child: the referral route first."""
    route = urgent_contact or "your organisation's safeguarding referral route"
    return card([
        heading("Is this about a child at risk now?"),
        text(f"If you are worried about a child now, don't wait for the minutes: contact {route}. "
             "If a child is in immediate danger, call 999.", color="Attention"),
        text("Minutes are for the team's learning, not for referrals. Nothing has been recorded yet."),
    ], [
        submit("It's learning: record it", Verb.record, **{**resubmit, "discussion": discussion_id,
                                                            "learning_confirmed": "true"}),
        submit("Don't record it", Verb.discard, discussion=discussion_id),
    ])


def correction_form(discussion_id: str) -> Card:
    return card([
        text("The minutes have been sent and are final. A correction goes to the same safeguarding "
             "leads as an addendum.", isSubtle=True),
        {"type": "Input.Text", "id": "correction", "label": "Correction", "isMultiline": True, "isRequired": True,
         "errorMessage": "Write the correction", "maxLength": 4000},
    ], [submit("Send the correction", Verb.correction, "positive", discussion=discussion_id)])


def briefing_card(briefing: Briefing, discussion_id: str, *, discuss_by: str | None = None,
                  counts: dict[str, int] | None = None, closed: str | None = None) -> Card:
    """The briefing's thread card. `counts` (responses per question) once the team has started;
    `closed` (who sent the minutes, when) once the discussion is closed."""
    body: list[Card] = [
        text(f"Learning briefing \u00B7 {briefing.board}", size="Small", isSubtle=True),
        heading(briefing.title, "Large"),
        text(f"Issued {briefing.issued_label}" + (f" \u00B7 discuss by {discuss_by}" if discuss_by else ""),
             isSubtle=True, spacing="None"),
        text(briefing.short_summary),
        text("Select a heading to read that part of the briefing.", size="Small", isSubtle=True),
    ]
    for i, section in enumerate(briefing.sections):
        body.extend(_section_toggle(i, section.heading, section.body))
    body.append({"type": "Container", "separator": True, "spacing": "Large", "items": _prompts(briefing, counts)})
    if closed:
        body.append(text(closed, weight="Bolder", color="Good"))
        return card(body, [{"type": "Action.ShowCard", "title": "Send a correction",
                            "card": correction_form(discussion_id)}])
    body.append(text("Discuss these in your team meeting, record the team's responses here, then close the "
                     "discussion to send the minutes to your safeguarding lead.", size="Small", isSubtle=True))
    actions = [
        {"type": "Action.ShowCard", "title": "Record responses", "card": response_form(briefing, discussion_id)},
        submit("My responses", Verb.my_responses, discussion=discussion_id),
        submit("Close and send minutes", Verb.close, discussion=discussion_id),
    ]
    return card(body, actions)


def my_responses_card(discussion_id: str, responses: Sequence[tuple[str, str, str]]) -> Card:
    """A member's own responses (id, question, text), to edit or withdraw until the minutes are sent."""
    if not responses:
        return card([text("You haven't recorded any responses to this briefing yet.")])
    body: list[Card] = [heading("Your responses"),
                        text("Change the text, or tick Withdraw, then save. This is possible until the minutes are "
                             "sent.", isSubtle=True)]
    for response_id, question, value in responses:
        body += [
            text(f"**{question}**", spacing="Medium"),
            {"type": "Input.Text", "id": f"edit:{response_id}", "label": "Your response", "isMultiline": True,
             "maxLength": 4000, "value": value},
            {"type": "Input.Toggle", "id": f"withdraw:{response_id}", "title": "Withdraw this response",
             "valueOn": "true", "valueOff": "false", "value": "false"},
        ]
    return card(body, [submit("Save changes", Verb.edit_responses, "positive", discussion=discussion_id)])


def meeting_card(briefing: Briefing, discussion_id: str) -> Card:
    """Posted in a channel meeting's chat when it starts: the prompts and the response form."""
    body: list[Card] = [
        text(f"Learning briefing \u00B7 {briefing.board}", size="Small", isSubtle=True),
        heading(f"For this meeting: {briefing.title}", "Medium"),
        text(briefing.short_summary),
        *_prompts(briefing),
        text("Record the team's responses here. When you're done, close the discussion on the briefing's "
             "thread in the channel to send the minutes.", size="Small", isSubtle=True),
    ]
    return card(body, [{"type": "Action.ShowCard", "title": "Record responses",
                        "card": response_form(briefing, discussion_id)}])


def _clip(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "\u2026"


def minutes_body(m: CompiledMinutes, overflow: str) -> list[Card]:
    """The minutes as card elements, kept under the size Teams accepts everywhere.

    Long responses are clipped and, past the budget, left out with `overflow` saying where
    the full minutes are ({count} is replaced by how many were left out).
    """
    body: list[Card] = [
        text(f"Team minutes \u00B7 {m.board}", size="Small", isSubtle=True),
        heading(m.briefing_title, "Large"),
        facts([(k, escape_md(v)) for k, v in header_facts(m) if k != "Briefing"]),
    ]
    shown: dict[tuple[int, int], list[Card]] = {}

    def themes() -> list[Card]:
        out = []
        for t, theme in enumerate(m.themes):
            items: list[Card] = [heading(theme.theme, "Medium")]
            for q_index, q in enumerate(theme.questions):
                items.append(text(f"**{q.text}**", spacing="Medium"))
                if not q.entries:
                    items.append(text("No responses recorded.", isSubtle=True, spacing="Small"))
                items.extend(shown.get((t, q_index), []))
            out.append({"type": "Container", "separator": True, "spacing": "Medium", "items": items})
        return out

    # The headings and questions always show; responses fill what the budget leaves, in order.
    budget = MINUTES_BUDGET - len(json.dumps(body + themes()))
    left_out = 0
    for t, theme in enumerate(m.themes):
        for q_index, q in enumerate(theme.questions):
            for e in q.entries:
                item = text(f"{escape_md(_clip(e.text, 1000))} \u2014 _{escape_md(e.author)}_", spacing="Small")
                cost = len(json.dumps(item)) + 2
                if left_out or cost > budget:
                    left_out += 1
                    continue
                budget -= cost
                shown.setdefault((t, q_index), []).append(item)
    body += themes()
    if left_out:
        body.append(text(overflow.format(count=plural(left_out, "more response")), weight="Bolder", spacing="Medium"))
    return body


def minutes_preview_card(m: CompiledMinutes, discussion_id: str, lead_names: Sequence[str]) -> Card:
    to = ", ".join(lead_names) or "the safeguarding lead"
    body = [text(f"**Check the minutes before they go.** Confirming closes the discussion and sends these "
                 f"minutes to {escape_md(to)} ({m.organisation_name}).", color="Attention"),
            *minutes_body(m, "\u2026and {count}, not shown here for length; all of them will be sent.")]
    return card(body, [
        submit("Confirm and send", Verb.close_confirm, "positive", discussion=discussion_id),
        submit("Not yet", Verb.close_cancel, discussion=discussion_id),
    ])


def sent_minutes_card(m: CompiledMinutes, to: str) -> Card:
    """The reviewed minutes once confirmed: what was sent, without the buttons."""
    return card([text(f"**Sent to {escape_md(to)}.**", color="Good"),
                 *minutes_body(m, "\u2026and {count}, not shown here for length; all of them were sent.")])


def minutes_card(m: CompiledMinutes, *, discussion_id: str | None = None, document_url: str | None = None,
                 received: str | None = None) -> Card:
    """The minutes in a lead's chat: a link to the Word document, and a Received button (or who
    received them, once they have)."""
    intro = text(f"{escape_md(m.team_name)} has discussed a learning briefing and sent you its minutes.")
    body = [intro, *minutes_body(m, "\u2026and {count}, not shown here for length: the full minutes are in the "
                                    "Word document and the email sent to you.")]
    actions: list[Card] = []
    if document_url:
        actions.append({"type": "Action.OpenUrl", "title": "Open the minutes (Word)", "url": document_url})
    if received:
        body.append(text(received, color="Good", weight="Bolder"))
    elif discussion_id:
        actions.append(submit("Received", Verb.acknowledge, "positive", discussion=discussion_id))
    return card(body, actions)


def addendum_card(m: CompiledMinutes, correction: str, author: str, when: str) -> Card:
    """A correction to minutes already sent, for the same leads."""
    return card([
        text(f"Correction to team minutes \u00B7 {m.board}", size="Small", isSubtle=True),
        heading(m.briefing_title, "Medium"),
        facts([("Team", escape_md(m.team_name)), ("Organisation", m.organisation_name),
               ("Minutes sent", format_datetime(m.closed_at)), ("Correction", f"{escape_md(author)}, {when}")]),
        text(escape_md(_clip(correction, 4000)), spacing="Medium"),
    ])


def organisation_card(team_name: str, organisations: Sequence[tuple[str, str]], current: str | None = None) -> Card:
    body = [
        heading("Which organisation is this team part of?"),
        text(f"Minutes from **{escape_md(team_name)}** go to that organisation's safeguarding lead, "
             "and nobody else's."),
        {
            "type": "Input.ChoiceSet", "id": "organisation", "label": "Organisation", "isRequired": True,
            "errorMessage": "Choose an organisation", "style": "expanded", "value": current or "",
            "choices": [{"title": name, "value": org_id} for org_id, name in organisations],
        },
    ]
    return card(body, [submit("Save", Verb.link_organisation, "positive")])


def publish_preview_card(briefing: Briefing, audiences: Sequence[tuple[str, str]], team_count: int,
                         findings: Sequence[str] = ()) -> Card:
    body = [
        text("Publish a learning briefing", size="Small", isSubtle=True),
        heading(briefing.title, "Large"),
        text(f"Issued {briefing.issued_label} \u00B7 {plural(len(briefing.sections), 'section')} \u00B7 "
             f"{plural(len(briefing.questions()), 'discussion question')}", isSubtle=True, spacing="None"),
        text(briefing.short_summary),
        {
            "type": "Input.ChoiceSet", "id": "to", "label": "Send to", "value": "all", "isRequired": True,
            "errorMessage": "Choose who to send it to",
            "choices": [{"title": title, "value": value} for value, title in audiences],
        },
        {"type": "Input.Date", "id": "discuss_by", "label": "Discuss by (optional)"},
        text(f"{plural(team_count, 'team')} registered. Each gets the briefing as a new thread in its "
             "General channel; a team that already has it is not sent it again.", size="Small", isSubtle=True),
    ]
    if findings:
        body.insert(4, text("**This briefing contains what looks like " + "; ".join(findings) + ".** Publish it only "
                            "if none of it identifies a child or family.", color="Attention"))
        return card(body, [
            submit("Publish anyway: it identifies nobody", Verb.publish_confirm, "destructive", briefing=briefing.id,
                   allow_identifiers=True),
            submit("Cancel", Verb.publish_cancel, briefing=briefing.id),
        ])
    return card(body, [
        submit("Publish", Verb.publish_confirm, "positive", briefing=briefing.id),
        submit("Cancel", Verb.publish_cancel, briefing=briefing.id),
    ])


def report_card(report: BriefingReport, url: str | None) -> Card:
    """The board's summary of one briefing, with a link to the full report when there is one."""
    body = [
        text("Report for the board", size="Small", isSubtle=True),
        heading(report.title, "Large"),
        facts([
            ("Reach", f"{plural(report.teams_delivered, 'team')} in {plural(report.organisations_delivered, 'organisation')}"),
            ("Discussed", f"{report.teams_discussed} of {report.teams_delivered} teams, "
                          f"{plural(report.responses, 'response')}"),
            ("Minutes sent", f"{report.minutes_sent}" + (f" ({report.on_time} on time)" if report.discuss_by else "")),
            ("Received by leads", str(report.acknowledged)),
        ]),
        facts([(o.organisation_name, f"{o.teams_delivered} delivered, {o.teams_discussed} discussed, "
                                     f"{o.minutes_sent} minutes sent") for o in report.organisations]),
    ]
    if not url:
        body.append(text("Set LEARNING_BOT_PUBLIC_URL for a link to the full report.", size="Small", isSubtle=True))
        return card(body)
    return card(body, [{"type": "Action.OpenUrl", "title": "Open the full report", "url": url}])


def digest_card(d: Digest) -> Card:
    """A lead's digest in chat: for their organisation only."""
    body: list[Card] = [text("Digest", size="Small", isSubtle=True), heading(", ".join(d.organisations), "Large")]
    if not d.briefings:
        body.append(text("No briefings have reached your organisation's teams yet.", isSubtle=True))
    for b in d.briefings:
        items: list[Card] = [heading(b.title, "Medium"), text(summary_line(b), spacing="Small")]
        for m in b.minutes:
            label = text(f"Minutes: {escape_md(m.team)}, {m.closed}", spacing="Small",
                         **({"color": "Accent"} if m.url else {}))
            items.append({"type": "Container", "items": [label],
                          **({"selectAction": {"type": "Action.OpenUrl", "title": "Open the minutes", "url": m.url}}
                             if m.url else {})})
        if b.outstanding:
            items.append(text("**Outstanding**", spacing="Medium"))
            items.append(text("\n".join(f"- {escape_md(outstanding_line(o))}" for o in b.outstanding), spacing="Small"))
        body.append({"type": "Container", "separator": True, "spacing": "Medium", "items": items})
    return card(body)


def help_card(title: str, commands: Sequence[tuple[str, str]], footer: str = "") -> Card:
    body = [heading(title), facts(commands)]
    if footer:
        body.append(text(footer, size="Small", isSubtle=True))
    return card(body)


def list_card(title: str, rows: Sequence[tuple[str, str]], empty: str) -> Card:
    return card([heading(title), facts(rows) if rows else text(empty, isSubtle=True)])
