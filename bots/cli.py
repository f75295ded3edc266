"""The `peacepulse` command line. Each command reads settings once and calls the root."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import TypeVar

import click

from bots import app as root
from bots import cli_support as support
from bots import community_cli
from bots.cli_support import follow_job, friendly
from bots.consultation_cli import consultation
from bots.insights_cli import export, report, shareback
from config.broadcast import load_broadcast_texts
from config.deployment import whatsapp_problems
from config.errors import ConfigError

T = TypeVar("T")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """PeacePulse: hear the population in a peace process, over messaging apps.

    Settings come from PEACEPULSE_* environment variables or a .env file; see the README.
    """


@main.command()
@friendly
def run() -> None:
    """Serve the deployment on Telegram (polling, or webhook when PEACEPULSE_WEBHOOK_URL is set)
    and/or by SMS (the gateway's webhook, when PEACEPULSE_SMS_PROVIDER is set)."""
    settings = support.read_settings()

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await root.run(settings, stop)

    support.run(serve())


@main.command()
@friendly
def web() -> None:
    """Serve the staff workspace in the browser (PEACEPULSE_WEB_LISTEN:PORT); staff sign in with
    a one-time link from /web in chat or `peacepulse staff link`."""
    settings = support.read_settings()

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await root.serve_web(settings, stop)

    support.run(serve())


@main.command()
@click.argument("poll_id")
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The folder to write the site into (created if missing).",
)
@friendly
def publish(poll_id: str, output: Path) -> None:
    """Write the poll's public results as a static site: a page per question and wave in every
    language, SVG charts, the method note; small groups hidden."""
    from bots.web.publishing import publish as write_site

    settings = support.read_settings()
    pages = support.run(write_site(settings, poll_id, output))
    click.echo(f"wrote {pages} pages to {output}/ (start at {output}/index.html)")


@main.command()
@click.option("--user", default=None, help="Who you are in this chat (default: your login).")
@click.option("--locale", default=None, help="Your client language hint, e.g. fr or ar.")
@friendly
def chat(user: str | None, locale: str | None) -> None:
    """Talk to the deployment in this terminal: no token, no network."""
    settings = support.read_settings()
    secret = root.local_secret(settings)
    hint = locale or (os.environ.get("LANG") or "").split(".")[0] or None

    async def talk() -> None:
        from bots.terminal import chat as terminal_chat

        async with root.open_app(settings, secret) as app:
            await terminal_chat(app.service, user=user, locale=hint, write=_write)

    support.run(talk())


def _write(text: str) -> None:
    click.echo(text, nl=False)


@main.command()
@friendly
def polls() -> None:
    """List the deployment's polls: id and title."""
    settings = support.read_settings()
    deployment = root.deployment_for(settings)
    language = deployment.default_language
    for poll in deployment.polls:
        title = deployment.text(poll.title, language)
        click.echo(f"{poll.id}\t{title}\t({len(poll.questions)} questions)")


@main.command("sms-cost")
@click.argument("poll_id")
@friendly
def sms_cost(poll_id: str) -> None:
    """SMS segments per question of a poll, in each language (GSM-7 160/153, UCS-2 70/67)."""
    settings = support.read_settings()
    languages, rows = root.sms_costs(settings, poll_id)
    click.echo("| message | " + " | ".join(languages) + " |")
    click.echo("| --- |" + " --- |" * len(languages))
    for row in rows:
        cells = [f"{row.segments[code]} ({row.encodings[code]})" for code in languages]
        click.echo(f"| {row.name} | " + " | ".join(cells) + " |")


@main.command()
@click.argument("poll_id")
@click.option(
    "--by", "by", default=None, help="Break down by a profile field (e.g. region), or by wave."
)
@click.option(
    "--wave",
    type=click.IntRange(1),
    default=None,
    help="Only this wave (a repeating poll shows its latest closed wave by default).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@friendly
def results(poll_id: str, by: str | None, wave: int | None, output_format: str) -> None:
    """Counts and percentages per option, small groups suppressed."""
    from insights import render

    settings = support.read_settings()
    summary = support.run(root.poll_results(settings, poll_id, by, wave))
    if summary.scope is not None and output_format == "csv":
        click.echo(f"counts: {summary.scope}", err=True)
    renderers = {"table": render.to_table, "csv": render.to_csv, "json": render.to_json}
    click.echo(renderers[output_format](summary), nl=output_format != "csv")


@main.command()
@click.argument("count", type=click.IntRange(1, 100_000))
@click.option("--seed", default=1, show_default=True, help="Same seed, same people.")
@friendly
def simulate(count: int, seed: int) -> None:
    """Let COUNT simulated citizens answer every poll (for demonstrations and trials)."""
    from bots.simulate import simulate as run_simulation

    settings = support.read_settings()
    secret = root.local_secret(settings)

    async def go() -> int:
        async with root.open_app(settings, secret) as app:
            with click.progressbar(
                length=count, label="simulated citizens", file=sys.stderr
            ) as bar:
                return await run_simulation(
                    app.service,
                    app.deployment,
                    count,
                    seed=seed,
                    progress=lambda done: bar.update(done - bar.pos),
                )

    finished = support.run(go())
    click.echo(f"{finished} of {count} simulated citizens answered the polls")


@main.command()
@click.option("--all", "show_all", is_flag=True, help="Also every wave still to come.")
@friendly
def waves(show_all: bool) -> None:
    """Past, open and coming waves of the repeating polls, with their counts."""
    settings = support.read_settings()
    rows = support.run(root.waves_table(settings))
    k = root.deployment_for(settings).suppression_k
    if not rows:
        click.echo("no poll of this deployment repeats in waves")
        return
    coming = 0
    header = ("poll", "wave", "opens", "closes", "status", "invited", "completed")
    table = [header]
    for row in rows:
        if row.status == "coming":
            coming += 1
            if coming > 3 and not show_all:
                continue
        table.append(
            (
                row.poll_id,
                str(row.number),
                row.opens,
                row.closes,
                row.status,
                _count(row.invited, k),
                _count(row.completed, k),
            )
        )
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for r in table:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(r, widths, strict=True)))
    if coming > 3 and not show_all:
        click.echo(f"… and {coming - 3} more to come (--all shows them)")


