"""Bulk sending: queuing a 100 000-recipient wave, and draining a broadcast at a rate limit.

    python -m benchmarks.broadcast [--recipients 100000] [--drain 20000] [--limit 1000]
        [--databases sqlite,postgresql]
        [--postgres-url postgresql+asyncpg://postgres@127.0.0.1:5432/test]

Setup, not measured: ``--recipients`` consenting participants with a Telegram chat address,
written with bulk inserts; the first ``--drain`` of them also follow the topic ``process``.

Measured:

* **enqueue**: `SqlOutbox.open_wave` (one ``INSERT … SELECT``) of a wave to everyone, and
  `SqlOutbox.queue_broadcast` of a broadcast to everyone.
* **drain**: a broadcast to the ``--drain`` followers of ``process`` (those rows alone are
  due: the enqueued rows above are marked sent first, and stay in the table), sent by the
  real `Dispatcher` and `TelegramSender` over aiogram, as `bots.app.bulk_messaging` builds
  them with ``PEACEPULSE_SEND_RATE`` = ``--limit``, to the fake Bot API server of the tests
  (`tests.fakes.bot_api.FakeBotApi`) answering 429 to any send over ``--limit`` in a sliding
  second. From the server's records: the achieved rate (accepted sends from the dispatcher's
  start to the last send), the most sends in any sliding second (accepted, and attempted:
  accepted plus refused), the seconds (counted from the first send) in which more than the
  limit was attempted, 429 answers, duplicates and losses (each chat must get one copy).

The fake server runs in a process of its own (``--same-process``: in the benchmark's): its
CPU is not the bot's, as Telegram's servers are not. Dispatcher, aiogram and the database
driver share one process and one event loop, as in ``peacepulse run``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import math
import multiprocessing
import os
import platform
import shlex
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import metadata
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncEngine

from benchmarks.inbound import Progress, Skipped, database
from bots.app import SystemClock, bulk_telegram_client, freeze_start_up
from bots.telegram.aiogram_bot import AiogramClient, build_bot
from bots.telegram.common import TelegramClient
from bots.telegram.runtime import TelegramRuntime
from bots.telegram.sender import TelegramSender
from config.deployment import demo_folder, load_deployment
from conversations.definitions import Audience
from conversations.values import ConversationState
from conversations.waves import Wave
from scheduler.dispatcher import Dispatcher, DispatcherSettings
from scheduler.render import OutboxRenderer
from storage.database import create_engine, upgrade
from storage.models import ChatAddress, OutboxRow, Participant, Subscription
from storage.outbox import SqlOutbox
from tests.fakes.bot_api import SEND_METHODS, FakeBotApi

TOKEN = "123456:BENCH-token-for-the-fake-server"
TOPIC = "process"
FIRST_CHAT = 10_000_000
CHUNK = 5_000
TEXTS = {"en": "The parties signed the ceasefire annex today.", "fr": "Annexe signée."}
DATABASES = ("sqlite", "postgresql")
DEFAULT_POSTGRES_URL = os.environ.get(
    "PEACEPULSE_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
SERVER_START_TIMEOUT = 30.0
SETTLE_TIMEOUT = 30.0
"""After the drain's expected duration, how long to wait for the last messages."""

TARGET_SHARE = 0.97
TARGET_ENQUEUE_SECONDS = 10.0


class BenchmarkError(Exception):
    """The benchmark could not measure what it set out to (a job queued the wrong number of
    messages, the drain did not finish in time)."""


@dataclass(frozen=True)
class Options:
    recipients: int
    drain: int
    limit: int
    databases: tuple[str, ...]
    postgres_url: str
    same_process: bool
    client: str
    argv: tuple[str, ...]


# --------------------------------------------------------------------------------------------
# Setup: participants written directly, in bulk.
# --------------------------------------------------------------------------------------------
def participant_id(index: int) -> str:
    return f"bench{index:010d}"


def chat_of(index: int) -> int:
    return FIRST_CHAT + index


