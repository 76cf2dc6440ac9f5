"""In-memory backend: the reference implementation of the protocols, for tests."""

from __future__ import annotations

import copy
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

from .models import (Action, ActionStatus, Briefing, BriefingStatus, Delivery, Discussion, DiscussionSummary, Minutes, Response, Team,
                     TeamSummary)
from .locks import LocalLocks
from .pending import PendingIndex


def _copy(record):
    return record.model_copy(deep=True)


class _Teams:
    def __init__(self) -> None:
        self._rows: dict[str, Team] = {}

    async def upsert(self, team: Team) -> None:
        self._rows[team.id] = _copy(team)

    async def get(self, team_id: str) -> Team | None:
        row = self._rows.get(team_id)
        return _copy(row) if row else None

    async def list(self, *, active_only: bool = True, organisation_id: str | None = None) -> list[Team]:
        return [
            _copy(t)
            for t in self._rows.values()
            if (t.active or not active_only)
            and (organisation_id is None or t.organisation_id == organisation_id)
        ]

    async def summaries(self) -> list[TeamSummary]:
        return [TeamSummary(t.id, t.name, t.organisation_id, t.active) for t in self._rows.values()]


class _Briefings:
    def __init__(self) -> None:
        self._rows: dict[str, Briefing] = {}

    async def put(self, briefing: Briefing) -> None:
        self._rows[briefing.id] = _copy(briefing)

    async def get(self, briefing_id: str) -> Briefing | None:
        row = self._rows.get(briefing_id)
        return _copy(row) if row else None

    async def list(self) -> list[Briefing]:
        return sorted((_copy(b) for b in self._rows.values()), key=lambda b: b.uploaded_at)

    async def delete_draft(self, briefing_id: str) -> bool:
        row = self._rows.get(briefing_id)
        if row is None or row.status is not BriefingStatus.draft:
            return False
        del self._rows[briefing_id]
        return True


class _Discussions:
    def __init__(self) -> None:
        self._rows: dict[str, Discussion] = {}

    async def create(self, discussions: list[Discussion]) -> list[Discussion]:
        added = []
        for d in discussions:
            if d.id not in self._rows:
                self._rows[d.id] = _copy(d)
                added.append(_copy(d))
        return added

    async def put(self, discussion: Discussion) -> None:
        self._rows[discussion.id] = _copy(discussion)

    async def get(self, discussion_id: str) -> Discussion | None:
        row = self._rows.get(discussion_id)
        return _copy(row) if row else None

    async def list_for_team(self, team_id: str) -> list[Discussion]:
        return [_copy(d) for d in self._rows.values() if d.team_id == team_id]

    async def list_for_briefing(self, briefing_id: str) -> list[Discussion]:
        return [_copy(d) for d in self._rows.values() if d.briefing_id == briefing_id]

    async def summaries(self, briefing_id: str) -> list[DiscussionSummary]:
        return [DiscussionSummary.of(d) for d in self._rows.values() if d.briefing_id == briefing_id]


class _Responses:
    def __init__(self) -> None:
        self._rows: dict[str, list[Response]] = defaultdict(list)
        self._ids: set[str] = set()

    async def add(self, responses: list[Response]) -> list[Response]:
        added = []
        for response in responses:
            if response.id in self._ids:
                continue
            self._ids.add(response.id)
            self._rows[response.discussion_id].append(_copy(response))
            added.append(_copy(response))
        return added

    async def replace(self, response: Response) -> None:
        rows = self._rows.get(response.discussion_id, [])
        for i, row in enumerate(rows):
            if row.id == response.id:
                rows[i] = _copy(response)
                return
        raise KeyError(response.id)

    async def list(self, discussion_id: str) -> list[Response]:
        return [_copy(r) for r in self._rows.get(discussion_id, [])]

    async def count(self, discussion_id: str) -> int:
        return sum(1 for r in self._rows.get(discussion_id, []) if r.active)

    async def count_by_question(self, discussion_id: str) -> dict[str, int]:
        return dict(Counter(r.question_id for r in self._rows.get(discussion_id, []) if r.active))

    async def counts(self, discussion_ids: list[str]) -> dict[str, int]:
        return {d: sum(1 for r in self._rows.get(d, []) if r.active) for d in discussion_ids}

    async def counts_by_question(self, discussion_ids: list[str]) -> dict[str, dict[str, int]]:
        return {d: await self.count_by_question(d) for d in discussion_ids}

    async def purge_before(self, cutoff: datetime, *, dry_run: bool = False) -> int:
        count = 0
        for discussion_id, rows in self._rows.items():
            keep = [r for r in rows if r.created_at >= cutoff]
            count += len(rows) - len(keep)
            if not dry_run:
                self._rows[discussion_id] = keep
        return count


class _Minutes:
    def __init__(self) -> None:
        self._rows: dict[str, Minutes] = {}

    async def put(self, minutes: Minutes) -> None:
        self._rows[minutes.discussion_id] = _copy(minutes)

    async def get(self, discussion_id: str) -> Minutes | None:
        row = self._rows.get(discussion_id)
        return _copy(row) if row else None

    async def purge_before(self, cutoff: datetime, *, dry_run: bool = False) -> int:
        old = [k for k, m in self._rows.items() if m.compiled_at < cutoff]
        if not dry_run:
            for key in old:
                del self._rows[key]
        return len(old)


