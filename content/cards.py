"""Adaptive Card builders (schema 1.5): every card the bot sends is built here, as plain dicts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Callable, Iterable, Sequence, TypeVar

from .briefing import BriefingDoc
from .impact import IMPACT_QUESTION, ImpactUpdate, labels
from .minutes import BundledMinutes, CompiledMinutes, header_facts
from .text import escape_md, format_datetime, plural
from .yamlfile import ContentError, Problem

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
ANSWER_PREFIX = "answer:"
AT_RISK_NOW = "at_risk_now"  # the response form's tick box: a child at risk now, so nothing is recorded
MAX_CARD_BYTES = 28 * 1024  # a message under ~28 KB is safe in every Teams client
MINUTES_BUDGET = 22_000  # bytes of card JSON for the minutes, leaving room for the rest
ATTACHMENT = "application/vnd.microsoft.card.adaptive"

Card = dict[str, Any]
T = TypeVar("T")


class Verb(StrEnum):
    """Card actions; each arrives back as `value.verb` and is routed by it."""

    record = "record"  # submit responses to a discussion
    close = "close"  # ask for the minutes preview
    close_confirm = "close_confirm"
    close_cancel = "close_cancel"
    link_organisation = "link_organisation"
    organisation_confirm = "organisation_confirm"  # move a team that has discussions to another organisation
    organisation_cancel = "organisation_cancel"
    publish_confirm = "publish_confirm"
    publish_cancel = "publish_cancel"
    my_responses = "my_responses"  # show a member's own responses to edit or withdraw
    edit_responses = "edit_responses"
    correction = "correction"  # an addendum to minutes already sent
    confirm_findings = "confirm_findings"  # the responder confirms a privacy finding identifies nobody
    discard = "discard"  # a response that was a live concern, not learning: not recorded
    acknowledge = "acknowledge"  # a lead has received the minutes
    show_thread = "show_thread"  # back to the briefing's card, for the person who pressed
    draft_open = "draft_open"  # board staff: a draft's preview and publish form
    draft_test = "draft_test"  # board staff: the card teams will get, posted to them, recording nothing
    draft_discard = "draft_discard"  # board staff: a draft is deleted
    draft_replace = "draft_replace"  # board staff: a new version of a draft replaces it
    draft_keep = "draft_keep"  # board staff: the new version is not kept
    publish_approve = "publish_approve"  # an approver approves a publish request
    publish_reject = "publish_reject"  # an approver rejects one, with a reason
    publish_withdraw = "publish_withdraw"  # board staff cancel a request waiting for approval or its time
    publish_retry = "publish_retry"  # board staff try again the deliveries of a briefing that failed
    briefing_correction = "briefing_correction"  # board staff correct a published briefing on every thread
    lead_reply = "lead_reply"  # a lead's short reply to a team, posted in its thread
    my_view = "my_view"  # a card's refresh: the person's own view of a thread's card (never acts)
    acknowledge_bundle = "acknowledge_bundle"  # a lead has received every team's minutes in a daily bundle
    minutes_delivery = "minutes_delivery"  # a lead chooses: minutes as they come, or one bundle a working day
    follow_up_answer = "follow_up_answer"  # a team says how its agreed actions went (to its lead)
    show_follow_up = "show_follow_up"  # back to a follow-up card, for the person who pressed


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


def execute(title: str, verb: Verb, style: str | None = None, **data: Any) -> Card:
    """A Universal Action: Teams sends it to the bot as an invoke, and the card the bot answers
    with replaces this one for the person who pressed alone (a private view in a channel)."""
    action: Card = {"type": "Action.Execute", "title": title, "verb": str(verb), "data": data}
    if style:
        action["style"] = style
    return action


def back_to_briefing(discussion_id: str) -> Card:
    return execute("Back to the briefing", Verb.show_thread, discussion=discussion_id)


def back_to_follow_up(discussion_id: str, actions: object) -> Card:
    return execute("Back to the follow-up", Verb.show_follow_up, discussion=discussion_id, actions=actions)


def card_bytes(body: Card) -> int:
    """A card's size as the bot sends it: the activity attachment as JSON (non-ASCII escaped), in bytes."""
    return len(json.dumps({"contentType": ATTACHMENT, "content": body}).encode())


def room(body: Card, reserve: int = 1024) -> int:
    """Bytes still free in `body` for a list, keeping `reserve` for what follows it."""
    return MAX_CARD_BYTES - card_bytes(body) - reserve


def take(items: Sequence[T], render: Callable[[T], Card | list[Card]], budget: int,
         limit: int | None = None) -> tuple[list[Card], int]:
    """The elements of the first `items` (at most `limit`) that fit in `budget` bytes, in order:
    (elements, how many items were left out)."""
    shown: list[Card] = []
    count = 0
    for item in items[:limit]:
        rendered = render(item)
        elements = rendered if isinstance(rendered, list) else [rendered]
        cost = len(json.dumps(elements))  # ASCII-escaped, so characters are bytes (brackets pay for commas)
        if cost > budget:
            break
        budget -= cost
        shown.extend(elements)
        count += 1
    return shown, len(items) - count


def fitting_choices(pairs: Sequence[tuple[str, str]], budget: int) -> list[Card] | None:
    """(value, title) choices for a ChoiceSet within `budget` bytes, titles shortened if need be
    (a long directory); None when even short titles do not fit."""
    for limit in (200, 100, 60, 40, 24):
        choices = [{"title": _clip(title, limit), "value": value} for value, title in pairs]
        if len(json.dumps(choices)) <= budget:
            return choices
    return None


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


def _prompts(briefing: BriefingDoc, counts: dict[str, int] | None = None) -> list[Card]:
    """The discussion questions; with `counts`, how many responses each has so far."""
    items: list[Card] = [heading("Points for discussion", "Medium")]
    for theme in briefing.prompts:
        items.append(text(f"**{theme.theme}**", spacing="Medium"))
        lines = [f"{i}. {q.text}" + (f" **({plural(counts.get(q.id, 0), 'response')})**" if counts is not None else "")
                 for i, q in enumerate(theme.questions, 1)]
        items.append(text("\n".join(lines), spacing="Small"))
    return items


