"""`peacepulse export`, `report` and `shareback`: insights for mediators and participants.

The rows come from `storage.crosstabs` (one set of cross-tab queries by every profile field),
the statistics from `insights`; these commands only read settings, open the database through
the composition root and write files or queue messages.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import click
from sqlalchemy.ext.asyncio import AsyncEngine

from bots import app as root
from bots.cli_support import follow_job, friendly, read_settings, run
from config.errors import ConfigError
from config.settings import Settings
from conversations.definitions import Deployment, Poll
from insights.analysis import Rows
from storage import crosstabs
from storage.crosstabs import AnswerRow
from storage.outbox import Among


def _poll(deployment: Deployment, poll_id: str) -> Poll:
    poll = deployment.poll(poll_id)
    if poll is None:
        known = ", ".join(p.id for p in deployment.polls) or "none"
        raise ConfigError(f"no poll '{poll_id}' in the deployment (polls: {known})")
    return poll


async def load_rows(database: AsyncEngine, deployment: Deployment, poll_id: str) -> Rows:
    """Every cross-tab of the poll, split by all the deployment's profile fields."""
    fields = tuple(q.id for q in deployment.profile)
    return Rows(
        fields,
        respondents=await crosstabs.respondent_cells(database, poll_id, fields),
        choices=await crosstabs.choice_cells(database, poll_id, fields),
        answered=await crosstabs.answered_cells(database, poll_id, fields),
        numbers=await crosstabs.number_cells(database, poll_id, fields),
    )


@dataclass(frozen=True)
class Loaded:
    deployment: Deployment
    poll: Poll
    rows: Rows
    answers: list[AnswerRow] | None
    reach: dict[str, list[crosstabs.ReachRow]]


def _language(deployment: Deployment, language: str | None) -> None:
    if language is not None and language not in deployment.languages:
        known = ", ".join(deployment.languages)
        raise ConfigError(f"the deployment has no language {language!r} (it has: {known})")


async def _load(
    settings: Settings, poll_id: str, *, answers: bool = False, language: str | None = None
) -> Loaded:
    """The deployment, the poll and its cross-tabs; ``language``, if given, is checked against
    the deployment before anything is read from the database."""
    deployment = root.deployment_for(settings)
    poll = _poll(deployment, poll_id)
    _language(deployment, language)
    fields = tuple(q.id for q in deployment.profile)
    async with root.open_database(settings, writing=False) as database:
        rows = await load_rows(database, deployment, poll_id)
        answer_rows = None
        if answers:
            answer_rows = [a async for a in crosstabs.answer_rows(database, poll_id, fields)]
        reach = {f: await crosstabs.reach(database, poll_id, f) for f in fields}
    return Loaded(deployment, poll, rows, answer_rows, reach)


@click.command()
@click.argument("poll_id")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["csv", "xlsx", "json"]),
    default="csv",
    show_default=True,
    help="csv: a folder of files, one per table; xlsx: one workbook; json: one document.",
)
@click.option("--hxl", is_flag=True, help="Add the HXL 1.1 hashtag row under each header.")
@click.option(
    "--respondents",
    is_flag=True,
    help="Also one pseudonymous row per answer (only if the deployment's exports allow it).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="Where to write (default: POLL-export/ for csv, POLL.xlsx, stdout for json).",
)
@friendly
def export(
    poll_id: str, output_format: str, hxl: bool, respondents: bool, output: Path | None
) -> None:
    """Aggregate tables (small groups suppressed), weighted shares and a data dictionary."""
    from insights import export as exports

    settings = read_settings()
    deployment = root.deployment_for(settings)
    if respondents and not deployment.exports.respondent_rows:
        raise click.ClickException(
            "this deployment does not allow respondent-level exports "
            "(deployment.yaml: exports: respondent_rows: true, under a data-sharing agreement)"
        )
    loaded = run(_load(settings, poll_id, answers=respondents))
    from insights.analysis import response_rates

    language = deployment.default_language
    document = exports.build(
        loaded.deployment,
        loaded.poll,
        loaded.rows,
        language,
        respondents=loaded.answers,
        reach=[
            response_rates(loaded.deployment, field, rows, language)
            for field, rows in loaded.reach.items()
        ],
    )
    if output_format == "json":
        text = exports.to_json(document, hxl=hxl)
        if output is None:
            click.echo(text)
        else:
            output.write_text(text + "\n", encoding="utf-8")
            click.echo(f"wrote {output}", err=True)
        return
    if output_format == "xlsx":
        target = output or Path(f"{poll_id}.xlsx")
        exports.write_xlsx(document, target, hxl=hxl)
        click.echo(f"wrote {target} ({len(document.tables)} tables)", err=True)
        return
    folder = output or Path(f"{poll_id}-export")
    written = exports.write_csv(document, folder, hxl=hxl)
    click.echo(f"wrote {len(written)} files to {folder}/", err=True)


