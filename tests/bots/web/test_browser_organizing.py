"""Initiatives and broadcasts in a real browser (Debian's Chromium through chromedriver, as in
`test_browser`): an organizer creates an initiative (a mistake first), sees it listed with its
staff-only counts, asks to cancel it, and sends a broadcast in two languages through its review
to its progress page; a mediator is refused both pages. axe-core on every new page type, in
English and Arabic (no serious or critical violation); screenshots beside the others."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from tests.bots.web.conftest import Running, axe_problems
from tests.bots.web.test_organizing import FORM, _people

ORGANIZER = "o" * 64
MEDIATOR = "m" * 64


def _journey(driver: Any, base: str, links: dict[str, str], shots: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    def arrives(url: str) -> None:
        WebDriverWait(driver, 30).until(expected_conditions.url_to_be(url))

    def check(name: str) -> None:
        problems = axe_problems(driver)
        assert not problems, f"{name}: {problems}"
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - window.innerWidth"
        )
        assert overflow <= 0, f"{name}: {overflow}px wider than the screen"

    def fill(values: dict[str, str]) -> None:
        for name, value in values.items():
            field = driver.find_element(By.NAME, name)
            if field.tag_name == "select" or field.get_attribute("type") in (
                "datetime-local",
                "number",
            ):
                driver.execute_script("arguments[0].value = arguments[1]", field, value)
            else:
                field.clear()
                field.send_keys(value)

    shots.mkdir(parents=True, exist_ok=True)
    for language in ("en", "ar"):
        driver.delete_all_cookies()
        driver.get(f"{base}/language/{language}?next=" + links[f"organizer-{language}"])
        driver.find_element(By.CSS_SELECTOR, "form[action='/sign-in'] button").click()
        arrives(base + "/")
        driver.find_element(By.CSS_SELECTOR, "a[href='/initiatives']").click()
        arrives(base + "/initiatives")
        check("initiatives")
        driver.get(base + "/initiatives/new")
        assert driver.find_element(By.TAG_NAME, "html").get_attribute("dir") == (
            "rtl" if language == "ar" else "ltr"
        )
        check("new initiative")
        fill({**FORM, "starts": "2020-01-01T09:00"})  # a mistake: the form comes back, marked
        driver.find_element(By.CSS_SELECTOR, "button[value='publish']").click()
        WebDriverWait(driver, 30).until(
            expected_conditions.presence_of_element_located((By.ID, "problem-starts"))
        )
        check("initiative form with a problem")
        fill({"starts": "2026-12-20T09:00", "title.en": f"Clean-up ({language})"})
        driver.find_element(By.CSS_SELECTOR, "button[value='publish']").click()
        arrives(base + "/initiatives")
        check("initiatives, one listed")
        driver.save_screenshot(str(shots / f"initiatives-{language}.png"))
        driver.find_element(By.CSS_SELECTOR, "a[href$='/cancel']").click()
        check("cancel an initiative")
        driver.get(base + "/broadcasts")
        check("broadcasts")
        fill({"text_en": "The talks resume on Monday.", "text_ar": "تُستأنف المحادثات يوم الاثنين."})
        driver.find_element(By.CSS_SELECTOR, "button[value='review']").click()
        WebDriverWait(driver, 30).until(
            expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "[value='send']"))
        )
        check("broadcast review")
        driver.save_screenshot(str(shots / f"broadcast-{language}.png"))
        driver.find_element(By.CSS_SELECTOR, "button[value='send']").click()
        WebDriverWait(driver, 30).until(
            expected_conditions.presence_of_element_located((By.TAG_NAME, "progress"))
        )
        check("broadcast progress")
    # a role without these pages: refused, in a page that is itself accessible
    driver.delete_all_cookies()
    driver.get(base + links["mediator"])
    driver.find_element(By.CSS_SELECTOR, "form[action='/sign-in'] button").click()
    arrives(base + "/")
    assert not driver.find_elements(By.CSS_SELECTOR, "a[href='/broadcasts']")
    driver.get(base + "/broadcasts")
    assert "does not give access" in driver.page_source
    check("broadcasts refused")


async def test_initiatives_and_broadcasts_in_chromium(
    running: Running, browser: Any, tmp_path: Path
) -> None:
    await _people(running, "s", 3, topic="process")
    links = {
        "organizer-en": await running.link(ORGANIZER, "organizer"),
        "organizer-ar": await running.link(ORGANIZER, None),
        "mediator": await running.link(MEDIATOR, "mediator"),
    }
    shots = Path(os.environ.get("PEACEPULSE_SCREENSHOTS") or tmp_path)
    base = str(running.client.make_url("")).rstrip("/")
    await asyncio.to_thread(_journey, browser, base, links, shots)
    assert (shots / "initiatives-ar.png").stat().st_size > 10_000
