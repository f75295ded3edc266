"""The one composition root: settings in, a wired application out. Nothing is built at import."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import re
import secrets
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from bots.sms.africastalking import AfricasTalkingGateway
from bots.sms.cost import Cost, poll_costs
from bots.sms.gateway import SmsGateway
from bots.sms.sender import SmsSender
from bots.sms.twilio import TwilioGateway
from bots.sms.webhook import SmsWebhook
from bots.sms.webhook import serving as serving_sms
from bots.telegram.botapi import BotApiClient
from bots.telegram.runtime import TelegramRuntime, Webhook
from bots.telegram.sender import TelegramSender
from bots.whatsapp.cloudapi import CloudApi
from bots.whatsapp.sender import WhatsAppSender
from bots.whatsapp.webhook import WhatsAppWebhook
from bots.whatsapp.webhook import serving as serving_whatsapp
from bots.whatsapp.window import WindowedRenderer
from config.deployment import demo_folder, load_deployment, whatsapp_problems
from config.errors import ConfigError
from config.settings import Settings
from conversations.definitions import Deployment, Poll, RegionQuestion
from conversations.engine import Engine
from conversations.language import detect_language
from conversations.outbound import quiet_until
from conversations.ports import Clock, Sender
from conversations.service import ConversationService
from insights import UnknownField
from insights.results import WAVE, PollResults, default_wave
from scheduler.dispatcher import Dispatcher, DispatcherSettings, Render
from scheduler.jobs import scheduled_waves
from scheduler.ratelimit import RateLimiter
from scheduler.render import OutboxRenderer
from scheduler.runner import build_scheduler
from storage import consultations
from storage.community import CommunityStore
from storage.database import check_writable, create_engine, upgrade
from storage.outbox import (
    Among,
    FailureReason,
    JobOverview,
    SqlOutbox,
    finish_transactions,
)
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


DEMO_SECRET_FILE = "secret.key"


def demo_secret(data_dir: Path) -> bytes:
    """The terminal demo's pseudonym key: generated once, kept in the data folder (0600)."""
    path = data_dir / DEMO_SECRET_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip().encode()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value.encode()