@click.command()
@click.argument("poll_id")
@click.option(
    "--wave",
    type=click.IntRange(1),
    default=None,
    help="Report on this wave (default: the latest).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("report.html"),
    show_default=True,
    help="The HTML file to write.",
)
@click.option(
    "--language",
    default=None,
    help="Language of the report, one of the deployment's (default: its default_language).",
)
@friendly
def report(poll_id: str, wave: int | None, output: Path, language: str | None) -> None:
    """One self-contained HTML report with charts: per question, trends, inclusion."""
    from insights.analysis import response_rates
    from insights.report import ReportInput, render

    settings = read_settings()
    with click.progressbar(length=3, label="report", file=sys.stderr) as bar:
        loaded = run(_load(settings, poll_id, language=language))
        bar.update(1)
        waves = loaded.rows.waves()
        if wave is not None and wave not in waves:
            raise click.ClickException(
                f"no answers in wave {wave} of {poll_id} (waves with answers: "
                f"{', '.join(map(str, waves)) or 'none'})"
            )
        language = language or loaded.deployment.default_language
        reach = [
            response_rates(loaded.deployment, field, rows, language)
            for field, rows in loaded.reach.items()
        ]
        document = render(
            ReportInput(
                loaded.deployment,
                loaded.poll,
                loaded.rows,
                wave,
                language,
                root.SystemClock().now(),
                reach,
            )
        )
        bar.update(1)
        output.write_text(document, encoding="utf-8")
        bar.update(1)
    click.echo(f"wrote {output} ({len(document) // 1024} KiB)")


