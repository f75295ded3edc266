"""Results in the workspace are the CLI's results: the same cells, the same suppression."""

from __future__ import annotations

import io
import json
import re
import zipfile
from html import unescape

from bots.app import results_of
from bots.simulate import simulate
from conversations.engine import Engine
from conversations.language import detect_language
from conversations.service import ConversationService
from storage.community import CommunityStore
from storage.unit_of_work import unit_of_work_factory
from tests.bots.web.conftest import SECRET, Running

MEDIATOR = "a" * 64


async def _answered(running: Running, people: int = 40) -> None:
    service = ConversationService(
        Engine(running.deployment, detect_language),
        unit_of_work_factory(running.engine),
        SECRET,
        running.clock,
    )
    assert await simulate(service, running.deployment, people, seed=3) == people


def _cells(html: str) -> list[list[str]]:
    """Every table row of the page as its cells' text (header cell first)."""
    rows = re.findall(r"<tr>(.*?)</tr>", html, flags=re.S)
    return [
        [unescape(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)]
        for row in rows
    ]


async def test_the_page_shows_exactly_the_suppressed_cells_of_the_cli(running: Running) -> None:
    await _answered(running)
    await running.sign_in(MEDIATOR)
    poll = running.deployment.poll("agenda")
    assert poll is not None
    for by in (None, "region", "gender"):
        page = await running.client.get("/polls/agenda", params={"by": by} if by else {})
        assert page.status == 200
        shown = _cells(await page.text())
        expected = await results_of(
            running.engine, running.deployment, poll, by=by, wave=None, language="en"
        )
        rows: list[list[str]] = []
        for question in expected.questions:
            rows.append(["Option", *(g.label for g in expected.groups)])
            rows.append(
                ["Answered", *("–" if c.count is None else str(c.count) for c in question.n)]
            )
            for option in question.rows:
                rows.append(
                    [
                        option.label,
                        *(
                            "–"
                            if c.count is None
                            else f"{c.count} ({c.percent:.0f} %)"
                            if c.percent is not None
                            else str(c.count)
                            for c in option.cells
                        ),
                    ]
                )
            if question.numbers:
                rows.append(
                    [
                        "Mean",
                        *("–" if c.mean is None else f"{c.mean:.1f}" for c in question.numbers),
                    ]
                )
                rows.append(
                    [
                        "Min – max",
                        *(
                            "–" if c.minimum is None else f"{c.minimum:g} – {c.maximum:g}"
                            for c in question.numbers
                        ),
                    ]
                )
        assert shown == rows, by
        if by == "region":
            flat = [cell for row in shown for cell in row[1:]]
            assert "–" in flat  # with 40 people some cells are too small to show
            assert any(cell != "–" for cell in flat)


async def test_the_report_and_every_export_download(running: Running) -> None:
    await _answered(running, 30)
    await running.sign_in(MEDIATOR)
    report = await running.client.get("/polls/agenda/report")
    assert report.status == 200
    assert "not margins of error" in await report.text()
    document = json.loads(await (await running.client.get("/polls/agenda/export/json")).read())
    assert document["poll"]["id"] == "agenda"
    assert "respondents" not in document["tables"]  # never respondent rows from the browser
    for kind in ("csv", "hxl"):
        response = await running.client.get(f"/polls/agenda/export/{kind}")
        assert response.status == 200
        assert "attachment" in response.headers["Content-Disposition"]
        names = zipfile.ZipFile(io.BytesIO(await response.read())).namelist()
        assert names and all(name.startswith("agenda/") for name in names)
    workbook = await running.client.get("/polls/agenda/export/xlsx")
    assert (await workbook.read())[:2] == b"PK"
    actions = [line.action for line in await CommunityStore(running.engine).audit_log(20)]
    assert actions.count("web_export") == 4
    assert (await running.client.get("/polls/agenda/export/sql")).status == 404
    assert (await running.client.get("/polls/nope")).status == 404
    assert (await running.client.get("/polls/agenda/report", params={"wave": "99"})).status == 404