def _chunks(total: int) -> Iterable[range]:
    for start in range(0, total, CHUNK):
        yield range(start, min(start + CHUNK, total))


async def create_participants(
    engine: AsyncEngine, count: int, followers: int, progress: Progress, label: str
) -> None:
    """``count`` consenting participants with a Telegram address; the first ``followers``
    of them follow TOPIC."""
    now = datetime.now(UTC)
    plain = ConversationState(stage="menu", language="en", seq=3).to_json()
    following = ConversationState(
        stage="menu", language="en", seq=4, subscriptions=(TOPIC,)
    ).to_json()
    async with progress.phase(label, count):
        for chunk in _chunks(count):
            people: list[dict[str, Any]] = [
                {
                    "id": participant_id(i),
                    "state": following if i < followers else plain,
                    "consented_at": now,
                    "opted_out": False,
                    "created_at": now,
                    "updated_at": now,
                    "language": "en",
                }
                for i in chunk
            ]
            addresses = [
                {
                    "participant_id": participant_id(i),
                    "channel": "telegram",
                    "address": str(chat_of(i)),
                }
                for i in chunk
            ]
            topics = [
                {"participant_id": participant_id(i), "topic": TOPIC}
                for i in chunk
                if i < followers
            ]
            async with engine.begin() as connection:
                await connection.execute(insert(Participant), people)
                await connection.execute(insert(ChatAddress), addresses)
                if topics:
                    await connection.execute(insert(Subscription), topics)
            progress.done = chunk.stop


# --------------------------------------------------------------------------------------------
# Measurements.
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Enqueue:
    recipients: int
    wave_seconds: float
    broadcast_seconds: float


async def measure_enqueue(outbox: SqlOutbox, recipients: int) -> Enqueue:
    now = datetime.now(UTC)
    wave = Wave("implementation", 1, now - timedelta(hours=1), now + timedelta(days=10))
    started = time.perf_counter()
    invited = await outbox.open_wave(wave, Audience(), now)
    wave_seconds = time.perf_counter() - started
    started = time.perf_counter()
    _, queued = await outbox.queue_broadcast(None, TEXTS, None, now)
    broadcast_seconds = time.perf_counter() - started
    if invited != recipients or queued != recipients:
        raise BenchmarkError(
            f"queued {invited} invitations and {queued} broadcast messages for "
            f"{recipients} recipients"
        )
    return Enqueue(recipients, wave_seconds, broadcast_seconds)


@dataclass(frozen=True)
class Drain:
    recipients: int
    limit: int
    seconds: float
    """From the dispatcher's start to the last accepted send."""
    first_send: float
    """From the dispatcher's start to the first accepted send."""
    accepted: int
    max_accepted: int
    max_attempted: int
    seconds_over: int
    refused_429: int
    other_refusals: int
    duplicates: int
    losses: int
    cpu_seconds: float
    """CPU time of this process (every thread) while the dispatcher ran."""

    @property
    def rate(self) -> float:
        return self.accepted / self.seconds if self.seconds > 0 else 0.0

    @property
    def cpu_ms_per_message(self) -> float:
        return self.cpu_seconds * 1000 / self.accepted if self.accepted else 0.0


def most_in_window(times: Sequence[float], window: float = 1.0) -> int:
    """The most events within any ``window`` seconds (a half-open interval)."""
    ordered = sorted(times)
    most = start = 0
    for end, at in enumerate(ordered):
        while at - ordered[start] >= window:
            start += 1
        most = max(most, end - start + 1)
    return most


def seconds_over(times: Sequence[float], origin: float, limit: int) -> int:
    """In how many whole seconds since ``origin`` more than ``limit`` events happened."""
    per_second = Counter(math.floor(at - origin) for at in times)
    return sum(1 for n in per_second.values() if n > limit)


@dataclass(frozen=True)
class ServerRecords:
    """What the fake server saw: accepted sends ``(at, chat)`` and refused sends
    ``(at, error code)``, ``at`` from `time.monotonic` (one clock for all processes)."""

    sends: list[tuple[float, int]]
    refusals: list[tuple[float, int]]