def local_secret(settings: Settings) -> bytes:
    """The pseudonym key for commands run on this machine: the configured one, or else the
    demo's own (`demo_secret`)."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    return demo_secret(settings.data_dir)


def required_secret(settings: Settings) -> bytes:
    if settings.secret_key is None:
        raise ConfigError(
            "PEACEPULSE_SECRET_KEY: required for `peacepulse run` (a long random value, e.g. "
            "from: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    return settings.secret_key.get_secret_value().encode()


@contextlib.asynccontextmanager
async def open_database(settings: Settings, *, writing: bool = True) -> AsyncIterator[AsyncEngine]:
    """The database engine, migrated to the latest schema, disposed on exit.

    ``writing``: the command writes, so a store that cannot be written is refused at once
    (`storage.database.DatabaseReadOnly`, one clear line) rather than at every write.
    """
    database = create_engine(settings.effective_database_url)
    try:
        if writing:
            await check_writable(database)
        await upgrade(database)
        yield database
    finally:
        await finish_transactions()
        await database.dispose()


@contextlib.asynccontextmanager
async def open_app(settings: Settings, secret: bytes) -> AsyncIterator[App]:
    deployment = deployment_for(settings)
    async with open_database(settings) as database:
        await consultations.sync_seeds(database, deployment, SystemClock().now())
        engine = Engine(deployment, detect_language, web_url=settings.web_url)
        # langdetect loads its language profiles on first use: ~1 s that would otherwise stall
        # the event loop (every channel's requests) at the first free-text answer
        detect_language("warm up")
        service = ConversationService(engine, unit_of_work_factory(database), secret, SystemClock())
        yield App(settings, deployment, database, service)


def telegram_runtime(settings: Settings) -> TelegramRuntime:
    if settings.telegram_token is None:
        raise ConfigError(
            "PEACEPULSE_TELEGRAM_TOKEN: required for `peacepulse run` (the token @BotFather "
            "gave you) unless an SMS gateway (PEACEPULSE_SMS_PROVIDER) or WhatsApp "
            "(PEACEPULSE_WHATSAPP_PHONE_NUMBER_ID) is configured; to try PeacePulse without "
            "any, use `peacepulse chat`"
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


def _required(name: str, value: object) -> None:
    if value is None or value == "":
        raise ConfigError(f"PEACEPULSE_{name}: required with PEACEPULSE_SMS_PROVIDER")


def sms_gateway(settings: Settings) -> SmsGateway | None:
    """The configured SMS gateway (None: no SMS), its settings checked."""
    if settings.sms_provider is None:
        return None
    _required("SMS_WEBHOOK_URL", settings.sms_webhook_url)
    assert settings.sms_webhook_url is not None
    if settings.sms_provider == "twilio":
        _required("SMS_TWILIO_ACCOUNT_SID", settings.sms_twilio_account_sid)
        _required("SMS_TWILIO_AUTH_TOKEN", settings.sms_twilio_auth_token)
        _required("SMS_TWILIO_FROM", settings.sms_twilio_from)
        assert settings.sms_twilio_auth_token is not None
        return TwilioGateway(
            account_sid=str(settings.sms_twilio_account_sid),
            auth_token=settings.sms_twilio_auth_token.get_secret_value(),
            sender=str(settings.sms_twilio_from),
            webhook_url=settings.sms_webhook_url,
            api_url=settings.sms_twilio_api_url,
        )
    _required("SMS_AFRICASTALKING_USERNAME", settings.sms_africastalking_username)
    _required("SMS_AFRICASTALKING_API_KEY", settings.sms_africastalking_api_key)
    _required("SMS_WEBHOOK_KEY", settings.sms_webhook_key)
    assert settings.sms_africastalking_api_key is not None
    assert settings.sms_webhook_key is not None
    key = settings.sms_webhook_key.get_secret_value()
    if len(key) < 16:
        raise ConfigError(
            "PEACEPULSE_SMS_WEBHOOK_KEY: at least 16 characters (a long random value)"
        )
    return AfricasTalkingGateway(
        username=str(settings.sms_africastalking_username),
        api_key=settings.sms_africastalking_api_key.get_secret_value(),
        webhook_key=key,
        sender=settings.sms_africastalking_from,
        api_url=settings.sms_africastalking_api_url,
    )


def sms_webhook(settings: Settings) -> SmsWebhook:
    path = urlsplit(settings.sms_webhook_url or "").path or "/"
    return SmsWebhook(listen=settings.sms_listen, port=settings.sms_port, path=path)


@contextlib.asynccontextmanager
async def sms_channel(app: App, gateway: SmsGateway | None) -> AsyncIterator[None]:
    """The SMS webhook served while the block runs, when a gateway is configured."""
    if gateway is None:
        yield
        return
    settings = app.settings
    async with serving_sms(
        gateway,
        app.service,
        sms_webhook(settings),
        settings.sms_default_region,
        app.deployment.default_language,
    ):
        yield


@dataclass(frozen=True, slots=True)
class WhatsAppChannel:
    """WhatsApp as configured: the Cloud API client, the webhook and the sending pace."""

    api: CloudApi
    webhook: WhatsAppWebhook
    rate: float
    pacing: float


def whatsapp_channel(settings: Settings) -> WhatsAppChannel | None:
    """The configured WhatsApp number (None: no WhatsApp), its settings checked."""
    if not settings.whatsapp_phone_number_id:
        return None
    secrets_ = {
        "WHATSAPP_ACCESS_TOKEN": settings.whatsapp_access_token,
        "WHATSAPP_APP_SECRET": settings.whatsapp_app_secret,
        "WHATSAPP_VERIFY_TOKEN": settings.whatsapp_verify_token,
    }
    for name, value in secrets_.items():
        if value is None or not value.get_secret_value():
            raise ConfigError(
                f"PEACEPULSE_{name}: required with PEACEPULSE_WHATSAPP_PHONE_NUMBER_ID"
            )
    assert settings.whatsapp_access_token is not None
    assert settings.whatsapp_app_secret is not None
    assert settings.whatsapp_verify_token is not None
    number = settings.whatsapp_phone_number_id
    return WhatsAppChannel(
        api=CloudApi(
            settings.whatsapp_api_url, number, settings.whatsapp_access_token.get_secret_value()
        ),
        webhook=WhatsAppWebhook(
            listen=settings.whatsapp_listen,
            port=settings.whatsapp_port,
            path=settings.whatsapp_path,
            verify_token=settings.whatsapp_verify_token.get_secret_value(),
            app_secret=settings.whatsapp_app_secret.get_secret_value(),
            phone_number_id=number,
        ),
        rate=settings.whatsapp_rate,
        pacing=settings.whatsapp_pacing,
    )


@contextlib.asynccontextmanager
async def whatsapp_serving(app: App, whatsapp: WhatsAppChannel | None) -> AsyncIterator[None]:
    """The WhatsApp webhook served while the block runs, when WhatsApp is configured; a
    deployment without the templates WhatsApp needs is refused first."""
    if whatsapp is None:
        yield
        return
    if problems := whatsapp_problems(app.deployment):
        raise ConfigError(
            "the deployment cannot be served on WhatsApp:" + "".join(f"\n  {p}" for p in problems)
        )
    outbox = outbox_for(app)
    async with serving_whatsapp(
        whatsapp.api,
        app.service,
        whatsapp.webhook,
        lambda reports: outbox.record_deliveries(reports, SystemClock().now()),
        app.deployment.default_language,
    ):
        yield


def whatsapp_sender(app: App, whatsapp: WhatsAppChannel, *, alone: bool) -> WhatsAppSender:
    section = app.deployment.whatsapp
    return WhatsAppSender(
        whatsapp.api,
        rate=whatsapp.rate,
        pacing=whatsapp.pacing,
        daily_limit=section.daily_limit if section is not None else 1000,
        paced_by_dispatcher=alone,
    )


def freeze_start_up() -> None:
    """Start-up is over: what it built (modules, deployment, schemas) lives as long as the
    process. Keep it out of the collector's full passes, which otherwise stall the event loop
    for ~200 ms each and with it the pace of bulk sending (benchmarks/README.md)."""
    gc.freeze()


def bulk_telegram_client(runtime: TelegramRuntime) -> BotApiClient:
    """What the outbox sends Telegram messages with, whichever framework serves the
    conversation: a lean Bot API client (a framework's costs twice the CPU per message)."""
    return BotApiClient(runtime.token, runtime.api_url)


def bulk_messaging(
    app: App,
    stop: asyncio.Event,
    sms: SmsGateway | None = None,
    telegram: TelegramRuntime | None = None,
    whatsapp: WhatsAppChannel | None = None,
) -> Callable[[], Coroutine[object, object, None]]:
    """What runs beside the bot: the scheduler (waves, reminders) and the outbox dispatcher,
    sending by Telegram when ``telegram`` is given, by SMS when ``sms`` is and by WhatsApp
    when ``whatsapp`` is.

    The dispatcher's rate (``PEACEPULSE_SEND_RATE``) paces every channel together; WhatsApp's
    sender paces its own number besides (``PEACEPULSE_WHATSAPP_RATE``, one message per person
    per ``PEACEPULSE_WHATSAPP_PACING`` seconds). With WhatsApp alone, the dispatcher's rate is
    WhatsApp's."""

    async def run() -> None:
        outbox = outbox_for(app)
        community = CommunityStore(app.database)
        clock = SystemClock()
        zone = ZoneInfo(app.deployment.timezone)
        # One limiter paces every call: a message sent in parts waits for its chat's turn too.
        rate = app.settings.send_rate
        alone = whatsapp is not None and telegram is None and sms is None
        if alone and whatsapp is not None:
            limiter = RateLimiter(whatsapp.rate, chat_interval=max(whatsapp.pacing, 1.0))
            rate = whatsapp.rate
        else:
            limiter = RateLimiter(rate)
        async with contextlib.AsyncExitStack() as closing:
            senders: dict[str, Sender] = {}
            if whatsapp is not None:
                senders["whatsapp"] = whatsapp_sender(app, whatsapp, alone=alone)
            if telegram is not None:
                client = await closing.enter_async_context(bulk_telegram_client(telegram))
                senders["telegram"] = TelegramSender(client, pace=limiter.next_turn)
            if sms is not None:
                senders["sms"] = SmsSender(sms, pace=limiter.next_turn)
            render: Render = OutboxRenderer(
                app.deployment,
                outbox.broadcast,
                lambda initiative_id: community.initiative(app.deployment, initiative_id),
            )
            if whatsapp is not None:  # the 24-hour window decided per recipient
                render = WindowedRenderer(render, app.deployment, outbox.last_message_at, clock)
            dispatcher = Dispatcher(
                outbox,
                senders,
                render,
                clock,
                limiter=limiter,
                quiet=lambda now: quiet_until(now, app.deployment.quiet_hours, zone),
                settings=DispatcherSettings(rate=rate),
            )
            scheduler = build_scheduler(outbox, app.deployment, clock, community)
            scheduler.start()
            try:
                await dispatcher.run(stop)
            finally:
                scheduler.shutdown(wait=False)

    return run


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """`peacepulse run`: serve the deployment on Telegram, by SMS, or both, until ``stop`` is
    set, with the scheduler and the outbox dispatcher beside them."""
    gateway = sms_gateway(settings)
    whatsapp = whatsapp_channel(settings)
    if (gateway is None and whatsapp is None) or settings.telegram_token is not None:
        await run_telegram(settings, stop, gateway, whatsapp)
        return
    secret = required_secret(settings)
    async with (
        open_app(settings, secret) as app,
        sms_channel(app, gateway),
        whatsapp_serving(app, whatsapp),
    ):
        freeze_start_up()
        await bulk_messaging(app, stop, gateway, None, whatsapp)()


async def run_telegram(
    settings: Settings,
    stop: asyncio.Event,
    gateway: SmsGateway | None = None,
    whatsapp: WhatsAppChannel | None = None,
) -> None:
    """Serve the deployment on Telegram until ``stop`` is set, with the scheduler and the
    outbox dispatcher beside it, and the SMS and WhatsApp webhooks when configured."""
    runtime = telegram_runtime(settings)
    secret = required_secret(settings)
    async with (
        open_app(settings, secret) as app,
        sms_channel(app, gateway),
        whatsapp_serving(app, whatsapp),
    ):
        languages = app.deployment.languages
        alongside = bulk_messaging(app, stop, gateway, runtime, whatsapp)
        freeze_start_up()
        if settings.bot_framework == "ptb":
            from bots.telegram import ptb_bot

            await ptb_bot.serve(runtime, app.service, languages, stop, alongside)
        else:
            from bots.telegram import aiogram_bot

            await aiogram_bot.serve(runtime, app.service, languages, stop, alongside)


def sms_costs(settings: Settings, poll_id: str) -> tuple[tuple[str, ...], list[Cost]]:
    """The deployment's languages, and what each message of a poll costs in SMS segments."""
    deployment = deployment_for(settings)
    poll = deployment.poll(poll_id)
    if poll is None:
        raise ConfigError(f"no poll '{poll_id}' (see `peacepulse polls`)")
    engine = Engine(deployment, detect_language)
    return deployment.languages, poll_costs(engine, deployment, poll, SystemClock().now())


async def poll_results(
    settings: Settings, poll_id: str, by: str | None, wave: int | None = None
) -> PollResults:
    """Aggregates from the database, summarized with small groups suppressed."""
    deployment = deployment_for(settings)
    poll = deployment.poll(poll_id)
    if poll is None:
        known = ", ".join(p.id for p in deployment.polls) or "none"
        raise ConfigError(f"no poll '{poll_id}' in the deployment (polls: {known})")
    check_breakdown(deployment, poll, by)
    check_wave(poll, by, wave)
    async with open_database(settings, writing=False) as database:
        return await results_of(
            database, deployment, poll, by=by, wave=wave, language=deployment.default_language
        )


def check_breakdown(deployment: Deployment, poll: Poll, by: str | None) -> None:
    """Raise `UnknownField` unless ``by`` is a profile field, or ``wave`` of a repeating poll."""
    if by == WAVE and poll.schedule is None:
        check_wave(poll, by, None)
    fields = [q.id for q in deployment.profile] + ([WAVE] if poll.schedule else [])
    if by is not None and by not in fields:
        raise UnknownField(by, fields)


def check_wave(poll: Poll, by: str | None, wave: int | None) -> None:
    """Raise `ConfigError` for a wave a poll cannot have: any, on a poll without waves; one
    beyond its schedule."""
    if poll.schedule is None:
        if by == WAVE or wave is not None:
            option = "--by wave" if by == WAVE else "--wave"
            raise ConfigError(
                f"'{poll.id}' has no waves (it is not a repeating poll): drop {option}"
            )
        return
    if wave is not None and wave > poll.schedule.waves:
        raise ConfigError(
            f"'{poll.id}' has {poll.schedule.waves} waves: --wave must be 1 to "
            f"{poll.schedule.waves}"
        )


async def results_of(
    database: AsyncEngine,
    deployment: Deployment,
    poll: Poll,
    *,
    by: str | None,
    wave: int | None,
    language: str,
) -> PollResults:
    """A poll's results (`insights.analysis.table`) read from an open database: the one
    path by which the CLI and the workspace (`bots.web`) get them. A repeating poll not split
    by wave shows one wave: ``wave``, or else the default one (`insights.results.default_wave`).

    Every table is protected together with all the others of the poll (every wave, every
    field: `insights.disclosure`), so the cross-tabs of every wave and field are read."""
    from bots.insights_cli import load_rows
    from insights.analysis import breakdowns, table

    rows = await load_rows(database, deployment, poll.id)
    scope = None
    if poll.schedule is not None and by != WAVE:
        if wave is None:
            now = SystemClock().now()
            closed = [
                w.number
                for w in scheduled_waves(deployment)
                if w.poll_id == poll.id and w.closes_at <= now
            ]
            wave, scope = default_wave(sorted({a.wave for a in rows.answered}), closed)
        else:
            scope = f"wave {wave}"
    elif poll.schedule is not None:
        scope = "each wave; the All waves column counts a person once per wave answered"
    results = table(deployment, poll, rows.of_wave(wave), by, language)
    weighted = None
    if by is not None and by != WAVE:
        found = breakdowns(deployment, poll, rows, language, wave)
        weighted = next((b for b in found if b.field == by), None)
    return replace(results, scope=scope, weighted=weighted)


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
    async with open_database(settings, writing=False) as database:
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


async def broadcast_audience(
    settings: Settings, topic: str | None, among: Among | None = None
) -> int:
    async with open_database(settings, writing=False) as database:
        return await SqlOutbox(database).audience_size(topic, among)


async def queue_broadcast(
    settings: Settings,
    topic: str | None,
    texts: dict[str, str],
    photo: str | None,
    among: Among | None = None,
) -> tuple[str, int]:
    async with open_database(settings) as database:
        now = SystemClock().now()
        return await SqlOutbox(database).queue_broadcast(topic, texts, photo, now, among)


async def outbox_status(
    settings: Settings, job: str | None
) -> tuple[list[JobOverview], list[FailureReason]]:
    """`peacepulse outbox status`: messages per job and state, and why the failed ones
    failed."""
    async with open_database(settings, writing=False) as database:
        outbox = SqlOutbox(database)
        jobs = await outbox.jobs_overview()
        if job is not None:
            jobs = [j for j in jobs if j.job == job]
        return jobs, await outbox.failure_reasons(job)


async def retry_outbox(settings: Settings, job: str | None) -> int:
    """`peacepulse outbox retry`: failed messages queued again; how many."""
    async with open_database(settings) as database:
        return await SqlOutbox(database).retry_failed(SystemClock().now(), job)


async def job_counts(settings: Settings, job: str) -> dict[str, int]:
    async with open_database(settings, writing=False) as database:
        return await SqlOutbox(database).job_counts(job)


def web_link(settings: Settings, token: str) -> str:
    """The sign-in address of a one-time token (`storage.web.WebStore.issue_link`)."""
    return f"{settings.web_url}/sign-in/{token}"


async def issue_web_link(settings: Settings, participant: str) -> str | None:
    """A one-time sign-in link to the workspace for a staff member (None: they have no role)."""
    from storage.web import WebStore

    async with open_database(settings) as database:
        token = await WebStore(database).issue_link(participant, "cli", SystemClock().now())
    return None if token is None else web_link(settings, token)


async def serve_web(settings: Settings, stop: asyncio.Event) -> None:
    """`peacepulse web`: the staff workspace in the browser until ``stop`` is set."""
    from aiohttp import web

    from bots.web.server import Workspace, build

    secret = required_secret(settings)
    deployment = deployment_for(settings)
    async with open_database(settings) as database:
        workspace = Workspace(
            deployment=deployment,
            database=database,
            secret=secret,
            clock=SystemClock(),
            secure_cookies=settings.web_url.startswith("https://"),
        )
        runner = web.AppRunner(build(workspace), access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, settings.web_listen, settings.web_port)
            await site.start()
            log.info(
                "workspace on http://%s:%s (public address %s)",
                settings.web_listen,
                settings.web_port,
                settings.web_url,
            )
            await stop.wait()
        finally:
            await runner.cleanup()
