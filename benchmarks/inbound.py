"""Inbound throughput: simulated citizens answering a poll through the real Telegram stack.

    python -m benchmarks.inbound [--citizens 200] [--answers 20]
        [--databases sqlite,postgresql] [--frameworks aiogram]
        [--postgres-url postgresql+asyncpg://postgres@127.0.0.1:5432/test]

PeacePulse runs exactly as ``peacepulse run`` builds it (`bots.app.run_telegram`), long polling
a fake Bot API server over real HTTP (`tests.fakes.bot_api.FakeBotApi`). Each citizen is
onboarded and opens a generated poll of ``--answers`` single-choice questions first; then, all
at once and closed-loop, every citizen types an answer ("1".."4"), waits for the next question
and answers again. Latency runs from putting the update in the server's queue to the bot's
``sendMessage`` for that chat reaching the server. The same citizens doing the same loop
against a bare echo bot of the same framework, on a server of its own, give the baseline.

Fake server, citizens and bot share one process and one event loop, so every row also pays
for the fake's side of each request; the ratio to the echo bot is the number to watch.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import os
import platform
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, make_url, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bots.app import run_telegram
from config.deployment import DEPLOYMENT_FILE, POLLS_FOLDER, demo_folder, load_deployment
from config.errors import ConfigError
from config.settings import Settings
from conversations.definitions import Deployment, SingleChoice
from conversations.i18n import language_name, translate
from storage.database import create_engine, safe_url
from storage.models import Answer
from tests.fakes.bot_api import Citizen, FakeBotApi

TOKEN = "123456:BENCH-token-for-the-fake-server"
SECRET = "pseudonym-key-for-the-benchmark-0123456789"
POLL_ID = "bench"
LANGUAGE = "en"
CHOICES = 4
FIRST_USER_ID = 100_000
REPLY_TIMEOUT = 60.0
START_TIMEOUT = 30.0
ONBOARDING_CONCURRENCY = 25  # the fake's waiting helper wakes every waiter on every change
DATABASES = ("sqlite", "postgresql")
DEFAULT_POSTGRES_URL = os.environ.get(
    "PEACEPULSE_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)

log = logging.getLogger("benchmarks.inbound")


class BenchmarkError(Exception):
    """The benchmark could not measure what it set out to (a bot stalled, answers were lost)."""


class Skipped(Exception):
    """A row that cannot run here (framework or database unavailable); the message says why."""


# --------------------------------------------------------------------------------------------
# Bots under test: each runs until ``stop`` is set.
# --------------------------------------------------------------------------------------------
Runner = Callable[[FakeBotApi, asyncio.Event], Coroutine[Any, Any, None]]


async def aiogram_echo(api: FakeBotApi, stop: asyncio.Event) -> None:
    """A bare aiogram bot: one handler that answers every text with itself."""
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import Message

    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "…")

    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(api.base_url)))
    try:
        polling = asyncio.create_task(
            dispatcher.start_polling(bot, handle_signals=False, close_bot_session=False)
        )
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({polling, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not polling.done():
            await dispatcher.stop_polling()
        stopping.cancel()
        await polling
    finally:
        await bot.session.close()


async def ptb_echo(api: FakeBotApi, stop: asyncio.Event) -> None:
    """A bare python-telegram-bot bot: one handler that answers every text with itself."""
    try:
        from telegram import Update
        from telegram.ext import Application, ContextTypes, MessageHandler, filters
    except ImportError as error:
        raise Skipped(f"python-telegram-bot is not installed ({error})") from None

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None:
            await context.bot.send_message(message.chat_id, message.text or "…")

    # Concurrent updates: PTB's default handles one update at a time, which no bot serving
    # many people would keep; the baseline should be the framework at its best.
    application = (
        Application.builder()
        .token(TOKEN)
        .base_url(api.ptb_base_url)
        .concurrent_updates(True)
        .job_queue(None)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    async with application:
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=10)
        await application.start()
        try:
            await stop.wait()
        finally:
            await application.updater.stop()
            await application.stop()


@dataclass(frozen=True)
class Framework:
    name: str
    echo: Runner


FRAMEWORKS = {
    "aiogram": Framework("aiogram", aiogram_echo),
    "ptb": Framework("ptb", ptb_echo),
}


def peacepulse(settings: Settings) -> Runner:
    async def run(api: FakeBotApi, stop: asyncio.Event) -> None:
        await run_telegram(settings, stop)

    return run


@contextlib.asynccontextmanager
async def running(api: FakeBotApi, runner: Runner) -> AsyncIterator[None]:
    """``runner`` in a task, from its first getUpdates until the block ends."""
    stop = asyncio.Event()
    polls_before = len(api.calls_to("getUpdates"))
    task = asyncio.create_task(runner(api, stop))
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while len(api.calls_to("getUpdates")) == polls_before:
            if task.done():
                task.result()  # raises what made it stop
                raise BenchmarkError("the bot stopped before it polled for updates")
            if time.monotonic() > deadline:
                raise BenchmarkError(f"the bot did not poll within {START_TIMEOUT:.0f} s")
            await asyncio.sleep(0.02)
        yield
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, timeout=START_TIMEOUT)
        except (ConfigError, Skipped):
            pass  # already reported by the start-up check above
        except TimeoutError:
            log.warning("the bot did not stop within %.0f s", START_TIMEOUT)


# --------------------------------------------------------------------------------------------
# The benchmark deployment.
# --------------------------------------------------------------------------------------------
def write_deployment(folder: Path, questions: int) -> Deployment:
    """The demo's deployment.yaml and one poll of ``questions`` single-choice questions."""
    (folder / POLLS_FOLDER).mkdir(parents=True)
    shutil.copyfile(demo_folder() / DEPLOYMENT_FILE, folder / DEPLOYMENT_FILE)
    header = yaml.safe_load((folder / DEPLOYMENT_FILE).read_text(encoding="utf-8"))
    languages: list[str] = list(header["languages"])

    def text(value: str) -> dict[str, str]:
        return dict.fromkeys(languages, value)

    poll = {
        "id": POLL_ID,
        "title": text("Benchmark poll"),
        "intro": text("Generated questions for the inbound benchmark."),
        "questions": [
            {
                "id": f"q{number:03d}",
                "type": "single_choice",
                "prompt": text(f"Benchmark question {number}?"),
                "choices": [
                    {"id": f"c{choice}", "label": text(f"Choice {choice}")}
                    for choice in range(1, CHOICES + 1)
                ],
            }
            for number in range(1, questions + 1)
        ],
    }
    poll_file = folder / POLLS_FOLDER / f"{POLL_ID}.yaml"
    poll_file.write_text(yaml.safe_dump(poll, allow_unicode=True), encoding="utf-8")
    deployment = load_deployment(folder)
    loaded = deployment.poll(POLL_ID)
    if loaded is None or len(loaded.questions) != questions:
        raise BenchmarkError(f"the generated deployment in {folder} lacks the benchmark poll")
    if not all(isinstance(q, SingleChoice) for q in loaded.questions):
        raise BenchmarkError("the generated benchmark poll is not all single-choice questions")
    return deployment


