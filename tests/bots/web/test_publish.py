"""`peacepulse publish`: a static public site of exactly the suppressed figures, every page
small, self-contained, permalinked, in every language with a working language switcher."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

from bots.app import results_of
from bots.simulate import simulate
from bots.web.publishing import editions
from conversations.engine import Engine
from conversations.language import detect_language
from conversations.service import ConversationService
from insights.publish import site
from storage.unit_of_work import unit_of_work_factory
from tests.bots.test_cli_results import cli, simulated  # noqa: F401 (a fixture)
from tests.bots.web.conftest import SECRET, Running

LIMIT = 200 * 1024


async def test_the_site_shows_the_suppressed_figures_in_every_language(
    running: Running, tmp_path: Path
) -> None:
    service = ConversationService(
        Engine(running.deployment, detect_language),
        unit_of_work_factory(running.engine),
        SECRET,
        running.clock,
    )
    await simulate(service, running.deployment, 40, seed=11)
    poll = running.deployment.poll("agenda")
    assert poll is not None
    pages = site(running.deployment, poll, await editions(running.engine, running.deployment, poll))
    languages = running.deployment.languages
    assert set(pages) == {"index.html"} | {f"{lang}/index.html" for lang in languages} | {
        f"{lang}/{q.id}/all.html" for lang in languages for q in poll.questions
    }
    for path, html in pages.items():
        assert len(html.encode()) < LIMIT, path
        assert "<script" not in html and "http://" not in html.replace(
            'xmlns="http://www.w3.org/2000/svg"', ""
        )
        folder = Path(path).parent
        for link in re.findall(r'href="([^"]+)"', html):
            assert _resolve(f"{folder.as_posix()}/{link}") in pages, (path, link)
    for language in languages:
        expected = await results_of(
            running.engine, running.deployment, poll, by=None, wave=None, language=language
        )
        for question in expected.questions:
            html = pages[f"{language}/{question.question_id}/all.html"]
            assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}">' in html
            shown = [unescape(cell) for cell in re.findall(r"<td>(.*?)</td>", html)]
            wanted = [
                "–"
                if row.cells[-1].count is None
                else f"{row.cells[-1].percent:.0f} % ({row.cells[-1].count})"
                for row in question.rows
            ]
            assert shown == wanted, question.question_id
            if question.rows:
                assert html.count("<rect ") == len(question.rows)


def _resolve(path: str) -> str:
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def test_publish_writes_the_site(simulated: Path, tmp_path: Path) -> None:  # noqa: F811
    out = tmp_path / "site"
    result = cli(simulated, "publish", "agenda", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert (out / "index.html").exists() and (out / "ar" / "top_issue" / "all.html").exists()
    assert max(p.stat().st_size for p in out.rglob("*.html")) < LIMIT
    missing = cli(simulated, "publish", "nope", "-o", str(out))
    assert missing.returncode == 2 and "no poll 'nope'" in missing.stderr
