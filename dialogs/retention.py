"""Retention: responses and minutes older than the retention period are deleted (with the emails
of minutes kept on disk), and it is audited."""

from __future__ import annotations

import logging
from datetime import timedelta

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
    if not dry_run:
        await keep_where_minutes_went(deps)  # before the rows that may be all that says so go
    result["deliveries"] = await deps.store.outbox.prune({k.value for k in DeliveryKind if k not in SPENT | KEPT},
                                                         cutoff, dry_run=dry_run)
    log.info("outbox pruned dry_run=%s card_updates=%d deliveries=%d", dry_run, result["card_updates"],
             result["deliveries"])
    return result


async def keep_where_minutes_went(deps: Deps) -> int:
    """Discussions closed by a release that did not record on them where their minutes went learn it
    now, from their minutes or outbox rows, before retention deletes those. Returns how many."""
    def record(organisation_id: str):
        def change(d: Discussion) -> bool:
            if d.sent_to or not d.closed:
                return False
            d.sent_to = organisation_id
            return True
        return change

    teams = {t.id: t for t in await deps.store.teams.summaries()}
    kept = 0
    for briefing in await deps.store.briefings.list():
        for d in await deps.store.discussions.summaries(briefing.id):
            if not d.closed or d.sent_to:
                continue
            organisation_id = await discussion_organisation(deps, d, teams.get(d.team_id))
            if organisation_id and await change_discussion(deps, d.id, record(organisation_id)) is not None:
                kept += 1
    if kept:
        log.info("where minutes went recorded on discussions count=%d", kept)
    return kept
