"""The HTML report: its figures, and what headless Chromium shows of it."""

from __future__ import annotations

import base64
import html
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from conversations.i18n import format_datetime
from insights.analysis import Rows, response_rates
from insights.report import ReportInput, render
from storage.crosstabs import AnsweredCell, NumberCell, ReachRow
from tests.insights.helpers import poll
from tests.insights.test_analysis import DATA, rows, weighted_deployment

GENERATED = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
REQUIRE_CHROMIUM_VARIABLE = "PEACEPULSE_REQUIRE_CHROMIUM"


def report(wave: int | None = None, language: str = "en") -> str:
    d = weighted_deployment()
    reach = [
        response_rates(
            d,
            "gender",
            [ReachRow(1, "woman", 40, 10), ReachRow(1, "man", 50, 30)],
            language,
        )
    ]
    return render(ReportInput(d, poll(d), DATA, wave, language, GENERATED, reach))


def test_the_report_carries_the_disclosure_figures_and_charts() -> None:
    page = report(wave=1)
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "not margins of error" in page
    assert "margin of error" not in page.replace("not margins of error", "")
    assert 'id="respondents">40<' in page
    # a: 10 of 40 unweighted (25 %), 50 % weighted
    assert "<td>A</td><td>10</td><td>25 %</td><td>50 %</td>" in page
    # the shares of the one question answered in wave 1, and its trend
    assert page.count("data:image/png;base64,") == 2
    for data in re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", page):
        assert base64.b64decode(data).startswith(b"\x89PNG")
    assert "http://" not in page and "https://" not in page  # nothing to fetch: self-contained


def test_trends_flag_the_significant_change() -> None:
    page = report()
    assert "wave 2" in page  # the latest wave by default
    trends = page[page.index('id="trends"') :]
    assert "<td>A</td><td>wave 2</td><td>50 % → 83 %</td>" in trends


def test_inclusion_marks_the_under_represented() -> None:
    page = report(wave=1)
    inclusion = page[page.index('id="inclusion"') :]
    assert "<td>North</td><td>10</td><td>25 %</td><td>50 %</td><td>0.50 ▼</td>" in inclusion
    assert "<td>South</td><td>30</td><td>75 %</td><td>50 %</td><td>1.50</td>" in inclusion
    assert "25 % of 40" in inclusion  # response rate of women in wave 1


def test_hidden_cells_are_marked_and_left_out_of_charts() -> None:
    d = weighted_deployment()
    data = rows(
        {
            (1, ("north", "woman"), "a"): 10,
            (1, ("south", "man"), "b"): 30,
            (1, ("south", "man"), "c"): 2,
        }
    )
    page = render(ReportInput(d, poll(d), data, 1, "en", GENERATED))
    assert "<td>C</td><td>*</td><td>*</td><td>*</td><td>*</td>" in page
    assert "option(s) hidden" not in page  # the title is drawn in the chart, not the HTML
    assert "<td>C</td><td>2</td>" not in page


@pytest.mark.parametrize(
    ("language", "direction", "words"),
    [
        (
            "fr",
            "ltr",
            ["Comment lire ces chiffres", "ce ne sont pas des marges d'erreur", "25 % de 40"],
        ),
        ("ar", "rtl", ["كيف تُقرأ هذه الأرقام", "فهي ليست هوامش خطأ", "25 % من 40"]),
    ],
)
def test_the_report_speaks_the_language_asked_for(
    language: str, direction: str, words: list[str]
) -> None:
    page = report(wave=1, language=language)
    assert f'<html lang="{language}" dir="{direction}">' in page
    text = html.unescape(page)
    for word in words:
        assert word in text
    assert "How to read" not in text and "Whom we reach" not in text
    assert 'id="respondents">40<' in page  # the same figures


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.parametrize(
    ("language", "disclosure"), [("en", "not margins of error"), ("ar", "ليست هوامش خطأ")]
)
def test_chromium_shows_the_report_on_a_phone_screen(
    tmp_path: Path, language: str, disclosure: str
) -> None:
    browser = _chromium()
    if browser is None:
        if os.environ.get(REQUIRE_CHROMIUM_VARIABLE) == "1":
            pytest.fail(f"{REQUIRE_CHROMIUM_VARIABLE}=1 but chromium is not installed")
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    page = tmp_path / "report.html"
    page.write_text(report(wave=1, language=language), encoding="utf-8")
    shot = tmp_path / "shot.png"
    common = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=412,1800",  # a phone's width
    ]
    subprocess.run(
        [*common, f"--screenshot={shot}", page.as_uri()],
        check=True,
        capture_output=True,
        timeout=120,
    )
    dom = subprocess.run(
        [*common, "--dump-dom", page.as_uri()],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert 'id="respondents">40<' in dom
    assert "<td>50 %</td>" in dom
    assert disclosure in dom
    with Image.open(shot) as image:
        pixels = image.convert("L")
        assert pixels.size == (412, 1800)
        histogram = pixels.histogram()
    dark = sum(histogram[:128])  # text, bars
    assert dark > 0.01 * sum(histogram), "the screenshot is blank"
    assert len([n for n in histogram if n]) > 50  # many shades: text and charts, not a flat page


def test_a_wave_without_invitations_is_said_to_have_none() -> None:
    d = weighted_deployment()
    reach = [response_rates(d, "gender", [ReachRow(1, "woman", 0, 10)], "en")]
    page = render(ReportInput(d, poll(d), DATA, 1, "en", GENERATED, reach))
    assert "Not invited by the service" in page
    assert " of 0" not in page


def test_readers_see_names_not_ids_and_dates_in_their_language() -> None:
    page = report(wave=1)
    assert "Response rate by Your gender?" in page and "Response rate by gender" not in page
    assert "By Your gender?" in page and "By gender" not in page
    assert "22 November 2026, 09:30 UTC" in page
    arabic = report(wave=1, language="ar")
    assert "22 نوفمبر 2026" in arabic
    assert '<html lang="ar" dir="rtl">' in arabic


def test_dates_are_written_as_each_language_writes_them() -> None:
    moment = datetime(2026, 12, 4, 18, 5, tzinfo=UTC)
    assert format_datetime(moment, "en") == "4 December 2026, 18:05 UTC"
    assert format_datetime(moment, "fr") == "4 décembre 2026 à 18 h 05 (UTC)"
    assert format_datetime(moment, "ar") == "4 ديسمبر 2026، الساعة 18:05 (UTC)"


def test_number_questions_get_a_trend_too() -> None:
    d = weighted_deployment()
    data = Rows(
        DATA.fields,
        DATA.respondents,
        DATA.choices,
        [
            *DATA.answered,
            *(AnsweredCell("days", r.wave, r.profile, r.respondents) for r in DATA.respondents),
        ],
        [
            NumberCell("days", r.wave, r.profile, r.respondents, 2.0 * r.wave * r.respondents, 0, 9)
            for r in DATA.respondents
        ],
    )
    page = render(ReportInput(d, poll(d), data, None, "en", GENERATED, []))
    trends = page[page.index('id="trends"') :]
    assert "<h3>How many days?</h3>" in trends
    assert 'alt="Trend: How many days?"' in trends


def test_the_method_note_names_the_margins_their_source_and_the_weight_range() -> None:
    page = report(wave=1)
    note = page[page.index('id="disclosure"') : page.index("</section>")]
    assert "Population margins: Where do you live?: North 50 %, South 50 %" in note
    assert "Source: not given by the deployment." in note
    # wave 1: women weighted 2, men 2/3
    assert "Weights range from 0.67 to 2.00 (mean 1)." in note