@click.command()
@click.argument("poll_id")
@click.option(
    "--wave", type=click.IntRange(0), default=None, help="The wave to share (default: the latest)."
)
@click.option(
    "--by-region",
    is_flag=True,
    help="Each subscriber also gets their own region's figures, where its cells are shown.",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--wait/--no-wait",
    default=True,
    show_default=True,
    help="Follow the sending (done by `peacepulse run`) with a progress bar.",
)
@friendly
def shareback(poll_id: str, wave: int | None, by_region: bool, yes: bool, wait: bool) -> None:
    """Send the wave's top-line results to the subscribers of the deployment's results topic,
    with the permalink of the public page where the poll's results are public."""
    from insights.shareback import summaries, with_link

    settings = read_settings()
    deployment = root.deployment_for(settings)
    topic = deployment.results_topic
    if topic is None:
        raise click.ClickException(
            "this deployment has no results topic to share results with "
            "(deployment.yaml: results_topic: <a topic id people can /subscribe to>)"
        )
    loaded = run(_load(settings, poll_id))
    waves = loaded.rows.waves()
    if not waves:
        raise click.ClickException(f"nobody has answered {poll_id} yet: nothing to share")
    chosen = waves[-1] if wave is None else wave
    if chosen not in waves:
        raise click.ClickException(
            f"no answers in wave {chosen} of {poll_id} (waves with answers: "
            f"{', '.join(map(str, waves))})"
        )
    texts = summaries(deployment, loaded.poll, loaded.rows, chosen)
    if not texts:
        raise click.ClickException(
            f"nothing to share: too few people answered wave {chosen} of {poll_id}, "
            "so every figure is hidden"
        )
    links = _permalinks(settings, deployment, loaded.poll, chosen)
    messages: list[tuple[Among | None, dict[str, str]]] = [
        (None, {code: with_link(text, links.get(code), code) for code, text in texts.items()})
    ]
    if by_region:
        messages = run(
            _by_region(
                settings, deployment, poll=loaded.poll, wave=chosen, texts=texts, links=links
            )
        )
    audiences = [run(root.broadcast_audience(settings, topic, among)) for among, _ in messages]
    audience = sum(audiences)
    click.echo(messages[-1][1][deployment.default_language])
    for (among, _), count in zip(messages, audiences, strict=True):
        if among is not None and not among.others:
            click.echo(f"{among.values[0]}: {count} people also get their region's figures")
    if audience == 0:
        click.echo(f"nobody to send to: no reachable subscriber of the topic '{topic}'")
        return
    if not yes:
        click.confirm(f"\nSend this (in each person's language) to {audience} people?", abort=True)
    for among, message in messages:
        job, queued = run(root.queue_broadcast(settings, topic, message, None, among))
        click.echo(f"{queued} messages queued as {job}")
        if wait and queued:
            # the same progress bar and summary as `peacepulse broadcast`
            click.echo(run(follow_job(settings, job, queued)))


def _permalinks(
    settings: Settings, deployment: Deployment, poll: Poll, wave: int | None
) -> dict[str, str]:
    """The public page of the poll (of the wave) in each language, where the workspace serves
    it (`public_results`) at an address others can reach (`PEACEPULSE_WEB_URL`)."""
    from urllib.parse import urlsplit

    from insights.publish import slug

    if poll.id not in deployment.public_results:
        return {}
    host = urlsplit(settings.web_url).hostname or ""
    if host in ("localhost", "127.0.0.1", "::1") or host.startswith("127."):
        click.echo(
            "no link to the public page: PEACEPULSE_WEB_URL is a local address "
            f"({settings.web_url}), which participants cannot open",
            err=True,
        )
        return {}
    page = slug(wave) if poll.schedule is not None else "index"
    base = f"{settings.web_url.rstrip('/')}/public/{poll.id}"
    return {code: f"{base}/{code}/{page}.html" for code in deployment.languages}


async def _by_region(
    settings: Settings,
    deployment: Deployment,
    *,
    poll: Poll,
    wave: int | None,
    texts: dict[str, str],
    links: dict[str, str],
) -> list[tuple[Among | None, dict[str, str]]]:
    """One message per region whose figures the results by region show (to its subscribers),
    then the summary alone to everyone else; each ends with the permalink."""
    from conversations.definitions import RegionQuestion
    from insights.shareback import by_group, with_link

    field = next((q.id for q in deployment.profile if isinstance(q, RegionQuestion)), None)
    if field is None:
        raise click.ClickException("--by-region: this deployment asks nobody for a region")
    sections: dict[str, dict[str, str]] = {}
    async with root.open_database(settings) as database:
        for code in deployment.languages:
            results = await root.results_of(
                database, deployment, poll, by=field, wave=wave, language=code
            )
            for region, text in by_group(results, code).items():
                sections.setdefault(region, {})[code] = text
    messages: list[tuple[Among | None, dict[str, str]]] = []
    for region, section in sections.items():
        message = {
            code: with_link(f"{texts[code]}\n\n{section[code]}", links.get(code), code)
            for code in texts
            if code in section
        }
        messages.append((Among(field, (region,)), message))
    rest = {code: with_link(text, links.get(code), code) for code, text in texts.items()}
    messages.append((Among(field, tuple(sections), others=True), rest))
    return messages
