"""Public results served by the workspace: the pages of `peacepulse publish` for the polls the
deployment makes public (``public_results``), to everyone, at ``/public/POLL/…``.

The very same pages as the static site (`bots.web.publishing.editions` → `insights.publish.site`:
suppressed figures only), so each path is a permalink: ``/public/POLL/LANG/index.html``, one
wave ``LANG/wave-N.html``, one question ``LANG/QUESTION/wave-N.html`` (or ``all.html``). A
poll's site is built on the first request and kept `FRESH_FOR`; one build at a time per poll.
A poll not made public is a 404, like a page that does not exist.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from aiohttp import web

from bots.web.server import WORKSPACE, Workspace
from insights.publish import site

FRESH_FOR = timedelta(minutes=5)
"""How long a built site is served before it is built again from the database."""
CACHE_SECONDS = 300


class PublicSites:
    """Each public poll's pages, built when first asked for and kept `FRESH_FOR`."""

    def __init__(self, workspace: Workspace) -> None:
        self._workspace = workspace
        self._built: dict[str, tuple[datetime, dict[str, str]]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def pages(self, poll_id: str) -> dict[str, str] | None:
        """The site of ``poll_id`` by relative path; None if the poll is not public."""
        from bots.web.publishing import editions

        deployment = self._workspace.deployment
        poll = deployment.poll(poll_id)
        if poll is None or poll.id not in deployment.public_results:
            return None
        lock = self._locks.setdefault(poll.id, asyncio.Lock())
        async with lock:
            now = self._workspace.clock.now()
            built = self._built.get(poll.id)
            if built is None or now - built[0] >= FRESH_FOR:
                found = await editions(self._workspace.database, deployment, poll)
                built = (now, await asyncio.to_thread(site, deployment, poll, found))
                self._built[poll.id] = built
            return built[1]


PUBLIC = web.AppKey("public", PublicSites)


def add_routes(app: web.Application) -> None:
    app[PUBLIC] = PublicSites(app[WORKSPACE])
    app.router.add_get("/public/{poll}", _to_folder)
    app.router.add_get("/public/{poll}/{path:.*}", public_page)


async def _to_folder(request: web.Request) -> web.StreamResponse:
    raise web.HTTPMovedPermanently(f"/public/{request.match_info['poll']}/")


async def public_page(request: web.Request) -> web.StreamResponse:
    pages = await request.app[PUBLIC].pages(request.match_info["poll"])
    path = request.match_info["path"] or "index.html"
    if pages is None or path not in pages:
        raise web.HTTPNotFound
    return web.Response(
        text=pages[path],
        content_type="text/html",
        charset="utf-8",
        headers={"Cache-Control": f"public, max-age={CACHE_SECONDS}"},
    )
