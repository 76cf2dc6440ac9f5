"""PostgreSQL backend: every repository on one database, shared by any number of replicas.

psycopg 3 with psycopg-pool: an async driver kept by the PostgreSQL community's adapter maintainer,
with a pool that checks connections after the server restarts and reconnects with backoff, COPY for
the migration from the embedded store, and the same API sync (the CLI) and async (the bot).

Each record is stored as its model's JSON beside the columns that find it (storage/migrations).
Several replicas share the outbox (a claim takes rows with FOR UPDATE SKIP LOCKED and a lease), a
resent activity stores once (its response id is the primary key), and check-then-act sequences hold
advisory locks (`locks`) as well as the process's own.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import random
import re
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from importlib import resources
from typing import Any, AsyncIterator

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.string import StrDumperUnknown
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from .models import (Action, ActionStatus, Briefing, BriefingStatus, Delivery, Discussion, DiscussionSummary,
                     Minutes, Response, Team, TeamSummary)
from .protocols import StoreError, Superseded

log = logging.getLogger(__name__)
_UNREACHABLE = (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout)
_MIGRATIONS_LOCK = 0x4C42_0001  # an advisory lock key: one replica applies migrations at a time
_NOTIFY_CHANNEL = "learning_bot_outbox"


# Every connection: a dead peer (a dropped socket, a failover) is noticed within about a minute.
_CONNECT = {"connect_timeout": 10, "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10,
            "keepalives_count": 3, "tcp_user_timeout": 60000}


def redact(url: str) -> str:
    """Which database, for logs and the CLI: user, hosts, ports and database name, never a password."""
    try:
        info = conninfo_to_dict(url)
    except Exception:
        return "the database in LEARNING_BOT_DATABASE_URL (which could not be read)"
    host = info.get("host", "localhost") + (f":{info['port']}" if info.get("port") else "")
    user = f"{info['user']}@" if info.get("user") else ""
    return f"postgresql://{user}{host}/{info.get('dbname', '')}"


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, SQL) of every migration in the package, in order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        if entry.name.endswith(".sql") and entry.name[:4].isdigit():
            found.append((int(entry.name[:4]), entry.name[5:-4], entry.read_text(encoding="utf-8")))
    return sorted(found)


async def upgrade(conn: psycopg.AsyncConnection) -> list[str]:
    """Apply the migrations this database has not had, in order, in one transaction (all or none),
    one replica at a time; the names of those applied."""
    applied = []
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATIONS_LOCK,))
        await conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                           "version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())")
        done = {row[0] for row in await (await conn.execute("SELECT version FROM schema_migrations")).fetchall()}
        for version, name, sql in migrations():
            if version in done:
                continue
            async with conn.transaction():
                await conn.execute(sql)
                await conn.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (version, name))
            applied.append(f"{version:04d}_{name}")
        newer = done - {version for version, _, _ in migrations()}
        if newer:
            log.warning("the database has schema versions this release does not know (%s): a newer release "
                        "applied them; this one reads what it knows", sorted(newer))
    return applied


# PostgreSQL's text and jsonb hold no NUL character: one in what a client sent (an id, a response)
# is dropped as it is written or looked up, as the embedded store would keep it whole.
_NUL_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


class _Text(StrDumperUnknown):
    def dump(self, obj: str):
        return super().dump(obj.replace("\x00", "") if "\x00" in obj else obj)


def _no_nul(text: str) -> str:
    return _NUL_ESCAPE.sub(r"\1", text) if "\\u0000" in text else text


def _json(record: Any) -> str:
    return _no_nul(record.model_dump_json())


def _jdump(value: Any) -> str:
    return _no_nul(json.dumps(value))


async def _configure(conn: psycopg.AsyncConnection) -> None:
    conn.adapters.register_dumper(str, _Text)


def _first_of_each(records: list[Any]) -> list[Any]:
    """The records, the first of any with the same id (as the others keep it)."""
    seen: dict[str, Any] = {}
    for r in records:
        seen.setdefault(r.id, r)
    return list(seen.values())


def _stored_id(value: str) -> str:
    return value.replace("\x00", "")


def _ts(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _lock_key(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


class _Repo:
    def __init__(self, store: "PostgresStore") -> None:
        self._store = store

    def _conn(self):
        return self._store.connection()

    async def _rows(self, sql: str, params: Any = None) -> list[tuple]:
        async with self._conn() as conn:
            return await (await conn.execute(sql, params)).fetchall()

    async def _docs(self, model: type, sql: str, params: Any = None) -> list[Any]:
        return [model.model_validate_json(row[0]) for row in await self._rows(sql, params)]

    async def _doc(self, model: type, sql: str, params: Any = None) -> Any:
        rows = await self._docs(model, sql, params)
        return rows[0] if rows else None

    async def _execute(self, sql: str, params: Any = None) -> int:
        async with self._conn() as conn:
            return (await conn.execute(sql, params)).rowcount


class _Teams(_Repo):
    async def upsert(self, team: Team) -> None:
        await self._execute(
            "INSERT INTO teams (id, organisation_id, active, doc) VALUES (%s, %s, %s, %s) ON CONFLICT (id) DO UPDATE "
            "SET organisation_id = excluded.organisation_id, active = excluded.active, doc = excluded.doc",
            (team.id, team.organisation_id, team.active, _json(team)))

    async def get(self, team_id: str) -> Team | None:
        return await self._doc(Team, "SELECT doc::text FROM teams WHERE id = %s", (team_id,))

    async def list(self, *, active_only: bool = True, organisation_id: str | None = None) -> list[Team]:
        return await self._docs(
            Team, "SELECT doc::text FROM teams WHERE (active OR NOT %s) AND (%s::text IS NULL OR organisation_id = %s) "
                  "ORDER BY seq", (active_only, organisation_id, organisation_id))

    async def summaries(self) -> list[TeamSummary]:
        rows = await self._rows("SELECT id, doc->>'name', organisation_id, active FROM teams ORDER BY seq")
        return [TeamSummary(i, name or "", org, active) for i, name, org, active in rows]


class _Briefings(_Repo):
    async def put(self, briefing: Briefing) -> None:
        await self._execute(
            "INSERT INTO briefings (id, status, uploaded_at, doc) VALUES (%s, %s, %s, %s) ON CONFLICT (id) DO UPDATE "
            "SET status = excluded.status, uploaded_at = excluded.uploaded_at, doc = excluded.doc",
            (briefing.id, briefing.status.value, briefing.uploaded_at, _json(briefing)))

    async def get(self, briefing_id: str) -> Briefing | None:
        return await self._doc(Briefing, "SELECT doc::text FROM briefings WHERE id = %s", (briefing_id,))

    async def list(self) -> list[Briefing]:
        return await self._docs(Briefing, "SELECT doc::text FROM briefings ORDER BY uploaded_at, id")

    async def delete_draft(self, briefing_id: str) -> bool:
        # One statement: nothing publishes it between the check and the removal.
        return await self._execute("DELETE FROM briefings WHERE id = %s AND status = %s",
                                   (briefing_id, BriefingStatus.draft.value)) > 0


_DISCUSSION_UPSERT = ("INSERT INTO discussions (id, briefing_id, team_id, doc) VALUES (%s, %s, %s, %s) ON CONFLICT (id) DO "
                      "UPDATE SET briefing_id = excluded.briefing_id, team_id = excluded.team_id, doc = excluded.doc")


class _Discussions(_Repo):
    async def create(self, discussions: list[Discussion]) -> list[Discussion]:
        fresh = _first_of_each(discussions)
        if not fresh:
            return []
        rows = await self._rows(
            "INSERT INTO discussions (id, briefing_id, team_id, doc) "
            "SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::jsonb[]) ON CONFLICT (id) DO NOTHING RETURNING id",
            ([d.id for d in fresh], [d.briefing_id for d in fresh], [d.team_id for d in fresh],
             [_json(d) for d in fresh]))
        added = {row[0] for row in rows}
        return [d.model_copy(deep=True) for d in fresh if _stored_id(d.id) in added]

    async def put(self, discussion: Discussion) -> None:
        await self._execute(_DISCUSSION_UPSERT, (discussion.id, discussion.briefing_id, discussion.team_id,
                                                 _json(discussion)))

    async def get(self, discussion_id: str) -> Discussion | None:
        return await self._doc(Discussion, "SELECT doc::text FROM discussions WHERE id = %s", (discussion_id,))

    async def list_for_team(self, team_id: str) -> list[Discussion]:
        return await self._docs(Discussion, "SELECT doc::text FROM discussions WHERE team_id = %s ORDER BY seq",
                                (team_id,))

    async def list_for_briefing(self, briefing_id: str) -> list[Discussion]:
        return await self._docs(Discussion, "SELECT doc::text FROM discussions WHERE briefing_id = %s ORDER BY seq",
                                (briefing_id,))

    async def summaries(self, briefing_id: str) -> list[DiscussionSummary]:
        rows = await self._rows(
            "SELECT id, team_id, jsonb_typeof(doc->'thread') = 'object', doc->>'opened_at', doc->>'closed_at', "
            "doc->>'sent_to', coalesce((doc->>'acknowledgements')::int, 0), doc->>'discuss_by' "
            "FROM discussions WHERE briefing_id = %s ORDER BY seq", (briefing_id,))
        return [DiscussionSummary(i, team, bool(posted), _ts(opened), _ts(closed), sent_to, acks,
                                  date.fromisoformat(by) if by else None)
                for i, team, posted, opened, closed, sent_to, acks, by in rows]


class _Responses(_Repo):
    async def add(self, responses: list[Response]) -> list[Response]:
        if not responses:
            return []
        rows = await self._rows(
            "INSERT INTO responses (id, discussion_id, question_id, created_at, active, doc) "
            "SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::timestamptz[], %s::bool[], %s::jsonb[]) "
            "ON CONFLICT (id) DO NOTHING RETURNING id",
            ([r.id for r in responses], [r.discussion_id for r in responses], [r.question_id for r in responses],
             [r.created_at for r in responses], [r.active for r in responses],
             [_json(r) for r in responses]))
        added = {row[0] for row in rows}
        fresh, seen = [], set()
        for r in responses:
            if _stored_id(r.id) in added and r.id not in seen:
                seen.add(r.id)
                fresh.append(r.model_copy(deep=True))
        return fresh

    async def replace(self, response: Response) -> None:
        changed = await self._execute(
            "UPDATE responses SET question_id = %s, active = %s, doc = %s WHERE id = %s AND discussion_id = %s",
            (response.question_id, response.active, _json(response), response.id, response.discussion_id))
        if not changed:
            raise KeyError(response.id)

    async def list(self, discussion_id: str) -> list[Response]:
        return await self._docs(Response, "SELECT doc::text FROM responses WHERE discussion_id = %s ORDER BY seq",
                                (discussion_id,))

    async def count(self, discussion_id: str) -> int:
        return (await self.counts([discussion_id]))[discussion_id]

    async def count_by_question(self, discussion_id: str) -> dict[str, int]:
        return (await self.counts_by_question([discussion_id]))[discussion_id]

    async def counts(self, discussion_ids: list[str]) -> dict[str, int]:
        counts = dict.fromkeys(discussion_ids, 0)
        if discussion_ids:
            for discussion_id, n in await self._rows(
                    "SELECT discussion_id, count(*) FROM responses WHERE discussion_id = ANY(%s) AND active "
                    "GROUP BY discussion_id", (list(discussion_ids),)):
                counts[discussion_id] = n
        return counts

    async def counts_by_question(self, discussion_ids: list[str]) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {d: {} for d in discussion_ids}
        if discussion_ids:
            for discussion_id, question_id, n in await self._rows(
                    "SELECT discussion_id, question_id, count(*) FROM responses WHERE discussion_id = ANY(%s) AND active "
                    "GROUP BY discussion_id, question_id", (list(discussion_ids),)):
                counts[discussion_id][question_id] = n
        return counts

    async def purge_before(self, cutoff: datetime, *, dry_run: bool = False) -> int:
        if dry_run:
            return (await self._rows("SELECT count(*) FROM responses WHERE created_at < %s", (cutoff,)))[0][0]
        return await self._execute("DELETE FROM responses WHERE created_at < %s", (cutoff,))


class _Minutes(_Repo):
    async def put(self, minutes: Minutes) -> None:
        await self._execute(
            "INSERT INTO minutes (discussion_id, compiled_at, doc) VALUES (%s, %s, %s) ON CONFLICT (discussion_id) "
            "DO UPDATE SET compiled_at = excluded.compiled_at, doc = excluded.doc",
            (minutes.discussion_id, minutes.compiled_at, _json(minutes)))

    async def get(self, discussion_id: str) -> Minutes | None:
        return await self._doc(Minutes, "SELECT doc::text FROM minutes WHERE discussion_id = %s", (discussion_id,))

    async def purge_before(self, cutoff: datetime, *, dry_run: bool = False) -> int:
        if dry_run:
            return (await self._rows("SELECT count(*) FROM minutes WHERE compiled_at < %s", (cutoff,)))[0][0]
        return await self._execute("DELETE FROM minutes WHERE compiled_at < %s", (cutoff,))


def _action_row(a: Action) -> tuple:
    return (a.id, a.discussion_id, a.briefing_id, a.organisation_id, a.due,
            a.status is ActionStatus.open and a.reminded_at is None, a.last_needed_at, _json(a))


_ACTION_COLUMNS = "id, discussion_id, briefing_id, organisation_id, due, to_follow_up, last_needed_at, doc"
_ACTION_UPDATE = ("discussion_id = excluded.discussion_id, briefing_id = excluded.briefing_id, "
                  "organisation_id = excluded.organisation_id, due = excluded.due, to_follow_up = excluded.to_follow_up, "
                  "last_needed_at = excluded.last_needed_at, doc = excluded.doc")


class _Actions(_Repo):
    async def _insert(self, conn: psycopg.AsyncConnection, actions: list[Action], on_conflict: str) -> list[str]:
        rows = [_action_row(a) for a in actions]
        cursor = await conn.execute(
            f"INSERT INTO actions ({_ACTION_COLUMNS}) SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], "
            f"%s::text[], %s::date[], %s::bool[], %s::timestamptz[], %s::jsonb[]) ON CONFLICT (id) {on_conflict} "
            "RETURNING id", [list(column) for column in zip(*rows)])
        return [row[0] for row in await cursor.fetchall()]

    async def add(self, actions: list[Action]) -> list[Action]:
        fresh = _first_of_each(actions)
        if not fresh:
            return []
        async with self._conn() as conn:
            added = set(await self._insert(conn, fresh, "DO NOTHING"))
        return [a.model_copy(deep=True) for a in fresh if _stored_id(a.id) in added]

    async def put(self, action: Action) -> None:
        row = _action_row(action)
        changed = await self._execute(
            "UPDATE actions SET discussion_id = %s, briefing_id = %s, organisation_id = %s, due = %s, to_follow_up = %s, "
            "last_needed_at = %s, doc = %s WHERE id = %s", (*row[1:], action.id))
        if not changed:
            raise KeyError(action.id)

    async def set_for_discussion(self, discussion_id: str, actions: list[Action]) -> None:
        keep = list({a.id: a for a in actions}.values())
        async with self._conn() as conn, conn.transaction():
            await conn.execute("DELETE FROM actions WHERE discussion_id = %s AND NOT (id = ANY(%s))",
                               (discussion_id, [a.id for a in keep]))
            if keep:
                await self._insert(conn, keep, f"DO UPDATE SET {_ACTION_UPDATE}")

    async def get(self, action_id: str) -> Action | None:
        return await self._doc(Action, "SELECT doc::text FROM actions WHERE id = %s", (action_id,))

    async def list_for_discussion(self, discussion_id: str) -> list[Action]:
        return await self._docs(Action, "SELECT doc::text FROM actions WHERE discussion_id = %s ORDER BY seq",
                                (discussion_id,))

    async def list(self, *, organisation_ids: set[str] | None = None, briefing_id: str | None = None) -> list[Action]:
        return await self._docs(
            Action, "SELECT doc::text FROM actions WHERE (%s::text[] IS NULL OR organisation_id = ANY(%s::text[])) "
                    "AND (%s::text IS NULL OR briefing_id = %s) ORDER BY seq",
            (None if organisation_ids is None else sorted(organisation_ids),) * 2 + (briefing_id, briefing_id))

    async def to_follow_up(self, due_by: date) -> list[Action]:
        return await self._docs(Action, "SELECT doc::text FROM actions WHERE to_follow_up AND due <= %s ORDER BY seq",
                                (due_by,))

    async def purge_before(self, cutoff: datetime, *, dry_run: bool = False) -> int:
        if dry_run:
            return (await self._rows("SELECT count(*) FROM actions WHERE last_needed_at < %s", (cutoff,)))[0][0]
        return await self._execute("DELETE FROM actions WHERE last_needed_at < %s", (cutoff,))


class _Meta(_Repo):
    async def get(self, key: str) -> dict[str, Any] | None:
        rows = await self._rows("SELECT value::text FROM meta WHERE key = %s", (key,))
        return json.loads(rows[0][0]) if rows else None

    async def put(self, key: str, value: dict[str, Any]) -> None:
        await self._execute("INSERT INTO meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE "
                            "SET value = excluded.value", (key, _jdump(value)))

    async def audit(self, entry: dict[str, Any]) -> None:
        await self._execute("INSERT INTO audit (entry) VALUES (%s)", (_jdump(entry),))

    async def audit_log(self) -> list[dict[str, Any]]:
        return [json.loads(row[0]) for row in await self._rows("SELECT entry::text FROM audit ORDER BY seq")]


def _delivery_row(d: Delivery) -> tuple:
    return (d.id, d.group, d.kind.value, d.status.value, d.due_at, d.created_at, _json(d))


class _Outbox(_Repo):
    def __init__(self, store: "PostgresStore") -> None:
        super().__init__(store)
        self._work = asyncio.Event()

    async def enqueue(self, deliveries: list[Delivery]) -> list[Delivery]:
        fresh = _first_of_each(deliveries)
        if not fresh:
            return []
        rows = [_delivery_row(d) for d in fresh]
        async with self._conn() as conn, conn.transaction():
            cursor = await conn.execute(
                "INSERT INTO outbox (id, grp, kind, status, due_at, created_at, doc) SELECT * FROM unnest(%s::text[], "
                "%s::text[], %s::text[], %s::text[], %s::timestamptz[], %s::timestamptz[], %s::jsonb[]) "
                "ON CONFLICT (id) DO NOTHING RETURNING id", [list(column) for column in zip(*rows)])
            added = {row[0] for row in await cursor.fetchall()}
            if added:  # every replica's worker wakes (at commit)
                await conn.execute(f"NOTIFY {_NOTIFY_CHANNEL}")
        if added:
            self._work.set()
        return [d.model_copy(deep=True) for d in fresh if _stored_id(d.id) in added]

    async def get(self, delivery_id: str) -> Delivery | None:
        return await self._doc(Delivery, "SELECT doc::text FROM outbox WHERE id = %s", (delivery_id,))

    async def update(self, delivery: Delivery) -> None:
        # Never over another replica's claim (this one's was voided and the delivery taken over), and
        # never a delivery already sent: an outcome recorded late does not undo a newer one.
        async with self._conn() as conn:
            changed = (await conn.execute(
                "UPDATE outbox SET status = %s, due_at = %s, doc = %s, "
                "claimed_by = CASE WHEN %s THEN NULL ELSE claimed_by END WHERE id = %s AND grp = %s "
                "AND (claimed_by IS NULL OR claimed_by = %s) AND status <> 'sent'",
                (delivery.status.value, delivery.due_at, _json(delivery), delivery.leased_until is None,
                 delivery.id, delivery.group, self._store.replica_id))).rowcount
            if not changed:
                found = await (await conn.execute("SELECT 1 FROM outbox WHERE id = %s AND grp = %s",
                                                  (delivery.id, delivery.group))).fetchone()
                raise Superseded(delivery.id) if found else KeyError(delivery.id)
        if not delivery.final:
            self._work.set()

    async def due(self, now: datetime, limit: int = 100) -> list[Delivery]:
        return await self._docs(Delivery, "SELECT doc::text FROM outbox WHERE status = 'pending' AND due_at <= %s "
                                          "ORDER BY due_at, created_at LIMIT %s", (now, limit))

    async def claim(self, now: datetime, limit: int, lease: timedelta) -> list[Delivery]:
        if limit <= 0:
            return []
        async with self._conn() as conn, conn.transaction():
            # Rows another replica is claiming are passed over, not waited for.
            cursor = await conn.execute(
                "SELECT doc::text FROM outbox WHERE status = 'pending' AND due_at <= %s ORDER BY due_at, created_at "
                "LIMIT %s FOR UPDATE SKIP LOCKED", (now, limit))
            claimed = [Delivery.model_validate_json(row[0]) for row in await cursor.fetchall()]
            for d in claimed:
                d.attempts += 1
                d.leased_until = now + lease
            if claimed:
                await conn.execute(
                    "UPDATE outbox o SET due_at = c.due_at, doc = c.doc, claimed_by = %s FROM unnest(%s::text[], "
                    "%s::timestamptz[], %s::jsonb[]) AS c(id, due_at, doc) WHERE o.id = c.id",
                    (self._store.replica_id, [d.id for d in claimed], [d.due_at for d in claimed],
                     [_json(d) for d in claimed]))
        return claimed

    async def next_due_at(self) -> datetime | None:
        return (await self._rows("SELECT min(due_at) FROM outbox WHERE status = 'pending'"))[0][0]

    async def list_group(self, group: str) -> list[Delivery]:
        return await self._docs(Delivery, "SELECT doc::text FROM outbox WHERE grp = %s ORDER BY created_at", (group,))

    async def list_status(self, status: str, limit: int = 500) -> list[Delivery]:
        return await self._docs(Delivery, "SELECT doc::text FROM outbox WHERE status = %s "
                                          "ORDER BY created_at DESC LIMIT %s", (status, limit))

    async def prune(self, kinds: set[str], created_before: datetime, *, dry_run: bool = False,
                    keep_groups: set[str] = frozenset()) -> int:
        where = ("status <> 'pending' AND kind = ANY(%s) AND created_at < %s AND NOT (grp = ANY(%s))",
                 ([str(k) for k in kinds], created_before, sorted(keep_groups)))
        if dry_run:
            return (await self._rows(f"SELECT count(*) FROM outbox WHERE {where[0]}", where[1]))[0][0]
        return await self._execute(f"DELETE FROM outbox WHERE {where[0]}", where[1])

    async def wait_for_work(self, timeout: float) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._work.wait(), timeout)
        self._work.clear()


# What `copy_in` writes for each kind: (table, key column, [(column, SQL type)], the row of a record).
_COPY: dict[str, tuple[str, str, list[tuple[str, str]], Any]] = {
    "teams": ("teams", "id", [("id", "text"), ("organisation_id", "text"), ("active", "bool"), ("doc", "jsonb")],
              lambda t: (t.id, t.organisation_id, t.active, _json(t))),
    "briefings": ("briefings", "id", [("id", "text"), ("status", "text"), ("uploaded_at", "timestamptz"),
                                      ("doc", "jsonb")],
                  lambda b: (b.id, b.status.value, b.uploaded_at, _json(b))),
    "discussions": ("discussions", "id", [("id", "text"), ("briefing_id", "text"), ("team_id", "text"),
                                          ("doc", "jsonb")],
                    lambda d: (d.id, d.briefing_id, d.team_id, _json(d))),
    "responses": ("responses", "id", [("id", "text"), ("discussion_id", "text"), ("question_id", "text"),
                                      ("created_at", "timestamptz"), ("active", "bool"), ("doc", "jsonb")],
                  lambda r: (r.id, r.discussion_id, r.question_id, r.created_at, r.active, _json(r))),
    "minutes": ("minutes", "discussion_id", [("discussion_id", "text"), ("compiled_at", "timestamptz"),
                                             ("doc", "jsonb")],
                lambda m: (m.discussion_id, m.compiled_at, _json(m))),
    "actions": ("actions", "id", [("id", "text"), ("discussion_id", "text"), ("briefing_id", "text"),
                                  ("organisation_id", "text"), ("due", "date"), ("to_follow_up", "bool"),
                                  ("last_needed_at", "timestamptz"), ("doc", "jsonb")], _action_row),
    "outbox": ("outbox", "id", [("id", "text"), ("grp", "text"), ("kind", "text"), ("status", "text"),
                                ("due_at", "timestamptz"), ("created_at", "timestamptz"), ("doc", "jsonb")],
               _delivery_row),
    "meta": ("meta", "key", [("key", "text"), ("value", "jsonb")], lambda kv: (kv[0], _jdump(kv[1]))),
    "audit": ("audit", "source_id", [("source_id", "text"), ("entry", "jsonb")],
              lambda kv: (kv[0], _jdump(kv[1]))),
}


class PgLocks:
    """Advisory locks that hold across replicas, on one connection of their own: taken by trying
    (pg_try_advisory_lock) and trying again shortly, so no pool connection is held waiting. Within a
    process the caller's own lock comes first (dialogs.deps), so only other replicas contend here.

    Session locks die with their connection: each connection has a generation, and a holder whose
    lock was taken on an earlier one never unlocks on the new one (that would let go of another
    holder's lock); it is told in the log that its lock was lost."""

    WAIT = 60.0  # seconds a holder waits for a lock another replica holds before giving up (StoreError)
    CALL = 10.0  # seconds a lock call may take before its connection is given up

    def __init__(self, store: "PostgresStore") -> None:
        self._store = store
        self._conn: psycopg.AsyncConnection | None = None
        self._generation = 0
        self._guard = asyncio.Lock()
        self._closed = False

    async def _connection(self) -> psycopg.AsyncConnection:
        if self._closed:
            raise StoreError("the store is closed")
        if self._conn is None or self._conn.closed or self._conn.broken:
            try:
                self._conn = await psycopg.AsyncConnection.connect(self._store.url, autocommit=True,
                                                                   **_CONNECT)
            except _UNREACHABLE as exc:
                raise StoreError(f"the database is not reachable: {type(exc).__name__}") from exc
            self._generation += 1
        return self._conn

    async def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()
            self._conn = None

    async def _call(self, sql: str, key: int) -> tuple[bool, int]:
        """The query's answer, and the connection's generation it ran on."""
        async with self._guard:
            conn = await self._connection()
            try:
                async with asyncio.timeout(self.CALL):
                    row = await (await conn.execute(sql, (key,))).fetchone()
            except (*_UNREACHABLE, TimeoutError) as exc:
                await self._drop()
                raise StoreError(f"the database is not reachable: {type(exc).__name__}") from exc
            return bool(row[0]), self._generation

    async def _try(self, key: str, shared: bool) -> tuple[bool, int]:
        fn = "pg_try_advisory_lock_shared" if shared else "pg_try_advisory_lock"
        call = asyncio.ensure_future(self._call(f"SELECT {fn}(%s)", _lock_key(key)))
        try:
            return await asyncio.shield(call)
        except asyncio.CancelledError:  # the lock may be taken as the caller goes: never left held
            with contextlib.suppress(Exception):
                got, generation = await call
                if got:
                    await self._release(key, shared, generation)
            raise

    async def _release(self, key: str, shared: bool, generation: int) -> None:
        if generation != self._generation or self._conn is None:
            log.warning("a lock across replicas was lost with its connection to the database before it was let go")
            return
        fn = "pg_advisory_unlock_shared" if shared else "pg_advisory_unlock"
        with contextlib.suppress(StoreError):  # a lost connection has let go of it already
            await self._call(f"SELECT {fn}(%s)", _lock_key(key))

    @asynccontextmanager
    async def hold(self, key: str, *, shared: bool = False) -> AsyncIterator[None]:
        delay, deadline = 0.005, asyncio.get_running_loop().time() + self.WAIT
        while True:
            got, generation = await self._try(key, shared)
            if got:
                break
            if asyncio.get_running_loop().time() > deadline:
                raise StoreError("another replica has held a lock for too long")
            await asyncio.sleep(random.uniform(delay / 2, delay))
            delay = min(0.2, delay * 2)
        try:
            yield
        finally:
            await asyncio.shield(self._release(key, shared, generation))

    @asynccontextmanager
    async def try_hold(self, key: str) -> AsyncIterator[bool]:
        """Yields whether this replica holds it (scheduled work: one replica runs it, the others pass)."""
        got, generation = await self._try(key, False)
        try:
            yield got
        finally:
            if got:
                await asyncio.shield(self._release(key, False, generation))

    async def close(self) -> None:
        self._closed = True
        async with self._guard:
            await self._drop()


class PostgresStore:
    def __init__(self, url: str, *, pool_size: int = 10, connect_backoff: tuple[float, float] = (0.5, 10.0)) -> None:
        self.url = url
        self._pool_size = pool_size
        self._backoff = connect_backoff
        self._pool: AsyncConnectionPool | None = None
        self._ready = asyncio.Event()
        self._connecting: asyncio.Task | None = None
        self._listening: asyncio.Task | None = None
        self._checking: asyncio.Task | None = None
        self._last_error: str | None = None
        self.applied: list[str] = []  # the migrations this store applied when it opened
        self.replica_id: str | None = None  # set by heartbeat: marks this replica's claims
        self._heard_since: float | None = None  # this replica's unbroken run of heartbeats, since (loop time)
        self._heard_last = 0.0
        self.teams = _Teams(self)
        self.briefings = _Briefings(self)
        self.discussions = _Discussions(self)
        self.responses = _Responses(self)
        self.minutes = _Minutes(self)
        self.actions = _Actions(self)
        self.outbox = _Outbox(self)
        self.meta = _Meta(self)
        self.locks = PgLocks(self)

    @property
    def available(self) -> bool:
        """Connected and its schema up to date (False while the database is still being reached)."""
        return self._ready.is_set()

    async def wait_ready(self, timeout: float | None = None) -> bool:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._ready.wait(), timeout)
        return self._ready.is_set()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection]:
        if not self._ready.is_set() or self._pool is None:
            raise StoreError("the database is not reachable yet" + (f": {self._last_error}" if self._last_error else ""))
        try:
            # Not long: a member's turn waits on it, and a database away answers StoreError soon.
            async with self._pool.connection(timeout=5) as conn:
                yield conn
        except psycopg.DataError as exc:  # a value it cannot hold: named by its type only (the message quotes it)
            raise StoreError(f"the database refused a value ({type(exc).__name__})") from None
        except _UNREACHABLE as exc:
            self._last_error = type(exc).__name__
            # Connections are not checked as they are handed out (that would double the round trips):
            # one found broken (the server restarted) has the idle others checked, so one call fails, not one per connection.
            if self._pool is not None and (self._checking is None or self._checking.done()):
                self._checking = asyncio.get_running_loop().create_task(self._check_pool())
            raise StoreError(f"the database is not reachable: {type(exc).__name__}") from exc

    async def _check_pool(self) -> None:
        with contextlib.suppress(Exception):
            if self._pool is not None:
                await self._pool.check()

    async def open(self, *, wait: bool = False) -> None:
        """Open the pool and bring the schema up to date. With `wait` (the CLI), until done or the
        first failure (StoreError); without (the bot), in the background, retrying with backoff, so
        the bot answers 503 while the database cannot be reached and carries on once it can."""
        self._pool = AsyncConnectionPool(self.url, min_size=1, max_size=self._pool_size, open=False,
                                         kwargs={"autocommit": True, **_CONNECT}, configure=_configure,
                                         reconnect_timeout=0, name="learning-bot")
        await self._pool.open(wait=False)
        if wait:
            try:
                await self._connect_once()
            except BaseException as exc:
                await self.close()
                if isinstance(exc, _UNREACHABLE):
                    raise StoreError(f"cannot reach the database at {redact(self.url)}: {exc}") from None
                if isinstance(exc, psycopg.Error):  # e.g. no right to create the tables
                    raise StoreError(f"cannot use the database at {redact(self.url)}: {type(exc).__name__}: "
                                     f"{exc}") from None
                raise
        else:
            self._connecting = asyncio.create_task(self._connect(), name="database connect")
        self._listening = asyncio.create_task(self._listen(), name="outbox notifications")

    async def _connect_once(self) -> None:
        assert self._pool is not None
        async with self._pool.connection(timeout=10) as conn:
            applied = await upgrade(conn)
        self.applied = applied
        if applied:
            log.info("database schema upgraded: %s", ", ".join(applied))
        self._last_error = None
        self._ready.set()

    async def _connect(self) -> None:
        first, most = self._backoff
        attempt = 0
        while True:
            try:
                await self._connect_once()
                if attempt:
                    log.info("the database is reachable again")
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # unreachable, or refusing (no right to create tables, read-only): retried
                attempt += 1
                self._last_error = type(exc).__name__
                delay = min(most, first * 2 ** (attempt - 1))
                if isinstance(exc, _UNREACHABLE):
                    log.warning("the database at %s is not reachable (%s); retrying in %.1f s", redact(self.url),
                                type(exc).__name__, delay)
                else:
                    log.error("the database at %s cannot be used (%s: %s); retrying in %.1f s", redact(self.url),
                              type(exc).__name__, exc if isinstance(exc, psycopg.Error) else "", delay)
                await asyncio.sleep(random.uniform(delay / 2, delay))

    async def _listen(self) -> None:
        """Wake this replica's worker when another enqueues (NOTIFY), reconnecting as needed."""
        await self._ready.wait()
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.url, autocommit=True, **_CONNECT) as conn:
                    await conn.execute(f"LISTEN {_NOTIFY_CHANNEL}")
                    async for _ in conn.notifies():
                        self.outbox._work.set()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the server restarted or is unreachable: listen again shortly
                log.debug("outbox notifications interrupted: %s", type(exc).__name__)
            self.outbox._work.set()  # something may have been missed meanwhile
            await asyncio.sleep(1.0)

    async def close(self) -> None:
        for task in (self._connecting, self._listening, self._checking):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._connecting = self._listening = self._checking = None
        await self.locks.close()
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
        self._ready.clear()

    async def heartbeat(self, replica_id: str, *, alive_within: float = 30.0) -> int:
        """Say this replica is alive (its claims are marked with its id from then on); how many have
        said so within `alive_within` seconds, by the database's clock.

        The claims of replicas that have not are voided (due again at once: sent at least once), but
        only by a replica that has itself said so without a break for that long: after the database
        was away, every replica's last word is old, and none is taken for gone until each has had
        the time to speak again."""
        loop = asyncio.get_running_loop()
        try:
            async with self.connection() as conn:
                await conn.execute("INSERT INTO replicas (id, seen_at) VALUES (%s, now()) "
                                   "ON CONFLICT (id) DO UPDATE SET seen_at = now()", (replica_id,))
                self.replica_id = replica_id
                now = loop.time()
                if self._heard_since is None or now - self._heard_last > alive_within:
                    self._heard_since = now  # a new run of heartbeats (the first, or after a break)
                self._heard_last = now
                await conn.execute("DELETE FROM replicas WHERE seen_at < now() - interval '1 day'")  # long gone
                alive = "SELECT id FROM replicas WHERE seen_at > now() - %s * interval '1 second'"
                if now - self._heard_since >= alive_within:
                    voided = await conn.execute(
                        "UPDATE outbox SET claimed_by = NULL, due_at = (doc->>'next_attempt_at')::timestamptz, "
                        "doc = jsonb_set(doc, '{leased_until}', 'null') WHERE claimed_by IS NOT NULL "
                        f"AND status = 'pending' AND claimed_by NOT IN ({alive})", (alive_within,))
                    if voided.rowcount:
                        log.warning("%d deliveries claimed by a replica that stopped are due again", voided.rowcount)
                        await conn.execute(f"NOTIFY {_NOTIFY_CHANNEL}")
                cursor = await conn.execute(f"SELECT count(*) FROM ({alive}) AS a", (alive_within,))
                return max(1, (await cursor.fetchone())[0])
        except StoreError:
            self._heard_since = None
            raise

    async def copy_in(self, kind: str, records: list[Any]) -> int:
        """Insert the records of a kind (see _COPY) whose key is not stored yet, in one statement;
        how many were. Those already there are left as they are (a copy run again adds nothing)."""
        if not records:
            return 0
        table, key, columns, row = _COPY[kind]
        values = [list(column) for column in zip(*(row(r) for r in records))]
        arrays = ", ".join(f"%s::{kind_}[]" for _, kind_ in columns)
        async with self.connection() as conn:
            cursor = await conn.execute(
                f"INSERT INTO {table} ({', '.join(c for c, _ in columns)}) SELECT * FROM unnest({arrays}) "
                f"ON CONFLICT ({key}) DO NOTHING", values)
            return cursor.rowcount

    async def present(self, kind: str, keys: list[str]) -> int:
        """How many of `keys` (of a kind, see _COPY) are stored."""
        table, key, _, _ = _COPY[kind]
        async with self.connection() as conn:
            cursor = await conn.execute(f"SELECT count(*) FROM {table} WHERE {key} = ANY(%s)", (keys,))
            return (await cursor.fetchone())[0]

    async def status(self) -> dict[str, object]:
        status: dict[str, object] = {"backend": "postgresql", "ok": False}  # served to anyone: no address
        if not self._ready.is_set() or self._pool is None:
            status["error"] = "the database is not reachable" + (f" ({self._last_error})" if self._last_error else "")
            return status
        try:
            async with self._pool.connection(timeout=2) as conn:  # a load balancer's probe waits on it
                await conn.execute("SELECT 1")
        except _UNREACHABLE as exc:
            status["error"] = f"the database is not reachable ({type(exc).__name__})"
            return status
        status["ok"] = True
        return status
