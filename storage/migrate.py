"""A copy of an embedded store (a data directory) into PostgreSQL: every kind of record, each added
once (run again, it adds only what is missing and changes nothing already there), then verified:
every record of the data directory is in the database."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, AsyncIterator, Callable

from .postgres import PostgresStore
from .tinydb_store import TinyDBStore

BATCH = 2000  # records a statement


@dataclass
class Copied:
    kind: str
    source: int = 0  # in the data directory
    copied: int = 0  # added to the database now
    verified: int = 0  # of the data directory's, found in the database afterwards

    @property
    def already(self) -> int:
        return self.source - self.copied

    @property
    def ok(self) -> bool:
        return self.verified == self.source


def _audit_id(n: int, entry: dict[str, Any]) -> str:
    """An audit entry's place in the data directory's log (its position and content)."""
    return hashlib.sha256(f"{n}\x1f{json.dumps(entry, sort_keys=True)}".encode()).hexdigest()[:32]


KEYS: dict[str, Callable[[Any], str]] = {
    "teams": lambda t: t.id, "briefings": lambda b: b.id, "discussions": lambda d: d.id, "responses": lambda r: r.id,
    "minutes": lambda m: m.discussion_id, "actions": lambda a: a.id, "outbox": lambda d: d.id,
    "meta": lambda kv: kv[0], "audit": lambda kv: kv[0]}


async def _records(source: TinyDBStore, extra_meta: dict[str, dict]) -> AsyncIterator[tuple[str, list[Any]]]:
    """(kind, a batch of its records), every kind in turn: every record on disk, whether or not
    another refers to it."""
    yield "teams", await source.teams.list(active_only=False)
    yield "briefings", await source.briefings.list()
    for kind in ("discussions", "responses", "minutes", "actions", "outbox"):
        batch: list[Any] = []
        for name in await source.shards(kind):
            batch.extend(await source.read_shard(kind, name))
            if len(batch) >= BATCH:
                yield kind, batch
                batch = []
        yield kind, batch
    yield "meta", sorted({**extra_meta, **await source.named_values()}.items())
    audit = [(_audit_id(n, entry), entry) for n, entry in enumerate(await source.meta.audit_log())]
    yield "audit", audit


async def copy_store(source: TinyDBStore, target: PostgresStore, *, extra_meta: dict[str, dict] | None = None,
                     progress: Callable[[Copied], None] = lambda c: None) -> list[Copied]:
    """Copy every record of `source` missing from `target`, then check each is there. Both open."""
    tally: dict[str, Copied] = {}
    async for kind, records in _records(source, extra_meta or {}):
        if kind == "outbox":
            for d in records:
                d.leased_until = None  # claims of a process that has stopped: void
        key = KEYS[kind]
        counted = tally.setdefault(kind, Copied(kind))
        for start in range(0, len(records), BATCH):
            chunk = records[start:start + BATCH]
            counted.source += len(chunk)
            counted.copied += await target.copy_in(kind, chunk)
            counted.verified += await target.present(kind, [key(r) for r in chunk])
        progress(counted)
    return list(tally.values())
