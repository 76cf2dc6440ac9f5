"""TinyDB backend: sharded JSON files under the data directory, one worker thread for all I/O.

Layout (each .json file is one TinyDB database written atomically):
  teams.json                       every team
  briefings.json                   every briefing
  meta.json, audit.json            named values; the audit log
  discussions/<briefing id>.jsonl  discussion headers of one briefing, an append-only log
  responses/<discussion id>.jsonl  responses of one discussion, an append-only log (responselog.py)
  minutes/<discussion id>.json     the minutes of one discussion
  outbox/<group>.jsonl             deliveries of one briefing or one discussion, an append-only log
Recording a response, a discussion's change or a delivery's progress appends to a log, so its cost
grows neither with the file nor with the total data (a briefing sent to 5,000 teams writes a line
per post, not the 5,000 deliveries and discussions each time). Small in-memory indexes (built at
open) answer lookups across shards. Shards written by a release before logs (<key>.json) are
turned into logs at open.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable, TypeVar

from .jsonfile import DataDirLock, KeyedTable, fsync_directory, open_db, write_atomically
from .models import (Action, ActionStatus, Briefing, BriefingStatus, Delivery, Discussion, DiscussionSummary, Minutes, Response, Team,
                     TeamSummary, stable_id, utcnow)
from .locks import LocalLocks
from .pending import PendingIndex
from .protocols import StoreError
from .responselog import ActionLog, DeliveryLog, DiscussionLog, RecordLogs, ResponseLogs

T = TypeVar("T")
logger = logging.getLogger(__name__)
_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$")
_OPEN_SHARDS = 256
# In actions/: each log's action ids, and the dates of those the follow-ups may still ask about, as
# of the last stop, with the log's size, time and inode then. A start reads only the logs changed
# since (120,000 actions: 1.5 s read in full). Not *.json: the upgrade of an earlier release reads those.
_ACTION_INDEX = ".index"


def _stem(key: str) -> str:
    """A file name (without suffix) for `key`; a stem found on disk maps to itself."""
    return key if _SAFE.match(key) and ".." not in key else stable_id("k", key)


def _dump(record) -> dict[str, Any]:
    return record.model_dump(mode="json")


def _appended(rows: list[Any], stem: Callable[[Any], str], logs: "RecordLogs",
              then: Callable[[Any], None]) -> list[Any]:
    """`rows` appended to their logs, in order, one append (one fsync) per log; `then` for each row
    written. For each row, None or the StoreError of its log."""
    by_stem: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        by_stem.setdefault(stem(row), []).append(i)
    results: list[Any] = [None] * len(rows)
    for name, positions in by_stem.items():
        try:
            logs.get(name).append([_dump(rows[i]) for i in positions])
        except StoreError as exc:
            for i in positions:
                results[i] = exc
            continue
        for i in positions:
            then(rows[i])
    return results


class _Shards:
    """Open TinyDB shards, least recently used closed first so memory stays bounded."""

    def __init__(self, directory: Path, model: type | None = None) -> None:
        self.directory = directory
        self._model = model  # what each shard's records are (a file of anything else is refused)
        self._open: OrderedDict[str, tuple[Any, dict[str, KeyedTable]]] = OrderedDict()

    def table(self, key: str, name: str = "_default") -> KeyedTable:
        stem = _stem(key)  # one entry per file, whether asked for by key or by the stem found on disk
        entry = self._open.get(stem)
        if entry is None:
            entry = (open_db(self.directory / f"{stem}.json", self._model), {})
            self._open[stem] = entry
            while len(self._open) > _OPEN_SHARDS:
                _, (old_db, _) = self._open.popitem(last=False)
                old_db.close()
        else:
            self._open.move_to_end(stem)
        db, tables = entry
        if name not in tables:
            tables[name] = KeyedTable(db, name)
        return tables[name]

    def keys_on_disk(self) -> list[str]:
        if not self.directory.exists():
            return []
        return [p.stem for p in self.directory.glob("*.json")]

    def close(self) -> None:
        for db, _ in self._open.values():
            db.close()
        self._open.clear()


class _State:
    """The synchronous store; only ever called on the store's worker thread."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.lock = DataDirLock(data_dir)
        self.teams: KeyedTable | None = None
        self.meta: KeyedTable | None = None
        self.audit_db = None
        self.briefings: KeyedTable | None = None
        self.discussion_logs = RecordLogs(data_dir / "discussions", _OPEN_SHARDS,
                                          lambda f, lines: self._audit_damage(f"discussions/{f}", lines), DiscussionLog)
        self.responses = ResponseLogs(data_dir / "responses", keep_open=_OPEN_SHARDS,
                                      on_damaged=lambda f, lines: self._audit_damage(f"responses/{f}", lines))
        self.minutes_shards = _Shards(data_dir / "minutes", Minutes)
        self.outbox_logs = RecordLogs(data_dir / "outbox", _OPEN_SHARDS,
                                      lambda f, lines: self._audit_damage(f"outbox/{f}", lines), DeliveryLog)
        self.action_logs = RecordLogs(data_dir / "actions", _OPEN_SHARDS,
                                      lambda f, lines: self._audit_damage(f"actions/{f}", lines), ActionLog)
        self.action_briefing: dict[str, str] = {}  # action id -> briefing id
        # Those the follow-ups may still ask about (not answered, not reminded) by id, with their date,
        # in the order stored (a card lists a team's actions as agreed): the follow-ups read these alone.
        self.open_actions: dict[str, str] = {}
        self.discussion_briefing: dict[str, str] = {}  # discussion id -> briefing id
        self.team_discussions: dict[str, set[str]] = {}
        self.briefings_discussed: set[str] = set()
        self.groups: set[str] = set()
        self.delivery_group: dict[str, str] = {}  # delivery id -> group
        self.pending = PendingIndex()

    def open(self) -> None:
        self.lock.acquire()
        try:
            for tmp in self.data_dir.rglob(".*.tmp"):
                tmp.unlink(missing_ok=True)  # a write that never completed
            self._upgrade_response_shards()
            self.responses.load_summary()  # after the upgrade: what it appended is read when counted
            for logs, model in ((self.discussion_logs, Discussion), (self.outbox_logs, Delivery)):
                self._upgrade_to_logs(logs, model)
            self.teams = KeyedTable(open_db(self.data_dir / "teams.json", Team))
            self.meta = KeyedTable(open_db(self.data_dir / "meta.json"), key="key")
            self.audit_db = open_db(self.data_dir / "audit.json")
            self.briefings = KeyedTable(open_db(self.data_dir / "briefings.json", Briefing))
            for name in self.discussion_logs.names_on_disk():
                log = self.discussion_logs.get(name, keep=False)
                lines = log.lines()
                if not lines:
                    continue
                # One briefing's log: its first record names the briefing; the summaries (read with the
                # log) give each discussion's team, without parsing every line a second time.
                briefing_id = json.loads(lines[0])["briefing_id"]
                for summary in log.summaries():  # type: ignore[attr-defined]
                    self._index_discussion(summary.id, briefing_id, summary.team_id)
            self._load_action_index()
            for name in self.outbox_logs.names_on_disk():
                log = self.outbox_logs.get(name, keep=False)
                groups = log.groups()  # type: ignore[attr-defined]
                self.delivery_group.update(groups)
                self.groups.update(groups.values())
                for delivery in log.unfinished():  # type: ignore[attr-defined]
                    # Only this process sends (it holds the lock): claims made by one that has
                    # ended are void, so what it left mid-send is due again at once.
                    delivery.leased_until = None
                    self.pending.track(delivery)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        self.minutes_shards.close()
        for logs in (self.discussion_logs, self.responses, self.outbox_logs, self.action_logs):
            logs.close()
        self._write_action_index()
        self.lock.release()

    def _log_stamp(self, logs: RecordLogs, name: str) -> list[int] | None:
        """What changes whenever the file does: size, modification time, inode (None: no file)."""
        try:
            st = (logs.directory / f"{name}.jsonl").stat()
        except OSError:
            return None
        return [st.st_size, st.st_mtime_ns, st.st_ino]

    def _load_action_index(self) -> None:
        """Which briefing each action is in, and those to follow up: from the index for each log
        unchanged since it was written, from the log itself for any other."""
        try:
            data = json.loads((self.action_logs.directory / _ACTION_INDEX).read_bytes())
            known = {str(name): (list(v["stamp"]), str(v["briefing"]), dict(v["ids"]))
                     for name, v in data["logs"].items()}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            known = {}  # none yet, or unreadable: every log is read, as before
        for name in self.action_logs.names_on_disk():
            entry = known.get(name)
            if entry is not None and entry[0] == self._log_stamp(self.action_logs, name):
                _, briefing_id, ids = entry
                for action_id, due in ids.items():
                    self.action_briefing[action_id] = briefing_id
                    if due:
                        self.open_actions[action_id] = due
                continue
            for doc in self.action_logs.get(name, keep=False).docs():
                self.action_briefing[doc["id"]] = doc["briefing_id"]
                self._index_action(doc)

    def _write_action_index(self) -> None:
        """For the next start (at the stop, every log as written): a convenience, never read without
        checking each log's size, time and inode."""
        by_log: dict[str, tuple[str, dict[str, str]]] = {}
        for action_id, briefing_id in self.action_briefing.items():
            by_log.setdefault(_stem(briefing_id), (briefing_id, {}))[1][action_id] = self.open_actions.get(action_id, "")
        logs = {}
        for name, (briefing_id, ids) in by_log.items():
            stamp = self._log_stamp(self.action_logs, name)
            if stamp is not None:
                logs[name] = {"stamp": stamp, "briefing": briefing_id, "ids": ids}
        if not logs:
            return
        try:
            write_atomically(self.action_logs.directory / _ACTION_INDEX, json.dumps({"logs": logs}).encode())
        except (OSError, StoreError) as exc:
            logger.warning("could not keep the actions' index for the next start: %s", exc)

    def _upgrade_to_logs(self, logs: RecordLogs, model: type) -> None:
        """<key>.json shards (TinyDB files of a release before logs) become <key>.jsonl logs. Records the
        log lacks, or holds otherwise, are appended to it (the shard's version wins: a shard beside a
        log was written by the earlier release run again since), then the shard is removed; so doing
        it again after a crash, or after running the earlier release again, loses nothing."""
        directory = logs.directory
        for old in sorted(directory.glob("*.json")) if directory.exists() else []:
            db = open_db(old, model)  # read as ever: a file of the wrong shape is refused, naming it
            try:
                docs = [dict(doc) for doc in db.all()]
            finally:
                db.close()
            log = logs.get(old.stem, keep=False)
            log.append([doc for doc in docs if log.get(doc["id"]) != doc])
            try:
                old.unlink()
            except OSError as exc:
                raise StoreError(f"cannot remove {old}: {exc.strerror or exc}") from exc
            fsync_directory(directory)

    def _upgrade_response_shards(self) -> None:
        """Data written by a release before responses were logs: responses/<id>.json held a
        discussion's responses and minutes (two TinyDB tables). Merged into the log and the minutes
        shard (records the log lacks or holds otherwise are appended; the later minutes kept), so
        repeating it after a crash, or after running the earlier release again, loses nothing."""
        for old in sorted((self.data_dir / "responses").glob("*.json")):
            db = open_db(old)
            try:
                responses, minutes = db.table("responses").all(), db.table("minutes").all()
            finally:
                db.close()
            log = self.responses.get(old.stem)
            stored = {doc["id"]: doc for doc in log.docs()}
            log.append([dict(d) for d in responses if stored.get(d["id"]) != dict(d)])
            table = self.minutes_shards.table(old.stem)
            for doc in minutes:
                kept = table.get(doc["id"])
                if kept is None or datetime.fromisoformat(kept["compiled_at"]) < datetime.fromisoformat(doc["compiled_at"]):
                    table.put(dict(doc))
            try:
                old.unlink()
            except OSError as exc:
                raise StoreError(f"cannot remove {old}: {exc.strerror or exc}") from exc

    def _audit_damage(self, file: str, lines: list[int]) -> None:
        """A log with damaged lines, found on reading it: in the audit log (once a run)."""
        entry = {"event": "damaged", "at": utcnow().isoformat(), "file": file, "lines": lines,
                 "action": "skipped; kept in the file for a person to look at"}
        if self.audit_db is None:  # found while upgrading older data, before the audit log is open
            return
        try:
            self.audit_db.insert(entry)
        except StoreError as exc:  # the read goes on; the warning is in the log already
            logger.warning("could not audit a damaged log: %s", exc)

    def _index_discussion(self, discussion_id: str, briefing_id: str, team_id: str) -> None:
        self.discussion_briefing[discussion_id] = briefing_id
        self.briefings_discussed.add(briefing_id)
        self.team_discussions.setdefault(team_id, set()).add(discussion_id)

    # discussions
    def create_discussions(self, discussions: list[Discussion]) -> list[Discussion]:
        fresh = list({d.id: d for d in discussions if d.id not in self.discussion_briefing}.values())
        by_briefing: dict[str, list[Discussion]] = {}
        for d in fresh:
            by_briefing.setdefault(d.briefing_id, []).append(d)
        for briefing_id, rows in by_briefing.items():
            self.discussion_logs.get(_stem(briefing_id)).append([_dump(d) for d in rows])
            for d in rows:
                self._index_discussion(d.id, d.briefing_id, d.team_id)
        return fresh

    def put_discussion(self, d: Discussion) -> None:
        self.discussion_logs.get(_stem(d.briefing_id)).append([_dump(d)])
        self._index_discussion(d.id, d.briefing_id, d.team_id)

    def put_discussions(self, rows: list[Discussion]) -> list[None | StoreError]:
        """Several callers' discussions (group commit): one append and fsync per log; for each, None
        or the StoreError of its log (the other logs' writes stand)."""
        return _appended(rows, lambda d: _stem(d.briefing_id), self.discussion_logs,
                         lambda d: self._index_discussion(d.id, d.briefing_id, d.team_id))

    def get_discussion(self, discussion_id: str) -> Discussion | None:
        briefing_id = self.discussion_briefing.get(discussion_id)
        if briefing_id is None:
            return None
        doc = self.discussion_logs.get(_stem(briefing_id)).get(discussion_id)
        return Discussion.model_validate(doc) if doc else None

    def discussions_for_team(self, team_id: str) -> list[Discussion]:
        found = (self.get_discussion(i) for i in self.team_discussions.get(team_id, ()))
        return sorted((d for d in found if d), key=lambda d: d.opened_at)

    def discussions_for_briefing(self, briefing_id: str) -> list[Discussion]:
        if briefing_id not in self.briefings_discussed:
            return []
        lines = self.discussion_logs.get(_stem(briefing_id)).lines()
        return [Discussion.model_validate_json(line) for line in lines]  # parsed and checked in one step

    def discussion_summaries(self, briefing_id: str) -> list[DiscussionSummary]:
        if briefing_id not in self.briefings_discussed:
            return []
        return self.discussion_logs.get(_stem(briefing_id)).summaries()  # type: ignore[attr-defined]

    # responses
    def add_response_batches(self, requests: list[list[Response]]) -> list[list[Response] | StoreError]:
        """Several callers' responses in one go (group commit): each log written once and fsynced once
        for all of them. For each request, what it added (a response already stored, or earlier in the
        batch, is not added again); or the StoreError of a log it needed, when that write failed (the
        other logs' writes stand)."""
        lines: dict[str, list[dict[str, Any]]] = {}
        queued: set[tuple[str, str]] = set()
        added: list[list[Response]] = []
        for responses in requests:
            fresh = []
            for r in {r.id: r for r in responses}.values():
                stem = _stem(r.discussion_id)
                if (stem, r.id) in queued or r.id in self.responses.get(stem):
                    continue
                queued.add((stem, r.id))
                lines.setdefault(stem, []).append(_dump(r))
                fresh.append(r)
            added.append(fresh)
        failed: dict[str, StoreError] = {}
        for stem, docs in lines.items():
            try:
                self.responses.get(stem).append(docs)
            except StoreError as exc:
                failed[stem] = exc
        if not failed:
            return added
        return [next((failed[s] for s in (_stem(r.discussion_id) for r in responses) if s in failed), fresh)
                for responses, fresh in zip(requests, added)]

    def replace_response(self, response: Response) -> None:
        log = self.responses.get(_stem(response.discussion_id))
        if response.id not in log:
            raise KeyError(response.id)
        log.append([_dump(response)])

    def count_responses(self, discussion_id: str) -> int:
        return self.responses.get(_stem(discussion_id)).count()

    def count_by_question(self, discussion_id: str) -> dict[str, int]:
        return self.responses.get(_stem(discussion_id)).count_by_question()

    def list_responses(self, discussion_id: str) -> list[Response]:
        return [Response.model_validate(doc) for doc in self.responses.get(_stem(discussion_id)).docs()]

    def purge_log(self, name: str, cutoff: datetime, dry_run: bool) -> int:
        """One log's part of a purge (a log not in memory is read without being kept there; one whose
        oldest response is known to be newer than the cutoff is not read at all)."""
        if not self.responses.may_hold_before(name, cutoff):
            return 0
        log = self.responses.get(name, keep=False)
        old = set(log.created_before(cutoff))
        damaged = log.damaged_before(cutoff)  # unreadable, but written before the cutoff: purged too
        if (old or damaged) and not dry_run:
            log.rewrite(keep=[i for i in log.ids() if i not in old], damaged_before=cutoff)
            self.responses.note_damage(name, log)
            self.responses.rewritten(name, log)
        return len(old) + damaged

    # minutes
    def put_minutes(self, m: Minutes) -> None:
        self.minutes_shards.table(m.discussion_id).put({"id": m.discussion_id, **_dump(m)})

    def get_minutes(self, discussion_id: str) -> Minutes | None:
        doc = self.minutes_shards.table(discussion_id).get(discussion_id)
        return Minutes.model_validate(doc) if doc else None

    def purge_minutes_shard(self, key: str, cutoff: datetime, dry_run: bool) -> int:
        table = self.minutes_shards.table(key)
        old = [doc["id"] for doc in table.all() if datetime.fromisoformat(doc["compiled_at"]) < cutoff]
        if old and not dry_run:
            table.remove(old)
        return len(old)

    # actions
    def _index_action(self, action: dict[str, Any] | Action | str) -> None:
        """Whether the follow-ups may still ask about the action (as stored; an id alone: deleted)."""
        if isinstance(action, Action):
            action = action.model_dump(mode="json", include={"id", "status", "reminded_at", "due"})
        if isinstance(action, str):
            self.open_actions.pop(action, None)
        elif action.get("status", "open") == ActionStatus.open.value and action.get("reminded_at") is None:
            self.open_actions[action["id"]] = action["due"]
        else:
            self.open_actions.pop(action["id"], None)

    def add_actions(self, actions: list[Action]) -> list[Action]:
        fresh = list({a.id: a for a in actions if a.id not in self.action_briefing}.values())
        by_briefing: dict[str, list[Action]] = {}
        for a in fresh:
            by_briefing.setdefault(a.briefing_id, []).append(a)
        for briefing_id, rows in by_briefing.items():
            self.action_logs.get(_stem(briefing_id)).append([_dump(a) for a in rows])
            for a in rows:
                self.action_briefing[a.id] = briefing_id
                self._index_action(a)
        return fresh

    def set_actions(self, discussion_id: str, actions: list[Action]) -> None:
        briefing_id = self.discussion_briefing.get(discussion_id) or (actions[0].briefing_id if actions else None)
        if briefing_id is None:
            return
        log = self.action_logs.get(_stem(briefing_id))
        keep = {a.id for a in actions}
        stale = {a.id for a in (Action.model_validate_json(line) for line in log.lines())
                 if a.discussion_id == discussion_id and a.id not in keep}
        if stale:
            log.rewrite(keep=[i for i in log.ids() if i not in stale])
            for action_id in stale:
                self.action_briefing.pop(action_id, None)
                self._index_action(action_id)
        log.append([_dump(a.model_copy(update={"briefing_id": briefing_id})) for a in actions])
        for a in actions:
            self.action_briefing[a.id] = briefing_id
            self._index_action(a)

    def put_action(self, action: Action) -> None:
        briefing_id = self.action_briefing.get(action.id)
        if briefing_id is None:
            raise KeyError(action.id)
        self.action_logs.get(_stem(briefing_id)).append([_dump(action.model_copy(update={"briefing_id": briefing_id}))])
        self._index_action(action)

    def actions_to_follow_up(self, due_by: date) -> list[Action]:
        day = due_by.isoformat()  # ISO dates compare as the days do
        return [a for a in map(self.get_action, [i for i, due in self.open_actions.items() if due <= day])
                if a is not None]

    def get_action(self, action_id: str) -> Action | None:
        briefing_id = self.action_briefing.get(action_id)
        doc = self.action_logs.get(_stem(briefing_id)).get(action_id) if briefing_id else None
        return Action.model_validate(doc) if doc else None

    def list_actions(self, organisation_ids: set[str] | None, briefing_id: str | None,
                     discussion_id: str | None = None) -> list[Action]:
        if discussion_id is not None:
            briefing_id = self.discussion_briefing.get(discussion_id)
            if briefing_id is None:
                return []
        names = [_stem(briefing_id)] if briefing_id else self.action_logs.names_on_disk()
        rows = [Action.model_validate_json(line) for name in names for line in self.action_logs.get(name).lines()]
        return [a for a in rows if (organisation_ids is None or a.organisation_id in organisation_ids)
                and (discussion_id is None or a.discussion_id == discussion_id)]

    def purge_actions(self, name: str, cutoff: datetime, dry_run: bool) -> int:
        log = self.action_logs.get(name, keep=False)
        old = {a.id for a in (Action.model_validate_json(line) for line in log.lines()) if a.last_needed_at < cutoff}
        if old and not dry_run:
            log.rewrite(keep=[i for i in log.ids() if i not in old])
            for action_id in old:
                self.action_briefing.pop(action_id, None)
                self._index_action(action_id)
        return len(old)

    # outbox
    def enqueue(self, deliveries: list[Delivery]) -> list[Delivery]:
        fresh = [d for d in deliveries if d.id not in self.delivery_group]
        fresh = list({d.id: d for d in fresh}.values())
        by_group: dict[str, list[Delivery]] = {}
        for d in fresh:
            by_group.setdefault(d.group, []).append(d)
        for group, rows in by_group.items():
            self.outbox_logs.get(_stem(group)).append([_dump(d) for d in rows])
            self.groups.add(group)
            for d in rows:
                self.delivery_group[d.id] = group
                self.pending.track(d)
        return fresh

    def get_delivery(self, delivery_id: str) -> Delivery | None:
        group = self.delivery_group.get(delivery_id)
        doc = self.outbox_logs.get(_stem(group)).get(delivery_id) if group else None
        return Delivery.model_validate(doc) if doc else None

    def update_delivery(self, d: Delivery) -> None:
        if self.delivery_group.get(d.id) != d.group:
            raise KeyError(d.id)
        self.outbox_logs.get(_stem(d.group)).append([_dump(d)])
        self.pending.track(d)

    def update_deliveries(self, rows: list[Delivery]) -> list[None | Exception]:
        """Several callers' changed deliveries (group commit): one append and fsync per log; for each,
        None, a KeyError (no such delivery) or the StoreError of its log."""
        known = [d for d in rows if self.delivery_group.get(d.id) == d.group]
        written = iter(_appended(known, lambda d: _stem(d.group), self.outbox_logs, self.pending.track))
        return [next(written) if self.delivery_group.get(d.id) == d.group else KeyError(d.id) for d in rows]

    def claim(self, now: datetime, limit: int, lease: timedelta) -> list[Delivery]:
        by_group: dict[str, list[Delivery]] = {}
        for d in self.pending.claim(now, limit, lease):
            by_group.setdefault(d.group, []).append(d)
        claimed: list[Delivery] = []
        for group, rows in by_group.items():  # one write per shard
            try:
                self.outbox_logs.get(_stem(group)).append([_dump(d) for d in rows])
            except StoreError:
                if not claimed:
                    raise
                break  # what was written is claimed; the rest stays due
            for d in rows:
                self.pending.track(d)
            claimed.extend(rows)
        return claimed

    def probe_write(self) -> None:
        """Whether a shard-sized file can be written to the data directory (raises StoreError)."""
        probe = self.data_dir / ".probe"
        write_atomically(probe, b" " * 65536)
        probe.unlink(missing_ok=True)

    def list_status(self, status: str, limit: int) -> list[Delivery]:
        rows = [Delivery.model_validate(doc) for group in self.groups
                for doc in self.outbox_logs.get(_stem(group), keep=False).docs() if doc.get("status") == status]
        return sorted(rows, key=lambda d: d.created_at, reverse=True)[:limit]

    def prune_group(self, group: str, kinds: set[str], before: datetime, dry_run: bool) -> int:
        """One group's part of pruning the outbox (a log not in memory is read without being kept)."""
        log = self.outbox_logs.get(_stem(group), keep=False)
        old = set(log.spent(kinds, before))  # type: ignore[attr-defined]
        if old and not dry_run:
            log.rewrite(keep=[i for i in log.ids() if i not in old])
            for delivery_id in old:
                self.delivery_group.pop(delivery_id, None)
        return len(old)

    def list_group(self, group: str) -> list[Delivery]:
        if group not in self.groups:
            return []
        rows = [Delivery.model_validate(doc) for doc in self.outbox_logs.get(_stem(group)).docs()]
        return sorted(rows, key=lambda d: d.created_at)


