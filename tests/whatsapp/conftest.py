"""`peacepulse run` with WhatsApp, as the composition root builds it, against the fake Cloud API."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bots.app import run
from config.deployment import demo_folder
from config.settings import Settings
from tests.demo_clock import calm_demo_day  # noqa: F401  (autouse: the demo on a calm day)
from tests.fakes.sms_gateway import FakeTwilio
from tests.fakes.whatsapp_api import FakeCloudApi
from tests.sms.conftest import free_port

SECRET = "pseudonym-key-for-tests-0123456789"
TEMPLATES = {
    "peacepulse_invitation",
    "peacepulse_reminder",
    "peacepulse_message",
    "peacepulse_followup",
    "peacepulse_initiative",
}


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


@pytest.fixture
async def cloud() -> AsyncIterator[FakeCloudApi]:
    async with FakeCloudApi(templates={name: {"en", "fr", "ar"} for name in TEMPLATES}) as fake:
        yield fake


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio() as fake:
        yield fake


def whatsapp_settings(
    fake: FakeCloudApi, tmp_path: Path, deployment: Path, **extra: Any
) -> Settings:
    port = free_port()
    fake.webhook_url = f"http://127.0.0.1:{port}/whatsapp"
    common: dict[str, Any] = {
        "_env_file": None,
        "data_dir": tmp_path,
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'peacepulse.db'}",
        "deployment": deployment,
        "secret_key": SECRET,
        "whatsapp_phone_number_id": fake.phone_number_id,
        "whatsapp_access_token": fake.token,
        "whatsapp_app_secret": fake.app_secret,
        "whatsapp_verify_token": fake.verify_token,
        "whatsapp_api_url": fake.base_url,
        "whatsapp_port": port,
        "whatsapp_pacing": 0.0,
    }
    return Settings(**(common | extra))


@contextlib.asynccontextmanager
async def running(settings: Settings, fake: FakeCloudApi) -> AsyncIterator[None]:
    """`peacepulse run` in a task, until the block ends; ready once the webhook answers."""
    stop = asyncio.Event()
    task = asyncio.create_task(run(settings, stop))
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(500):
                if task.done():
                    task.result()
                with contextlib.suppress(aiohttp.ClientConnectionError):
                    async with session.get(fake.webhook_url) as response:
                        if response.status == 403:  # listening; no verify token given
                            break
                await asyncio.sleep(0.02)
            else:
                raise AssertionError("the WhatsApp webhook did not start within 10 s")
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)
