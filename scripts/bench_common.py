"""What the benchmarks share: the seeded data, Teams-shaped members, and the bot run as a process."""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from storage.models import Author, ConversationRef, Discussion, Response, Team  # noqa: E402
from storage.tinydb_store import TinyDBStore  # noqa: E402
from tests.fakes import teams as t  # noqa: E402

BRIEFING = "2019-01-case-file-audit"  # the bundled briefing, loaded by the app at startup
ORGANISATION = "sussex-police"
TENANT = "11111111-1111-1111-1111-111111111111"
ADMIN_TOKEN = "bench-admin-token-0123456789"
PER_DISCUSSION = 100
QUESTIONS = ["learnt", "apply", "hsv-when", "hsv-experience"]

MEMBERS = [t.User(f"{first} {last}", f"aaaaaaaa-0000-0000-{i:04d}-000000000000")
           for i, (first, last) in enumerate([
               ("Ana", "Practitioner"), ("Ben", "Nurse"), ("Cal", "Officer"), ("Dee", "Worker"),
               ("Eli", "Visitor"), ("Fay", "Teacher"), ("Gus", "Paramedic"), ("Hal", "Therapist"),
               ("Ivy", "Manager"), ("Jo", "Coordinator"), ("Kit", "Midwife"), ("Lou", "Advocate")])]
SENTENCES = [
    "Invite police formally so a strategy discussion is quorate and every agency hears the same facts.",
    "Keep health notes current for colleagues on leave so nothing waits for one person to come back.",
    "Add a police invite step to our strategy meeting checklist and record who was asked and when.",
    "Hoarding, smoking or candles in a home with a baby are the moments to ask for a home safety visit.",
    "Two referrals last year; the fire service visited within a week and fitted alarms in both homes.",
    "Record the child's own words in the file, not a summary of what the adults said about them.",
    "Check whether a section 47 enquiry was opened before closing the case, and say why in the notes.",
    "Share the chronology with the school nurse before the review meeting, not on the day itself.",
]
SEED_START = datetime(2025, 1, 6, 9, 0, tzinfo=timezone.utc)


def member(i: int) -> t.User:
    """The i-th member of a large team (the first twelve are MEMBERS)."""
    return MEMBERS[i] if i < len(MEMBERS) else t.User(f"Member {i:03d}", f"bbbbbbbb-0000-0000-{i:04d}-000000000000")


def team_spec(i: int) -> t.TeamSpec:
    return t.TeamSpec(id=f"19:bench-team-{i:05d}@thread.tacv2", name=f"Bench Team {i:05d}", tenant=TENANT)


def thread_id(team_id: str, i: int) -> str:
    return f"{team_id};messageid={1700000000000 + i}"


