"""Records as append-only logs: one file of JSON lines per discussion (responses), per briefing
(discussions) or per group of deliveries (the outbox).

Storing a record appends one line and fsyncs; it never rewrites what is already stored, so its
cost does not grow with the file. A changed record (an edited response, a delivery sent) is
appended again and the later line wins; a log whose superseded lines outnumber its records by
far is compacted, so the cost per write stays constant on average. Responses' counts are kept in
memory as the log is read.

After a crash the last line may be torn, without its newline (the write was never acknowledged):
reading drops it, and logs that it did. A whole line that cannot be read (damaged on disk, or by
hand) is skipped, kept in the file for a person to look at, and reported; the rest is served.
A write that fails part way is cut back to the last whole line before the error is reported.
A log with many superseded lines is rewritten (to a temporary file, fsynced, renamed) when read.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

from pydantic import BaseModel

from .jsonfile import fsync_directory, write_atomically
from .models import Action, Delivery, Discussion, DiscussionSummary, Response
from .protocols import StoreError

SUFFIX = ".jsonl"
logger = logging.getLogger(__name__)


@dataclass(slots=True)
class _Line:
    line: str  # the record as stored, without the newline


@dataclass(slots=True)
class _Summarised(_Line):
    summary: DiscussionSummary


@dataclass(slots=True)
class _Delivered(_Line):
    group: str
    final: bool  # sent, or failed for good: nothing more happens to it
    kind: str
    created_at: datetime


@dataclass(slots=True)
class _Entry(_Line):
    question_id: str
    active: bool
    created_at: str


def _encode(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


class RecordLog:
    """One file of records of one kind (`model`): the file, and its live records in memory (in
    first-stored order)."""

    model: type[BaseModel] | None = None
    what = "record"  # how the log names itself in messages
    # A damaged line of a log whose records change (a delivery sent, a discussion closed) would let
    # an earlier version of its record win unseen (a post sent again, a closed discussion open):
    # such a log is refused, naming the file and line, as a damaged file always was.
    REFUSE_DAMAGED = False
    COMPACT_AFTER = 1024  # superseded lines tolerated beyond three for each record before compacting

    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: dict[str, _Line] = {}
        self._lines = 0  # lines in the file, superseded and damaged ones included
        self._size = 0  # bytes up to the end of the last whole line
        self._damaged: list[tuple[int, bytes]] = []  # (line number, the line) of lines that cannot be read
        # When each damaged line was written at the latest (the next whole line's time, or the
        # file's): its own date cannot be read, and the retention purge must still reach it.
        self._damaged_by: list[datetime] = []

    @classmethod
    def load(cls, path: Path) -> "ResponseLog":
        log = cls(path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return log
        except OSError as exc:
            raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from exc
        lines = raw.split(b"\n")
        whole = len(lines) - 1  # what follows the last newline was never completely written
        for number, line in enumerate(lines[:whole], start=1):
            try:
                if cls.model is not None:
                    # What the log serves must read as a record later: parsed and checked in one step.
                    record = cls.model.model_validate_json(line)
                    log._apply(record.id, log._entry_of(record, line.decode("utf-8")))  # type: ignore[attr-defined]
                else:
                    record = None
                    doc = json.loads(line)
                    log._apply(doc["id"], log._entry(doc, line.decode("utf-8")))
                if len(log._damaged_by) < len(log._damaged):
                    written = log._written_at(record)
                    log._damaged_by += [written] * (len(log._damaged) - len(log._damaged_by))
            except (ValueError, KeyError, TypeError):
                # A whole line is never what an unfinished append leaves (that lacks its newline), so
                # this was damaged after it was written (the disk, or a hand): skipped, and kept in
                # the file for a person to look at; the rest of the log is served. Never its content.
                logger.warning("%s log %s: line %d is damaged; skipped, and kept in the file", cls.what, path.name,
                               number)
                log._damaged.append((number, line))
            log._size += len(line) + 1
            log._lines += 1
        if len(log._damaged_by) < len(log._damaged):  # damaged lines at the end: the file's time
            modified = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
            log._damaged_by += [modified] * (len(log._damaged) - len(log._damaged_by))
        if log._damaged and cls.REFUSE_DAMAGED:
            raise StoreError(f"cannot read {path}: line {log._damaged[0][0]} is damaged; which version of its "
                             "record is current cannot be known (restore the file from a backup, or move it aside)")
        if log._size != len(raw):
            logger.warning("%s log %s: dropped 1 torn last line (%d bytes) left by a write that never finished",
                           cls.what, path.name, len(raw) - log._size)
            log._cut_back()
        if log._lines > 2 * len(log._entries) + 64 and not log._damaged:  # damaged lines stay where reported
            try:
                log.rewrite()
            except StoreError as exc:  # a full disk, say: what was read is whole, so carry on
                logger.warning("could not compact a %s log: %s", cls.what, exc)
        return log

    def _entry(self, doc: dict[str, Any], line: str) -> _Line:
        """The entry for a record being appended (as written)."""
        return _Line(line)

    def _entry_of(self, record: Any, line: str) -> _Line:
        """The entry for a record read from the file (parsed as the model)."""
        return _Line(line)

    def _apply(self, record_id: str, entry: _Line) -> None:
        self._entries[record_id] = entry

    def _reset(self) -> None:
        self._entries = {}

    def _written_at(self, record: Any) -> datetime:
        """When a record's line (read as `record`) was appended at the latest (for a damaged line before it)."""
        return datetime.fromtimestamp(self.path.stat().st_mtime, timezone.utc)

    def _cut_back(self) -> None:
        """Drop whatever follows the last whole line (a torn write)."""
        try:
            with open(self.path, "r+b") as f:
                f.truncate(self._size)
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            raise StoreError(f"cannot repair {self.path}: {exc.strerror or exc}") from exc

    def __contains__(self, response_id: str) -> bool:
        return response_id in self._entries

    def append(self, docs: list[dict[str, Any]]) -> None:
        """Store `docs` (new or changed records) durably, in one write and one fsync."""
        if not docs:
            return
        lines = [_encode(doc) for doc in docs]
        data = "".join(f"{line}\n" for line in lines).encode("utf-8")
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
            created = False
        except FileNotFoundError:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                created = True
            except OSError as exc:
                raise StoreError(f"cannot write {self.path.name}: {exc.strerror or exc}") from exc
        except OSError as exc:
            raise StoreError(f"cannot write {self.path.name}: {exc.strerror or exc}") from exc
        try:
            size = os.fstat(fd).st_size
            if size < self._size:
                raise StoreError(f"{self.path.name} is shorter than this process wrote it; restart to read it again")
            if size > self._size:
                os.ftruncate(fd, self._size)  # a failed write left a partial line behind
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
            if created:
                fsync_directory(self.path.parent)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, self._size)
            raise StoreError(f"cannot write {self.path.name}: {exc.strerror or exc}") from exc
        finally:
            os.close(fd)
        self._size += len(data)
        self._lines += len(lines)
        for doc, line in zip(docs, lines):
            self._apply(doc["id"], self._entry(doc, line))
        if self._lines > 4 * len(self._entries) + self.COMPACT_AFTER and not self._damaged:
            try:  # amortised: a rewrite of n records after some 3n appends
                self.rewrite()
            except StoreError as exc:  # what was appended is durable; compacting can wait
                logger.warning("could not compact a %s log: %s", self.what, exc)

    def rewrite(self, keep: Iterable[str] | None = None, damaged_before: datetime | None = None) -> None:
        """Write only the live records (those in `keep`, when given) to a fresh file. Damaged lines
        stay, first, for a person to look at, unless written before `damaged_before` (a purge)."""
        wanted = None if keep is None else set(keep)
        entries = [(i, e) for i, e in self._entries.items() if wanted is None or i in wanted]
        # What stays of the damaged lines is decided here, and kept only once the file says so: a write
        # that fails leaves the log in memory as the file still is (damaged lines and all).
        stay = [k for k, by in enumerate(self._damaged_by) if damaged_before is None or by >= damaged_before]
        damaged, damaged_by = [self._damaged[k] for k in stay], [self._damaged_by[k] for k in stay]
        kept = b"".join(line + b"\n" for _, line in damaged)
        data = kept + "".join(f"{e.line}\n" for _, e in entries).encode("utf-8")
        if data:
            write_atomically(self.path, data)
        else:
            try:
                self.path.unlink(missing_ok=True)  # nothing left (a purge): no file either
            except OSError as exc:
                raise StoreError(f"cannot remove {self.path.name}: {exc.strerror or exc}") from exc
            fsync_directory(self.path.parent)
        self._damaged, self._damaged_by = damaged, damaged_by
        self._reset()
        for record_id, entry in entries:
            self._apply(record_id, entry)
        self._damaged = [(number, line) for number, (_, line) in enumerate(self._damaged, start=1)]
        self._size, self._lines = len(data), len(self._damaged) + len(entries)

    def ids(self) -> list[str]:
        return list(self._entries)

    @property
    def damaged(self) -> list[int]:
        """The numbers of the lines that cannot be read (skipped, kept in the file)."""
        return [number for number, _ in self._damaged]

    def docs(self) -> list[dict[str, Any]]:
        return [json.loads(e.line) for e in self._entries.values()]

    def get(self, record_id: str) -> dict[str, Any] | None:
        entry = self._entries.get(record_id)
        return json.loads(entry.line) if entry is not None else None

    def lines(self) -> list[str]:
        """The live records as stored (JSON), for a caller that parses them itself (faster, with pydantic)."""
        return [e.line for e in self._entries.values()]

    def __len__(self) -> int:
        return len(self._entries)