class _Repo:
    def __init__(self, store: "TinyDBStore") -> None:
        self._store = store

    @property
    def _s(self) -> _State:
        return self._store._state

    async def _run(self, fn: Callable[..., T], *args) -> T:
        return await self._store._run(fn, *args)

    async def _write(self, fn: Callable[..., T], *args) -> T:
        return await self._store._run(fn, *args, writes=True)


class _Teams(_Repo):
    """Teams are read far more than written (every turn, every digest): kept validated in memory once
    read, each caller given its own copy (its fields may be set; the nested ones are never changed in
    place), dropped whenever a team is written."""

    def __init__(self, store: "TinyDBStore") -> None:
        super().__init__(store)
        self._cache: dict[str, Team] | None = None

    async def _all(self) -> dict[str, Team]:
        if self._cache is None:
            docs = await self._run(self._s.teams.all)
            self._cache = {d["id"]: Team.model_validate(d) for d in docs}
        return self._cache

    async def upsert(self, team: Team) -> None:
        self._cache = None
        try:
            await self._write(lambda: self._s.teams.put(_dump(team)))
        finally:
            self._cache = None  # read again from what was written (or not)

    async def get(self, team_id: str) -> Team | None:
        team = (await self._all()).get(team_id)
        return team.model_copy() if team is not None else None

    async def list(self, *, active_only: bool = True, organisation_id: str | None = None) -> list[Team]:
        return [
            t.model_copy() for t in (await self._all()).values()
            if (t.active or not active_only)
            and (organisation_id is None or t.organisation_id == organisation_id)
        ]

    async def summaries(self) -> list[TeamSummary]:
        return [TeamSummary(t.id, t.name, t.organisation_id, t.active) for t in (await self._all()).values()]


