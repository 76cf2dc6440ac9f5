"""Recording a team's responses on the briefing's thread, and members editing their own."""

from __future__ import annotations

import logging

from content import strings
from content.briefing import BriefingDoc
from content.cards import (ANSWER_PREFIX, AT_RISK_NOW, Verb, back_to_follow_up, concern_card, my_responses_card,
                           privacy_review_card)
from content.text import format_date, plural
from storage.models import Author, Response

from .deps import Deps
from .hold import held, holder, settle_view
from .inbound import Inbound
from .privacy_gate import findings_in, kinds, redacted_text, unconfirmed
from .registration import ensure_team
from .send import note, outcome, pressed_privately, say, show_privately
from .thread import Opened, keep_view, lock, open_discussion, refresh_card, shared_lock, thread_card
from .turn import Turn
from .views import ViewKind

log = logging.getLogger(__name__)
MAX_RESPONSE_CHARS = 4000
MAX_PRESENT = 500


def _answers(inbound: Inbound, briefing: BriefingDoc) -> dict[str, str]:
    answers = {}
    for key, raw in (inbound.value or {}).items():
        if not key.startswith(ANSWER_PREFIX) or not isinstance(raw, str):
            continue
        question_id = key.removeprefix(ANSWER_PREFIX)
        if briefing.question(question_id) is not None and raw.strip():
            answers[question_id] = raw.strip()
    return answers


def _note_taker(value: dict) -> tuple[bool, int | None, str | None, str | None]:
    """(for the team?, present, roles, problem) from the form's note-taker fields."""
    for_team = str(value.get("for_team", "")).lower() == "true"
    raw_present, roles = value.get("present"), str(value.get("roles") or "").strip()[:300] or None
    present = None
    if raw_present not in (None, ""):
        try:
            present = int(float(str(raw_present)))
        except ValueError:
            return for_team, None, roles, strings.BAD_PRESENT
        if not 1 <= present <= MAX_PRESENT:
            return for_team, None, roles, strings.BAD_PRESENT
    return for_team, present, roles, None


