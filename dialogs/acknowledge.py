"""A safeguarding lead marks minutes as received; the team's thread shows it."""

from __future__ import annotations

import logging

from content import strings
from content.cards import minutes_card
from content.minutes import CompiledMinutes
from content.text import format_datetime, quote
from storage.models import Acknowledgement, Delivery, DeliveryKind, stable_id

from .deps import Deps
from .inbound import Inbound
from .send import note, say, settle
from .turn import Turn

log = logging.getLogger(__name__)


def document_path(discussion_id: str, organisation_id: str) -> str:
    """The minutes' Word document, for the leads of `organisation_id` (the one they were sent to):
    a signed link names the organisation it was given for, and the server checks it still is theirs."""
    return f"/documents/minutes/{organisation_id}/{discussion_id}.docx"


async def acknowledge(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    discussion_id = (inbound.value or {}).get("discussion")
    discussion = await deps.store.discussions.get(discussion_id) if isinstance(discussion_id, str) else None
    minutes = await deps.store.minutes.get(discussion.id) if discussion else None
    team = await deps.store.teams.get(discussion.team_id) if discussion else None
    if minutes is None or team is None:
        await say(turn, strings.unknown_discussion(inbound.scope))
        return
    org = deps.directory.organisation(minutes.organisation_id)
    lead = next((l for l in (org.safeguarding_leads if org else []) if l.aad_object_id and
                 l.aad_object_id == (inbound.user_aad or "").lower()), None)
    if lead is None:  # card data is client-side: only this organisation's leads can acknowledge
        log.warning("acknowledgement refused: not a lead of the organisation")
        await say(turn, strings.NOT_THE_LEAD)
        return
    async with deps.lock(f"discussion:{discussion.id}"):
        minutes = await deps.store.minutes.get(discussion.id)
        existing = next((a for a in minutes.acknowledgements if a.aad_object_id == lead.aad_object_id), None)
        if existing is None:
            existing = Acknowledgement(aad_object_id=lead.aad_object_id, name=lead.name, at=deps.clock())
            minutes.acknowledgements.append(existing)
            await deps.store.minutes.put(minutes)
            await deps.store.outbox.enqueue([Delivery(
                id=stable_id("ack", discussion.id, lead.aad_object_id), group=discussion.id,
                kind=DeliveryKind.thread_notice, team_id=team.id, discussion_id=discussion.id,
                briefing_id=discussion.briefing_id,
                payload={"text": strings.ACKNOWLEDGED.format(name=lead.name, organisation=org.name,
                                                             when=format_datetime(existing.at))})])
            log.info("minutes acknowledged discussion=%s", discussion.id)
    received = strings.RECEIVED.format(when=format_datetime(existing.at))
    await settle(turn, minutes_card(CompiledMinutes.model_validate(minutes.body), received=received,
                                    document_url=deps.link(document_path(discussion.id, org.id))))
    await note(turn, strings.THANKS_RECEIVED.format(team=quote(team.name)))