class _Briefings(_Repo):
    async def put(self, briefing: Briefing) -> None:
        await self._write(lambda: self._s.briefings.put(_dump(briefing)))

    async def get(self, briefing_id: str) -> Briefing | None:
        doc = await self._run(self._s.briefings.get, briefing_id)
        return Briefing.model_validate(doc) if doc else None

    async def list(self) -> list[Briefing]:
        rows = [Briefing.model_validate(d) for d in await self._run(self._s.briefings.all)]
        return sorted(rows, key=lambda b: b.uploaded_at)

    async def delete_draft(self, briefing_id: str) -> bool:
        def delete() -> bool:  # on the store's one thread: nothing publishes it between the check and the removal
            doc = self._s.briefings.get(briefing_id)
            if doc is None or doc.get("status") != BriefingStatus.draft:
                return False
            self._s.briefings.remove([briefing_id])
            return True

        return await self._write(delete)


class _Discussions(_Repo):
    async def create(self, discussions: list[Discussion]) -> list[Discussion]:
        return await self._write(self._s.create_discussions, discussions)

    async def put(self, discussion: Discussion) -> None:
        await self._commit(discussion)

    @functools.cached_property
    def _commit(self) -> _GroupCommit:
        return _GroupCommit(self, lambda rows: self._s.put_discussions(rows))

    async def get(self, discussion_id: str) -> Discussion | None:
        return await self._run(self._s.get_discussion, discussion_id)

    async def list_for_team(self, team_id: str) -> list[Discussion]:
        return await self._run(self._s.discussions_for_team, team_id)

    async def list_for_briefing(self, briefing_id: str) -> list[Discussion]:
        return await self._run(self._s.discussions_for_briefing, briefing_id)

    async def summaries(self, briefing_id: str) -> list[DiscussionSummary]:
        return await self._run(self._s.discussion_summaries, briefing_id)


