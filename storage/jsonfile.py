"""File plumbing for the stores: atomic replacement, a cached JSON storage for TinyDB, keyed
tables, and the data-directory lock."""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import stat
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from tinydb import TinyDB
from tinydb.storages import Storage

from .protocols import StoreError, StoreLocked

log = logging.getLogger(__name__)


def fsync_directory(directory: Path) -> None:
    """Make a file created, renamed or removed in `directory` durable. If that fails, the file's
    contents are in place all the same (only a power cut could bring back the directory's previous
    state, itself whole): a warning, not an error, so the caller's view stays that of the disk."""
    try:
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        log.warning("could not fsync directory %s: %s", directory, exc.strerror or exc)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` (owner-only): a temporary file, fsynced, renamed over it. A crash
    or a failed write leaves the previous file intact."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise StoreError(f"cannot write {path.name}: {exc.strerror or exc}") from exc
    fsync_directory(path.parent)


def _shape_problem(data: Any) -> str | None:
    """What is wrong with TinyDB's layout, {table: {"<document id>": {document}}}, if anything
    (said without quoting the file: it may hold responses)."""
    if not isinstance(data, dict):
        return f"not a table of records: the file holds {_kind(data)}, not an object"
    for docs in data.values():
        if not isinstance(docs, dict):
            return f"not a table of records: a table is {_kind(docs)}, not an object"
        for doc_id, doc in docs.items():
            if not doc_id.isdigit():
                return "not a table of records: a record id is not a number"
            if not isinstance(doc, dict):
                return f"not a table of records: record {doc_id} is {_kind(doc)}, not an object"
    return None


def _record_problem(data: dict[str, Any], model: type[BaseModel] | None) -> str | None:
    """The first record of the default table that is not a `model` (named by its field, not its value)."""
    if model is None:
        return None
    for doc_id, doc in data.get("_default", {}).items():
        try:
            model.model_validate(doc)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "the record"
            return f"record {doc_id} is not a valid {model.__name__.lower()} ({where}: {first['msg'].lower()})"
    return None


def _kind(value: Any) -> str:
    return {list: "a list", str: "a string", int: "a number", float: "a number", bool: "true or false",
            type(None): "null"}.get(type(value), type(value).__name__)


class AtomicJSONStorage(Storage):
    """Writes replace the file atomically (`write_atomically`). The parsed data is kept in memory:
    the process owns the data directory (see DataDirLock), so nobody else changes the file.
    """

    def __init__(self, path: str | os.PathLike, model: type[BaseModel] | None = None) -> None:
        self._path = Path(path)
        self._model = model  # what each record of the default table must be, checked when the file is read
        self._cache: dict[str, Any] | None = None

    def read(self) -> dict[str, Any] | None:
        if self._cache is None:
            try:
                with open(self._path, encoding="utf-8") as f:
                    self._cache = json.load(f)
            except FileNotFoundError:
                return None
            except (OSError, ValueError) as exc:
                raise StoreError(f"cannot read {self._path}: {exc}") from exc
            problem = _shape_problem(self._cache) or _record_problem(self._cache, self._model)
            if problem:
                self._cache = None
                raise StoreError(f"cannot read {self._path}: valid JSON, but {problem}")
        return self._cache

    def write(self, data: dict[str, Any]) -> None:
        # json.dumps uses the C encoder; json.dump to a file does not (3-4x slower).
        encoded = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        try:
            write_atomically(self._path, encoded)
        except StoreError:
            # TinyDB changed the cached dict in place before calling write: drop it so the
            # next read sees what is really on disk.
            self._cache = None
            raise
        self._cache = data

    def close(self) -> None:
        self._cache = None


def open_db(path: Path, model: type[BaseModel] | None = None) -> TinyDB:
    """A TinyDB file; with `model`, a file whose records are not all one is refused when read."""
    return TinyDB(path, storage=AtomicJSONStorage, model=model)


class KeyedTable:
    """A TinyDB table addressed by a string key field, with an in-memory key -> doc_id map."""

    def __init__(self, db: TinyDB, name: str = "_default", key: str = "id") -> None:
        self._table = db.table(name)
        self._key = key
        self._ids: dict[str, int] = {
            doc[key]: doc.doc_id for doc in self._table.all() if key in doc
        }

    def get(self, key: str) -> dict[str, Any] | None:
        doc_id = self._ids.get(key)
        if doc_id is None:
            return None
        doc = self._table.get(doc_id=doc_id)
        return dict(doc) if doc is not None else None

    def contains(self, key: str) -> bool:
        return key in self._ids

    def put(self, doc: dict[str, Any]) -> None:
        key = doc[self._key]
        doc_id = self._ids.get(key)
        if doc_id is None:
            self._ids[key] = self._table.insert(doc)
        else:
            self._table.update(doc, doc_ids=[doc_id])

    def put_many(self, docs: list[dict[str, Any]]) -> None:
        """Replace stored documents, in one write (each must be stored already)."""
        changes = {doc[self._key]: doc for doc in docs}
        for key in changes:
            if key not in self._ids:
                raise KeyError(key)
        self._table.update_multiple([(lambda doc: doc.update(changes[doc[self._key]]),
                                      lambda doc: doc.get(self._key) in changes)])

    def remove(self, keys: list[str]) -> None:
        doc_ids = [self._ids.pop(k) for k in keys if k in self._ids]
        if doc_ids:
            self._table.remove(doc_ids=doc_ids)

    def insert_many(self, docs: list[dict[str, Any]]) -> None:
        doc_ids = self._table.insert_multiple(docs)
        for doc, doc_id in zip(docs, doc_ids):
            self._ids[doc[self._key]] = doc_id

    def all(self) -> list[dict[str, Any]]:
        return [dict(doc) for doc in self._table.all()]

    def __len__(self) -> int:
        return len(self._ids)


class DataDirLock:
    """An exclusive lock on the data directory, held for the life of the process's store."""

    def __init__(self, data_dir: Path) -> None:
        self._path = data_dir / ".lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        try:
            # Responses and minutes are sensitive: a directory the bot creates is its user's alone.
            self._path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            mode = stat.S_IMODE(self._path.parent.stat().st_mode)
            fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StoreError(f"cannot use data directory {self._path.parent}: {exc.strerror or exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise StoreLocked(
                f"the data directory {self._path.parent} is in use by process {holder}; "
                "stop it or choose another --data-dir"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        if mode & 0o077:
            log.warning("the data directory %s can be read by other users (mode %o); it holds responses and "
                        "minutes: chmod 700 it", self._path.parent, mode)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