async def record(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    """Responses from the card's form. What was typed is checked with no lock held; the write holds the
    discussion's lock only to be sure it is still open (shared with other members recording at once,
    so their writes share a disk flush); the answer is given after the write is durable."""
    opened = await open_discussion(turn, inbound, deps)
    if opened is None:
        return
    discussion, briefing = opened.discussion, opened.briefing
    if str((inbound.value or {}).get(AT_RISK_NOW)).lower() == "true":
        # Ticked "a child at risk now": the route, in this person's reply; nothing is stored or logged.
        log.info("a response was marked as about a child at risk now; nothing recorded")
        await show_privately(turn, concern_card(discussion.id, briefing.urgent_contact, None),
                             "Please use the referral route now")
        keep_view(turn, inbound, deps, discussion.id, ViewKind.route)
        return
    answers = _answers(inbound, briefing)
    if not answers:
        await note(turn, strings.EMPTY_SUBMISSION)
        return
    if any(len(text) > MAX_RESPONSE_CHARS for text in answers.values()):
        await note(turn, strings.TOO_LONG.format(limit=MAX_RESPONSE_CHARS))
        return
    value = inbound.value or {}
    for_team, present, roles, problem = _note_taker(value)
    if problem:
        await note(turn, problem)
        return
    if await held(turn, inbound, deps, opened, list(answers.values()),
                  (ANSWER_PREFIX, "for_team", "present", "roles"), Verb.record):
        return
    author = Author(aad_object_id=inbound.user_aad, name=inbound.user_name)
    now = deps.clock()
    responses = [
        Response(
            id=Response.make_id(discussion.id, f"{inbound.activity_id}:{qid}"), discussion_id=discussion.id,
            question_id=qid, text=text, author=author, created_at=now, for_team=for_team,
            idempotency_key=f"{inbound.activity_id}:{qid}", findings=findings_in(text, deps, briefing),
        )
        for qid, text in answers.items()
    ]
    note_taker = present is not None or bool(roles)  # it changes the discussion itself: alone
    async with (lock if note_taker else shared_lock)(inbound, deps):
        current = await deps.store.discussions.get(discussion.id)  # closed since it was opened above?
        if current is not None and not current.closed:
            discussion = current
            added = await deps.store.responses.add(responses)
            if added and note_taker:
                discussion.present = present if present is not None else discussion.present
                discussion.roles = roles or discussion.roles
                await deps.store.discussions.put(discussion)
    if current is None or current.closed:
        await note(turn, strings.ALREADY_CLOSED.format(date=format_date(current.closed_at if current else now)))
        return
    total = await deps.store.responses.count(discussion.id)
    log.info("responses recorded discussion=%s added=%d total=%d for_team=%s", discussion.id, len(added), total, for_team)
    if not added:
        await note(turn, strings.already_recorded(total))
        return
    # The acknowledgement is for the person who recorded: in their answer, not the team's thread.
    first_name = inbound.user_name.split(" ")[0]
    recorded = (strings.recorded_for_team(first_name, len(added), total) if for_team
                else strings.recorded(first_name, len(added), total))
    flagged = [r for r in added if unconfirmed(r)]
    confirmed_learning = str(value.get("learning_confirmed")) == "true"
    if flagged:  # their view is the privacy check, kept before the card's update lists who has a view
        keep_view(turn, inbound, deps, discussion.id, ViewKind.privacy, responses=[r.id for r in flagged])
    elif not confirmed_learning:
        keep_view(turn, inbound, deps, discussion.id, ViewKind.recorded, note=recorded)
    await refresh_card(discussion, deps)
    await note(turn, recorded, True)
    if confirmed_learning and flagged:  # the privacy check follows: say it above
        await note(turn, strings.RECORDED_AS_LEARNING, True)
    elif confirmed_learning:  # clicked on the live-concern card
        await settle_view(turn, discussion.id, strings.RECORDED_AS_LEARNING)
    elif pressed_privately(turn):  # their view: the briefing's card as it is now (closed since, even), with the counts
        now_card = await deps.store.discussions.get(discussion.id) or discussion
        await show_privately(turn, await thread_card(now_card, briefing, deps))
    await _review_findings(turn, inbound, deps, opened, flagged)


async def _review_findings(turn: Turn, inbound: Inbound, deps: Deps, opened: Opened, flagged: list[Response]) -> None:
    """Tell the responder what kind of identifier was found (never the value) and offer to edit or confirm."""
    if not flagged:
        return
    log.info("privacy findings discussion=%s responses=%d kinds=%s", opened.discussion.id, len(flagged),
             ",".join(sorted({f.kind for r in flagged for f in unconfirmed(r)})))
    shown = await show_findings(turn, opened, flagged)
    keep_view(turn, inbound, deps, opened.discussion.id, ViewKind.privacy, responses=shown)


async def show_findings(turn: Turn, opened: Opened, flagged: list[Response]) -> list[str]:
    """The privacy check of `flagged` responses, for their writer; the ids of those it shows."""
    items = []
    for r in flagged:
        question = opened.briefing.question(r.question_id)
        items.append((r.id, question.text if question else r.question_id, kinds(unconfirmed(r)), redacted_text(r)))
    body = privacy_review_card(opened.discussion.id, items)
    await show_privately(turn, body, "Check before these go further")
    return [r.id for r in flagged]


async def own_unconfirmed(opened: Opened, inbound: Inbound, deps: Deps, ids: list[str]) -> list[Response]:
    """Of the responses `ids`, this member's own whose findings are not yet confirmed or changed."""
    wanted = set(ids)
    return [r for r in await _own(opened, inbound, deps) if r.id in wanted and unconfirmed(r)]


async def _own(opened: Opened, inbound: Inbound, deps: Deps) -> list[Response]:
    """This member's responses that are not withdrawn (matched by AAD object id, never by name)."""
    if not inbound.user_aad:
        return []
    return [r for r in await deps.store.responses.list(opened.discussion.id)
            if r.active and r.author.aad_object_id == inbound.user_aad]


async def my_responses(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    opened = await open_discussion(turn, inbound, deps)
    if opened is None:
        return
    start = (inbound.value or {}).get("start")  # "Show the next ones" on a card too long for them all
    start = start if isinstance(start, int) else 0
    await show_mine(turn, inbound, deps, opened, start)
    keep_view(turn, inbound, deps, opened.discussion.id, ViewKind.mine, start=start)


async def show_mine(turn: Turn, inbound: Inbound, deps: Deps, opened: Opened, start: int) -> None:
    rows = []
    for r in await _own(opened, inbound, deps):
        question = opened.briefing.question(r.question_id)
        rows.append((r.id, question.text if question else r.question_id, r.text))
    await show_privately(turn, my_responses_card(opened.discussion.id, rows, start), "Your responses")


def _edited_texts(value: dict, own: list[Response]) -> list[str]:
    """The new texts of this member's responses that an edit changes (not those it withdraws)."""
    out = []
    for r in own:
        text = value.get(f"edit:{r.id}")
        withdrawn = str(value.get(f"withdraw:{r.id}", "")).lower() == "true"
        if not withdrawn and isinstance(text, str) and text.strip() not in ("", r.text):
            out.append(text.strip())
    return out


async def edit_responses(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    async with lock(inbound, deps):
        opened = await open_discussion(turn, inbound, deps)
        if opened is None:
            return
        value = inbound.value or {}
        edited = withdrawn = 0
        now = deps.clock()
        flagged: list[Response] = []
        own = await _own(opened, inbound, deps)  # only ids of this member's own responses count
        if await held(turn, inbound, deps, opened, _edited_texts(value, own), ("edit:", "withdraw:"),
                      Verb.edit_responses):
            return
        for r in own:
            if str(value.get(f"withdraw:{r.id}", "")).lower() == "true":
                r.withdrawn_at = now
                withdrawn += 1
            else:
                text = value.get(f"edit:{r.id}")
                if not isinstance(text, str) or not text.strip() or text.strip() == r.text:
                    continue
                if len(text.strip()) > MAX_RESPONSE_CHARS:
                    await note(turn, strings.TOO_LONG.format(limit=MAX_RESPONSE_CHARS))
                    return
                r.text, r.edited_at = text.strip(), now
                r.findings = findings_in(r.text, deps, opened.briefing)
                flagged += [r] if r.findings else []
                edited += 1
            await deps.store.responses.replace(r)
        log.info("responses changed discussion=%s edited=%d withdrawn=%d", opened.discussion.id, edited, withdrawn)
        if flagged:  # their view is the privacy check, kept before the card's update lists who has a view
            keep_view(turn, inbound, deps, opened.discussion.id, ViewKind.privacy, responses=[r.id for r in flagged])
        if edited or withdrawn:
            await refresh_card(opened.discussion, deps)
        await outcome(turn, strings.edited(edited, withdrawn), then_shown=bool(flagged))
        await _review_findings(turn, inbound, deps, opened, flagged)


async def confirm_findings(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    """The responder confirms that what was found identifies nobody: the minutes keep it as written."""
    async with lock(inbound, deps):
        opened = await open_discussion(turn, inbound, deps)
        if opened is None:
            return
        wanted = (inbound.value or {}).get("responses")
        wanted = set(wanted) if isinstance(wanted, list) else set()
        confirmed = 0
        for r in await _own(opened, inbound, deps):  # only the responder may confirm their own
            if r.id in wanted and unconfirmed(r):
                r.findings = [f.model_copy(update={"confirmed": True}) for f in r.findings]
                await deps.store.responses.replace(r)
                confirmed += 1
        log.info("privacy findings confirmed discussion=%s responses=%d", opened.discussion.id, confirmed)
        await outcome(turn, strings.FINDINGS_CONFIRMED.format(count=plural(confirmed, "response")))


async def discard(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    held_for = (inbound.value or {}).get("held_for")
    if held_for is not None and held_for != holder(inbound):
        await note(turn, strings.HELD_FOR_SOMEONE_ELSE)
        return
    value = inbound.value or {}
    discussion_id = str(value.get("discussion") or "")
    back = back_to_follow_up(discussion_id, value.get("actions")) if value.get("back_to") == "follow_up" else None
    await settle_view(turn, discussion_id, strings.DISCARDED, back)  # held on a follow-up card: back to it


async def show_thread(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    """Back to the briefing's card, as it is now, for the person who pressed."""
    opened = await open_discussion(turn, inbound, deps, closed=None)
    if opened is not None:
        await show_privately(turn, await thread_card(opened.discussion, opened.briefing, deps))


async def attribution_command(turn: Turn, inbound: Inbound, deps: Deps, choice: str) -> None:
    """`attribution names` or `attribution team`: how this team's minutes attribute responses."""
    team = await ensure_team(inbound, deps)
    if team is None:
        await say(turn, strings.NOT_IN_TEAM)
        return
    wanted = {"names": "name", "name": "name", "team": "team"}.get(choice.lower())
    if wanted is None:
        await say(turn, strings.ATTRIBUTION_NOW.format(now=strings.ATTRIBUTION_LABEL[team.attribution]))
        return
    team.attribution = wanted
    await deps.store.teams.upsert(team)
    await say(turn, strings.ATTRIBUTION_SET.format(now=strings.ATTRIBUTION_LABEL[wanted]))
