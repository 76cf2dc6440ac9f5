"""A safeguarding lead marks minutes as received; the team's thread shows it."""

from __future__ import annotations

import logging

from content import strings
from content.cards import minutes_card
from content.minutes import CompiledMinutes
from content.text import escape_md, format_datetime, quote
from storage.models import Acknowledgement, Delivery, DeliveryKind, stable_id

from .deps import Deps
from .inbound import Inbound
from .privacy_gate import findings_in, kinds
from .send import note, say, settle
from .thread import thread_link
from .turn import Turn

log = logging.getLogger(__name__)
MAX_REPLY = 1000


def document_path(discussion_id: str, organisation_id: str) -> str:
    """The minutes' Word document, for the leads of `organisation_id` (the one they were sent to):
    a signed link names the organisation it was given for, and the server checks it still is theirs."""
    return f"/documents/minutes/{organisation_id}/{discussion_id}.docx"


async def as_lead(deps: Deps, discussion_id: object, user_aad: str | None):
    """(discussion, team, organisation, lead) when `user_aad` is a lead of the organisation the
    discussion's minutes went to (card data is client-side: checked here); else None."""
    discussion = await deps.store.discussions.get(discussion_id) if isinstance(discussion_id, str) else None
    minutes = await deps.store.minutes.get(discussion.id) if discussion else None
    team = await deps.store.teams.get(discussion.team_id) if discussion else None
    if discussion is None or minutes is None or team is None:
        return None
    org = deps.directory.organisation(minutes.organisation_id)
    lead = next((l for l in (org.safeguarding_leads if org else []) if l.aad_object_id and
                 l.aad_object_id == (user_aad or "").lower()), None)
    return None if lead is None else (discussion, team, org, lead)


async def _as_lead(turn: Turn, inbound: Inbound, deps: Deps):
    """as_lead for the discussion the pressed card names; when it is not theirs, said why."""
    discussion_id = (inbound.value or {}).get("discussion")
    found = await as_lead(deps, discussion_id, inbound.user_aad)
    if found is None:
        discussion = await deps.store.discussions.get(discussion_id) if isinstance(discussion_id, str) else None
        if discussion is None or await deps.store.minutes.get(discussion.id) is None \
                or await deps.store.teams.get(discussion.team_id) is None:
            await say(turn, strings.unknown_discussion(inbound.scope))
        else:
            log.warning("lead action refused: not a lead of the organisation")
            await say(turn, strings.NOT_THE_LEAD)
    return found


async def mark_received(deps: Deps, discussion, team, org, lead) -> Acknowledgement:
    """The lead has received the minutes: recorded once, and the team's thread told once."""
    async with deps.lock(f"discussion:{discussion.id}"):
        minutes = await deps.store.minutes.get(discussion.id)
        existing = next((a for a in minutes.acknowledgements if a.aad_object_id == lead.aad_object_id), None)
        if existing is None:
            existing = Acknowledgement(aad_object_id=lead.aad_object_id, name=lead.name, at=deps.clock())
            minutes.acknowledgements.append(existing)
            await deps.store.minutes.put(minutes)
            log.info("minutes acknowledged discussion=%s", discussion.id)
        # Each step again on a second press (its id makes the notice once): a crash between two writes
        # of the first leaves nothing undone for good.
        current = await deps.store.discussions.get(discussion.id)  # its count, for reports without the minutes
        if current is not None and current.acknowledgements < len(minutes.acknowledgements):
            current.acknowledgements = len(minutes.acknowledgements)
            await deps.store.discussions.put(current)
        await deps.store.outbox.enqueue([Delivery(
            id=stable_id("ack", discussion.id, lead.aad_object_id), group=discussion.id,
            kind=DeliveryKind.thread_notice, team_id=team.id, discussion_id=discussion.id,
            briefing_id=discussion.briefing_id,
            payload={"text": strings.ACKNOWLEDGED.format(name=lead.name, organisation=org.name,
                                                         when=format_datetime(existing.at))})])
    return existing


async def acknowledge(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    found = await _as_lead(turn, inbound, deps)
    if found is None:
        return
    discussion, team, org, lead = found
    existing = await mark_received(deps, discussion, team, org, lead)
    minutes = await deps.store.minutes.get(discussion.id)
    received = strings.RECEIVED.format(when=format_datetime(existing.at))
    await settle(turn, minutes_card(CompiledMinutes.model_validate(minutes.body), received=received,
                                    document_url=deps.link(document_path(discussion.id, org.id)),
                                    discussion_id=discussion.id, thread_url=thread_link(team, discussion, org)))
    await note(turn, strings.THANKS_RECEIVED.format(team=quote(team.name)), True)


async def lead_reply(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    """A lead's short reply to a team about its minutes: posted in the team's thread with their name,
    after the same privacy check as responses."""
    found = await _as_lead(turn, inbound, deps)
    if found is None:
        return
    discussion, team, org, lead = found
    reply = " ".join(str((inbound.value or {}).get("reply") or "").split())
    if not reply:
        await note(turn, strings.REPLY_EMPTY)
        return
    if len(reply) > MAX_REPLY:
        await note(turn, strings.REPLY_TOO_LONG.format(limit=MAX_REPLY))
        return
    found_kinds = kinds(findings_in(reply, deps))
    if found_kinds:
        await note(turn, strings.REPLY_HAS_IDENTIFIERS.format(kinds=" and ".join(found_kinds)))
        return
    now = deps.clock()
    await deps.store.outbox.enqueue([Delivery(
        id=stable_id("lead-reply", discussion.id, inbound.activity_id or now.isoformat()), group=discussion.id,
        kind=DeliveryKind.thread_notice, team_id=team.id, discussion_id=discussion.id,
        briefing_id=discussion.briefing_id, created_at=now,
        payload={"text": strings.LEAD_REPLIED.format(name=lead.name, organisation=org.name, reply=escape_md(reply))})])
    await deps.store.meta.audit({"event": "lead_replied", "discussion": discussion.id, "by": lead.aad_object_id,
                                 "at": now.isoformat()})
    log.info("lead replied discussion=%s", discussion.id)
    await note(turn, strings.REPLY_SENT.format(team=quote(team.name)), True)