# --------------------------------------------------------------------------------------------
# Citizens.
# --------------------------------------------------------------------------------------------
class Progress:
    """A counter line on stderr, redrawn in place on a terminal (the hot path only adds 1)."""

    def __init__(self) -> None:
        self.live = sys.stderr.isatty()
        self.done = 0

    def _draw(self, label: str, total: int, tail: str = "") -> None:
        start = "\r\033[K" if self.live else ""
        end = "\n" if tail else ""
        sys.stderr.write(f"{start}{label}: {self.done}/{total}{tail}{end}")
        sys.stderr.flush()

    async def _tick(self, label: str, total: int) -> None:
        while True:
            self._draw(label, total)
            await asyncio.sleep(0.25)

    @contextlib.asynccontextmanager
    async def phase(self, label: str, total: int) -> AsyncIterator[None]:
        self.done = 0
        started = time.perf_counter()
        ticker = asyncio.create_task(self._tick(label, total)) if self.live else None
        try:
            yield
        finally:
            if ticker is not None:
                ticker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await ticker
            self._draw(label, total, f" ({time.perf_counter() - started:.1f} s)")


@contextlib.contextmanager
def _first_error() -> Iterator[None]:
    """A `BenchmarkError` out of a task group, without the exception group around it."""
    try:
        yield
    except* BenchmarkError as errors:
        raise errors.exceptions[0] from None


