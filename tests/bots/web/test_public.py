"""Public results served by the workspace: for the polls the deployment makes public, the very
pages of `peacepulse publish` at permalinks under /public/, to anyone, each under 200 KB; a
poll not made public is not there."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from bots.simulate import simulate
from bots.web.publishing import editions
from bots.web.server import Workspace, build
from conversations.engine import Engine
from conversations.language import detect_language
from conversations.service import ConversationService
from insights.publish import site
from storage.unit_of_work import unit_of_work_factory
from tests.bots.web.conftest import SECRET, Running

LIMIT = 200 * 1024


async def _answered(running: Running) -> None:
    service = ConversationService(
        Engine(running.deployment, detect_language),
        unit_of_work_factory(running.engine),
        SECRET,
        running.clock,
    )
    await simulate(service, running.deployment, 30, seed=3)


async def test_every_page_of_publish_at_its_permalink(running: Running) -> None:
    await _answered(running)
    for poll_id in running.deployment.public_results:
        poll = running.deployment.poll(poll_id)
        assert poll is not None
        expected = site(
            running.deployment, poll, await editions(running.engine, running.deployment, poll)
        )
        if poll.schedule is not None:  # a permalink per wave, and per question in each wave
            assert any(p.startswith("ar/wave-") for p in expected), sorted(expected)
            assert any("/wave-" in p and p.count("/") == 2 for p in expected)
        for path, html in expected.items():
            response = await running.client.get(f"/public/{poll_id}/{path}")
            assert response.status == 200, path
            body = await response.read()
            assert body.decode() == html, path  # the same output as `peacepulse publish`
            assert len(body) < LIMIT, path
            assert response.headers["Cache-Control"] == "public, max-age=300"
            assert "Content-Security-Policy" in response.headers
        folder = await running.client.get(f"/public/{poll_id}", allow_redirects=False)
        assert folder.status == 301 and folder.headers["Location"] == f"/public/{poll_id}/"
        index = await running.client.get(f"/public/{poll_id}/")
        assert await index.text() == expected["index.html"]


async def test_nothing_else_is_public(running: Running) -> None:
    only_agenda = running.deployment.model_copy(update={"public_results": ("agenda",)})
    app = build(
        Workspace(
            deployment=only_agenda,
            database=running.engine,
            secret=SECRET,
            clock=running.clock,
            secure_cookies=False,
        )
    )
    async with TestClient(TestServer(app)) as client:
        assert (await client.get("/public/agenda/en/index.html")).status == 200
        for path in (
            "/public/implementation/en/index.html",  # a poll of the deployment, not public
            "/public/nope/en/index.html",
            "/public/agenda/en/nope.html",
            "/public/agenda/en/top_issue",
        ):
            response = await client.get(path, allow_redirects=False)
            assert response.status == 404, path
            assert "Meridia" in await response.text()  # the workspace's own not-found page