VIEWS_KEPT = 12  # people whose own view of a thread's card every briefing has room for (a busy meeting's)


def check_fits(briefing: BriefingDoc) -> None:
    """Refuse a briefing whose card Teams would not accept (checked at upload and by validate), as it
    is at its largest: a discuss-by date, every question's count of responses, a correction, and
    room for VIEWS_KEPT people's own views of it (more are listed when there is room)."""
    largest = briefing_card(briefing, "d-" + "0" * 20, discuss_by="30 September 2026",
                            counts={q.id: 10_000 for q in briefing.questions()},
                            corrections=[("30 September 2026", "x" * MAX_CORRECTION)] * 100)
    views = {"action": execute("Show my view", Verb.my_view, discussion="d-" + "0" * 20),
             "userIds": ["29:1" + "x" * 84] * VIEWS_KEPT}
    size = card_bytes({**largest, "refresh": views})
    if size > MAX_CARD_BYTES:
        raise ContentError([Problem(1, f"too long for a Teams card ({size / 1024:.0f} KB, at most "
                                       f"{MAX_CARD_BYTES // 1024} KB): shorten the sections")])


def _route_line(briefing: BriefingDoc) -> Card:
    """The briefing's referral route in one line, in sight wherever responses are typed."""
    route = briefing.urgent_contact or "your organisation's safeguarding referral route"
    return text(f"**A child at risk now?** Don't record it here: contact {route}. In immediate danger, call 999.",
                size="Small", color="Attention")


def response_form(briefing: BriefingDoc, discussion_id: str) -> Card:
    body: list[Card] = [text("Record what the team said. The minutes show each answer with the person's name, or as "
                             "the team's, as the team has chosen; anyone in the team can add more until the minutes "
                             "are sent.", isSubtle=True),
                        _route_line(briefing),
                        {"type": "Input.Toggle", "id": AT_RISK_NOW, "title": "This is about a child at risk now",
                         "valueOn": "true", "valueOff": "false", "value": "false"}]
    # The questions are listed just above the form (Points for discussion): each box names its
    # theme and number there, so the card says each question once.
    for theme in briefing.prompts:
        for n, q in enumerate(theme.questions, 1):
            body.append({
                "type": "Input.Text", "id": f"{ANSWER_PREFIX}{q.id}", "label": f"{theme.theme}, question {n}",
                "isMultiline": True, "maxLength": 4000, "placeholder": "What the team said", "spacing": "Medium",
            })
    # The note-taker's fields are for one person in a meeting: behind a button, not in everyone's way.
    body.append({"type": "ActionSet", "separator": True, "spacing": "Large", "actions": [
        {"type": "Action.ToggleVisibility", "title": "I'm the note-taker for the meeting",
         "targetElements": [f"note-taker-{discussion_id}"]}]})
    body.append({"type": "Container", "id": f"note-taker-{discussion_id}", "isVisible": False, "items": [
        {"type": "Input.Toggle", "id": "for_team", "title": "These are the team's agreed answers",
         "valueOn": "true", "valueOff": "false", "value": "false"},
        {"type": "Input.Number", "id": "present", "label": "Note-taker: how many were present?", "min": 1, "max": 500},
        {"type": "Input.Text", "id": "roles", "label": "Note-taker: roles present (optional, no names)",
         "maxLength": 300, "placeholder": "e.g. two social workers, a health visitor, a team manager"},
    ]})
    # Action.Execute: what the bot answers (a live-concern question, say) is seen by this person only.
    return card(body, [execute("Submit responses", Verb.record, "positive", discussion=discussion_id)])


def privacy_review_card(discussion_id: str, items: Sequence[tuple[str, str, list[str], str]]) -> Card:
    """After recording: responses (id, question, kinds found, text with those parts removed) that
    may identify someone. The values found are never shown again. As many as fit; the rest are
    counted, and can be changed from My responses."""
    body: list[Card] = [
        heading("Check before these go further"),
        text("Recorded, but something in these responses looks like it could identify a child or family. "
             "The minutes will show [removed: ...] in its place unless you change the response, or confirm "
             "that it identifies nobody.", wrap=True),
    ]

    def review(item: tuple[str, str, list[str], str]) -> list[Card]:
        response_id, question, found, masked = item
        return [text(f"**{question}**: looks like {' and '.join(found)}", spacing="Medium"),
                {"type": "Input.Text", "id": f"edit:{response_id}", "isMultiline": True, "maxLength": 4000,
                 "label": "Your response (what was found is removed)", "value": masked}]

    shown, left_out = take(items, review, room(card(body), 2048))
    body += shown
    if left_out:
        body.append(text(f"{plural(left_out, 'more response')} to check, not shown here for length: change "
                         "them from **My responses** on the briefing's thread.", weight="Bolder", spacing="Medium"))
    ids = [item[0] for item in items[:len(items) - left_out]]
    return card(body, [
        execute("Save my changes", Verb.edit_responses, "positive", discussion=discussion_id),
        execute("It identifies nobody", Verb.confirm_findings, discussion=discussion_id, responses=ids),
    ])