class ReplyClock:
    """Request hook: when the bot's sendMessage for a chat reaches the server, note the time."""

    def __init__(self) -> None:
        self.waiting: dict[int, asyncio.Future[float]] = {}

    async def __call__(self, method: str, params: dict[str, Any]) -> None:
        if method != "sendMessage":
            return
        chat_id = params.get("chat_id")
        future = self.waiting.pop(chat_id, None) if isinstance(chat_id, int) else None
        if future is not None and not future.done():
            future.set_result(time.perf_counter())


def make_citizens(api: FakeBotApi, count: int) -> list[Citizen]:
    return [
        api.citizen(FIRST_USER_ID + index, f"Citizen {index}", language_code=LANGUAGE)
        for index in range(count)
    ]


async def onboard(citizen: Citizen, deployment: Deployment) -> None:
    """Consent, language, every profile question (declined), then open the benchmark poll."""
    poll = deployment.poll(POLL_ID)
    assert poll is not None
    labels = [translate("agree", LANGUAGE), language_name(LANGUAGE)]
    labels += [translate("prefer_not", LANGUAGE)] * len(deployment.profile)
    labels.append(deployment.text(poll.title, LANGUAGE))
    step = "/start"
    try:
        await citizen.send(step)
        await citizen.wait_for_reply(REPLY_TIMEOUT)
        for step in labels:
            await citizen.press(step)
            await citizen.wait_for_reply(REPLY_TIMEOUT)
    except AssertionError as error:  # the fake's helpers report what they did not find so
        raise BenchmarkError(
            f"onboarding chat {citizen.chat_id} failed at {step!r}: {error}; "
            f"the bot's last message: {citizen.last_text!r}"
        ) from None
    expected = [f"Choice {choice}" for choice in range(1, CHOICES + 1)]
    if citizen.last_buttons != expected:
        raise BenchmarkError(
            f"after onboarding, chat {citizen.chat_id} shows {citizen.last_text!r} with "
            f"buttons {citizen.last_buttons}, not the first benchmark question"
        )


async def onboard_all(
    citizens: Sequence[Citizen], deployment: Deployment, progress: Progress, label: str
) -> None:
    gate = asyncio.Semaphore(ONBOARDING_CONCURRENCY)

    async def one(citizen: Citizen) -> None:
        async with gate:
            await onboard(citizen, deployment)
        progress.done += 1

    with _first_error():
        async with progress.phase(label, len(citizens)), asyncio.TaskGroup() as group:
            for citizen in citizens:
                group.create_task(one(citizen))