class _GroupCommit:
    """Writes of one kind that arrive while one is under way wait for the next, and share its single
    append and fsync per log (group commit): a team of 50 submitting at once, or a batch of posts
    finishing together in a broadcast, is a few fsyncs, not one each with the others queued behind.

    `batch` runs on the store's thread with every waiting caller's item, and returns for each its
    result or the exception that is its own (a StoreError: the log it needed could not be written,
    the other logs' writes stand). Durable when a caller returns. A caller cancelled while its item
    waits is taken out (nothing of it is written); one cancelled while it is being written waits
    until it is durable before it ends, so a lock it holds is never let go with a write on its way."""

    def __init__(self, repo: _Repo, batch: Callable[[list[Any]], list[Any]]) -> None:
        self._repo, self._batch = repo, batch
        self._waiting: list[tuple[Any, asyncio.Future]] = []
        self._writer: asyncio.Task | None = None

    async def __call__(self, item: Any) -> Any:
        entry = (item, asyncio.get_running_loop().create_future())
        self._waiting.append(entry)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write_waiting())
        try:
            return await asyncio.shield(entry[1])
        except asyncio.CancelledError:
            if any(waiting is entry for waiting in self._waiting):
                self._waiting = [waiting for waiting in self._waiting if waiting is not entry]
                entry[1].cancel()
            elif not entry[1].done():
                await asyncio.wait([entry[1]])  # being written: let it finish first
            raise

    async def _write_waiting(self) -> None:
        store = self._repo._store
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                results = await self._repo._write(self._batch, [item for item, _ in batch])
            except asyncio.CancelledError:  # shutting down: nobody is told it was stored, nothing more written
                for _, future in batch + self._waiting:
                    future.cancel()
                self._waiting = []
                raise
            except Exception as exc:  # the store is closed or gone: every caller is told
                results = [exc] * len(batch)
            for (_, future), result in zip(batch, results):
                if future.done():  # its caller gave up (cancelled): nothing to tell
                    continue
                if isinstance(result, BaseException):
                    # Each caller its own exception (chained to the one raised): never one object
                    # re-raised in many tasks, its traceback growing with each.
                    if isinstance(result, KeyError):  # the caller's own mistake (no such record)
                        error: Exception = KeyError(*result.args)
                    else:
                        store._refusing_writes |= isinstance(result, StoreError)
                        error = StoreError(str(result)) if isinstance(result, StoreError) else \
                            StoreError(f"the store could not write: {type(result).__name__}")
                    error.__cause__ = result
                    future.set_exception(error)
                else:
                    future.set_result(result)


