"""`peacepulse run` as a real process: killed with SIGKILL mid-poll, restarted, resumed.

Also checks the one-line errors for bad settings, and that no secret reaches the logs.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bots.conftest import SECRET, TOKEN
from tests.bots.test_telegram import onboard, pick_security_first
from tests.demo_clock import PINNED_CLI
from tests.fakes.bot_api import FakeBotApi

CLI = [sys.executable, PINNED_CLI]  # `peacepulse` on a calm day of the demo


def clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEACEPULSE_")}
    env.update(values)
    return env


class BotProcess:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, api: FakeBotApi) -> None:
        before = len(api.calls_to("getUpdates"))
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                *CLI, "run", env=self.env, stdout=log, stderr=log, stdin=subprocess.DEVNULL
            )
        for _ in range(600):
            if len(api.calls_to("getUpdates")) > before:
                return
            if self.process.returncode is not None:
                raise AssertionError(self.log.read_text())
            await asyncio.sleep(0.05)
        raise AssertionError("peacepulse run did not start polling:\n" + self.log.read_text())

    async def kill(self) -> None:
        assert self.process is not None
        self.process.kill()  # SIGKILL: no clean-up at all
        await self.process.wait()

    async def terminate(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), timeout=20)


async def test_a_killed_bot_resumes_at_the_right_question_and_logs_no_secret(
    tmp_path: Path, framework: str
) -> None:
    async with FakeBotApi(token=TOKEN) as api:
        env = clean_env(
            PEACEPULSE_TELEGRAM_TOKEN=TOKEN,
            PEACEPULSE_TELEGRAM_API_URL=api.base_url,
            PEACEPULSE_SECRET_KEY=SECRET,
            PEACEPULSE_DATA_DIR=str(tmp_path),
            PEACEPULSE_LOG_LEVEL="DEBUG",
            PEACEPULSE_BOT_FRAMEWORK=framework,
        )
        bot = BotProcess(env, tmp_path / "bot.log")
        await bot.start(api)
        citizen = api.citizen(2001, "Halima")
        await onboard(citizen)
        assert "Question 2 of 7" in await pick_security_first(citizen, timeout=15)
        await bot.kill()

        await bot.start(api)
        await citizen.press("Justice and accountability")  # the button sent before the kill
        assert "Question 3 of 7" in await citizen.wait_for_reply(timeout=15)
        assert await bot.terminate() == 0

    log = (tmp_path / "bot.log").read_text()
    assert "DEBUG" in log  # the log level took effect, so there was plenty to leak
    assert TOKEN not in log
    assert TOKEN.split(":", 1)[1] not in log
    assert SECRET not in log
    assert "Justice and accountability" not in log  # what people answer is not logged


@pytest.mark.parametrize(
    ("env", "args", "expected"),
    [
        ({}, ["run"], "PEACEPULSE_TELEGRAM_TOKEN: required for `peacepulse run`"),
        (
            {"PEACEPULSE_TELEGRAM_TOKEN": "not-a-token"},
            ["run"],
            "PEACEPULSE_TELEGRAM_TOKEN: does not look like a bot token",
        ),
        ({"PEACEPULSE_TELEGRAM_TOKEN": TOKEN}, ["run"], "PEACEPULSE_SECRET_KEY: required"),
        ({"PEACEPULSE_WEBHOOK_PORT": "eighty"}, ["polls"], "PEACEPULSE_WEBHOOK_PORT:"),
        ({"PEACEPULSE_SECRET_KEY": "short"}, ["polls"], "PEACEPULSE_SECRET_KEY: must be at least"),
        ({"PEACEPULSE_BOT_FRAMEWORK": "telethon"}, ["polls"], "PEACEPULSE_BOT_FRAMEWORK:"),
        (
            {"PEACEPULSE_TELEGRAM_TOKEN": TOKEN, "PEACEPULSE_WEBHOOK_URL": "https://x.example"},
            ["run"],
            "PEACEPULSE_WEBHOOK_SECRET: required with PEACEPULSE_WEBHOOK_URL",
        ),
        ({"PEACEPULSE_DEPLOYMENT": "/nonexistent/folder"}, ["polls"], "/nonexistent/folder"),
        (
            {"PEACEPULSE_DATABASE_URL": "postgresql+asyncpg://pp:hunter2@127.0.0.1:1/x"},
            ["db", "upgrade"],
            "127.0.0.1:1",
        ),
        ({"PEACEPULSE_DATABASE_URL": "mysql://x@y/z"}, ["db", "upgrade"], "mysql"),
    ],
)
def test_bad_settings_give_one_clear_line(
    tmp_path: Path, env: dict[str, str], args: list[str], expected: str
) -> None:
    result = subprocess.run(
        [*CLI, *args],
        env=clean_env(PEACEPULSE_DATA_DIR=str(tmp_path), **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert "hunter2" not in result.stderr
    assert result.stderr.startswith("peacepulse: ")
