"""Work done in a process of its own: its result comes back, its failure is reported without its
traceback, and giving it up (a request cancelled, the bot stopping) kills the process."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest

from bot.offload import OffloadFailed, in_child_process


def add(a: int, b: int) -> tuple[int, int]:
    return a + b, os.getpid()


def fail(message: str) -> None:
    raise ValueError(message)


def sleep_after_writing_pid(path: str) -> None:
    Path(path).write_text(str(os.getpid()))
    time.sleep(60)


def crash() -> None:
    os._exit(3)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_the_result_comes_back_from_another_process():
    total, pid = await in_child_process(add, 2, 3)
    assert total == 5 and pid != os.getpid()
    assert not alive(pid)  # it ended with its job


async def test_a_failure_is_reported_by_its_first_line_only(caplog):
    with pytest.raises(OffloadFailed) as raised:
        await in_child_process(fail, "the chart could not be drawn")
    assert str(raised.value) == "ValueError: the chart could not be drawn"
    assert "Traceback" in caplog.text  # the operator's log has the whole story


async def test_a_process_that_dies_is_a_failure_not_a_hang():
    with pytest.raises(OffloadFailed, match="exit code 3"):
        await asyncio.wait_for(in_child_process(crash), 30)


async def test_giving_up_kills_the_process(tmp_path):
    pid_file = tmp_path / "pid"
    job = asyncio.create_task(in_child_process(sleep_after_writing_pid, str(pid_file)))
    for _ in range(300):  # the child is up once it has written its pid
        if pid_file.exists() and pid_file.read_text():
            break
        await asyncio.sleep(0.05)
    pid = int(pid_file.read_text())
    assert alive(pid)
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    assert not alive(pid)  # killed and reaped, not left to sleep out its minute


def echo(data: bytes) -> bytes:
    return data[::-1]


async def test_a_large_job_and_its_result_cross_whole():
    data = os.urandom(3 * 1024 * 1024)  # far more than a pipe holds: neither side may wait on the other
    assert await asyncio.wait_for(in_child_process(echo, data), 60) == data[::-1]


async def test_stopping_gives_up_every_job_at_once_and_refuses_new_ones(tmp_path):
    from bot.offload import Jobs, Stopping

    jobs = Jobs()
    pid_file = tmp_path / "pid"
    job = asyncio.create_task(jobs.run(sleep_after_writing_pid, str(pid_file)))
    for _ in range(300):
        if pid_file.exists() and pid_file.read_text():
            break
        await asyncio.sleep(0.05)
    pid = int(pid_file.read_text())
    os.kill(pid, signal.SIGINT)  # Ctrl+C reaches the whole process group: the job leaves it to the bot
    await asyncio.sleep(0.3)
    assert alive(pid)
    assert jobs.stop_all() == 1
    with pytest.raises(Stopping):
        await job
    assert not alive(pid)
    with pytest.raises(Stopping):
        await jobs.run(add, 1, 2)
