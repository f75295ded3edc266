"""`peacepulse consultation ...`: what mediators do with a consultation.

moderate (approve statements, keyboard only), themes (confirm or relabel), report, followup.
Each command reads the settings once and works through the composition root's database.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import click
import yaml

from bots import app as root
from bots.cli_support import escaped_controls, friendly, read_settings, run
from config.broadcast import load_broadcast_texts
from config.consultations import CONSULTATIONS_FOLDER
from config.deployment import DeploymentError, load_deployment
from config.errors import ConfigError
from conversations.definitions import Consultation, Deployment, RegionQuestion
from insights import UnknownField
from insights.consultation_report import ReportInput, Versions, build, render
from insights.opinion_groups import analyse, vote_matrix
from insights.themes import Text, classify, languages, suggest
from storage import consultations as store

T = TypeVar("T")


def _now() -> datetime:
    return root.SystemClock().now()


def _consultation(deployment: Deployment, consultation_id: str) -> Consultation:
    found = deployment.consultation(consultation_id)
    if found is None:
        known = ", ".join(c.id for c in deployment.consultations) or "none"
        raise ConfigError(
            f"no consultation '{consultation_id}' in the deployment (consultations: {known})"
        )
    return found


@click.group()
def consultation() -> None:
    """Consultations: moderate statements, themes, reports and follow-ups."""


@consultation.command("list")
@friendly
def list_consultations() -> None:
    """Consultation ids, titles, dates and statements waiting for moderation."""
    settings = read_settings()
    deployment = root.deployment_for(settings)

    async def pending() -> dict[str, int]:
        async with root.open_database(settings) as database:
            await store.sync_seeds(database, deployment, _now())
            return {
                c.id: len(await store.statements(database, c.id, ("pending",)))
                for c in deployment.consultations
            }

    waiting = run(pending())
    if not deployment.consultations:
        click.echo("no consultations in this deployment")
    for c in deployment.consultations:
        title = deployment.text(c.title, deployment.default_language)
        click.echo(
            f"{c.id}\t{title}\t{c.opens:%Y-%m-%d} – {c.closes:%Y-%m-%d}\t"
            f"{waiting[c.id]} statements to moderate"
        )


@consultation.command()
@click.argument("consultation_id")
@click.option("--blocked", is_flag=True, help="Review statements the block list caught too.")
@click.option(
    "--published",
    is_flag=True,
    help="Review participants' published statements instead (r withdraws one).",
)
@friendly
def moderate(consultation_id: str, blocked: bool, published: bool) -> None:
    """Approve or reject waiting statements, one key per statement.

    a approve · r reject · s skip · q quit. Nothing is shown to participants before approval;
    a statement rejected after publication is shown to nobody from then on.
    """
    settings = read_settings()
    deployment = root.deployment_for(settings)
    _consultation(deployment, consultation_id)
    statuses = ("pending", "blocked") if blocked else ("pending",)
    if published:
        statuses = ("approved",)

    async def waiting() -> list[store.StatementRow]:
        async with root.open_database(settings) as database:
            return await store.statements(database, consultation_id, statuses)

    rows = [row for row in run(waiting()) if row.seed is None]  # seeds are the mediators' own
    if not rows:
        click.echo("nothing to moderate")
        return
    decisions: dict[int, str] = {}
    for number, row in enumerate(rows, 1):
        text = next(iter(row.texts.values()), "")
        flag = " (caught by the block list)" if row.status == "blocked" else ""
        click.echo(f"\n[{number}/{len(rows)}] statement {row.id}{flag}, {row.language or '?'}:")
        click.echo(f"  {escaped_controls(text)}")
        click.echo("  a approve · r reject · s skip · q quit: ", nl=False)
        while (key := _key().lower()) not in ("a", "r", "s", "q"):
            pass
        click.echo(key)
        if key == "q":
            break
        if key in ("a", "r"):
            decisions[row.id] = "approved" if key == "a" else "rejected"

    async def save() -> None:
        async with root.open_database(settings) as database:
            for statement_id, status in decisions.items():
                await store.moderate(database, statement_id, status, _now())

    run(save())
    approved = sum(1 for s in decisions.values() if s == "approved")
    click.echo(f"\n{approved} approved, {len(decisions) - approved} rejected")


def _key() -> str:
    """One key press; without a terminal (input piped in), the next character, or q at the end."""
    try:
        return click.getchar()
    except OSError:  # no terminal to put in raw mode
        return sys.stdin.read(1) or "q"


@consultation.command()
@click.argument("consultation_id")
@click.option("--accept", type=int, default=None, help="Number of a suggested theme to confirm.")
@click.option("--label", default=None, help="Name for the accepted theme (default: its words).")
@click.option("--codebook", "apply_codebook", is_flag=True, help="Store the codebook's themes.")
@friendly
def themes(
    consultation_id: str, accept: int | None, label: str | None, apply_codebook: bool
) -> None:
    """Themes of the answers: the codebook's, and suggested ones to confirm or relabel."""
    settings = read_settings()
    deployment = root.deployment_for(settings)
    found = _consultation(deployment, consultation_id)

    async def go() -> None:
        async with root.open_database(settings) as database:
            rows = await store.answers(database, consultation_id)
            texts = [Text(a.id, a.text, a.language) for a in rows]
            coded = classify(texts, found.codebook)
            suggestions = suggest(texts)
            for theme in found.codebook:
                count = sum(1 for t in coded.values() if theme.id in t)
                label_text = deployment.text(theme.label, deployment.default_language)
                click.echo(f"codebook {theme.id} ({label_text}): {count} answers")
            for s in suggestions:
                click.echo(f"\nsuggested {s.number}: {', '.join(s.words)} ({len(s.answers)})")
                for quote in s.quotes:
                    click.echo(f"  > {escaped_controls(quote)}")
            changes: dict[int, str | None] = {}
            if apply_codebook:
                changes |= {i: t[0] for i, t in coded.items() if t}
            if accept is not None:
                chosen = next((s for s in suggestions if s.number == accept), None)
                if chosen is None:
                    raise ConfigError(f"no suggested theme {accept} (1 to {len(suggestions)})")
                name = (label or "_".join(chosen.words[:2]))[:32]
                changes |= dict.fromkeys(chosen.answers, name)
            await store.set_themes(database, changes)
            if changes:
                click.echo(f"\n{len(changes)} answers given a confirmed theme")

    run(go())