class _Actions:
    def __init__(self) -> None:
        self._rows: dict[str, Action] = {}

    async def add(self, actions: list[Action]) -> list[Action]:
        added = []
        for a in actions:
            if a.id not in self._rows:
                self._rows[a.id] = _copy(a)
                added.append(_copy(a))
        return added

    async def put(self, action: Action) -> None:
        if action.id not in self._rows:
            raise KeyError(action.id)
        self._rows[action.id] = _copy(action)

    async def set_for_discussion(self, discussion_id: str, actions: list[Action]) -> None:
        keep = {a.id for a in actions}
        for key in [k for k, a in self._rows.items() if a.discussion_id == discussion_id and k not in keep]:
            del self._rows[key]
        for a in actions:
            self._rows[a.id] = _copy(a)

    async def get(self, action_id: str) -> Action | None:
        row = self._rows.get(action_id)
        return _copy(row) if row else None

    async def list_for_discussion(self, discussion_id: str) -> list[Action]:
        return [_copy(a) for a in self._rows.values() if a.discussion_id == discussion_id]

    async def list(self, *, organisation_ids: set[str] | None = None, briefing_id: str | None = None) -> list[Action]:
        return [_copy(a) for a in self._rows.values()
                if (organisation_ids is None or a.organisation_id in organisation_ids)
                and (briefing_id is None or a.briefing_id == briefing_id)]

    async def to_follow_up(self, due_by: date) -> list[Action]:
        return [_copy(a) for a in self._rows.values()
                if a.status is ActionStatus.open and a.reminded_at is None and a.due <= due_by]

    async def purge_before(self, cutoff: datetime, *, dry_run: bool = False) -> int:
        old = [k for k, a in self._rows.items() if a.last_needed_at < cutoff]
        if not dry_run:
            for key in old:
                del self._rows[key]
        return len(old)


class _Meta:
    def __init__(self) -> None:
        self._values: dict[str, dict] = {}
        self._audit: list[dict] = []

    async def get(self, key: str) -> dict | None:
        value = self._values.get(key)
        return copy.deepcopy(value) if value is not None else None

    async def put(self, key: str, value: dict) -> None:
        self._values[key] = copy.deepcopy(value)

    async def audit(self, entry: dict) -> None:
        self._audit.append(copy.deepcopy(entry))

    async def audit_log(self) -> list[dict]:
        return copy.deepcopy(self._audit)


class _Outbox:
    def __init__(self) -> None:
        self._rows: dict[str, Delivery] = {}
        self._pending = PendingIndex()

    async def enqueue(self, deliveries: list[Delivery]) -> list[Delivery]:
        added = []
        for delivery in deliveries:
            if delivery.id in self._rows:
                continue
            self._rows[delivery.id] = _copy(delivery)
            self._pending.track(delivery)
            added.append(_copy(delivery))
        if added:
            self._pending.notify()
        return added

    async def get(self, delivery_id: str) -> Delivery | None:
        row = self._rows.get(delivery_id)
        return _copy(row) if row else None

    async def update(self, delivery: Delivery) -> None:
        if delivery.id not in self._rows:
            raise KeyError(delivery.id)
        self._rows[delivery.id] = _copy(delivery)
        self._pending.track(delivery)
        if not delivery.final:
            self._pending.notify()

    async def due(self, now: datetime, limit: int = 100) -> list[Delivery]:
        return self._pending.due(now, limit)

    async def claim(self, now: datetime, limit: int, lease: timedelta) -> list[Delivery]:
        claimed = self._pending.claim(now, limit, lease)
        for d in claimed:
            self._rows[d.id] = _copy(d)
            self._pending.track(d)
        return claimed

    async def next_due_at(self) -> datetime | None:
        return self._pending.next_due_at()

    async def prune(self, kinds: set[str], created_before: datetime, *, dry_run: bool = False,
                    keep_groups: set[str] = frozenset()) -> int:
        old = [i for i, d in self._rows.items() if d.final and d.kind in kinds and d.created_at < created_before
               and d.group not in keep_groups]
        if not dry_run:
            for i in old:
                del self._rows[i]
        return len(old)

    async def list_group(self, group: str) -> list[Delivery]:
        rows = [_copy(d) for d in self._rows.values() if d.group == group]
        return sorted(rows, key=lambda d: d.created_at)

    async def list_status(self, status: str, limit: int = 500) -> list[Delivery]:
        rows = [_copy(d) for d in self._rows.values() if d.status == status]
        return sorted(rows, key=lambda d: d.created_at, reverse=True)[:limit]

    async def wait_for_work(self, timeout: float) -> None:
        await self._pending.wait(timeout)


class MemoryStore:
    def __init__(self) -> None:
        self.teams = _Teams()
        self.briefings = _Briefings()
        self.discussions = _Discussions()
        self.responses = _Responses()
        self.minutes = _Minutes()
        self.actions = _Actions()
        self.outbox = _Outbox()
        self.meta = _Meta()
        self.locks = LocalLocks()
        self.available = True

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def status(self) -> dict[str, object]:
        return {"backend": "memory", "ok": True}

    async def heartbeat(self, replica_id: str) -> int:
        return 1