def _records(api: FakeBotApi) -> ServerRecords:
    return ServerRecords(
        [(s.at, s.chat_id) for s in api.sends],
        [(r.at, r.error_code) for r in api.refusals if r.method in SEND_METHODS],
    )


def without_full_collections() -> None:
    """No full garbage collection in the fake server's process from now on.

    The fake keeps every message it accepted; a full collection over them stops it for a
    quarter of a second, a pause Telegram's servers do not take on a bot's account. Its cost
    would land on the bot: the limiter counts a send until a second after its answer, so the
    sends held up by the pause leave a gap of the same length a second later.
    """
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, 2**31 - 1)


async def _serve(connection: Connection, chats: range, limit: int) -> None:
    async with FakeBotApi(token=TOKEN) as api:
        api.known_chats(chats)
        api.rate_limit(limit)
        without_full_collections()
        connection.send(api.base_url)
        await asyncio.get_running_loop().run_in_executor(None, connection.recv)
        connection.send(_records(api))


def serve_in_child(connection: Connection, chats: range, limit: int) -> None:
    """The child process: the fake server until the parent asks for its records."""
    asyncio.run(_serve(connection, chats, limit))


@contextlib.asynccontextmanager
async def fake_server(
    chats: range, limit: int, *, same_process: bool
) -> AsyncIterator[tuple[str, Callable[[], Awaitable[ServerRecords]]]]:
    """The fake Bot API server, limited to ``limit`` sends a second, knowing ``chats``: its
    URL, and how to get its records. In a process of its own unless ``same_process``: the
    server's CPU is not the bot's (Telegram's servers are elsewhere too)."""
    if same_process:
        async with FakeBotApi(token=TOKEN) as api:
            api.known_chats(chats)
            api.rate_limit(limit)

            async def local() -> ServerRecords:
                return _records(api)

            yield api.base_url, local
        return
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    child = context.Process(target=serve_in_child, args=(theirs, chats, limit), daemon=True)
    child.start()
    loop = asyncio.get_running_loop()
    try:
        if not await loop.run_in_executor(None, ours.poll, SERVER_START_TIMEOUT):
            raise BenchmarkError("the fake server process did not start")
        url = ours.recv()

        async def remote() -> ServerRecords:
            ours.send("stop")
            records = await loop.run_in_executor(None, ours.recv)
            assert isinstance(records, ServerRecords)
            return records

        yield url, remote
    finally:
        child.join(timeout=5)
        if child.is_alive():
            child.kill()


CLIENTS = ("botapi", "aiogram")


def telegram_client(kind: str, url: str) -> tuple[TelegramClient, Callable[[], Awaitable[None]]]:
    """The client the dispatcher sends with, and how to close it: the lean Bot API client
    `bots.app.bulk_messaging` sends with, or (``aiogram``, for comparison) aiogram's `Bot`."""
    runtime = TelegramRuntime(token=TOKEN, api_url=url)
    if kind == "aiogram":
        bot = build_bot(runtime)
        return AiogramClient(bot), bot.session.close
    client = bulk_telegram_client(runtime)
    return client, client.close


