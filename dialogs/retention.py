"""Retention: responses and minutes older than the retention period are deleted (with the emails
of minutes kept on disk), and it is audited."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from storage.models import DeliveryKind, Discussion

from .deps import Deps
from .forwarding import discussion_organisation
from .thread import change_discussion

log = logging.getLogger(__name__)
# A thread card's or a publisher's status card's update, once final (sent, or failed for good), has
# done its work: a day after it was made it is deleted (they are most of the outbox: one every few seconds of a busy meeting). What
# reports count (posts, minutes, corrections) stays for the retention period of what it concerns.
SPENT = {DeliveryKind.card_update, DeliveryKind.publish_status}
SPENT_AFTER = timedelta(days=1)
# Every other delivery, once final, goes with what it concerns, after the retention period: its payload
# names leads, their addresses and their replies. Reports count from the discussions (minutes sent,
# received), never from these. A briefing's posts stay: one a team, the record that it has the
# briefing (a publish never posts it to the team again), holding nothing personal.
KEPT = {DeliveryKind.briefing_post}


async def purge(deps: Deps, retention_days: int, *, dry_run: bool = False) -> dict[str, object]:
    """Delete (or count, dry) what is older than `retention_days`; returns counts, never content."""
    now = deps.clock()
    cutoff = now - timedelta(days=retention_days)
    # What the minutes about to go are the only record of (where they went, how many leads received
    # them) is kept on their discussions first; those that cannot be told keep their outbox rows.
    unresolved = await keep_where_minutes_went(deps, cutoff) if not dry_run else set()
    responses = await deps.store.responses.purge_before(cutoff, dry_run=dry_run)
    minutes = await deps.store.minutes.purge_before(cutoff, dry_run=dry_run)
    actions = await deps.store.actions.purge_before(cutoff, dry_run=dry_run)
    emails = await deps.purge_mail(cutoff, dry_run)
    result = {"event": "purge", "at": now.isoformat(), "cutoff": cutoff.isoformat(), "dry_run": dry_run,
              "retention_days": retention_days, "responses": responses, "minutes": minutes, "actions": actions,
              "emails": emails}
    if not dry_run:
        await deps.store.meta.audit(result)  # what retention deleted is on record whatever follows
    log.info("purge dry_run=%s responses=%d minutes=%d actions=%d emails=%d", dry_run, responses, minutes, actions,
             emails)
    result["card_updates"] = await deps.store.outbox.prune({k.value for k in SPENT}, now - SPENT_AFTER,
                                                           dry_run=dry_run)
    result["deliveries"] = await deps.store.outbox.prune({k.value for k in DeliveryKind if k not in SPENT | KEPT},
                                                         cutoff, dry_run=dry_run, keep_groups=unresolved)
    if not dry_run:  # the records of messages (leads' names and addresses) are on record too
        await deps.store.meta.audit({"event": "outbox_pruned", "at": now.isoformat(), "cutoff": cutoff.isoformat(),
                                     "card_updates": result["card_updates"], "deliveries": result["deliveries"]})
    log.info("outbox pruned dry_run=%s card_updates=%d deliveries=%d", dry_run, result["card_updates"],
             result["deliveries"])
    return result


async def keep_where_minutes_went(deps: Deps, cutoff: datetime) -> set[str]:
    """Before retention deletes minutes and the records of sending them: a discussion closed by a
    release that did not record where its minutes went learns it now (from the minutes, or the
    outbox rows), and one whose minutes are about to go (closed before `cutoff`) the number of leads
    who received them. Returns the discussions whose organisation cannot be told (their outbox rows
    must stay: they may tell a person)."""
    def record(organisation_id: str | None, received: int):
        def change(d: Discussion) -> bool:
            changed = False
            if d.closed and not d.sent_to and organisation_id:
                d.sent_to, changed = organisation_id, True
            if d.closed and received > d.acknowledgements:
                d.acknowledgements, changed = received, True
            return changed
        return change

    unresolved: set[str] = set()
    for briefing in await deps.store.briefings.list():
        for d in await deps.store.discussions.summaries(briefing.id):
            going = d.closed_at is not None and d.closed_at < cutoff and not d.acknowledgements
            if not d.closed or (d.sent_to and not going):
                continue
            minutes = await deps.store.minutes.get(d.id)
            organisation_id = d.sent_to or await discussion_organisation(deps, d, None)  # closed: the team's is not it
            if not organisation_id:
                unresolved.add(d.id)
            received = len(minutes.acknowledgements) if minutes is not None else 0
            if (organisation_id and not d.sent_to) or received > d.acknowledgements:
                await change_discussion(deps, d.id, record(organisation_id, received))
    if unresolved:
        log.warning("minutes whose organisation cannot be told: their delivery records are kept count=%d",
                    len(unresolved))
    return unresolved