class _Responses(_Repo):
    def __init__(self, store: "TinyDBStore") -> None:
        super().__init__(store)
        self._commit = _GroupCommit(self, self._s_add_batches)

    def _s_add_batches(self, requests: list[list[Response]]) -> list[list[Response] | StoreError]:
        return self._s.add_response_batches(requests)

    async def add(self, responses: list[Response]) -> list[Response]:
        """Durably stored when this returns; responses that arrive together share one fsync per log."""
        return await self._commit(responses)

    async def list(self, discussion_id: str) -> list[Response]:
        return await self._run(self._s.list_responses, discussion_id)

    async def replace(self, response: Response) -> None:
        await self._write(self._s.replace_response, response)

    async def count(self, discussion_id: str) -> int:
        return await self._run(self._s.count_responses, discussion_id)

    async def count_by_question(self, discussion_id: str) -> dict[str, int]:
        return await self._run(self._s.count_by_question, discussion_id)

    async def counts(self, discussion_ids: list[str]) -> dict[str, int]:
        return {d: sum(c.values()) for d, c in (await self.counts_by_question(discussion_ids)).items()}

    async def counts_by_question(self, discussion_ids: list[str]) -> dict[str, dict[str, int]]:
        names = {d: _stem(d) for d in discussion_ids}
        by_name = await self._run(self._s.responses.counts, list(set(names.values())))
        return {d: by_name[name] for d, name in names.items()}

    async def purge_before(self, cutoff: datetime, *, dry_run: bool = False) -> int:
        # One call per log, so requests are served between them rather than after all of them.
        names = await self._run(self._s.responses.names_on_disk)
        return sum([await self._run(self._s.purge_log, name, cutoff, dry_run) for name in names])