def concern_card(discussion_id: str, urgent_contact: str, resubmit: dict[str, Any] | None,
                 verb: Verb = Verb.record, *, in_the_open: bool = False) -> Card:
    """A response that reads like a live worry about a child: the referral route first, and a button
    to record it after all (`resubmit`: the form's values, sent back with `verb`) if it is learning.
    Without `resubmit`, the responder ticked "a child at risk now": the route, and nothing to record."""
    route = urgent_contact or "your organisation's safeguarding referral route"
    if in_the_open:  # a reply the whole conversation sees: it carries nothing of what was typed
        return card([
            heading("Is this about a child at risk now?"),
            text(f"If you are worried about a child now, don't wait for the minutes: contact {route}. "
                 "If a child is in immediate danger, call 999.", color="Attention"),
            text("Nothing has been recorded. If it is learning, not a referral, record it again from the "
                 "briefing's card: you will be asked there, privately."),
        ], [back_to_briefing(discussion_id)])
    if resubmit is None:
        return card([
            heading("Please use the referral route now"),
            text(f"Don't wait for the minutes: contact {route} now. "
                 "If a child is in immediate danger, call 999.", color="Attention"),
            text("Nothing has been recorded: the minutes are for the team's learning, not for referrals."),
        ], [back_to_briefing(discussion_id)])
    body = [
        heading("Is this about a child at risk now?"),
        text(f"If you are worried about a child now, don't wait for the minutes: contact {route}. "
             "If a child is in immediate danger, call 999.", color="Attention"),
        text("Minutes are for the team's learning, not for referrals. Nothing has been recorded yet."),
    ]
    # Only the person who wrote it may choose (checked again when it comes back).
    # A held answer to a follow-up goes back to the follow-up, not to the briefing.
    back = {"back_to": "follow_up", "actions": resubmit.get("actions")} if verb is Verb.follow_up_answer else {}
    discard = execute("Don't record it", Verb.discard, discussion=discussion_id, **back,
                      **({"held_for": resubmit["held_for"]} if "held_for" in resubmit else {}))
    learning = execute("It's learning: record it", verb,
                       **{**resubmit, "discussion": discussion_id, "learning_confirmed": "true"})
    whole = card(body, [learning, discard])
    if len(json.dumps(whole).encode()) <= MAX_CARD_BYTES:
        return whole
    # Too much text to carry back on a card Teams accepts: it can be sent again in parts.
    return card(body + [text("If it is learning, submit it again in shorter parts: there is too much to "
                             "carry back on this card.", isSubtle=True)], [discard])


def concern_again_card(discussion_id: str, urgent_contact: str) -> Card:
    """The question about a child at risk now, shown again to its writer after the thread's card was
    updated: what they wrote was never kept, so only the route, and the way back."""
    route = urgent_contact or "your organisation's safeguarding referral route"
    return card([
        heading("Is this about a child at risk now?"),
        text(f"If you are worried about a child now, don't wait for the minutes: contact {route}. "
             "If a child is in immediate danger, call 999.", color="Attention"),
        text("What you wrote has not been recorded or kept. If it is learning, not a referral, record it "
             "again from the briefing's card."),
    ], [back_to_briefing(discussion_id)])


def correction_form(briefing: BriefingDoc, discussion_id: str) -> Card:
    return card([
        text("The minutes have been sent and are final. A correction goes to the same safeguarding "
             "leads as an addendum.", isSubtle=True),
        _route_line(briefing),
        {"type": "Input.Text", "id": "correction", "label": "Correction", "isMultiline": True, "isRequired": True,
         "errorMessage": "Write the correction", "maxLength": 4000},
    # Action.Execute: a correction held as a possible live concern is answered to its writer alone.
    ], [execute("Send the correction", Verb.correction, "positive", discussion=discussion_id)])


MAX_CORRECTION = 400  # characters in a correction to a published briefing
SHOWN_CORRECTIONS = 1  # the latest, on the card (it says so when there were others)