class ResponseLog(RecordLog):
    """One discussion's responses, with how many are live for each question."""

    model = Response
    what = "response"

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._active: Counter[str] = Counter()

    def _entry(self, doc: dict[str, Any], line: str) -> _Entry:
        return _Entry(line, doc["question_id"], doc.get("withdrawn_at") is None, doc["created_at"])

    def _entry_of(self, record: Response, line: str) -> _Entry:
        return _Entry(line, record.question_id, record.withdrawn_at is None, record.created_at.isoformat())

    def _apply(self, response_id: str, entry: _Entry) -> None:
        old = self._entries.get(response_id)
        if old is not None and old.active:
            self._active[old.question_id] -= 1
        if entry.active:
            self._active[entry.question_id] += 1
        self._entries[response_id] = entry

    def _reset(self) -> None:
        self._entries, self._active = {}, Counter()

    def _written_at(self, record: Response) -> datetime:
        """When a response's line was appended: its latest time (an edit or a withdrawal is appended then)."""
        return max(t for t in (record.created_at, record.edited_at, record.withdrawn_at) if t is not None)

    def count(self) -> int:
        return sum(self._active.values())

    def count_by_question(self) -> dict[str, int]:
        return {q: n for q, n in self._active.items() if n > 0}

    def damaged_before(self, cutoff: datetime) -> int:
        """How many damaged lines were written before `cutoff` (so hold nothing newer)."""
        return sum(1 for by in self._damaged_by if by < cutoff)

    def oldest(self) -> str | None:
        """When its oldest response was created (ISO), or None when that cannot be known (damaged lines)."""
        if self._damaged:
            return None
        return min((e.created_at for e in self._entries.values()), key=datetime.fromisoformat, default=None)

    def created_before(self, cutoff: datetime) -> list[str]:
        return [i for i, e in self._entries.items() if datetime.fromisoformat(e.created_at) < cutoff]


