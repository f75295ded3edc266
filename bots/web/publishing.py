"""`peacepulse publish POLL -o DIR`: the poll's public results as a static site.

Reads the same results as `peacepulse results` (`bots.app.results_of`, suppressed) for each
wave and language and writes the pages `insights.publish.site` makes.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bots.app import deployment_for, open_database, results_of
from config.errors import ConfigError
from config.settings import Settings
from conversations.definitions import Deployment, Poll
from insights.publish import Edition, site
from insights.results import WAVE
from storage import aggregates


async def editions(database: AsyncEngine, deployment: Deployment, poll: Poll) -> list[Edition]:
    """Each wave with answers (or the whole poll, without waves) in each language."""
    waves: list[int | None] = [None]
    if poll.schedule is not None:
        answered = await aggregates.question_totals(database, poll.id, WAVE, None)
        waves = [*sorted({int(t.group) for t in answered if t.group is not None})]
    found = []
    for wave in waves:
        for language in deployment.languages:
            results = await results_of(
                database, deployment, poll, by=None, wave=wave, language=language
            )
            found.append(Edition(language, wave, results))
    return found


async def publish(settings: Settings, poll_id: str, folder: Path) -> int:
    """Write the site into ``folder``; how many pages."""
    deployment = deployment_for(settings)
    poll = deployment.poll(poll_id)
    if poll is None:
        known = ", ".join(p.id for p in deployment.polls) or "none"
        raise ConfigError(f"no poll '{poll_id}' in the deployment (polls: {known})")
    async with open_database(settings, writing=False) as database:
        found = await editions(database, deployment, poll)
    pages = site(deployment, poll, found)
    for path, html in pages.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
    return len(pages)