def briefing_card(briefing: BriefingDoc, discussion_id: str, *, discuss_by: str | None = None,
                  counts: dict[str, int] | None = None, closed: str | None = None,
                  corrections: Sequence[tuple[str, str]] = ()) -> Card:
    """The briefing's thread card. `counts` (responses per question) once the team has started;
    `closed` (who sent the minutes, when) once the discussion is closed; `corrections` (date, note)
    the board has made since publishing it, the latest shown above it."""
    # Checked to fit when made (see check_fits): an ASCII note of MAX_CORRECTION is allowed for.
    banner: list[Card] = [text(f"**Correction from the board, {when}:** {escape_md(_clip(note, MAX_CORRECTION))}"
                               + (f" _({plural(len(corrections) - 1, 'earlier correction')})_" if len(corrections) > 1
                                  else ""), color="Attention") for when, note in corrections[-SHOWN_CORRECTIONS:]]
    body: list[Card] = [
        *banner,
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
        body.append(text(f"\u2713 {closed}", weight="Bolder"))  # a word and a mark, not a colour
        return card(body, [{"type": "Action.ShowCard", "title": "Send a correction",
                            "card": correction_form(briefing, discussion_id)}])
    body.append(text("Discuss these in your team meeting, record the team's responses here, then close the "
                     "discussion to send the minutes to your safeguarding lead.", size="Small", isSubtle=True))
    actions = [
        {"type": "Action.ShowCard", "title": "Record responses", "card": response_form(briefing, discussion_id)},
        execute("My responses", Verb.my_responses, discussion=discussion_id),
        execute("Close and send minutes", Verb.close, discussion=discussion_id),
    ]
    return card(body, actions)


def with_views(body: Card, discussion_id: str, user_ids: Sequence[str]) -> None:
    """A thread's card with a `refresh`: the people listed (the first, as many as the card has room
    for, at most 60) see their own view of it in its place, which Teams asks the bot for with
    `my_view`; everyone else sees the card as it is."""
    if not user_ids:
        return
    body["refresh"] = {"action": execute("Show my view", Verb.my_view, discussion=discussion_id), "userIds": []}
    budget = room(body, 256)
    for user_id in user_ids[:60]:
        cost = len(json.dumps(user_id).encode()) + 2
        if cost > budget:
            break
        body["refresh"]["userIds"].append(user_id)
        budget -= cost
    if not body["refresh"]["userIds"]:
        del body["refresh"]


def my_responses_card(discussion_id: str, responses: Sequence[tuple[str, str, str]], start: int = 0) -> Card:
    """A member's own responses (id, question, text), to edit or withdraw until the minutes are sent:
    from `start`, as many as fit, with a button for the next ones."""
    if not responses:
        return card([text("You haven't recorded any responses to this briefing yet.")])
    start = min(max(start, 0), len(responses) - 1)
    body: list[Card] = [heading("Your responses"),
                        text("Change the text, or tick Withdraw, then save. This is possible until the minutes are "
                             "sent.", isSubtle=True)]

    def editable(item: tuple[str, str, str]) -> list[Card]:
        response_id, question, value = item
        return [text(f"**{question}**", spacing="Medium"),
                {"type": "Input.Text", "id": f"edit:{response_id}", "label": "Your response", "isMultiline": True,
                 "maxLength": 4000, "value": value},
                {"type": "Input.Toggle", "id": f"withdraw:{response_id}", "title": "Withdraw this response",
                 "valueOn": "true", "valueOff": "false", "value": "false"}]

    def withdraw_only(item: tuple[str, str, str]) -> list[Card]:
        """A response too long to edit within a card (text that is not plain ASCII counts several times):
        shown shortened; it can be withdrawn and recorded again."""
        response_id, question, value = item
        return [text(f"**{question}**", spacing="Medium"),
                text(escape_md(_clip(value, 600)) + " _(too long to change here: withdraw it and record it again)_",
                     spacing="Small"),
                {"type": "Input.Toggle", "id": f"withdraw:{response_id}", "title": "Withdraw this response",
                 "valueOn": "true", "valueOff": "false", "value": "false"}]

    page = responses[start:]
    budget = room(card(body), 2048)
    shown, left_out = take(page, editable, budget)
    if not shown:  # the first alone is too long for a card
        shown, _ = take(page[:1], withdraw_only, budget)
        left_out = len(page) - 1
    if start or left_out:
        body.insert(2, text(f"Showing {start + 1:,} to {len(page) - left_out + start:,} of your "
                            f"{plural(len(responses), 'response')}. Save your changes before moving on.",
                            isSubtle=True, spacing="None"))
    body += shown
    actions = [execute("Save changes", Verb.edit_responses, "positive", discussion=discussion_id)]
    if left_out:
        actions.append(execute("Show the next ones", Verb.my_responses, discussion=discussion_id,
                              start=start + len(page) - left_out))
    return card(body, actions)


def meeting_card(briefing: BriefingDoc, discussion_id: str) -> Card:
    """Posted in a channel meeting's chat when it starts: the prompts and the response form."""
    body: list[Card] = [
        text(f"Learning briefing \u00B7 {briefing.board}", size="Small", isSubtle=True),
        heading(f"For this meeting: {briefing.title}", "Medium"),
        text(briefing.short_summary),
        *_prompts(briefing),
        text("Record the team's responses here. When you're done, close the discussion on the briefing's "
             "thread in the channel to send the minutes.", size="Small", isSubtle=True),
        _route_line(briefing),
    ]
    return card(body, [{"type": "Action.ShowCard", "title": "Record responses",
                        "card": response_form(briefing, discussion_id)}])


def _clip(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "\u2026"


def clip_bytes(value: str, limit: int) -> str:
    """`value`, shortened with an ellipsis if need be, taking at most `limit` bytes of a card's JSON
    (where a character that is not ASCII takes 6 or 12)."""
    if len(json.dumps(value)) <= limit:
        return value
    low, high = 0, len(value)
    while low < high:
        mid = (low + high + 1) // 2
        if len(json.dumps(value[:mid] + "\u2026")) <= limit:
            low = mid
        else:
            high = mid - 1
    return value[:low].rstrip() + "\u2026"


MAX_ACTIONS = 5  # agreed at one close; more is a plan for another meeting
ACTION_FIELDS = ("what", "owner", "due", "embedded")
TYPED_FIELDS = ("what", "owner", "embedded")  # the date is sent as shown (a default) whether typed in or not


def action_field(n: int, field: str) -> str:
    """The id of one of action `n`'s inputs on the review card (n from 1)."""
    return f"action{n}_{field}"


def action_inputs(drafts: Sequence[dict[str, str]], default_due: str) -> list[Card]:
    """The review card's "Actions agreed" section: one action's inputs shown, each further one behind
    "Add another action" (shown at once when it holds something typed before: `drafts`, by position)."""
    shown = max(1, max((n for n, d in enumerate(drafts, start=1) if any(d.get(f) for f in TYPED_FIELDS)), default=0))
    items: list[Card] = [
        heading("Actions agreed (optional)", "Medium"),
        text("What will your team do differently because of this briefing? Add each action, who will do it and "
             "by when: on that day the thread asks how it went, and the answer goes to your safeguarding lead.",
             isSubtle=True, spacing="Small"),
    ]
    for n in range(1, MAX_ACTIONS + 1):
        draft = drafts[n - 1] if n <= len(drafts) else {}
        slot: list[Card] = [
            text(f"**Action {n}**", spacing="Medium"),
            {"type": "Input.Text", "id": action_field(n, "what"), "label": "What will be done",
             "isMultiline": True, "maxLength": 500, "value": draft.get("what", ""),
             "placeholder": "e.g. Add a police invite step to our strategy meeting checklist"},
            {"type": "Input.Text", "id": action_field(n, "owner"), "label": "Who will do it (a role or a name)",
             "maxLength": 100, "value": draft.get("owner", ""), "placeholder": "e.g. Team manager"},
            {"type": "Input.Date", "id": action_field(n, "due"), "label": "By when",
             "value": draft.get("due") or default_due},
            {"type": "Input.Text", "id": action_field(n, "embedded"),
             "label": "How will you know it is embedded? (optional)", "maxLength": 300,
             "value": draft.get("embedded", ""), "placeholder": "e.g. Audit of five strategy meetings in June"},
        ]
        if n < MAX_ACTIONS:
            slot.append({"type": "ActionSet", "id": f"more_{n}", "isVisible": n >= shown, "actions": [
                {"type": "Action.ToggleVisibility", "title": "Add another action", "targetElements": [
                    {"elementId": f"action_{n + 1}", "isVisible": True},
                    {"elementId": f"more_{n}", "isVisible": False}]}]})
        items.append({"type": "Container", "id": f"action_{n}", "isVisible": n <= shown, "items": slot})
    return [{"type": "Container", "separator": True, "spacing": "Large", "items": items}]


def actions_section(m: CompiledMinutes) -> list[Card]:
    """The minutes' "Actions agreed", as card elements (every action: they are few, and short)."""
    items: list[Card] = [heading("Actions agreed", "Medium")]
    if not m.actions:
        items.append(text(m.no_actions(), isSubtle=True, spacing="Small"))
    for a in m.actions:
        what, who, by, known = a.columns()
        items += [text(f"**{escape_md(_clip(what, 500))}**", spacing="Medium"),
                  facts([("Who", escape_md(who)), ("By", by), ("Embedded when", escape_md(_clip(known, 300)))])]
    return [{"type": "Container", "separator": True, "spacing": "Medium", "items": items}]


def minutes_body(m: CompiledMinutes, overflow: str, preview: bool = False, reserve: int = 0) -> list[Card]:
    """The minutes as card elements, kept under the size Teams accepts everywhere.

    Long responses are clipped and, past the budget, left out with `overflow` saying where
    the full minutes are ({count} is replaced by how many were left out). A `preview` (before the
    close is confirmed) says neither who closed it nor when the meeting was: not yet known, and
    shows no actions (they are being typed: `reserve` bytes are left for their inputs).
    """
    left_out_facts = {"Briefing"} | ({"Closed by", "Meeting date"} if preview else set())
    body: list[Card] = [
        text(f"Team minutes \u00B7 {m.board}", size="Small", isSubtle=True),
        heading(m.briefing_title, "Large"),
        facts([(k, escape_md(v)) for k, v in header_facts(m) if k not in left_out_facts]),
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
    tail = [] if preview or m.actions is None else actions_section(m)
    budget = MINUTES_BUDGET - reserve - len(json.dumps(body + themes() + tail))
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
    return body + tail


def minutes_preview_card(m: CompiledMinutes, discussion_id: str, lead_names: Sequence[str],
                         meeting_day: str = "", *, default_due: str = "",
                         drafts: Sequence[dict[str, str]] = ()) -> Card:
    """Before closing: what will happen, the date of the meeting (`meeting_day`, YYYY-MM-DD, as known),
    the minutes as they will go, and the actions the team agreed (`drafts`: as typed before, when the
    card comes back with something to put right; `default_due`: an action's date until one is chosen)."""
    to = ", ".join(lead_names) or "the safeguarding lead"
    inputs = action_inputs(drafts, default_due)
    body = [text(f"**You are about to close this discussion** and send these minutes to {escape_md(to)} "
                 f"({m.organisation_name}). After that nothing more can be recorded; a correction can still "
                 "be sent.", color="Attention"),
            {"type": "Input.Date", "id": "meeting_date", "label": "Date of the meeting that discussed it",
             "value": meeting_day, "isRequired": True, "errorMessage": "Choose the date of the meeting"},
            *minutes_body(m, "\u2026and {count}, not shown here for length; all of them will be sent.", preview=True,
                          reserve=len(json.dumps(inputs))),
            *inputs]
    return card(body, [
        # The organisation named above: if the team has moved since, the minutes are not sent there.
        execute("Confirm and send", Verb.close_confirm, "positive", discussion=discussion_id,
               organisation=m.organisation_id),
        {**execute("Not yet", Verb.close_cancel, discussion=discussion_id), "associatedInputs": "none"},
    ])


def sent_minutes_card(m: CompiledMinutes, to: str) -> Card:
    """The reviewed minutes once confirmed: what was sent, without the buttons."""
    return card([text(f"\u2713 **On their way to {escape_md(to)}.**"),
                 *minutes_body(m, "\u2026and {count}, not shown here for length; all of them were sent.")])


def minutes_card(m: CompiledMinutes, *, discussion_id: str | None = None, document_url: str | None = None,
                 received: str | None = None, thread_url: str | None = None) -> Card:
    """The minutes in a lead's chat: a link to the Word document, a Received button (or who
    received them, once they have), the team's thread, and a reply to the team."""
    intro = text(f"{escape_md(m.team_name)} has discussed a learning briefing and sent you its minutes.")
    where = "the Word document and the email sent to you" if document_url else "the email sent to you"
    body = [intro, *minutes_body(m, "\u2026and {count}, not shown here for length: the full minutes are in "
                                    + where + ".")]
    actions: list[Card] = []
    if document_url:
        actions.append({"type": "Action.OpenUrl", "title": "Open the minutes (Word)", "url": document_url})
    if received:
        body.append(text(f"\u2713 {received}", weight="Bolder"))
    elif discussion_id:
        actions.insert(0, execute("Received", Verb.acknowledge, "positive", discussion=discussion_id))
    if thread_url:
        actions.append({"type": "Action.OpenUrl", "title": "Open the team's thread", "url": thread_url})
    if discussion_id:
        actions.append({"type": "Action.ShowCard", "title": "Reply to the team", "card": card([
            {"type": "Input.Text", "id": "reply", "label": "Your reply (the team sees it in its thread, with your name)",
             "isMultiline": True, "maxLength": 1000, "isRequired": True, "errorMessage": "Write your reply"},
        ], [execute("Send the reply", Verb.lead_reply, "positive", discussion=discussion_id)])})
        # A lead with many teams may prefer them together: one card and one email a working day.
        body.append(text("Many teams? You can have their minutes in one bundle each working day instead.",
                         size="Small", isSubtle=True, spacing="Medium"))
        actions.append(execute("One bundle a day", Verb.minutes_delivery, daily="true"))
    return card(body, actions)


def minutes_bundle_card(items: Sequence[BundledMinutes], day: str, *, bundle_id: str = "", mail: bool = True,
                        received: str | None = None) -> Card:
    """A lead's daily bundle: every team's minutes since the last, one line each with links to its Word
    document and its thread; one Received for them all (`bundle_id`: the bundle they were sent in).
    `mail`: the same minutes also went by email, in full."""
    teams = plural(len({item.m.team_name for item in items}), "team")
    body: list[Card] = [
        text(f"Team minutes \u00B7 {day}", size="Small", isSubtle=True),
        heading(f"Minutes from {teams}"),
        text("Sent to you since your last bundle." + (" Each team's full minutes and Word document are also in "
                                                      "the email sent to you." if mail else ""), isSubtle=True),
    ]

    def row(item: BundledMinutes) -> list[Card]:
        links = ([{"type": "Action.OpenUrl", "title": "Word document", "url": item.url}] if item.url else []) + \
                ([{"type": "Action.OpenUrl", "title": "Open the thread", "url": item.thread_url}]
                 if item.thread_url else [])
        return [text(f"**{escape_md(item.m.team_name)}**: {escape_md(item.m.briefing_title)}", spacing="Medium"),
                text(f"Sent {format_datetime(item.m.closed_at)} \u00B7 {plural(item.m.response_count, 'response')}"
                     + (f" \u00B7 {plural(len(item.corrections), 'correction')} since" if item.corrections else ""),
                     size="Small", spacing="None"),
                *([{"type": "ActionSet", "spacing": "Small", "actions": links}] if links else [])]

    shown, left_out = take(items, row, room(card(body), 1536))
    body += shown
    if left_out:
        body.append(text(f"\u2026and {plural(left_out, 'more')}, not shown here for length: "
                         + ("every team's minutes are in the email." if mail else "say **digest** for every team's."),
                         weight="Bolder", spacing="Medium"))
    actions: list[Card] = []
    if received:
        body.append(text(f"\u2713 {received}", weight="Bolder"))
    else:
        # Received is for what the lead has: every team's (the email has them all), or those shown here.
        actions.append(execute("Received", Verb.acknowledge_bundle, "positive", bundle=bundle_id,
                               **({} if mail or not left_out else {"upto": len(items) - left_out})))
    actions.append(execute("Send minutes as they come instead", Verb.minutes_delivery, daily="false"))
    return card(body, actions)


@dataclass(frozen=True)
class FollowUpAction:
    """One agreed action on a thread's follow-up card."""
    id: str
    what: str
    owner: str
    due: str  # the date, in words
    status: str = ""  # as typed before (when the card comes back with something to put right)
    change: str = ""


def status_field(action_id: str) -> str:
    return f"status_{action_id}"


def change_field(action_id: str) -> str:
    return f"change_{action_id}"


def follow_up_card(briefing_title: str, discussion_id: str, actions: Sequence[FollowUpAction], lead_names: str,
                   *, reminder: bool = False, question: bool = False) -> Card:
    """In the team's thread on the day its actions were due: how did each go, and what changed? The
    answer goes to its safeguarding lead. `question`: the impact question, asked of a team that
    agreed no actions (one item)."""
    if question:
        return _impact_question(briefing_title, discussion_id, actions[0], lead_names, reminder)
    body: list[Card] = [
        text("Reminder: how did your actions go?" if reminder else "Action plan follow-up", size="Small",
             isSubtle=True),
        heading(f"How did your actions go? · {briefing_title}"),
        text(f"When your team sent its minutes it agreed {plural(len(actions), 'action')}. Say how each went and what "
             f"changed in practice: your answer goes to {escape_md(lead_names)}. It takes a minute in a team meeting."),
    ]
    for n, a in enumerate(actions, start=1):
        body.append({"type": "Container", "separator": True, "spacing": "Medium", "items": [
            text(f"**{n}. {escape_md(_clip(a.what, 500))}**"),
            text(f"{escape_md(a.owner)}, by {a.due}", size="Small", isSubtle=True, spacing="None"),
            *_answer_inputs(a, False, "How did it go?", "Choose how it went",
                            "e.g. Police now get a formal invite to every strategy discussion"),
        ]})
    return card(body, [execute("Send to our safeguarding lead", Verb.follow_up_answer, "positive",
                               discussion=discussion_id, actions=[a.id for a in actions])])


def _answer_inputs(a: FollowUpAction, question: bool, label: str, error: str, example: str) -> list[Card]:
    """How it went (or the question's answer), and what changed in practice, as typed before."""
    return [
        {"type": "Input.ChoiceSet", "id": status_field(a.id), "label": label, "style": "expanded",
         "isRequired": True, "errorMessage": error, "value": a.status,
         "choices": [{"title": title, "value": value} for value, title in labels(question).items()]},
        {"type": "Input.Text", "id": change_field(a.id), "label": "What changed in practice? (optional)",
         "isMultiline": True, "maxLength": 1000, "value": a.change, "placeholder": example},
    ]


def _impact_question(briefing_title: str, discussion_id: str, item: FollowUpAction, lead_names: str,
                     reminder: bool) -> Card:
    body: list[Card] = [
        text("Reminder: a question about this briefing" if reminder else "Impact follow-up", size="Small",
             isSubtle=True),
        heading(f"{IMPACT_QUESTION} · {briefing_title}"),
        text(f"Your team discussed this briefing and sent its minutes. Has anything changed since in how you work? "
             f"Your answer goes to {escape_md(lead_names)}. It takes a minute in a team meeting."),
        *_answer_inputs(item, True, "Has it?", "Choose an answer", "e.g. We now check for smoke alarms on every home visit"),
    ]
    return card(body, [execute("Send to our safeguarding lead", Verb.follow_up_answer, "positive",
                               discussion=discussion_id, actions=[item.id])])


def impact_rows(u: ImpactUpdate) -> list[Card]:
    out: list[Card] = []
    for n, item in enumerate(u.items, start=1):
        what, who, how, change = item.columns()
        when, said = ("Asked", "Answer") if item.question else ("Who, by when", "How it went")
        number = "" if item.question else f"{n}. "  # the impact question is asked alone
        out += [text(f"**{number}{escape_md(_clip(what, 500))}**", spacing="Medium"),
                facts([(when, escape_md(who.removeprefix("Asked "))), (said, how),
                       ("What changed", escape_md(_clip(change, 1000)))])]
    return out


def answered_follow_up_card(u: ImpactUpdate, sent_to: str) -> Card:
    """The thread's follow-up once answered, for everyone: what was said, and to whom it went."""
    return card([text("Impact follow-up" if u.question else "Action plan follow-up", size="Small", isSubtle=True),
                 heading(f"{u.heading} · {u.briefing_title}"),
                 text(f"✓ {escape_md(u.answered_by)} answered on {format_datetime(u.answered_at)}: on its way to "
                      f"{escape_md(sent_to)}."),
                 *impact_rows(u)])


def impact_card(u: ImpactUpdate, thread_url: str | None = None) -> Card:
    """An impact update in a lead's chat: how the team's agreed actions went (the email has the Word addendum)."""
    actions = [{"type": "Action.OpenUrl", "title": "Open the team's thread", "url": thread_url}] if thread_url else []
    return card([text(f"Impact update · {u.board}", size="Small", isSubtle=True),
                 heading(f"{escape_md(u.team_name)}: " + ("whether the learning changed its practice" if u.question
                                                          else "how its actions went")),
                 text(escape_md(u.intro)),
                 *impact_rows(u)], actions)


def addendum_card(m: CompiledMinutes, correction: str, author: str, when: str) -> Card:
    """A correction to minutes already sent, for the same leads."""
    return card([
        text(f"Correction to team minutes \u00B7 {m.board}", size="Small", isSubtle=True),
        heading(m.briefing_title, "Medium"),
        facts([("Team", escape_md(m.team_name)), ("Organisation", m.organisation_name),
               ("Minutes sent", format_datetime(m.closed_at)), ("Correction", f"{escape_md(author)}, {when}")]),
        text(escape_md(clip_bytes(_clip(correction, 4000), 8000)), spacing="Medium"),
    ])


def organisation_card(team_name: str, organisations: Sequence[tuple[str, str]], current: str | None = None) -> Card:
    body = [
        heading("Which organisation is this team part of?"),
        text(f"Minutes from **{escape_md(_clip(team_name, 300))}** go to that organisation's safeguarding lead, "
             "and nobody else's."),
    ]
    choices = fitting_choices([(org_id, name) for org_id, name in organisations], room(card(body), 2048))
    if choices is None:  # a directory too long to list: the organisation's id, as the board gives it
        body.append({"type": "Input.Text", "id": "organisation", "label": "Your organisation's id (the board can "
                     "tell you it)", "isRequired": True, "errorMessage": "Type your organisation's id",
                     "maxLength": 64, "value": current or ""})
    else:
        body.append({
            "type": "Input.ChoiceSet", "id": "organisation", "label": "Organisation", "isRequired": True,
            "errorMessage": "Choose an organisation", "style": "expanded" if len(choices) <= 12 else "compact",
            "value": current or "", "choices": choices,
        })
    return card(body, [execute("Save", Verb.link_organisation, "positive")])


def organisation_change_card(current: tuple[str, str], new: tuple[str, str], changes: Sequence[str]) -> Card:
    """Before a team with discussions moves to another organisation: what changes and what stays.
    The buttons carry the organisation the team was in when asked, so a stale answer is caught."""
    (current_id, current_name), (new_id, new_name) = current, new
    body = [heading(f"Move this team from {escape_md(current_name)} to {escape_md(new_name)}?")]
    body += [text(line) for line in changes]
    return card(body, [execute("Confirm", Verb.organisation_confirm, "positive", organisation=new_id, current=current_id),
                       execute("Cancel", Verb.organisation_cancel)])


@dataclass(frozen=True)
class AudienceChoices:
    """Who a briefing can go to, with how many teams each choice reaches and how many have it already."""
    teams: int  # registered teams
    have_it: int  # of them, those that have the briefing already
    organisations: Sequence[tuple[str, str, int, int]] = ()  # (id, name, teams, have it)
    # (team id, name and organisation), every registered team; those that do not fit in the card are
    # found by typing (a search the bot answers).
    team_choices: Sequence[tuple[str, str]] = ()


TEAMS_DATASET = "teams"  # the typeahead search of the publish form's team picker


def _reach(teams: int, have_it: int) -> str:
    return plural(teams, "team") + (f", {have_it:,} already {'has' if have_it == 1 else 'have'} it" if have_it else "")


def publish_preview_card(briefing: BriefingDoc, audience: AudienceChoices, findings: Sequence[str] = (),
                         notes: Sequence[str] = (), draft: bool = False) -> Card:
    """The publish form: what the briefing holds, what to check, who gets it and when. For a draft,
    also a test send to the publisher and a way to discard it."""
    body: list[Card] = [
        text("Publish a learning briefing", size="Small", isSubtle=True),
        heading(briefing.title, "Large"),
        text(f"Issued {briefing.issued_label} \u00B7 {plural(len(briefing.sections), 'section')} \u00B7 "
             f"{plural(len(briefing.questions()), 'discussion question')}", isSubtle=True, spacing="None"),
        text(briefing.short_summary),
    ]
    body += [text(f"**Check:** {note}", color="Attention", size="Small") for note in notes]
    if findings:
        shown = list(findings[:10])
        more = f"; and {len(findings) - len(shown):,} more" if len(findings) > len(shown) else ""
        body.append(text("**This briefing contains what looks like " + "; ".join(shown) + more + ".** Publish "
                         "it only if none of it identifies a child or family.", color="Attention"))
    body.append({"type": "Input.ChoiceSet", "id": "to", "label": "Send to", "style": "expanded", "value": "all",
                 "isRequired": True, "errorMessage": "Choose who to send it to", "choices": [
                     {"title": f"All registered teams ({_reach(audience.teams, audience.have_it)})", "value": "all"},
                     {"title": "The organisations chosen below", "value": "orgs"},
                     {"title": "The teams chosen below", "value": "teams"}]})
    tail: list[Card] = [
        {"type": "Input.Date", "id": "discuss_by", "label": "Discuss by (optional)"},
        {"type": "Input.Number", "id": "follow_up_weeks", "min": 0, "max": 52, "value": briefing.follow_up_weeks,
         "label": "Ask teams that agree no actions whether it changed their practice, after (weeks; 0: never)",
         "errorMessage": "A number of weeks from 0 to 52"},
        {"type": "ColumnSet", "columns": [
            {"type": "Column", "width": "stretch", "items": [
                {"type": "Input.Date", "id": "send_on", "label": "Send on (optional: now if empty)"}]},
            {"type": "Column", "width": "stretch", "items": [
                {"type": "Input.Time", "id": "send_time", "label": "At (UK time)", "value": "09:00"}]}]},
        text("Each team gets the briefing as a new thread in its General channel; a team that already has it is "
             "not sent it again.", size="Small", isSubtle=True),
    ]
    every = list(audience.team_choices)
    listed = fitting_choices(every, room(card(body + tail), 6144))
    teams: Card = {"type": "Input.ChoiceSet", "id": "teams", "label": "Teams", "isMultiSelect": True,
                   "style": "filtered", "placeholder": "Type a team's name", "choices": listed}
    if listed is None:  # too many to send in the card: the first few, and Teams asks the bot as a name is typed
        teams["choices"] = fitting_choices(every[:10], 1200) or []
        teams["choices.data"] = {"type": "Data.Query", "dataset": TEAMS_DATASET}
    tail = ([teams] if every else []) + tail  # no team registered: nothing to choose from
    budget = room(card(body + tail), 1024)
    orgs = fitting_choices([(org_id, f"{name} ({_reach(n, have)})") for org_id, name, n, have in audience.organisations],
                           budget) or fitting_choices([(o[0], o[1]) for o in audience.organisations], budget)
    if orgs is None:  # more organisations than a card can list
        picker: Card = {"type": "Input.Text", "id": "orgs", "label": "Organisations: their ids, separated by commas",
                        "maxLength": 2000}
    else:
        picker = {"type": "Input.ChoiceSet", "id": "orgs", "label": "Organisations", "isMultiSelect": True,
                  "style": "filtered", "placeholder": "Type an organisation's name", "choices": orgs}
    body += [picker, *tail]
    if findings:
        go = execute("Publish anyway: it identifies nobody", Verb.publish_confirm, "destructive", briefing=briefing.id,
                    allow_identifiers=True)
    else:
        go = execute("Publish", Verb.publish_confirm, "positive", briefing=briefing.id)
    if draft:
        return card(body, [go, execute("Send a test to me", Verb.draft_test, briefing=briefing.id),
                           execute("Discard draft", Verb.draft_discard, briefing=briefing.id)])
    return card(body, [go, execute("Cancel", Verb.publish_cancel, briefing=briefing.id)])


def request_card(title: str, outcome: str, rows: Sequence[tuple[str, str]], briefing_id: str,
                 cancellable: bool = False, failures: Sequence[tuple[str, str]] = (), correctable: bool = False) -> Card:
    """The publish form once Publish is pressed: what happens now, to whom and when; while it is
    sent, the progress, and the teams it could not reach (team, why) with a way to try again."""
    body = [heading(escape_md(title)), text(outcome), facts(rows)]
    actions = [execute("Cancel it", Verb.publish_withdraw, "destructive", briefing=briefing_id)] if cancellable else []
    if correctable:
        actions.append({"type": "Action.ShowCard", "title": "Send a correction", "card": card([
            text("A short note shown at the top of the briefing on every team's thread. Teams that have sent "
                 "their minutes also get it as a reply.", isSubtle=True),
            {"type": "Input.Text", "id": "note", "label": "Correction", "isMultiline": True, "isRequired": True,
             "errorMessage": "Write the correction", "maxLength": MAX_CORRECTION},
        ], [execute("Send the correction", Verb.briefing_correction, "positive", briefing=briefing_id)])})
    if failures:
        body.append(text("**Not reached**", spacing="Medium"))
        shown, left_out = take(failures, lambda f: text(f"- {escape_md(_clip(f[0], 150))}: {f[1]}", spacing="None"),
                               room(card(body), 1024), limit=30)
        body += shown
        if left_out:
            body.append(text(f"\u2026and {plural(left_out, 'more team')}.", isSubtle=True, spacing="None"))
        actions.insert(0, execute("Try the failed ones again", Verb.publish_retry, briefing=briefing_id))
    return card(body, actions)


def approval_card(briefing: BriefingDoc, rows: Sequence[tuple[str, str]], findings: Sequence[str], *, stamp: str) -> Card:
    """For an approver: the request (audience and counts, when, who asked) under the card it sends,
    with Approve, or a reason and Reject. `stamp` ties the buttons to this request."""
    body: list[Card] = [
        text("Publishing needs your approval", size="Small", isSubtle=True),
        heading(f"Approve publishing {escape_md(briefing.title)}?"),
        text("The card above is what each team will get. Its buttons work, but record nothing."),
        facts(rows),
    ]
    if findings:
        body.append(text("**The person who asked confirmed that what looks like " + "; ".join(findings[:10])
                         + " identifies nobody.** Check it yourself before you approve.", color="Attention"))
    body.append({"type": "Input.Text", "id": "reason", "label": "If you reject it, say why (the person who asked "
                 "sees this)", "isMultiline": True, "maxLength": 1000})
    return card(body, [
        execute("Approve", Verb.publish_approve, "positive", briefing=briefing.id, requested_at=stamp),
        execute("Reject", Verb.publish_reject, "destructive", briefing=briefing.id, requested_at=stamp),
    ])


def draft_replace_card(current: BriefingDoc, uploaded: str, new: BriefingDoc) -> Card:
    """A new version of a briefing that has a draft already: replace it, or keep it."""
    def holds(doc: BriefingDoc) -> str:
        return (f"{plural(len(doc.sections), 'section')}, {plural(len(doc.questions()), 'discussion question')}, "
                f"issued {doc.issued_label}")

    return card([
        heading(f"Replace the draft of {escape_md(current.title)}?"),
        text("You've attached a new version of a briefing that already has a draft. The draft is replaced only "
             "if you say so."),
        facts([(f"Draft ({uploaded})", holds(current)), ("New version", holds(new))]),
    ], [execute("Replace the draft", Verb.draft_replace, "positive", briefing=new.id),
        execute("Keep the current draft", Verb.draft_keep, briefing=new.id)])


def drafts_card(drafts: Sequence[tuple[str, str, str]]) -> Card:
    """Board staff's drafts (id, title, when it came in), each with its buttons, latest first."""
    body: list[Card] = [heading("Drafts")]
    if not drafts:
        body.append(text("No drafts. Attach a Word briefing (.docx) to a message here to start one."))
        return card(body)

    def row(item: tuple[str, str, str]) -> list[Card]:
        briefing_id, title, when = item
        return [{"type": "Container", "separator": True, "items": [
            text(f"**{escape_md(_clip(title, 200))}**"),
            text(when, isSubtle=True, size="Small", spacing="None"),
            {"type": "ActionSet", "actions": [execute("Preview and publish", Verb.draft_open, briefing=briefing_id),
                                              execute("Discard", Verb.draft_discard, briefing=briefing_id)]},
        ]}]

    shown, left_out = take(drafts, row, room(card(body), 1024))
    body += shown
    if left_out:
        body.append(text(f"\u2026and {plural(left_out, 'older draft')}, not shown here.", isSubtle=True))
    return card(body)


def help_card(title: str, commands: Sequence[tuple[str, str]], footer: str = "") -> Card:
    body = [heading(title), facts(commands)]
    if footer:
        body.append(text(footer, size="Small", isSubtle=True))
    return card(body)