class DeliveryLog(RecordLog):
    """One group of the outbox's deliveries (a briefing's posts, a discussion's minutes)."""

    model = Delivery
    what = "outbox"
    REFUSE_DAMAGED = True

    def _entry(self, doc: dict[str, Any], line: str) -> _Delivered:
        return _Delivered(line, doc["group"], doc.get("status", "pending") != "pending", doc["kind"],
                          datetime.fromisoformat(doc["created_at"]))

    def _entry_of(self, record: Delivery, line: str) -> _Delivered:
        return _Delivered(line, record.group, record.final, record.kind.value, record.created_at)

    def spent(self, kinds: set[str], before: datetime) -> list[str]:
        """The final deliveries of `kinds` created before a time (read from what is kept of each: no parsing)."""
        return [i for i, e in self._entries.items()  # type: ignore[attr-defined]
                if e.final and e.kind in kinds and e.created_at < before]  # type: ignore[attr-defined]

    def groups(self) -> dict[str, str]:
        """Each delivery's group (by id)."""
        return {i: e.group for i, e in self._entries.items()}  # type: ignore[attr-defined]

    def unfinished(self) -> list[Delivery]:
        """The deliveries not final yet (to send), read in full: only these, of a log of thousands."""
        return [Delivery.model_validate_json(e.line) for e in self._entries.values()
                if not e.final]  # type: ignore[attr-defined]


