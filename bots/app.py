"""The one composition root: settings in, a wired application out. Nothing is built at import."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from bots.telegram.common import Alongside, TelegramClient
from bots.telegram.runtime import TelegramRuntime, Webhook
from bots.telegram.sender import TelegramSender
from config.deployment import demo_folder, load_deployment
from config.errors import ConfigError
from config.settings import Settings
from conversations.definitions import Deployment, RegionQuestion
from conversations.engine import Engine
from conversations.language import detect_language
from conversations.outbound import quiet_until
from conversations.ports import Clock
from conversations.service import ConversationService
from insights import UnknownField
from insights.results import WAVE, PollResults, summarize
from scheduler.dispatcher import Dispatcher, DispatcherSettings
from scheduler.jobs import scheduled_waves
from scheduler.ratelimit import RateLimiter
from scheduler.render import OutboxRenderer
from scheduler.runner import build_scheduler
from storage import aggregates, consultations
from storage.database import create_engine, upgrade
from storage.outbox import SqlOutbox
from storage.unit_of_work import unit_of_work_factory

log = logging.getLogger(__name__)


class SystemClock(Clock):
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class App:
    settings: Settings
    deployment: Deployment
    database: AsyncEngine
    service: ConversationService


def deployment_for(settings: Settings) -> Deployment:
    return load_deployment(settings.deployment or demo_folder())


def demo_secret(data_dir: Path) -> bytes:
    """The terminal demo's pseudonym key: generated once, kept in the data folder (0600)."""
    path = data_dir / "secret.key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip().encode()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value.encode()


