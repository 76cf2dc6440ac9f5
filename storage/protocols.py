"""Async repository protocols that every storage backend implements."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from .models import Action, Briefing, Delivery, Discussion, DiscussionSummary, Minutes, Response, Team, TeamSummary


class StoreError(Exception):
    """The store cannot do what was asked (locked, unwritable, corrupt)."""


class StoreLocked(StoreError):
    """Another process owns the data directory."""


class Superseded(Exception):
    """A change to a delivery that another process has claimed since, or already sent: dropped (the
    other process's outcome stands). Only where several processes share the store."""


class TeamRepo(Protocol):
    async def upsert(self, team: Team) -> None: ...
    async def get(self, team_id: str) -> Team | None: ...
    async def list(self, *, active_only: bool = True, organisation_id: str | None = None) -> list[Team]: ...
    async def summaries(self) -> list[TeamSummary]:
        """Every team (left ones too), as the few fields lists of teams need."""
        ...


class BriefingRepo(Protocol):
    async def put(self, briefing: Briefing) -> None: ...
    async def get(self, briefing_id: str) -> Briefing | None: ...
    async def list(self) -> list[Briefing]: ...
    async def delete_draft(self, briefing_id: str) -> bool:
        """Remove a briefing that is still a draft; False when there is none (a published one stays)."""
        ...


class DiscussionRepo(Protocol):
    async def create(self, discussions: list[Discussion]) -> list[Discussion]:
        """Add discussions whose id is not stored yet (in one write); returns those added."""
        ...

    async def put(self, discussion: Discussion) -> None: ...
    async def get(self, discussion_id: str) -> Discussion | None: ...
    async def list_for_team(self, team_id: str) -> list[Discussion]: ...
    async def list_for_briefing(self, briefing_id: str) -> list[Discussion]: ...
    async def summaries(self, briefing_id: str) -> list[DiscussionSummary]:
        """A briefing's discussions as the few fields counting and listing them needs (kept up to
        date as discussions are written: a partnership's digest reads no discussion in full)."""
        ...


class ResponseRepo(Protocol):
    async def add(self, responses: list[Response]) -> list[Response]:
        """Store responses; those whose id is already stored are skipped (ids derive from the
        idempotency key, so a resent activity stores nothing twice).

        Returns the responses that were newly stored.
        """
        ...

    async def replace(self, response: Response) -> None:
        """Store a changed response (an edit, a withdrawal, a confirmed finding); it must exist."""
        ...

    async def list(self, discussion_id: str) -> list[Response]:
        """Every response of the discussion, withdrawn ones included, oldest first."""
        ...

    async def count(self, discussion_id: str) -> int:
        """How many responses of the discussion are not withdrawn."""
        ...

    async def count_by_question(self, discussion_id: str) -> dict[str, int]:
        """Responses not withdrawn, per question id."""
        ...

    async def counts(self, discussion_ids: list[str]) -> dict[str, int]:
        """count() of each discussion, in one call (a digest of 5,000 teams' discussions); its cost
        should not be reading every discussion's responses each time."""
        ...

    async def counts_by_question(self, discussion_ids: list[str]) -> dict[str, dict[str, int]]:
        """count_by_question() of each discussion, in one call, as counts() is."""
        ...

    async def purge_before(self, cutoff: datetime, *, dry_run: bool = False) -> int:
        """Delete (or, dry, count) every response created before `cutoff`, in every discussion."""
        ...


class MinutesRepo(Protocol):
    async def put(self, minutes: Minutes) -> None: ...
    async def get(self, discussion_id: str) -> Minutes | None: ...

    async def purge_before(self, cutoff: datetime, *, dry_run: bool = False) -> int:
        """Delete (or, dry, count) every minutes compiled before `cutoff`."""
        ...


class ActionRepo(Protocol):
    async def add(self, actions: list[Action]) -> list[Action]:
        """Store actions whose id is not stored yet (in one write); returns those added."""
        ...

    async def put(self, action: Action) -> None:
        """Store a changed action (followed up, answered); it must exist."""
        ...

    async def set_for_discussion(self, discussion_id: str, actions: list[Action]) -> None:
        """Store exactly these actions for the discussion (at its close): any it had that are not among
        them (left by a close that failed part way) are deleted."""
        ...

    async def get(self, action_id: str) -> Action | None: ...
    async def list_for_discussion(self, discussion_id: str) -> list[Action]: ...

    async def list(self, *, organisation_ids: set[str] | None = None, briefing_id: str | None = None) -> list[Action]:
        """Every action, or those of some organisations (where the minutes went) or of a briefing."""
        ...

    async def to_follow_up(self, due_by: date) -> list[Action]:
        """The actions the follow-ups may still ask about, in the order stored: not answered, due on or
        before `due_by`, not reminded yet. Read every quarter of an hour, so never by reading the
        others (answered, not due yet, or overdue after their reminder)."""
        ...

    async def purge_before(self, cutoff: datetime, *, dry_run: bool = False) -> int:
        """Delete (or, dry, count) every action no longer in use before `cutoff` (Action.last_needed_at)."""
        ...


class MetaRepo(Protocol):
    """Small named values (a digest's last fingerprint, a schedule's last run) and the audit log."""

    async def get(self, key: str) -> dict[str, Any] | None: ...
    async def put(self, key: str, value: dict[str, Any]) -> None: ...
    async def audit(self, entry: dict[str, Any]) -> None: ...
    async def audit_log(self) -> list[dict[str, Any]]: ...


class OutboxRepo(Protocol):
    async def enqueue(self, deliveries: list[Delivery]) -> list[Delivery]:
        """Add deliveries whose id is not stored yet; returns those added (idempotent by id)."""
        ...

    async def get(self, delivery_id: str) -> Delivery | None: ...
    async def update(self, delivery: Delivery) -> None:
        """Store a changed delivery; KeyError if there is none. Superseded if another process has
        claimed it since or recorded it sent (several processes on one store)."""
        ...
    async def due(self, now: datetime, limit: int = 100) -> list[Delivery]:
        """Pending deliveries whose next attempt is at or before `now`, oldest first."""
        ...

    async def claim(self, now: datetime, limit: int, lease: timedelta) -> list[Delivery]:
        """Take up to `limit` due deliveries for sending, oldest first: each has its attempt counted
        and its next attempt moved to `now + lease`, durably, before it is returned. A send starts
        only from a claim, so a claim that cannot be written (StoreError) sends nothing, and a
        sender that dies leaves the row to be claimed again once the lease runs out."""
        ...

    async def next_due_at(self) -> datetime | None: ...
    async def list_group(self, group: str) -> list[Delivery]: ...

    async def list_status(self, status: str, limit: int = 500) -> list[Delivery]:
        """Deliveries in `status` (e.g. failed), newest first."""
        ...
    async def prune(self, kinds: set[str], created_before: datetime, *, dry_run: bool = False,
                    keep_groups: set[str] = frozenset()) -> int:
        """Delete (or, dry, count) final deliveries of `kinds` created before a time, but for those of
        `keep_groups`: how many."""
        ...

    async def wait_for_work(self, timeout: float) -> None:
        """Return when something is enqueued, or after `timeout` seconds."""
        ...


class Locks(Protocol):
    """Locks across every process sharing the store (several replicas on one database)."""

    def hold(self, key: str, *, shared: bool = False) -> AbstractAsyncContextManager[None]:
        """Held until the block ends: exclusive, or beside other shared holders only."""
        ...

    def try_hold(self, key: str) -> AbstractAsyncContextManager[bool]:
        """Exclusive if free now (yields True), else yields False at once: work one process does."""
        ...


class Store(Protocol):
    teams: TeamRepo
    briefings: BriefingRepo
    discussions: DiscussionRepo
    responses: ResponseRepo
    minutes: MinutesRepo
    actions: ActionRepo
    outbox: OutboxRepo
    meta: MetaRepo
    locks: Locks

    @property
    def available(self) -> bool:
        """Open and usable now (a database server may still be being reached)."""
        ...

    async def open(self) -> None: ...
    async def close(self) -> None: ...
    async def status(self) -> dict[str, object]: ...

    async def heartbeat(self, replica_id: str) -> int:
        """Say this process is alive; how many processes share the store now (1 for one that one
        process owns). Each takes its share of Teams' limits."""
        ...