def response_text(n: int) -> str:
    # 1-3 sentences, so stored texts are of realistic, varied length
    return " ".join(SENTENCES[(n + k) % len(SENTENCES)] for k in range(1 + n % 3))


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile (p99 of 500 samples is the 495th smallest)."""
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def make_team(i: int, service_url: str) -> Team:
    spec = team_spec(i)
    return Team(
        id=spec.id, name=spec.name, tenant_id=TENANT, organisation_id=ORGANISATION,
        general=ConversationRef(service_url=service_url, conversation_id=spec.id, tenant_id=TENANT,
                                bot_id=t.BOT_ID, bot_name=t.BOT_NAME),
        installed_at=SEED_START, installed_by=MEMBERS[0].aad, organisation_prompted=True,
    )


PROBE = t.TeamSpec(id="19:bench-probe@thread.tacv2", name="Probe Team", tenant=TENANT)


async def seed_probe(data_dir: Path, service_url: str, database_url: str | None = None) -> tuple[t.TeamSpec, str, str]:
    """A team recording responses while something else runs: linked, its discussion of the briefing
    delivered. Returns (its spec, the discussion id, the thread's conversation id)."""
    store = await open_store(data_dir, database_url)
    try:
        team = make_team(0, service_url).model_copy(update={"id": PROBE.id, "name": PROBE.name,
                                                             "general": ConversationRef(
                                                                 service_url=service_url, conversation_id=PROBE.id,
                                                                 tenant_id=TENANT, bot_id=t.BOT_ID,
                                                                 bot_name=t.BOT_NAME)})
        await store.teams.upsert(team)
        thread = thread_id(PROBE.id, 99)
        discussion = Discussion(id=Discussion.make_id(BRIEFING, PROBE.id), briefing_id=BRIEFING, team_id=PROBE.id,
                                thread=ConversationRef(service_url=service_url, conversation_id=thread,
                                                       tenant_id=TENANT, bot_id=t.BOT_ID, bot_name=t.BOT_NAME),
                                card_activity_id="1799999999999", opened_at=SEED_START)
        await store.discussions.create([discussion])
        from dialogs.publishing import delivery_id
        from storage.models import Delivery, DeliveryKind, DeliveryStatus

        post = Delivery(id=delivery_id(BRIEFING, PROBE.id), group=BRIEFING, kind=DeliveryKind.briefing_post,
                        team_id=PROBE.id, briefing_id=BRIEFING)
        await store.outbox.enqueue([post])  # it has the briefing already: a publish to all skips it
        await store.outbox.update(post.model_copy(update={"status": DeliveryStatus.sent, "sent_at": SEED_START}))
    finally:
        await store.close()
    return PROBE, discussion.id, thread


async def open_store(data_dir: Path, database_url: str | None = None):
    """The store a benchmark seeds: the embedded one in `data_dir`, or PostgreSQL at `database_url`."""
    if database_url:
        from storage.postgres import PostgresStore

        store = PostgresStore(database_url, pool_size=4)
        await store.open(wait=True)
        return store
    store = TinyDBStore(data_dir)
    await store.open()
    return store


async def put_teams(store, teams: list[Team]) -> None:
    """Every team in one write (setting up a benchmark: 5,000 upserts one by one rewrite teams.json 5,000 times)."""
    if not isinstance(store, TinyDBStore):
        await store.copy_in("teams", teams)
        return
    docs = [team.model_dump(mode="json") for team in teams]
    await store._run(store._state.teams.insert_many, docs, writes=True)  # a fresh directory: none stored yet


async def seed(data_dir: Path, stored: int, service_url: str, per_discussion: int | None = None,
               database_url: str | None = None) -> int:
    """Seed `stored` responses, PER_DISCUSSION per team discussion, through the TinyDBStore API:
    one linked team per discussion, each discussion delivered (its thread and card exist).

    Returns the number of discussions (at least one, even for 0 responses). The briefing itself
    is loaded by the app at startup.
    """
    per_discussion = per_discussion or PER_DISCUSSION
    n_discussions = max(1, math.ceil(stored / per_discussion))
    store = await open_store(data_dir, database_url)
    try:
        base = SEED_START
        teams, discussions = [], []
        for i in range(n_discussions):
            spec = team_spec(i)
            teams.append(make_team(i, service_url))
            discussions.append(Discussion(
                id=Discussion.make_id(BRIEFING, spec.id), briefing_id=BRIEFING, team_id=spec.id,
                thread=ConversationRef(service_url=service_url, conversation_id=thread_id(spec.id, i),
                                       tenant_id=TENANT, bot_id=t.BOT_ID, bot_name=t.BOT_NAME),
                card_activity_id=str(1700000000000 + i), opened_at=base + timedelta(minutes=i),
            ))
        await put_teams(store, teams)
        await store.discussions.create(discussions)

        left = stored
        for i, d in enumerate(discussions):
            batch = []
            for j in range(min(per_discussion, left)):
                member_ = MEMBERS[(i + j) % len(MEMBERS)]
                qid = QUESTIONS[j % len(QUESTIONS)]
                key = f"seed-{i}-{j}:{qid}"
                batch.append(Response(
                    id=Response.make_id(d.id, key), discussion_id=d.id, question_id=qid,
                    text=response_text(i + j), author=Author(aad_object_id=member_.aad, name=member_.name),
                    created_at=d.opened_at + timedelta(minutes=j), idempotency_key=key,
                ))
            if not batch:
                continue
            left -= len(batch)
            added = await store.responses.add(batch)  # one append to this discussion's log
            assert len(added) == len(batch), "seeding found existing responses in a fresh directory"
    finally:
        await store.close()
    return n_discussions


async def seed_teams(data_dir: Path, count: int, service_url: str, database_url: str | None = None) -> list[Team]:
    """`count` linked teams (as if each had installed the bot), nothing else."""
    store = await open_store(data_dir, database_url)
    try:
        teams = [make_team(i, service_url) for i in range(count)]
        await put_teams(store, teams)
    finally:
        await store.close()
    return teams


# ---------------------------------------------------------------- processes


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without the bot's settings (benchmarks run in local mode on loopback)."""
    env = {k: v for k, v in os.environ.items()
           if not (k.startswith(("LEARNING_BOT_", "SMTP_", "Microsoft")) or k.lower().startswith("microsoftapp"))}
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def learning_bot_command() -> list[str]:
    script = Path(sys.executable).parent / "learning-bot"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def rss_bytes(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, from /proc/<pid>/status, in bytes."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) * 1024
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Process:
    """A server started as a child process, its output in a log file, stopped with SIGINT."""

    def __init__(self, name: str, argv: list[str], *, env: dict[str, str], log_path: Path, cwd: Path) -> None:
        self.name, self.argv, self.env, self.log_path, self.cwd = name, argv, env, log_path, cwd
        self.proc: subprocess.Popen | None = None
        self.started_at = 0.0

    def start(self) -> "Process":
        self.log = open(self.log_path, "ab")
        self.started_at = time.perf_counter()
        self.proc = subprocess.Popen(self.argv, env=self.env, cwd=self.cwd, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        return self

    @property
    def pid(self) -> int:
        return self.proc.pid

    async def wait_healthy(self, url: str, timeout: float = 60.0, interval: float = 0.005) -> float:
        """Poll `url` until it answers 200; returns seconds since the process was started."""
        deadline = time.perf_counter() + timeout
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
            while True:
                if self.proc.poll() is not None:
                    raise SystemExit(f"{self.name} exited with {self.proc.returncode} before it was healthy; "
                                     f"its log:\n{self.tail()}")
                with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError, OSError):
                    async with session.get(url) as resp:
                        await resp.read()
                        if resp.status == 200:
                            return time.perf_counter() - self.started_at
                if time.perf_counter() > deadline:
                    raise SystemExit(f"{self.name} was not healthy at {url} within {timeout:g} s; its log:\n{self.tail()}")
                await asyncio.sleep(interval)

    def tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    async def stop(self, timeout: float = 15.0) -> int | None:
        """SIGINT (a clean shutdown), then SIGKILL after `timeout`; only this child, by its pid."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            deadline = time.perf_counter() + timeout
            while self.proc.poll() is None and time.perf_counter() < deadline:
                await asyncio.sleep(0.05)
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


def bot_process(data_dir: Path, port: int, log_path: Path, **env: str) -> Process:
    """`learning-bot serve` on loopback over `data_dir`, in local mode, as deployed (INFO logs)."""
    argv = learning_bot_command() + ["serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir)]
    # Digests off: whether one is due would depend on the day the benchmark runs.
    environment = clean_env(LEARNING_BOT_DIGEST_DAY="OFF", **env)
    return Process("learning-bot serve", argv, env=environment, log_path=log_path, cwd=data_dir.parent)