async def converse(
    api: FakeBotApi,
    *,
    citizen: Citizen,
    rounds: int,
    clock: ReplyClock,
    latencies: list[float],
    progress: Progress,
) -> None:
    """Closed loop: type an answer, wait for the bot's next message, ``rounds`` times."""
    # Not `Citizen.send`: it scans every chat's output to set its cursor, which would make
    # the harness, not the bot, the cost that grows with the run.
    chat = api._chats[citizen.user_id]  # noqa: SLF001
    chat.known = True
    loop = asyncio.get_running_loop()
    for index in range(rounds):
        text = str(1 + (citizen.user_id + index) % CHOICES)
        message = citizen._user_message(chat, {"text": text})  # noqa: SLF001
        replied: asyncio.Future[float] = loop.create_future()
        clock.waiting[citizen.chat_id] = replied
        sent = time.perf_counter()
        api.enqueue({"message": message})
        try:
            async with asyncio.timeout(REPLY_TIMEOUT):
                received = await replied
        except TimeoutError:
            raise BenchmarkError(
                f"chat {citizen.chat_id} got no reply to message {index + 1} within "
                f"{REPLY_TIMEOUT:.0f} s; last refusals: {api.refusals[-3:]}"
            ) from None
        latencies.append(received - sent)
        progress.done += 1


@dataclass(frozen=True)
class Measurement:
    messages: int
    seconds: float
    latencies: tuple[float, ...]
    cpu_seconds: float
    """CPU time of the whole process (every thread) over the timed phase."""

    @property
    def rate(self) -> float:
        return self.messages / self.seconds

    @property
    def cpu_per_message(self) -> float:
        """Milliseconds of CPU per answer: fake server, citizens and bot together."""
        return self.cpu_seconds / self.messages * 1000

    def percentile(self, fraction: float) -> float:
        """Nearest-rank percentile, in milliseconds."""
        ordered = sorted(self.latencies)
        rank = max(1, math.ceil(fraction * len(ordered)))
        return ordered[rank - 1] * 1000


async def closed_loop(
    api: FakeBotApi,
    citizens: Sequence[Citizen],
    rounds: int,
    progress: Progress,
    label: str,
) -> Measurement:
    """Every citizen converses at once; wall time from the first send to the last reply."""
    clock = ReplyClock()
    api.request_hooks.append(clock)
    latencies: list[float] = []
    try:
        async with progress.phase(label, len(citizens) * rounds):
            started = time.perf_counter()
            cpu_started = time.process_time()
            with _first_error():
                async with asyncio.TaskGroup() as group:
                    for citizen in citizens:
                        group.create_task(
                            converse(
                                api,
                                citizen=citizen,
                                rounds=rounds,
                                clock=clock,
                                latencies=latencies,
                                progress=progress,
                            )
                        )
            seconds = time.perf_counter() - started
            cpu_seconds = time.process_time() - cpu_started
    finally:
        api.request_hooks.remove(clock)
    return Measurement(len(latencies), seconds, tuple(latencies), cpu_seconds)