def _count(value: int | None, k: int) -> str:
    """A wave's count; under k people it is hidden (*), as in every table of results: the
    response-rate tables split these totals by group."""
    if value is None:
        return "–"
    return "*" if 0 < value < k else str(value)


@main.command()
@click.option("--topic", required=True, help="Topic id, as in the deployment; or 'all'.")
@click.option(
    "--text-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="A .yaml/.yml file maps language to text ({en: ..., fr: ...}); any other file is "
    "plain text for all.",
)
@click.option("--photo", default=None, help="A picture to send with the text: URL or file.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--wait/--no-wait",
    default=True,
    show_default=True,
    help="Follow the sending (done by `peacepulse run`) with a progress bar.",
)
@friendly
def broadcast(topic: str, text_file: Path, photo: str | None, yes: bool, wait: bool) -> None:
    """Queue a message to a topic's subscribers, each in their language."""
    settings = support.read_settings()
    deployment = root.deployment_for(settings)
    texts = load_broadcast_texts(deployment, text_file)
    chosen = None if topic == "all" else topic
    if chosen is not None and deployment.topic(chosen) is None:
        known = ", ".join(t.id for t in deployment.topics) or "none"
        raise ConfigError(f"no topic '{topic}' in the deployment (topics: {known}, or all)")
    audience = support.run(root.broadcast_audience(settings, chosen))
    if audience == 0:
        click.echo("nobody to send to: no reachable subscriber of this topic")
        return
    if not yes:
        click.confirm(f"Send to {audience} people?", abort=True)
    job, queued = support.run(root.queue_broadcast(settings, chosen, texts, photo))
    click.echo(f"{queued} messages queued as {job}")
    if wait:
        click.echo(support.run(follow_job(settings, job, queued)))


@main.command()
@friendly
def check() -> None:
    """Validate the deployment folder and report every problem."""
    settings = support.read_settings()
    deployment = root.deployment_for(settings)
    if settings.whatsapp_phone_number_id and (problems := whatsapp_problems(deployment)):
        raise ConfigError(
            f"{len(problems)} problem{'s' if len(problems) > 1 else ''} serving the deployment "
            "on WhatsApp:" + "".join(f"\n  {p}" for p in problems)
        )
    click.echo(
        f"deployment OK: {len(deployment.polls)} polls, {len(deployment.languages)} languages, "
        f"{len(deployment.regions)} regions, {len(deployment.consultations)} consultations"
    )


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@friendly
def db_upgrade() -> None:
    """Apply the database migrations (also done on every start)."""
    settings = support.read_settings()

    async def migrate() -> None:
        async with root.open_database(settings):
            pass

    support.run(migrate())
    click.echo("database is up to date")


@main.group()
def outbox() -> None:
    """Bulk messages: where they stand, and sending the failed ones again."""


@outbox.command("status")
@click.option("--job", default=None, help="Only this job (e.g. broadcast:3).")
@friendly
def outbox_status(job: str | None) -> None:
    """Messages per job and state, and why the failed ones failed."""
    settings = support.read_settings()
    jobs, reasons = support.run(root.outbox_status(settings, job))
    if not jobs:
        click.echo("no bulk messages" + (f" in job {job}" if job else ""))
        return
    header = ("job", "queued", "sending", "sent", "failed", "unreachable")
    table = [header] + [
        (j.job, *(str(n) for n in (j.queued, j.sending, j.sent, j.failed, j.unreachable)))
        for j in jobs
    ]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for r in table:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(r, widths, strict=True)))
    if reasons:
        click.echo("")
        click.echo("why messages failed (last error):")
        for reason in reasons:
            why = reason.reason or "(no reason kept)"
            click.echo(f"  {reason.messages:>6}  {reason.job}  {why}")
        click.echo("")
        click.echo("send them again with: peacepulse outbox retry [--job JOB]")


@outbox.command("retry")
@click.option("--job", default=None, help="Only this job (e.g. broadcast:3).")
@friendly
def outbox_retry(job: str | None) -> None:
    """Queue failed messages again (attempts reset); `peacepulse run` sends them."""
    settings = support.read_settings()
    queued = support.run(root.retry_outbox(settings, job))
    where = f" of job {job}" if job else ""
    if queued == 0:
        click.echo(f"no failed message{where} to send again")
        return
    click.echo(
        f"{queued} failed message{'s' if queued != 1 else ''}{where} queued again; "
        "`peacepulse run` sends them (follow with: peacepulse outbox status)"
    )


# Staff, audit, closed groups and initiatives: their own module, built with the helpers above.
for _command in community_cli.build(friendly, support.read_settings):
    main.add_command(_command)
main.add_command(export)
main.add_command(report)
main.add_command(shareback)

main.add_command(consultation)


if __name__ == "__main__":
    main()