@consultation.command()
@click.argument("consultation_id")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["md", "json", "html"]),
    default="md",
    show_default=True,
)
@click.option("--min-votes", default=7, show_default=True, help="Votes to count in the groups.")
@click.option(
    "--by", default=None, help="Profile field of the participation table (default: region)."
)
@click.option(
    "--language", default=None, help="Language of the report (default: the deployment's)."
)
@friendly
def report(
    consultation_id: str, output_format: str, min_votes: int, by: str | None, language: str | None
) -> None:
    """Participation, opinion groups, common ground, themes and languages; small cells hidden."""
    settings = read_settings()
    deployment = root.deployment_for(settings)
    found = _consultation(deployment, consultation_id)
    shown = language or deployment.default_language
    if shown not in deployment.languages:
        raise ConfigError(f"language '{shown}' is not one of {', '.join(deployment.languages)}")
    fields = [q.id for q in deployment.profile]
    field = by or next((q.id for q in deployment.profile if isinstance(q, RegionQuestion)), None)
    if field is not None and field not in fields:
        raise UnknownField(field, fields)
    asked = next((q for q in deployment.profile if q.id == field), None)
    if isinstance(asked, RegionQuestion):
        value_names = {r.id: deployment.text(r.name, shown) for r in deployment.regions}
    elif asked is not None:
        value_names = {c.id: deployment.text(c.label, shown) for c in asked.choices}
    else:
        value_names = {}

    async def gather() -> ReportInput:
        async with root.open_database(settings) as database:
            votes = await store.vote_rows(database, consultation_id)
            statements = await store.statements(database, consultation_id)
            answer_rows = await store.answers(database, consultation_id)
            participation = await store.participation(database, consultation_id, field)
            followups = await store.rounds(database, consultation_id)
        questions = {0: deployment.text(found.question, shown)} | {
            n: deployment.text(q, shown) for n, q in followups.items()
        }
        per_round = {n: sum(1 for a in answer_rows if a.round == n) for n in questions}
        texts = [Text(a.id, a.text, a.language) for a in answer_rows]
        coded = classify(texts, found.codebook)
        for a in answer_rows:  # a mediator's confirmed theme wins
            if a.theme:
                coded[a.id] = (a.theme,)
        counts: dict[str, int] = {}
        quotes: dict[str, list[str]] = {}
        by_id = {a.id: a.text for a in answer_rows}
        for answer_id, found_themes in coded.items():
            for theme in found_themes:
                counts[theme] = counts.get(theme, 0) + 1
                if by_id[answer_id] not in quotes.setdefault(theme, []):
                    quotes[theme].append(by_id[answer_id])
        return ReportInput(
            deployment=deployment,
            consultation=found,
            participation=participation,
            groups=analyse(
                vote_matrix(votes), min_votes=min_votes, min_group=deployment.suppression_k
            ),
            statements={
                s.id: s.texts.get(shown) or next(iter(s.texts.values()), "") for s in statements
            },
            versions={
                s.id: Versions(s.language if s.language in s.texts else None, s.texts)
                for s in statements
            },
            codebook_counts=counts,
            codebook_quotes=quotes,
            suggestions=suggest([t for t in texts if not coded.get(t.id)]),
            languages=languages(texts),
            answers=len(answer_rows),
            language=shown,
            field_name=field or "all",
            value_names=value_names,
            rounds={n: (questions[n], per_round[n]) for n in questions},
        )

    click.echo(render(build(run(gather())), output_format))


