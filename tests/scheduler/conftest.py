"""Dispatchers wired like production: `SqlOutbox` on each backend, `TelegramSender` over the
outbox's Bot API client (or a framework's), the fake Bot API server at the other end of real
HTTP."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import pytest
import telegram
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from sqlalchemy.ext.asyncio import AsyncEngine

from bots.telegram.aiogram_bot import AiogramClient
from bots.telegram.botapi import BotApiClient
from bots.telegram.common import TelegramClient
from bots.telegram.ptb_bot import PtbClient
from bots.telegram.sender import TelegramSender
from conversations.ports import Clock, OutboxMessage, Sender
from conversations.values import Reply
from scheduler.dispatcher import Dispatcher, DispatcherSettings
from scheduler.outage import Outages
from scheduler.ratelimit import RateLimiter
from storage.outbox import SqlOutbox
from tests.fakes.bot_api import FakeBotApi

TOKEN = "123456:TEST-token-for-the-fake-server"


class WallClock(Clock):
    """The real time (pinned by time-machine where a test needs it)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


async def render(message: OutboxMessage) -> Reply:
    """A text that names the job, so a chat's messages show which jobs reached it."""
    return Reply(message.job)


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns on every RetryAfter unless opted in (as `bots.telegram.ptb_bot` does)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN) as fake:
        yield fake


@contextlib.asynccontextmanager
async def framework_client(
    framework: str, api: FakeBotApi, patience: float = 5
) -> AsyncIterator[TelegramClient]:
    """A `TelegramClient` of ``framework`` (``botapi``: the outbox's own, as `peacepulse run`
    builds it) that gives up on an answer after ``patience`` s."""
    if framework == "botapi":
        async with BotApiClient(TOKEN, api.base_url, timeout=patience) as client:
            yield client
        return
    if framework == "aiogram":
        session = AiohttpSession(api=TelegramAPIServer.from_base(api.base_url), timeout=patience)
        bot = Bot(TOKEN, session=session)
        try:
            yield AiogramClient(bot)
        finally:
            await bot.session.close()
        return
    request = telegram.request.HTTPXRequest(read_timeout=patience, connection_pool_size=64)
    async with telegram.Bot(TOKEN, base_url=api.ptb_base_url, request=request) as ptb:
        yield PtbClient(ptb)


@pytest.fixture
async def client(api: FakeBotApi) -> AsyncIterator[TelegramClient]:
    async with framework_client("botapi", api) as bulk_client:
        yield bulk_client


@pytest.fixture
def outbox(engine: AsyncEngine) -> SqlOutbox:
    return SqlOutbox(engine)


DispatcherFactory = Callable[..., Dispatcher]


@pytest.fixture
def make_dispatcher(outbox: SqlOutbox, client: TelegramClient) -> DispatcherFactory:
    """A dispatcher with short waits for tests; keyword arguments change its settings."""

    def make(
        *,
        box: SqlOutbox | None = None,
        telegram_client: TelegramClient | None = None,
        quiet: Any = None,
        render: Any = render,
        outages: Outages | None = None,
        sender: Sender | None = None,
        **changes: Any,
    ) -> Dispatcher:
        values: dict[str, Any] = {
            "rate": 100.0,
            "backoff_base": 0.05,
            "idle_seconds": 0.05,
            "quiet_check_seconds": 0.05,
        }
        settings = DispatcherSettings(**(values | changes))
        limiter = RateLimiter(settings.rate)
        sender = sender or TelegramSender(telegram_client or client, pace=limiter.next_turn)
        return Dispatcher(
            box or outbox,
            {"telegram": sender},
            render,
            WallClock(),
            limiter=limiter,
            quiet=quiet,
            settings=settings,
            outages=outages,
        )

    return make


async def settled(outbox: SqlOutbox, jobs: Iterable[str]) -> bool:
    for job in jobs:
        counts = await outbox.job_counts(job)
        if counts["queued"] or counts["sending"]:
            return False
    return True


async def drain(
    dispatchers: Iterable[Dispatcher],
    outbox: SqlOutbox,
    jobs: Iterable[str],
    timeout: float = 20,  # noqa: ASYNC109 - a bound on the whole drain
) -> None:
    """Run the dispatchers until every message of ``jobs`` is settled for good."""
    jobs = list(jobs)
    stop = asyncio.Event()
    runs = [asyncio.create_task(d.run(stop)) for d in dispatchers]
    try:
        async with asyncio.timeout(timeout):
            while not await settled(outbox, jobs):
                for run in runs:
                    if run.done():
                        run.result()
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.gather(*runs)


async def eventually(predicate: Callable[[], bool], limit: float = 10) -> None:
    """Wait until ``predicate()`` holds; fails after ``limit`` seconds."""
    async with asyncio.timeout(limit):
        while True:
            if predicate():
                return
            await asyncio.sleep(0.01)