# --------------------------------------------------------------------------------------------
# Databases.
# --------------------------------------------------------------------------------------------
@contextlib.asynccontextmanager
async def database(kind: str, postgres_url: str, folder: Path) -> AsyncIterator[str]:
    """The URL of an empty database: a new SQLite file, or a PostgreSQL database dropped after."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{(folder / 'peacepulse.db').as_posix()}"
        return
    try:
        server = make_url(postgres_url)
    except SQLAlchemyError:
        raise Skipped("the PostgreSQL URL cannot be parsed") from None
    name = f"pp_bench_{secrets.token_hex(8)}"
    admin = create_async_engine(
        server, isolation_level="AUTOCOMMIT", poolclass=NullPool, connect_args={"timeout": 5}
    )
    try:
        try:
            async with admin.connect() as connection:
                await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        except (OSError, SQLAlchemyError) as error:
            detail = str(getattr(error, "orig", None) or error).strip().splitlines()
            reason = detail[0] if detail else type(error).__name__
            raise Skipped(f"PostgreSQL at {safe_url(server)} is unavailable: {reason}") from None
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as connection:
                await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.dispose()


async def stored_answers(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            statement = select(func.count()).select_from(Answer).where(Answer.poll_id == POLL_ID)
            return int((await connection.execute(statement)).scalar_one())
    finally:
        await engine.dispose()


# --------------------------------------------------------------------------------------------
# Rows.
# --------------------------------------------------------------------------------------------
@dataclass
class Row:
    framework: str
    database: str
    bot: str
    citizens: int
    measurement: Measurement
    echo_rate: float | None = None

    def cells(self) -> list[str]:
        m = self.measurement
        share = "baseline" if self.echo_rate is None else f"{m.rate / self.echo_rate:.0%}"
        return [
            self.framework,
            self.database,
            self.bot,
            str(self.citizens),
            str(m.messages),
            f"{m.rate:,.0f}",
            f"{m.percentile(0.50):.1f}",
            f"{m.percentile(0.99):.1f}",
            f"{m.cpu_per_message:.2f}",
            share.replace("%", " %"),
        ]


@dataclass(frozen=True)
class Options:
    citizens: int
    answers: int
    databases: tuple[str, ...]
    frameworks: tuple[str, ...]
    postgres_url: str


async def bench_echo(framework: Framework, options: Options, progress: Progress) -> Row:
    async with FakeBotApi(token=TOKEN) as api, running(api, framework.echo):
        citizens = make_citizens(api, options.citizens)
        warm_up = f"{framework.name} echo: warm-up"
        await closed_loop(api, citizens, 1, progress, warm_up)
        label = f"{framework.name} echo: messages"
        measurement = await closed_loop(api, citizens, options.answers, progress, label)
        if api.refusals:
            raise BenchmarkError(f"the echo bot was refused: {api.refusals[:3]}")
    return Row(framework.name, "—", "echo", options.citizens, measurement)


async def bench_peacepulse(
    framework: Framework,
    *,
    kind: str,
    options: Options,
    deployment_folder: Path,
    deployment: Deployment,
    progress: Progress,
) -> Row:
    with tempfile.TemporaryDirectory(prefix="pp-bench-data-") as data_dir:
        async with (
            database(kind, options.postgres_url, Path(data_dir)) as url,
            FakeBotApi(token=TOKEN) as api,
        ):
            settings = Settings(
                _env_file=None,
                data_dir=Path(data_dir),
                database_url=url,
                deployment=deployment_folder,
                telegram_token=TOKEN,
                telegram_api_url=api.base_url,
                secret_key=SECRET,
                bot_framework=framework.name,
                webhook_url=None,
            )
            try:
                async with running(api, peacepulse(settings)):
                    citizens = make_citizens(api, options.citizens)
                    prefix = f"{framework.name} {kind} peacepulse"
                    await onboard_all(citizens, deployment, progress, f"{prefix}: onboarding")
                    measurement = await closed_loop(
                        api, citizens, options.answers, progress, f"{prefix}: answers"
                    )
            except ConfigError as error:
                raise Skipped(f"PeacePulse cannot run on {framework.name}: {error}") from None
            stored = await stored_answers(url)
            expected = options.citizens * options.answers
            if stored != expected:
                raise BenchmarkError(
                    f"{framework.name}/{kind}: the database holds {stored} answers to the "
                    f"benchmark poll, expected {expected} ({options.citizens} citizens × "
                    f"{options.answers}); the benchmark lost answers"
                )
            if api.refusals:
                raise BenchmarkError(f"PeacePulse was refused: {api.refusals[:3]}")
    return Row(framework.name, kind, "peacepulse", options.citizens, measurement)


HEADER = [
    "framework",
    "database",
    "bot",
    "citizens",
    "answers",
    "answers/s",
    "p50 ms",
    "p99 ms",
    "CPU ms/answer",
    "% of echo",
]
RIGHT_ALIGNED = {3, 4, 5, 6, 7, 8, 9}


def markdown_table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in [HEADER, *rows]) for i in range(len(HEADER))]

    def line(cells: Sequence[str]) -> str:
        padded = [
            cell.rjust(width) if i in RIGHT_ALIGNED else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = [
        "-" * (width - 1) + ":" if i in RIGHT_ALIGNED else "-" * width
        for i, width in enumerate(widths)
    ]
    return "\n".join([line(HEADER), line(rule), *(line(row) for row in rows)])


def environment() -> str:
    versions = []
    for package in ("aiogram", "python-telegram-bot", "SQLAlchemy", "aiosqlite", "asyncpg"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions.append(f"{package} {metadata.version(package)}")
    return (
        f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs; " + ", ".join(versions)
    )


async def run(options: Options) -> int:
    progress = Progress()
    rows: list[Row] = []
    notes: list[str] = []
    failed = False
    with tempfile.TemporaryDirectory(prefix="pp-bench-") as folder:
        deployment_folder = Path(folder) / "deployment"
        deployment = write_deployment(deployment_folder, options.answers)
        for name in options.frameworks:
            framework = FRAMEWORKS[name]
            echo: Row | None = None
            try:
                echo = await bench_echo(framework, options, progress)
            except Skipped as skipped:
                notes.append(f"{name}: echo baseline skipped: {skipped}")
            else:
                rows.append(echo)
            for kind in options.databases:
                try:
                    row = await bench_peacepulse(
                        framework,
                        kind=kind,
                        options=options,
                        deployment_folder=deployment_folder,
                        deployment=deployment,
                        progress=progress,
                    )
                except Skipped as skipped:
                    notes.append(f"{name}/{kind}: skipped: {skipped}")
                    continue
                except BenchmarkError as error:
                    notes.append(f"{name}/{kind}: FAILED: {error}")
                    failed = True
                    continue
                row.echo_rate = echo.measurement.rate if echo is not None else None
                rows.append(row)
    print()
    print(markdown_table([row.cells() for row in rows]))
    print()
    command = "python -m benchmarks.inbound " + " ".join(
        [
            f"--citizens {options.citizens}",
            f"--answers {options.answers}",
            f"--databases {','.join(options.databases)}",
            f"--frameworks {','.join(options.frameworks)}",
        ]
    )
    print(f"`{command}` — {environment()}")
    for note in notes:
        print(f"- {note}")
    return 1 if failed else 0


def _names(allowed: Sequence[str]) -> Callable[[str], tuple[str, ...]]:
    def parse(value: str) -> tuple[str, ...]:
        names = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
        unknown = [name for name in names if name not in allowed]
        if not names or unknown:
            raise argparse.ArgumentTypeError(
                f"choose from {', '.join(allowed)} (comma-separated); got {value!r}"
            )
        return names

    return parse


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def parse_options(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.inbound",
        description="Answers per second and latency of PeacePulse on Telegram (fake Bot API), "
        "next to a bare echo bot of the same framework.",
    )
    parser.add_argument("--citizens", type=_positive, default=200, help="default: 200")
    parser.add_argument(
        "--answers", type=_positive, default=20, help="answers per citizen (default: 20)"
    )
    parser.add_argument(
        "--databases",
        type=_names(DATABASES),
        default=DATABASES,
        help="comma-separated: sqlite,postgresql (default: both)",
    )
    parser.add_argument(
        "--frameworks",
        type=_names(tuple(FRAMEWORKS)),
        default=("aiogram",),
        help=f"comma-separated: {','.join(FRAMEWORKS)} (default: aiogram)",
    )
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help="a server database with rights to create databases (default: "
        "$PEACEPULSE_TEST_POSTGRES_URL or postgresql+asyncpg://postgres@127.0.0.1:5432/test)",
    )
    args = parser.parse_args(argv)
    return Options(
        citizens=args.citizens,
        answers=args.answers,
        databases=tuple(args.databases),
        frameworks=tuple(args.frameworks),
        postgres_url=args.postgres_url,
    )


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return asyncio.run(run(options))
    except KeyboardInterrupt:
        sys.stderr.write("\ninterrupted\n")
        return 130
    except BenchmarkError as error:
        sys.stderr.write(f"\nbenchmark failed: {error}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
