"""Long CPU-bound work (a partnership's Word report) in a child process of its own.

On a thread, the build shares the interpreter with the bot: a team's submissions wait for it in
turns, and the bot cannot stop until it ends. In a child process the event loop keeps every core it
had. When the bot stops (Ctrl+C, SIGTERM) `stop_all` kills every child at once, before the server
waits for requests under way; a request cancelled kills its child too. The child is started fresh
for each job ("spawn": nothing of the bot's threads or open files is inherited) and ends with it, so
its memory goes back when the document is built. It ignores Ctrl+C itself (a terminal sends it to
the whole process group): the bot decides.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
import traceback
from multiprocessing.process import BaseProcess
from multiprocessing.connection import Connection
from typing import Any, Callable

log = logging.getLogger(__name__)
_CONTEXT = multiprocessing.get_context("spawn")


class OffloadFailed(Exception):
    """The job failed in its process (the traceback is in the log, never sent to the client)."""


class Stopping(OffloadFailed):
    """The bot is stopping: the job was given up."""


class Jobs:
    """The jobs of one app in their own processes: stopped together when the app stops."""

    def __init__(self) -> None:
        self.running: set[BaseProcess] = set()
        self.stopping = False

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await in_child_process(fn, *args, jobs=self)

    def stop_all(self) -> int:
        """Kill every job's process (the bot is stopping); how many were running."""
        self.stopping = True
        killed = 0
        for process in list(self.running):
            if process.is_alive():
                process.kill()
                killed += 1
        if killed:
            log.info("stopping: gave up %d job(s) in their own processes", killed)
        return killed


def _child(conn: Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        fn, args = conn.recv()
        try:
            result = ("ok", fn(*args))
        except Exception as exc:  # it goes back to the bot, which logs it
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


async def in_child_process(fn: Callable[..., Any], *args: Any, jobs: Jobs | None = None) -> Any:
    """`fn(*args)` in a new process; `fn`, its arguments and its result must pickle. Cancelled, or
    `jobs` stopped, the process is killed."""
    jobs = jobs or Jobs()
    if jobs.stopping:
        raise Stopping("the bot is stopping")
    ours, theirs = _CONTEXT.Pipe()
    # The job goes over the pipe, not as the process's arguments: those are written while the new
    # interpreter starts up, and a large report would hold the event loop for as long.
    process = _CONTEXT.Process(target=_child, args=(theirs,), daemon=True, name="learning-bot-job")
    try:
        process.start()
    finally:
        theirs.close()  # the child's end: once it exits, reading and writing no longer wait for it
    jobs.running.add(process)
    answered = False
    try:
        answer = await asyncio.to_thread(_exchange, ours, (fn, args))
        answered = answer is not None
        if answer is None:
            await asyncio.to_thread(process.join)
            if jobs.stopping:
                raise Stopping("the bot is stopping")
            raise OffloadFailed(f"the job's process ended without a result (exit code {process.exitcode})")
        status, value = answer
        if status != "ok":
            log.error("job %s failed in its process: %s", getattr(fn, "__name__", "?"), value)
            raise OffloadFailed(value.splitlines()[0])
        return value
    finally:
        jobs.running.discard(process)
        if answered:
            await asyncio.to_thread(process.join, 5)  # it ends once it has sent its result
        if process.is_alive():
            process.kill()  # given up (cancelled): nothing is left running, and the thread's wait ends
        await asyncio.to_thread(process.join)