async def measure_drain(
    outbox: SqlOutbox, options: Options, progress: Progress, label: str
) -> Drain:
    deployment = load_deployment(demo_folder())
    followers, limit = options.drain, options.limit
    chats = range(chat_of(0), chat_of(followers))
    async with fake_server(chats, limit, same_process=options.same_process) as (url, records):
        client, close = telegram_client(options.client, url)
        try:
            job, queued = await outbox.queue_broadcast(TOPIC, TEXTS, None, datetime.now(UTC))
            if queued != followers:
                raise BenchmarkError(f"the broadcast queued {queued}, expected {followers}")
            dispatcher = Dispatcher(
                outbox,
                {"telegram": TelegramSender(client)},
                OutboxRenderer(deployment, outbox.broadcast),
                SystemClock(),
                settings=DispatcherSettings(rate=limit),
            )
            stop = asyncio.Event()
            freeze_start_up()  # as `peacepulse run` does once started
            async with progress.phase(label, followers):
                started = time.monotonic()
                cpu_started = time.process_time()
                running = asyncio.create_task(dispatcher.run(stop))
                deadline = started + followers / limit * 1.5 + SETTLE_TIMEOUT
                counts: dict[str, int] = {}
                try:
                    while time.monotonic() < deadline and not running.done():
                        await asyncio.sleep(0.5)
                        counts = await outbox.job_counts(job)
                        progress.done = counts["sent"]
                        if counts["queued"] + counts["sending"] == 0:
                            break
                finally:
                    stop.set()
                    await running
                cpu_seconds = time.process_time() - cpu_started
            counts = await outbox.job_counts(job)
            if counts["queued"] + counts["sending"]:
                raise BenchmarkError(f"{label}: not finished in time: {counts}")
        finally:
            await close()
            gc.unfreeze()
        seen = await records()
    accepted = [at for at, _ in seen.sends]
    attempted = accepted + [at for at, _ in seen.refusals]
    copies = Counter(chat for _, chat in seen.sends)
    return Drain(
        recipients=followers,
        limit=limit,
        seconds=max(accepted, default=started) - started,
        first_send=min(accepted, default=started) - started,
        accepted=len(accepted),
        max_accepted=most_in_window(accepted),
        max_attempted=most_in_window(attempted),
        seconds_over=seconds_over(attempted, min(accepted, default=started), limit),
        refused_429=sum(1 for _, code in seen.refusals if code == 429),
        other_refusals=sum(1 for _, code in seen.refusals if code != 429),
        duplicates=sum(n - 1 for n in copies.values()),
        losses=sum(1 for chat in chats if chat not in copies),
        cpu_seconds=cpu_seconds,
    )


# --------------------------------------------------------------------------------------------
# One database.
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Result:
    database: str
    enqueue: Enqueue
    drain: Drain


async def bench(kind: str, options: Options, progress: Progress) -> Result:
    with tempfile.TemporaryDirectory(prefix="pp-bench-broadcast-") as folder:
        async with database(kind, options.postgres_url, Path(folder)) as url:
            engine = create_engine(url)
            try:
                await upgrade(engine)
                await create_participants(
                    engine, options.recipients, options.drain, progress, f"{kind}: participants"
                )
                outbox = SqlOutbox(engine)
                print(f"{kind}: enqueue …", file=sys.stderr)
                enqueue = await measure_enqueue(outbox, options.recipients)
                async with engine.begin() as connection:  # the drain sends its own job only
                    await connection.execute(
                        update(OutboxRow).where(OutboxRow.status == "queued").values(status="sent")
                    )
                drain = await measure_drain(outbox, options, progress, f"{kind}: drain")
            finally:
                await engine.dispose()
    return Result(kind, enqueue, drain)


