"""Retention: responses and minutes older than the retention period are deleted (with the emails
of minutes kept on disk), and it is audited."""

from __future__ import annotations

import logging
from datetime import timedelta

from storage.models import DeliveryKind

from .deps import Deps

log = logging.getLogger(__name__)
# A thread card's or a publisher's status card's update, once final (sent, or failed for good), has
# done its work: a day after it was made it is deleted (they are most of the outbox: one every few seconds of a busy meeting). What
# reports count (posts, minutes, corrections) stays for the retention period of what it concerns.
SPENT = {DeliveryKind.card_update, DeliveryKind.publish_status}
SPENT_AFTER = timedelta(days=1)


async def purge(deps: Deps, retention_days: int, *, dry_run: bool = False) -> dict[str, object]:
    """Delete (or count, dry) what is older than `retention_days`; returns counts, never content."""
    now = deps.clock()
    cutoff = now - timedelta(days=retention_days)
    responses = await deps.store.responses.purge_before(cutoff, dry_run=dry_run)
    minutes = await deps.store.minutes.purge_before(cutoff, dry_run=dry_run)
    emails = await deps.purge_mail(cutoff, dry_run)
    result = {"event": "purge", "at": now.isoformat(), "cutoff": cutoff.isoformat(), "dry_run": dry_run,
              "retention_days": retention_days, "responses": responses, "minutes": minutes, "emails": emails}
    if not dry_run:
        await deps.store.meta.audit(result)  # what retention deleted is on record whatever follows
    log.info("purge dry_run=%s responses=%d minutes=%d emails=%d", dry_run, responses, minutes, emails)
    result["card_updates"] = await deps.store.outbox.prune({k.value for k in SPENT}, now - SPENT_AFTER,
                                                           dry_run=dry_run)
    log.info("spent card updates pruned dry_run=%s count=%d", dry_run, result["card_updates"])
    return result