class _Minutes(_Repo):
    async def put(self, minutes: Minutes) -> None:
        await self._write(self._s.put_minutes, minutes)

    async def get(self, discussion_id: str) -> Minutes | None:
        return await self._run(self._s.get_minutes, discussion_id)

    async def purge_before(self, cutoff: datetime, *, dry_run: bool = False) -> int:
        keys = await self._run(self._s.minutes_shards.keys_on_disk)
        return sum([await self._run(self._s.purge_minutes_shard, key, cutoff, dry_run) for key in keys])


class _Actions(_Repo):
    async def add(self, actions: list[Action]) -> list[Action]:
        return await self._write(self._s.add_actions, actions)

    async def put(self, action: Action) -> None:
        await self._write(self._s.put_action, action)

    async def set_for_discussion(self, discussion_id: str, actions: list[Action]) -> None:
        await self._write(self._s.set_actions, discussion_id, actions)

    async def get(self, action_id: str) -> Action | None:
        return await self._run(self._s.get_action, action_id)

    async def list_for_discussion(self, discussion_id: str) -> list[Action]:
        return await self._run(self._s.list_actions, None, None, discussion_id)

    async def list(self, *, organisation_ids: set[str] | None = None, briefing_id: str | None = None) -> list[Action]:
        return await self._run(self._s.list_actions, organisation_ids, briefing_id)

    async def to_follow_up(self, due_by: date) -> list[Action]:
        return await self._run(self._s.actions_to_follow_up, due_by)

    async def purge_before(self, cutoff: datetime, *, dry_run: bool = False) -> int:
        names = await self._run(self._s.action_logs.names_on_disk)
        return sum([await self._write(self._s.purge_actions, name, cutoff, dry_run) for name in names])


