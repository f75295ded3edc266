"""Fixtures that run the bot exactly as `peacepulse run` builds it, against the fake Bot API."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bots.app import run_telegram
from config.settings import Settings
from tests.demo_clock import calm_demo_day  # noqa: F401  (autouse: the demo on a calm day)
from tests.fakes.bot_api import FakeBotApi

TOKEN = "123456:TEST-token-for-the-fake-server"
SECRET = "pseudonym-key-for-tests-0123456789"

FRAMEWORKS = ["aiogram", "ptb"]
"""Every Telegram scenario runs on each framework listed here."""


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN) as fake:
        yield fake


@pytest.fixture(params=FRAMEWORKS)
def framework(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'peacepulse.db'}"


def make_settings(api: FakeBotApi, database_url: str, data_dir: Path, **extra: Any) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=data_dir,
        database_url=database_url,
        telegram_token=TOKEN,
        telegram_api_url=api.base_url,
        secret_key=SECRET,
        **extra,
    )


class RunningBot:
    """`run_telegram` in a task: started, stopped and restarted like the real process."""

    def __init__(self, api: FakeBotApi, settings: Settings) -> None:
        self.api = api
        self.settings = settings
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._stop = asyncio.Event()
        polls_before = len(self.api.calls_to("getUpdates"))
        hooks_before = len(self.api.calls_to("setWebhook"))
        self._task = asyncio.create_task(run_telegram(self.settings, self._stop))
        for _ in range(500):
            if self._task.done():
                self._task.result()  # raises what made it stop
            ready = (
                len(self.api.calls_to("setWebhook")) > hooks_before
                if self.settings.webhook_url
                else len(self.api.calls_to("getUpdates")) > polls_before
            )
            if ready:
                if self.settings.webhook_url:
                    await asyncio.sleep(0.05)
                return
            await asyncio.sleep(0.02)
        raise AssertionError("the bot did not start within 10 s")

    async def stop(self) -> None:
        if self._task is None:
            return
        self._stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(self._task, timeout=15)
        self._task = None


@pytest.fixture
async def bot(
    api: FakeBotApi, framework: str, sqlite_url: str, tmp_path: Path
) -> AsyncIterator[RunningBot]:
    settings = make_settings(api, sqlite_url, tmp_path, bot_framework=framework)
    running = RunningBot(api, settings)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()