class ActionLog(RecordLog):
    """One briefing's agreed actions."""

    model = Action
    what = "action"
    REFUSE_DAMAGED = True


class DiscussionLog(RecordLog):
    """One briefing's discussions, each with its summary (kept as it is written)."""

    model = Discussion
    what = "discussion"
    REFUSE_DAMAGED = True

    def _entry(self, doc: dict[str, Any], line: str) -> _Summarised:
        try:
            closed, by = doc.get("closed_at"), doc.get("discuss_by")
            summary = DiscussionSummary(doc["id"], doc["team_id"], doc.get("thread") is not None,
                                        datetime.fromisoformat(doc["opened_at"]),
                                        datetime.fromisoformat(closed) if closed else None, doc.get("sent_to"),
                                        int(doc.get("acknowledgements") or 0), date.fromisoformat(by) if by else None)
        except (KeyError, TypeError, ValueError):  # as an older release wrote it: the model says what it means
            summary = DiscussionSummary.of(Discussion.model_validate(doc))
        return _Summarised(line, summary)

    def _entry_of(self, record: Discussion, line: str) -> _Summarised:
        return _Summarised(line, DiscussionSummary.of(record))

    def summaries(self) -> list[DiscussionSummary]:
        return [e.summary for e in self._entries.values()]  # type: ignore[attr-defined]


class RecordLogs:
    """The logs of a directory; those read most recently stay in memory (a bounded number)."""

    def __init__(self, directory: Path, keep_open: int = 256,
                 on_damaged: Callable[[str, list[int]], None] | None = None, kind: type[RecordLog] = RecordLog) -> None:
        self.directory = directory
        self._kind = kind
        self._keep_open = keep_open
        self._logs: OrderedDict[str, RecordLog] = OrderedDict()
        self.damaged: dict[str, list[int]] = {}  # log name -> its damaged lines, as last read
        self._on_damaged = on_damaged  # told once per log found damaged (e.g. to audit it)

    def get(self, name: str, *, keep: bool = True) -> RecordLog:
        """The log in `<name>.jsonl` (empty if there is no such file yet); `keep=False` reads one
        that is not in memory without keeping it (a scan of every log leaves the busy ones be)."""
        log = self._logs.get(name)
        if log is None:
            log = self._kind.load(self.directory / f"{name}{SUFFIX}")
            self.note_damage(name, log)
            self._seen(name, log)
            if not keep:
                return log
            self._logs[name] = log
            while len(self._logs) > self._keep_open:
                self._seen(*self._logs.popitem(last=False))
        else:
            self._logs.move_to_end(name)
        return log

    def _seen(self, name: str, log: RecordLog) -> None:
        """A log read, or leaving memory (what a summary of it may keep)."""

    def note_damage(self, name: str, log: RecordLog) -> None:
        """Keep the damaged lines of `name` (as just read or rewritten) for the status."""
        if not log.damaged:
            self.damaged.pop(name, None)
            return
        first_time = name not in self.damaged
        self.damaged[name] = log.damaged
        if first_time and self._on_damaged is not None:
            self._on_damaged(f"{name}{SUFFIX}", log.damaged)

    def names_on_disk(self) -> list[str]:
        if not self.directory.exists():
            return []
        return [p.name.removesuffix(SUFFIX) for p in self.directory.glob(f"*{SUFFIX}")]

    def close(self) -> None:
        self._logs.clear()