class _Meta(_Repo):
    async def get(self, key: str) -> dict[str, Any] | None:
        doc = await self._run(self._s.meta.get, key)
        return doc["value"] if doc else None

    async def put(self, key: str, value: dict[str, Any]) -> None:
        await self._write(self._s.meta.put, {"key": key, "value": value})

    async def audit(self, entry: dict[str, Any]) -> None:
        await self._write(self._s.audit_db.insert, entry)

    async def audit_log(self) -> list[dict[str, Any]]:
        return await self._run(lambda: [dict(d) for d in self._s.audit_db.all()])


class _Outbox(_Repo):
    async def enqueue(self, deliveries: list[Delivery]) -> list[Delivery]:
        added = await self._write(self._s.enqueue, deliveries)
        if added:
            self._s.pending.notify()
        return added

    async def get(self, delivery_id: str) -> Delivery | None:
        return await self._run(self._s.get_delivery, delivery_id)

    async def update(self, delivery: Delivery) -> None:
        await self._commit(delivery)  # a batch of sends finishing together: one fsync
        if not delivery.final:
            self._s.pending.notify()

    @functools.cached_property
    def _commit(self) -> _GroupCommit:
        return _GroupCommit(self, lambda rows: self._s.update_deliveries(rows))

    async def due(self, now: datetime, limit: int = 100) -> list[Delivery]:
        return await self._run(self._s.pending.due, now, limit)

    async def claim(self, now: datetime, limit: int, lease: timedelta) -> list[Delivery]:
        return await self._write(self._s.claim, now, limit, lease)

    async def next_due_at(self) -> datetime | None:
        return await self._run(self._s.pending.next_due_at)

    async def list_group(self, group: str) -> list[Delivery]:
        return await self._run(self._s.list_group, group)

    async def prune(self, kinds: set[str], created_before: datetime, *, dry_run: bool = False,
                    keep_groups: set[str] = frozenset()) -> int:
        # One call per group, so requests are served between them rather than after all of them; a group
        # that cannot be pruned (a full disk, say) is left as it is, and the others still are.
        pruned = 0
        for group in await self._run(lambda: sorted(self._s.groups - set(keep_groups))):
            try:
                pruned += await self._write(self._s.prune_group, group, kinds, created_before, dry_run)
            except StoreError as exc:
                logger.warning("could not prune an outbox group: %s", exc)
        return pruned

    async def list_status(self, status: str, limit: int = 500) -> list[Delivery]:
        return await self._run(self._s.list_status, status, limit)

    async def wait_for_work(self, timeout: float) -> None:
        await self._s.pending.wait(timeout)


