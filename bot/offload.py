"""Long CPU-bound work (a partnership's Word report) in a child process of its own.

On a thread, the build shares the interpreter with the bot: a team's submissions wait for it in
turns, and the bot cannot stop until it ends. In a child process the event loop keeps every core it
had, and a request given up (the client gone, the bot stopped with Ctrl+C or SIGTERM) kills the
child at once. The child is started fresh for each job ("spawn": nothing of the bot's threads or
open files is inherited) and ends with it, so its memory goes back when the document is built.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import traceback
from multiprocessing.connection import Connection
from typing import Any, Callable

log = logging.getLogger(__name__)
_CONTEXT = multiprocessing.get_context("spawn")


class OffloadFailed(Exception):
    """The job failed in its process (the traceback is in the log, never sent to the client)."""


def _child(conn: Connection) -> None:
    try:
        fn, args = conn.recv()
        try:
            result = ("ok", fn(*args))
        except BaseException as exc:  # everything goes back to the bot, which logs it
            result = ("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        conn.send(result)
    finally:
        conn.close()


def _exchange(conn: Connection, job: tuple) -> tuple[str, Any] | None:
    """Hand the job over and wait for its result (on a thread: either may take a while, and a pipe
    holds only so much); None when the process ended without one."""
    try:
        conn.send(job)
        return conn.recv()
    except (EOFError, OSError):  # it died, or was killed (given up)
        return None
    finally:
        conn.close()


async def in_child_process(fn: Callable[..., Any], *args: Any) -> Any:
    """`fn(*args)` in a new process; `fn`, its arguments and its result must pickle. Cancelled, the
    process is killed."""
    ours, theirs = _CONTEXT.Pipe()
    # The job goes over the pipe, not as the process's arguments: those are written while the new
    # interpreter starts up, and a large report would hold the event loop for as long.
    process = _CONTEXT.Process(target=_child, args=(theirs,), daemon=True, name="learning-bot-job")
    try:
        process.start()
    finally:
        theirs.close()  # the child's end: once it exits, reading and writing no longer wait for it
    try:
        answer = await asyncio.to_thread(_exchange, ours, (fn, args))
        if answer is None:
            await asyncio.to_thread(process.join)
            raise OffloadFailed(f"the job's process ended without a result (exit code {process.exitcode})")
        status, value = answer
        if status != "ok":
            log.error("job %s failed in its process: %s", getattr(fn, "__name__", "?"), value)
            raise OffloadFailed(value.splitlines()[0])
        return value
    finally:
        if process.is_alive():
            process.kill()  # given up (cancelled): nothing is left running, and the thread's wait ends
        await asyncio.to_thread(process.join)