class ResponseLogs(RecordLogs):
    """Responses' logs, with each log's counts remembered once it has been read (with the file's size,
    modification time and inode then), and across restarts in `.counts`: a digest of 5,000
    discussions reads only the logs that changed since (an append changes the size and the time; a
    rewrite, made as a new file renamed into place, the inode)."""

    SUMMARY = ".counts"  # not *.json: the upgrade of an earlier release reads those
    SUMMARY_EVERY_S = 600.0

    def __init__(self, directory: Path, keep_open: int = 256,
                 on_damaged: Callable[[str, list[int]], None] | None = None) -> None:
        super().__init__(directory, keep_open, on_damaged, ResponseLog)
        # name -> (the file's stamp, live responses by question, when its oldest was created or None)
        self._known: dict[str, tuple[list[int], dict[str, int], str | None]] = {}
        self._summary_written = 0.0
        self._checked: set[str] = set()  # known counts whose file this run has seen unchanged

    def load_summary(self) -> None:
        """What the last run knew (at open, on the store's thread, once the data directory is ours)."""
        self._known, self._checked = {}, set()
        try:
            data = json.loads((self.directory / self.SUMMARY).read_bytes())
            self._known = {str(k): ([int(x) for x in v[0]], {str(q): int(n) for q, n in v[1].items()},
                                    str(v[2]) if len(v) > 2 and v[2] else None)
                           for k, v in data.get("logs", {}).items()}
        except (OSError, ValueError, TypeError, AttributeError, IndexError):
            pass  # none yet, or unreadable: every log is read when first counted, as before

    def get(self, name: str, *, keep: bool = True) -> ResponseLog:
        return super().get(name, keep=keep)  # type: ignore[return-value]

    def _stamp(self, name: str) -> list[int] | None:
        """What changes whenever the file does: size, modification time, inode (None: no file)."""
        try:
            st = (self.directory / f"{name}{SUFFIX}").stat()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError(f"cannot read {name}{SUFFIX}: {exc.strerror or exc}") from exc
        return [st.st_size, st.st_mtime_ns, st.st_ino]

    def _seen(self, name: str, log: RecordLog) -> None:
        self._checked.discard(name)  # to be checked against the file again when next counted
        stamp = self._stamp(name) if len(log) else None
        if stamp is not None and stamp[0] == log._size:
            self._known[name] = (stamp, log.count_by_question(), log.oldest())  # type: ignore[attr-defined]
        else:  # no file (nothing left after a purge, or never written), or not as read: nothing kept
            self._known.pop(name, None)

    def counts(self, names: list[str]) -> dict[str, dict[str, int]]:
        """Each log's live responses by question."""
        out = {}
        for name in names:
            log = self._logs.get(name)
            if log is not None:
                out[name] = log.count_by_question()  # type: ignore[attr-defined]
                continue
            known = self._known.get(name)
            if known is not None and name in self._checked:
                # Seen unchanged this run, and out of memory since: only this process writes it, and
                # any write of it (an append, a purge) reads it into memory first.
                out[name] = dict(known[1])
                continue
            stamp = self._stamp(name)
            if stamp is None:
                out[name] = {}
                continue
            out[name] = dict(known[1]) if known and known[0] == stamp else \
                self.get(name, keep=False).count_by_question()
            self._checked.add(name)
        if time.monotonic() - self._summary_written > self.SUMMARY_EVERY_S:
            self.write_summary()
        return out

    def may_hold_before(self, name: str, cutoff: datetime) -> bool:
        """Whether the log may hold a response created before `cutoff` (what a purge must read):
        False only when its oldest is known, for the file as it is now, to be newer."""
        if name in self._logs:
            return True  # in memory: reading it costs nothing
        known = self._known.get(name)
        if known is None or known[2] is None:
            return True
        if name not in self._checked and known[0] != self._stamp(name):
            return True
        return datetime.fromisoformat(known[2]) < cutoff

    def write_summary(self) -> None:
        """The counts known, for the next start (a convenience: never what a count is read from
        without checking the file's size)."""
        for name, log in self._logs.items():
            self._seen(name, log)
        if not self._known:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            write_atomically(self.directory / self.SUMMARY,
                             json.dumps({"logs": {k: list(v) for k, v in self._known.items()}}).encode())
            self._summary_written = time.monotonic()
        except (OSError, StoreError) as exc:
            logger.warning("could not keep the responses' counts for the next start: %s", exc)

    def rewritten(self, name: str, log: ResponseLog) -> None:
        """A log rewritten by a purge: its count as now; nothing kept of one with nothing left."""
        self._seen(name, log)

    def close(self) -> None:
        self.write_summary()
        super().close()
