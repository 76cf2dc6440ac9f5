"""Retention: responses and minutes older than the retention period are deleted (with the emails
of minutes kept on disk), and it is audited."""

from __future__ import annotations

import logging
from datetime import timedelta

from .deps import Deps

log = logging.getLogger(__name__)


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
        await deps.store.meta.audit(result)
    log.info("purge dry_run=%s responses=%d minutes=%d emails=%d", dry_run, responses, minutes, emails)
    return result
