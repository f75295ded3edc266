"""A running workspace over real HTTP (aiohttp's test server), on each database, with a clock
the test moves, and a way to sign staff in with a one-time link."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from bots.web.server import Workspace, build
from config.deployment import demo_folder, load_deployment
from conversations.definitions import Deployment
from conversations.ports import Clock
from storage.community import CommunityStore
from storage.web import WebStore

SECRET = b"workspace-test-secret-0123456789"
START = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


class MovableClock(Clock):
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


@pytest.fixture(scope="session")
def deployment() -> Deployment:
    return load_deployment(demo_folder())


@dataclass
class Running:
    client: TestClient[object, object]
    clock: MovableClock
    engine: AsyncEngine
    deployment: Deployment

    async def link(self, who: str, role: str | None = "mediator") -> str:
        """A one-time sign-in path for ``who``, granted ``role`` first (None: as they are)."""
        if role is not None:
            await CommunityStore(self.engine).add_staff(who, role, self.clock.now())
        token = await WebStore(self.engine).issue_link(who, "cli", self.clock.now())
        assert token is not None
        return f"/sign-in/{token}"

    async def sign_in(self, who: str, role: str | None = "mediator") -> str:
        """Open a link and press its button, as a person would; the session's CSRF token."""
        page = await self.client.get(await self.link(who, role))
        assert page.status == 200
        form = await page.text()
        response = await self.client.post("/sign-in", data=form_fields(form))
        assert response.status == 200, await response.text()  # followed to the home page
        return csrf_of(await response.text())


def form_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', html))


def csrf_of(html: str) -> str:
    return form_fields(html)["csrf"]


@pytest.fixture
async def running(
    engine: AsyncEngine, deployment: Deployment, tmp_path: Path
) -> AsyncIterator[Running]:
    clock = MovableClock(START)
    app = build(
        Workspace(
            deployment=deployment,
            database=engine,
            secret=SECRET,
            clock=clock,
            secure_cookies=False,
        )
    )
    async with TestClient(TestServer(app)) as client:
        yield Running(client, clock, engine, deployment)


# --- a real browser: Debian's Chromium and chromedriver, axe-core from npm ------------------

AXE = Path(__file__).parent / ".axe" / "node_modules" / "axe-core" / "axe.min.js"
REQUIRE = "PEACEPULSE_REQUIRE_CHROMIUM"


def _missing() -> str | None:
    if not (shutil.which("chromium") or Path("/usr/bin/chromium").exists()):
        return "chromium is not installed (Debian: apt-get install chromium)"
    if not shutil.which("chromedriver"):
        return "chromedriver is not installed (Debian: apt-get install chromium-driver)"
    if not AXE.exists():
        return f"axe-core is not installed (npm install --prefix {AXE.parents[2]} axe-core@4)"
    return None


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    reason = _missing()
    if reason is not None:
        if os.environ.get(REQUIRE) == "1":
            pytest.fail(f"{REQUIRE}=1 but {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager must never download anything
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1000,900"):
        options.add_argument(argument)
    driver = webdriver.Chrome(
        service=Service(executable_path=shutil.which("chromedriver")), options=options
    )
    try:
        yield driver
    finally:
        driver.quit()


def axe_problems(driver: Any) -> list[str]:
    """Serious and critical accessibility violations of the page, as 'rule (n nodes)'."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    found = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map("
        "v => [v.id, v.impact, v.nodes.length])));"
    )
    return [f"{rule} ({n} nodes)" for rule, impact, n in found if impact in {"serious", "critical"}]