@consultation.command()
@click.argument("consultation_id")
@click.option(
    "--text-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="What was heard and what happens next: a .yaml file maps language → text; any "
    "other file is plain text.",
)
@click.option(
    "--question-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A follow-up question (a .yaml file: language → text; else plain text): opens a "
    "new round of answers.",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@friendly
def followup(consultation_id: str, text_file: Path, question_file: Path | None, yes: bool) -> None:
    """Send every participant of the consultation a message in their language (once each),
    through the outbox; optionally open a follow-up question as a new round."""
    settings = read_settings()
    deployment = root.deployment_for(settings)
    _consultation(deployment, consultation_id)
    texts = load_broadcast_texts(deployment, text_file)
    question = None
    if question_file is not None:
        question = load_broadcast_texts(deployment, question_file)
        missing = [lang for lang in deployment.languages if lang not in question]
        if missing:
            raise ConfigError(f"{question_file}: no text in {', '.join(missing)}")
    if not yes:
        click.confirm("Queue the follow-up to every participant?", abort=True)

    async def queue() -> tuple[str, int, int | None]:
        async with root.open_database(settings) as database:
            return await store.queue_followup(database, consultation_id, texts, question, _now())

    job, queued, round_number = run(queue())
    opened = f"; round {round_number} is open" if round_number is not None else ""
    click.echo(f"{queued} messages queued as {job} (sent by `peacepulse run`){opened}")


@consultation.command()
@click.argument("consultation_id")
@click.argument("count", type=click.IntRange(1, 100_000))
@click.option("--camps", default=3, show_default=True, type=click.IntRange(1, 5))
@click.option("--seed", default=1, show_default=True, help="Same seed, same people and votes.")
@friendly
def simulate(consultation_id: str, count: int, camps: int, seed: int) -> None:
    """COUNT simulated people in CAMPS camps answer and vote (demonstrations and trials)."""
    from bots.simulate_consultation import simulate_consultation

    settings = read_settings()
    deployment = root.deployment_for(settings)
    _consultation(deployment, consultation_id)
    secret = root.local_secret(settings)

    async def go() -> int:
        async with root.open_app(settings, secret) as app:
            with click.progressbar(
                length=count, label="simulated participants", file=sys.stderr
            ) as bar:
                return await simulate_consultation(
                    app.service,
                    consultation_id,
                    deployment.languages,
                    count,
                    camps=camps,
                    seed=seed,
                    progress=lambda done: bar.update(done - bar.pos),
                )

    votes = run(go())
    click.echo(f"{count} simulated participants cast {votes} votes")


_TEXTS = (
    ("element", "The element of the negotiation"),
    ("title", "A short title people see in the menu"),
    ("context", "Context: what is agreed and what is not"),
    ("question", "The question people answer in their own words"),
)


@consultation.command()
@click.argument("consultation_id")
@friendly
def new(consultation_id: str) -> None:
    """Define a consultation by answering prompts; it is written to the deployment folder's
    consultations/ID.yaml and checked like every deployment file."""
    settings = read_settings()
    folder = settings.deployment
    if folder is None:
        raise ConfigError(
            "PEACEPULSE_DEPLOYMENT: set it to your deployment folder first "
            "(the packaged demo is not changed)"
        )
    deployment = root.deployment_for(settings)
    target = folder / CONSULTATIONS_FOLDER / f"{consultation_id}.yaml"
    if deployment.consultation(consultation_id) is not None or target.exists():
        raise ConfigError(f"consultation '{consultation_id}' exists already ({target})")
    data: dict[str, object] = {"id": consultation_id}
    for name, prompt in _TEXTS:
        data[name] = {
            language: click.prompt(f"{prompt} [{language}]").strip()
            for language in deployment.languages
        }
    data["opens"] = click.prompt("Opens (YYYY-MM-DD HH:MM, deployment time)")
    data["closes"] = click.prompt("Closes (YYYY-MM-DD HH:MM, deployment time)")
    regions = click.prompt("Regions (ids, comma-separated; empty: everyone)", default="")
    data["audience"] = {"regions": [r.strip() for r in regions.split(",") if r.strip()]}
    data["moderation"] = click.prompt(
        "Moderation", type=click.Choice(["strict", "post"]), default="strict"
    )
    for key in ("opens", "closes"):
        data[key] = str(data[key]).strip().replace(" ", "T", 1)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8"
    )
    try:
        load_deployment(folder)
    except DeploymentError as error:
        target.unlink()
        raise ConfigError(f"not saved: {error}") from error
    click.echo(f"written to {target}; add seeds, a block list and a codebook there if you like")
