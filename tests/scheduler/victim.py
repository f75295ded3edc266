"""A dispatcher in a process of its own, for a test to kill -9 in the middle of a job.

    python -m tests.scheduler.victim DATABASE_URL API_BASE_URL RATE CONCURRENCY LEASE

Sends every due message of the outbox in DATABASE_URL with the outbox's Bot API client to the
fake Bot API at API_BASE_URL, until killed.
"""

from __future__ import annotations

import asyncio
import sys

from bots.telegram.botapi import BotApiClient
from bots.telegram.sender import TelegramSender
from scheduler.dispatcher import Dispatcher, DispatcherSettings
from scheduler.ratelimit import RateLimiter
from storage.database import create_engine
from storage.outbox import SqlOutbox
from tests.scheduler.conftest import TOKEN, WallClock, render


async def main(database_url: str, api_url: str, rate: float, slots: int, lease: float) -> None:
    engine = create_engine(database_url)
    client = BotApiClient(TOKEN, api_url)
    settings = DispatcherSettings(
        rate=rate, concurrency=slots, lease_seconds=lease, idle_seconds=0.05
    )
    limiter = RateLimiter(rate)
    sender = TelegramSender(client, pace=limiter.next_turn)
    dispatcher = Dispatcher(
        SqlOutbox(engine),
        {"telegram": sender},
        render,
        WallClock(),
        limiter=limiter,
        settings=settings,
    )
    await dispatcher.run(asyncio.Event())


if __name__ == "__main__":
    url, api, rate, slots, lease = sys.argv[1:6]
    asyncio.run(main(url, api, float(rate), int(slots), float(lease)))