# --------------------------------------------------------------------------------------------
# Report.
# --------------------------------------------------------------------------------------------
def table(header: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> str:
    """A Markdown table; the first ``left`` columns left-aligned, the rest right-aligned."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        padded = [
            cell.ljust(width) if i < left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = ["-" * w if i < left else "-" * (w - 1) + ":" for i, w in enumerate(widths)]
    return "\n".join([line(header), line(rule), *(line(row) for row in rows)])


def mark(ok: bool) -> str:
    return "" if ok else " ✘"


def enqueue_table(results: Sequence[Result]) -> str:
    rows = [
        [
            r.database,
            f"{r.enqueue.recipients:,}",
            f"{r.enqueue.wave_seconds:.2f}{mark(r.enqueue.wave_seconds <= TARGET_ENQUEUE_SECONDS)}",
            f"{r.enqueue.broadcast_seconds:.2f}"
            + mark(r.enqueue.broadcast_seconds <= TARGET_ENQUEUE_SECONDS),
        ]
        for r in results
    ]
    return table(["database", "recipients", "wave s", "broadcast s"], rows)


def drain_table(results: Sequence[Result]) -> str:
    rows = []
    for r in results:
        d = r.drain
        share = d.rate / d.limit
        rows.append(
            [
                r.database,
                f"{d.recipients:,}",
                f"{d.limit:,}",
                f"{d.first_send:.2f}",
                f"{d.seconds:.1f}",
                f"{d.rate:,.0f}",
                f"{share:.1%}{mark(share >= TARGET_SHARE)}".replace("%", " %"),
                f"{d.max_accepted:,}",
                f"{d.max_attempted:,}{mark(d.max_attempted <= d.limit)}",
                f"{d.seconds_over}{mark(d.seconds_over == 0)}",
                f"{d.refused_429}",
                f"{d.duplicates}{mark(d.duplicates == 0)}",
                f"{d.losses}{mark(d.losses == 0)}",
                f"{d.cpu_ms_per_message:.2f}",
            ]
        )
    header = [
        "database",
        "recipients",
        "limit/s",
        "first send s",
        "seconds",
        "sent/s",
        "of limit",
        "max accepted/s",
        "max attempted/s",
        "seconds over",
        "429s",
        "duplicates",
        "losses",
        "CPU ms/msg",
    ]
    return table(header, rows)


def versions() -> str:
    names = ("sqlalchemy", "aiosqlite", "asyncpg", "aiogram")
    found = []
    for name in names:
        with contextlib.suppress(metadata.PackageNotFoundError):
            found.append(f"{name} {metadata.version(name)}")
    return f"{os.cpu_count()} CPUs, Python {platform.python_version()}, " + ", ".join(found)


def parse(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.broadcast", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--recipients", type=int, default=100_000, help="enqueued per job")
    parser.add_argument("--drain", type=int, default=20_000, help="recipients of the drain")
    parser.add_argument("--limit", type=int, default=1000, help="sends/s the server accepts")
    parser.add_argument("--databases", default=",".join(DATABASES))
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument(
        "--same-process",
        action="store_true",
        help="run the fake server in this process (default: a process of its own)",
    )
    parser.add_argument(
        "--client",
        choices=CLIENTS,
        default=CLIENTS[0],
        help="what the dispatcher sends with (default: the lean client `peacepulse run` uses)",
    )
    args = parser.parse_args(argv)
    databases = tuple(d.strip() for d in args.databases.split(",") if d.strip())
    unknown = sorted(set(databases) - set(DATABASES))
    if unknown:
        parser.error(f"unknown databases {unknown}; choose from {', '.join(DATABASES)}")
    if not 0 < args.drain <= args.recipients:
        parser.error("--drain must be between 1 and --recipients")
    if not 0 < args.limit <= 1000:
        parser.error("--limit must be between 1 and 1000 (PEACEPULSE_SEND_RATE's range)")
    return Options(
        args.recipients,
        args.drain,
        args.limit,
        databases,
        args.postgres_url,
        args.same_process,
        args.client,
        tuple(sys.argv[1:] if argv is None else argv),
    )


async def main_async(options: Options) -> int:
    progress = Progress()
    results: list[Result] = []
    notes: list[str] = []
    for kind in options.databases:
        try:
            results.append(await bench(kind, options, progress))
        except Skipped as skipped:
            notes.append(f"{kind}: skipped: {skipped}")
    command = shlex.join(["python", "-m", "benchmarks.broadcast", *options.argv])
    print(f"`{command}` ({versions()})\n")
    if results:
        print(enqueue_table(results) + "\n")
        print(drain_table(results))
    for r in results:
        if r.drain.other_refusals:
            notes.append(f"{r.database}: {r.drain.other_refusals} sends refused, not for the rate")
    for note in notes:
        print(f"\n{note}")
    failed = any(r.drain.duplicates or r.drain.losses or r.drain.other_refusals for r in results)
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    options = parse(argv)
    try:
        return asyncio.run(main_async(options))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
