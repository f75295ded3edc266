"""The workspace in a real browser: Debian's Chromium driven by Selenium through the packaged
chromedriver (no browser download). Signing in by link, a page refused to a role without it,
moderating and translating a statement that a participant then reads in Arabic, results on a
phone-sized screen; axe-core on every page type (no serious or critical violation);
screenshots in English and Arabic (written to ``PEACEPULSE_SCREENSHOTS`` when set).

axe-core comes from npm (`.ci/run` installs it under tests/bots/web/.axe); without Chromium,
chromedriver or axe-core the test skips, and fails where ``PEACEPULSE_REQUIRE_CHROMIUM=1``.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bots.simulate import simulate
from conversations.engine import Engine
from conversations.language import detect_language
from conversations.service import ConversationService
from storage import consultations as store
from storage.unit_of_work import unit_of_work_factory
from tests.bots.web.conftest import SECRET, Running, axe_problems
from tests.bots.web.test_moderation import _written

ADMIN = "m" * 64
ORGANIZER = "o" * 64
READER = "r" * 64


def _journey(driver: Any, base: str, links: dict[str, str], statement: int, shots: Path) -> None:
    """What a person does in the browser (blocking: run in a thread beside the server)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    def arrives(url: str) -> None:
        """Wait for the navigation a click started (a click returns before the next page)."""
        WebDriverWait(driver, 30).until(expected_conditions.url_to_be(url))

    shots.mkdir(parents=True, exist_ok=True)

    def check(name: str) -> None:
        problems = axe_problems(driver)
        assert not problems, f"{name}: {problems}"
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - window.innerWidth"
        )
        assert overflow <= 0, f"{name}: {overflow}px wider than the screen"

    driver.get(base + "/")
    check("sign-in help")
    for language in ("en", "ar"):
        driver.delete_all_cookies()
        driver.get(base + links[f"admin-{language}"])
        driver.get(f"{base}/language/{language}?next=" + links[f"admin-{language}"])
        check("sign-in")
        driver.save_screenshot(str(shots / f"sign-in-{language}.png"))
        driver.find_element(By.CSS_SELECTOR, "form[action='/sign-in'] button").click()
        arrives(base + "/")
        html = driver.find_element(By.TAG_NAME, "html")
        assert html.get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
        check("home")
        driver.save_screenshot(str(shots / f"home-{language}.png"))
        driver.get(base + "/polls/agenda?by=region")
        check("results")
        driver.save_screenshot(str(shots / f"results-{language}.png"))
        driver.get(base + "/consultations/monitoring")
        check("consultation")
        driver.get(f"{base}/consultations/monitoring/statements/{statement}")
        check("statement")
        driver.save_screenshot(str(shots / f"moderation-{language}.png"))
        driver.get(base + "/audit")
        check("audit")
        driver.get(base + "/polls/agenda/report")
        check("report")
    # moderate and translate, as the Arabic-speaking admin left it
    driver.get(f"{base}/consultations/monitoring/statements/{statement}")
    driver.find_element(By.ID, "text_ar").send_keys("يجب أن تُفتح الطرق قبل المطر.")
    driver.find_element(By.ID, "text_en").send_keys("Roads must open before the rain.")
    driver.find_element(By.CSS_SELECTOR, "button[value='approve']").click()
    arrives(base + "/consultations/monitoring")
    # a role without the page: refused, in a page that is itself accessible
    driver.delete_all_cookies()
    driver.get(base + links["organizer"])
    driver.find_element(By.CSS_SELECTOR, "form[action='/sign-in'] button").click()
    arrives(base + "/")
    driver.get(base + "/polls/agenda")
    assert "does not give access" in driver.page_source
    check("forbidden")
    driver.set_window_size(390, 844)  # a phone
    driver.get(base + "/")
    check("home on a phone")
    assert (shots / "results-ar.png").stat().st_size > 10_000


async def test_the_workspace_in_chromium(running: Running, browser: Any, tmp_path: Path) -> None:
    service = ConversationService(
        Engine(running.deployment, detect_language),
        unit_of_work_factory(running.engine),
        SECRET,
        running.clock,
    )
    await simulate(service, running.deployment, 40, seed=5)
    statement = await _written(running, "Les routes doivent rouvrir avant les pluies.")
    links = {
        "admin-en": await running.link(ADMIN, "admin"),
        "admin-ar": await running.link(ADMIN, None),
        "organizer": await running.link(ORGANIZER, "organizer"),
    }
    shots = Path(os.environ.get("PEACEPULSE_SCREENSHOTS") or tmp_path)
    base = str(running.client.make_url("")).rstrip("/")
    await asyncio.to_thread(_journey, browser, base, links, statement, shots)

    async with async_sessionmaker(running.engine, class_=AsyncSession)() as session:
        view = await store.view(session, READER, "monitoring")
    shown = next(s for s in view.unvoted if s.id == statement)
    assert shown.text("ar", "en") == "يجب أن تُفتح الطرق قبل المطر."