class TinyDBStore:
    def __init__(self, data_dir: Path | str) -> None:
        self._state = _State(Path(data_dir))
        self._executor: ThreadPoolExecutor | None = None
        self._refusing_writes = False  # a write failed: /healthz says so until a probe write succeeds
        self.teams = _Teams(self)
        self.briefings = _Briefings(self)
        self.discussions = _Discussions(self)
        self.responses = _Responses(self)
        self.minutes = _Minutes(self)
        self.actions = _Actions(self)
        self.outbox = _Outbox(self)
        self.meta = _Meta(self)
        self.locks = LocalLocks()  # one process owns the data directory

    @property
    def available(self) -> bool:
        return self._executor is not None

    async def heartbeat(self, replica_id: str) -> int:
        return 1  # this process owns the data directory

    # A copy of the whole store (learning-bot migrate) reads every shard on disk, one at a time.
    _SHARDED = {"discussions": ("discussion_logs", Discussion), "responses": ("responses", Response),
                "actions": ("action_logs", Action), "outbox": ("outbox_logs", Delivery)}

    async def shards(self, kind: str) -> list[str]:
        """The names of a sharded kind's files on disk (discussions, responses, minutes, actions, outbox)."""
        if kind == "minutes":
            return await self._run(self._state.minutes_shards.keys_on_disk)
        return await self._run(getattr(self._state, self._SHARDED[kind][0]).names_on_disk)

    async def read_shard(self, kind: str, name: str) -> list[Any]:
        """Every record in one shard, as stored (read without keeping the file open)."""
        def read() -> list[Any]:
            if kind == "minutes":
                return [Minutes.model_validate(doc) for doc in self._state.minutes_shards.table(name).all()]
            logs, model = self._SHARDED[kind]
            return [model.model_validate(doc) for doc in getattr(self._state, logs).get(name, keep=False).docs()]
        return await self._run(read)

    async def named_values(self) -> dict[str, Any]:
        return await self._run(lambda: {doc["key"]: doc["value"] for doc in self._state.meta.all()})

    async def _run(self, fn: Callable[..., T], *args, writes: bool = False) -> T:
        if self._executor is None:
            raise StoreError("the store is not open")
        if not writes:
            return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)
        except StoreError:
            self._refusing_writes = True  # until a probe succeeds (status); a call may write nothing
            raise

    async def open(self) -> None:
        # One thread for every TinyDB call: TinyDB is not thread-safe, and the loop never blocks.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tinydb")
        try:
            await self._run(self._state.open)
        except BaseException:
            self._executor.shutdown(wait=True)
            self._executor = None
            raise

    async def close(self) -> None:
        if self._executor is None:
            return
        await self._run(self._state.close)
        self._executor.shutdown(wait=True)
        self._executor = None

    async def status(self) -> dict[str, object]:
        status: dict[str, object] = {
            "backend": "tinydb",
            "ok": self._executor is not None,
            "data_dir": str(self._state.data_dir),
        }
        damaged = [f"{where}/{name}.jsonl" for where, logs in (("discussions", self._state.discussion_logs),
                                                                 ("outbox", self._state.outbox_logs),
                                                                 ("responses", self._state.responses))
                   for name in sorted(logs.damaged)]
        if damaged:  # lines skipped, kept for a person to look at (served: still ok)
            status["damaged"] = damaged
        if self._executor is not None and self._refusing_writes:
            try:  # has space come back since the last write failed?
                await self._run(self._state.probe_write)
                self._refusing_writes = False
            except StoreError:
                status.update(ok=False, error="the data directory refuses writes (is the disk full?)")
        return status
