"""`peacepulse run` with an SMS gateway, as the composition root builds it, with fake gateways."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bots.app import run
from config.deployment import demo_folder
from config.settings import Settings
from tests.demo_clock import calm_demo_day  # noqa: F401  (autouse: the demo on a calm day)
from tests.fakes.sms_gateway import FakeAfricasTalking, FakeGateway, FakeTwilio

SECRET = "pseudonym-key-for-tests-0123456789"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def deployment_folder(tmp_path: Path) -> Path:
    """The demo deployment without quiet hours, so bulk messages go out whenever tests run."""
    folder = tmp_path / "deployment"
    shutil.copytree(demo_folder(), folder)
    header = folder / "deployment.yaml"
    content = header.read_text(encoding="utf-8")
    quiet = 'quiet_hours: {start: "21:00", end: "08:00"}'
    assert quiet in content
    header.write_text(content.replace(quiet, 'quiet_hours: {start: "00:00", end: "00:00"}'))
    return folder


def sms_settings(gateway: FakeGateway, tmp_path: Path, deployment: Path, **extra: Any) -> Settings:
    port = free_port()
    gateway.webhook_url = f"http://127.0.0.1:{port}/sms"
    common: dict[str, Any] = {
        "_env_file": None,
        "data_dir": tmp_path,
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'peacepulse.db'}",
        "deployment": deployment,
        "secret_key": SECRET,
        "sms_webhook_url": gateway.webhook_url,
        "sms_port": port,
    }
    if isinstance(gateway, FakeTwilio):
        common |= {
            "sms_provider": "twilio",
            "sms_twilio_account_sid": gateway.account_sid,
            "sms_twilio_auth_token": gateway.auth_token,
            "sms_twilio_from": gateway.shortcode,
            "sms_twilio_api_url": gateway.base_url,
        }
    elif isinstance(gateway, FakeAfricasTalking):
        common |= {
            "sms_provider": "africastalking",
            "sms_africastalking_username": gateway.username,
            "sms_africastalking_api_key": gateway.api_key,
            "sms_africastalking_from": "21212",
            "sms_africastalking_api_url": gateway.base_url,
            "sms_webhook_key": gateway.key,
        }
    return Settings(**(common | extra))


@contextlib.asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[None]:
    """`peacepulse run` in a task, until the block ends; ready once the webhook answers."""
    stop = asyncio.Event()
    task = asyncio.create_task(run(settings, stop))
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(500):
                if task.done():
                    task.result()
                with contextlib.suppress(aiohttp.ClientConnectionError):
                    async with session.get(str(settings.sms_webhook_url)) as response:
                        if response.status == 405:  # listening; only POST is served
                            break
                await asyncio.sleep(0.02)
            else:
                raise AssertionError("the SMS webhook did not start within 10 s")
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio() as fake:
        yield fake


@pytest.fixture
async def africastalking() -> AsyncIterator[FakeAfricasTalking]:
    async with FakeAfricasTalking() as fake:
        yield fake


async def rows(settings: Settings, query: str) -> list[tuple[Any, ...]]:
    engine = create_async_engine(settings.effective_database_url)
    try:
        async with engine.connect() as connection:
            return [tuple(row) for row in await connection.execute(text(query))]
    finally:
        await engine.dispose()