def required_secret(settings: Settings) -> bytes:
    if settings.secret_key is None:
        raise ConfigError(
            "PEACEPULSE_SECRET_KEY: required for `peacepulse run` (a long random value, e.g. "
            "from: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    return settings.secret_key.get_secret_value().encode()


@contextlib.asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """The database engine, migrated to the latest schema, disposed on exit."""
    database = create_engine(settings.effective_database_url)
    try:
        await upgrade(database)
        yield database
    finally:
        await database.dispose()


@contextlib.asynccontextmanager
async def open_app(settings: Settings, secret: bytes) -> AsyncIterator[App]:
    deployment = deployment_for(settings)
    async with open_database(settings) as database:
        await consultations.sync_seeds(database, deployment, SystemClock().now())
        engine = Engine(deployment, detect_language)
        service = ConversationService(engine, unit_of_work_factory(database), secret, SystemClock())
        yield App(settings, deployment, database, service)


def telegram_runtime(settings: Settings) -> TelegramRuntime:
    if settings.telegram_token is None:
        raise ConfigError(
            "PEACEPULSE_TELEGRAM_TOKEN: required for `peacepulse run` (the token @BotFather "
            "gave you); to try PeacePulse without Telegram, use `peacepulse chat`"
        )
    token = settings.telegram_token.get_secret_value()
    left, _, right = token.partition(":")
    if not left.isdigit() or not right:
        raise ConfigError("PEACEPULSE_TELEGRAM_TOKEN: does not look like a bot token (123:ABC…)")
    webhook = None
    if settings.webhook_url:
        if settings.webhook_secret is None:
            raise ConfigError(
                "PEACEPULSE_WEBHOOK_SECRET: required with PEACEPULSE_WEBHOOK_URL "
                "(1-256 characters of A-Z, a-z, 0-9, _ and -)"
            )
        secret = settings.webhook_secret.get_secret_value()
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise ConfigError(
                "PEACEPULSE_WEBHOOK_SECRET: only A-Z, a-z, 0-9, _ and - (1-256 characters)"
            )
        webhook = Webhook(
            url=settings.webhook_url,
            secret=secret,
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            path=settings.webhook_path,
        )
    return TelegramRuntime(token=token, api_url=settings.telegram_api_url, webhook=webhook)


def outbox_for(app: App) -> SqlOutbox:
    region = next((q.id for q in app.deployment.profile if isinstance(q, RegionQuestion)), None)
    return SqlOutbox(app.database, region_field=region or "region")


def bulk_messaging(app: App, stop: asyncio.Event) -> Alongside:
    """What runs beside the bot: the scheduler (waves, reminders) and the outbox dispatcher."""

    async def run(client: TelegramClient) -> None:
        outbox = outbox_for(app)
        clock = SystemClock()
        zone = ZoneInfo(app.deployment.timezone)
        # One limiter paces every call: a message sent in parts waits for its chat's turn too.
        limiter = RateLimiter(app.settings.send_rate)
        dispatcher = Dispatcher(
            outbox,
            {"telegram": TelegramSender(client, pace=limiter.next_turn)},
            OutboxRenderer(app.deployment, outbox.broadcast),
            clock,
            limiter=limiter,
            quiet=lambda now: quiet_until(now, app.deployment.quiet_hours, zone),
            settings=DispatcherSettings(rate=app.settings.send_rate),
        )
        scheduler = build_scheduler(outbox, app.deployment, clock)
        scheduler.start()
        try:
            await dispatcher.run(stop)
        finally:
            scheduler.shutdown(wait=False)

    return run


async def run_telegram(settings: Settings, stop: asyncio.Event) -> None:
    """`peacepulse run`: serve the deployment on Telegram until ``stop`` is set, with the
    scheduler and the outbox dispatcher beside it."""
    runtime = telegram_runtime(settings)
    secret = required_secret(settings)
    async with open_app(settings, secret) as app:
        languages = app.deployment.languages
        alongside = bulk_messaging(app, stop)
        # What start-up built (modules, deployment, schemas) lives as long as the process:
        # keep it out of the collector's full passes, which otherwise stall sending for
        # ~200 ms each under load (benchmarks/README.md).
        gc.freeze()
        if settings.bot_framework == "ptb":
            from bots.telegram import ptb_bot

            await ptb_bot.serve(runtime, app.service, languages, stop, alongside)
        else:
            from bots.telegram import aiogram_bot

            await aiogram_bot.serve(runtime, app.service, languages, stop, alongside)


async def poll_results(
    settings: Settings, poll_id: str, by: str | None, wave: int | None = None
) -> PollResults:
    """Aggregates from the database, summarized with small groups suppressed."""
    deployment = deployment_for(settings)
    poll = deployment.poll(poll_id)
    if poll is None:
        known = ", ".join(p.id for p in deployment.polls) or "none"
        raise ConfigError(f"no poll '{poll_id}' in the deployment (polls: {known})")
    fields = [q.id for q in deployment.profile] + ([WAVE] if poll.schedule else [])
    if by is not None and by not in fields:
        raise UnknownField(by, fields)
    async with open_database(settings) as database:
        choices = await aggregates.choice_counts(database, poll_id, by, wave)
        totals = await aggregates.question_totals(database, poll_id, by, wave)
        numbers = await aggregates.number_stats(database, poll_id, by, wave)
    return summarize(
        deployment,
        poll,
        by=by,
        language=deployment.default_language,
        choices=choices,
        totals=totals,
        numbers=numbers,
    )


@dataclass(frozen=True, slots=True)
class WaveRow:
    poll_id: str
    number: int
    opens: str
    closes: str
    status: str
    invited: int | None
    completed: int | None


async def waves_table(settings: Settings) -> list[WaveRow]:
    """Every wave the deployment schedules, with what the database knows of it."""
    deployment = deployment_for(settings)
    zone = ZoneInfo(deployment.timezone)
    now = SystemClock().now()
    async with open_database(settings) as database:
        known = {(w.poll_id, w.number): w for w in await SqlOutbox(database).waves_overview()}
    rows = []
    for wave in scheduled_waves(deployment):
        seen = known.get((wave.poll_id, wave.number))
        status = "open" if wave.is_open(now) else "closed" if wave.closes_at <= now else "coming"
        rows.append(
            WaveRow(
                wave.poll_id,
                wave.number,
                f"{wave.opens_at.astimezone(zone):%Y-%m-%d %H:%M}",
                f"{wave.closes_at.astimezone(zone):%Y-%m-%d %H:%M}",
                status if seen or status == "coming" else f"{status}, not opened",
                seen.invited if seen else None,
                seen.completed if seen else None,
            )
        )
    return rows


async def broadcast_audience(settings: Settings, topic: str | None) -> int:
    async with open_database(settings) as database:
        return await SqlOutbox(database).audience_size(topic)


async def queue_broadcast(
    settings: Settings, topic: str | None, texts: dict[str, str], photo: str | None
) -> tuple[str, int]:
    async with open_database(settings) as database:
        return await SqlOutbox(database).queue_broadcast(topic, texts, photo, SystemClock().now())


async def job_counts(settings: Settings, job: str) -> dict[str, int]:
    async with open_database(settings) as database:
        return await SqlOutbox(database).job_counts(job)
