"""WhatsApp throughput against the fake Cloud API (`tests.fakes.whatsapp_api.FakeCloudApi`).

    python -m benchmarks.whatsapp inbound [--phones 100] [--databases sqlite,postgresql]
    python -m benchmarks.whatsapp outbound [--recipients 2400] [--rate 80] [--databases ...]

**inbound**: PeacePulse exactly as ``peacepulse run`` builds it with only WhatsApp configured
(`bots.app.run`). Not timed: each phone consents, picks English, skips the profile. Timed: all
phones at once, closed loop, answer the agenda poll ("1 2", "1", "3", "2", a sentence), each
message a signed webhook POST whose replies go back to the fake's ``/messages``. Beside it, on
the same fake, a bare webhook that only checks the signature, parses the body and echoes the
text back with one ``/messages`` call: the ceiling for this process. Fake, phones and webhook
share one process and one event loop.

**outbound**: ``recipients`` WhatsApp participants written directly in the database, half of
whom wrote an hour ago (inside the 24-hour window) and half two days ago (outside); one
broadcast to all, drained by the outbox dispatcher with the WhatsApp sender and the window
renderer as `bots.app.bulk_messaging` wires them, against the fake enforcing ``rate`` per second
(130429 beyond it), one message per person per 6 s (131056) and the window (131047 for
free-form outside it). Counted: sent per second over the drain, refusals provoked, free-form
messages outside the window, duplicates and losses.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import shutil
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import func, insert, select

from benchmarks.sms_inbound import database
from bots.app import SystemClock, freeze_start_up
from bots.whatsapp.cloudapi import CloudApi, authentic
from bots.whatsapp.sender import WhatsAppSender
from bots.whatsapp.window import WindowedRenderer
from config.deployment import demo_folder, load_deployment
from conversations.values import ConversationState
from scheduler.dispatcher import Dispatcher, DispatcherSettings
from scheduler.ratelimit import RateLimiter
from scheduler.render import OutboxRenderer
from storage.database import create_engine, upgrade
from storage.models import Answer, ChatAddress, Participant
from storage.outbox import SqlOutbox
from tests.fakes.whatsapp_api import FakeCloudApi
from tests.sms.conftest import free_port
from tests.whatsapp.conftest import TEMPLATES, running, whatsapp_settings

ANSWERS = ("1 2", 1, 3, 2, "Open the roads, please.")
"""Typed where the question is answered by typing (several choices at once, free text); else
the n-th button or list row tapped, as people do on WhatsApp (typed numbers cost a little more:
they are matched against the options in every language)."""
ROWS_PER_PHONE = 6  # two choices for the first question, one row per other answer


# --------------------------------------------------------------------------------------------
# inbound
# --------------------------------------------------------------------------------------------
async def _answer_all(
    fake: FakeCloudApi, numbers: list[str], answers: tuple[str | int, ...], latencies: list[float]
) -> float:
    def message(number: str, answer: str | int) -> dict[str, Any]:
        if isinstance(answer, str):
            return {"type": "text", "text": {"body": answer}}
        last = fake.received(number)
        choices = last[-1].choices if last else []
        if not choices:  # the echo webhook: taps are echoed as their title
            return {"type": "text", "text": {"body": str(answer)}}
        chosen, title = choices[answer - 1]
        reply = {"id": chosen, "title": title}
        return {"type": "interactive", "interactive": {"type": "list_reply", "list_reply": reply}}

    async def one(number: str) -> None:
        for answer in answers:
            started = time.perf_counter()
            status = await fake.deliver(number, message(number, answer))
            if status != 200:
                raise RuntimeError(f"webhook answered {status}")
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(one(n) for n in numbers))
    return time.perf_counter() - started


async def _onboard(fake: FakeCloudApi, number: str) -> None:
    (notice,) = await fake.text(number, "hello")
    (language,) = await fake.tap(number, notice.choices[0][0])
    await fake.tap(number, language.choices[0][0])
    for _ in range(3):
        await fake.text(number, "skip")
    await fake.text(number, "agenda for the peace talks")


@contextlib.asynccontextmanager
async def echo_webhook(fake: FakeCloudApi) -> AsyncIterator[None]:
    """A bare webhook: verify, parse, echo the text back with one API call, answer 200."""
    api = CloudApi(fake.base_url, fake.phone_number_id, fake.token)

    async def receive(request: web.Request) -> web.Response:
        raw = await request.read()
        if not authentic(fake.app_secret, raw, request.headers.get("X-Hub-Signature-256")):
            raise web.HTTPForbidden()
        body = await request.json()
        message = body["entry"][0]["changes"][0]["value"]["messages"][0]
        text = {"type": "text", "text": {"body": message["text"]["body"]}}
        await api.send("+" + message["from"], text)
        return web.Response()

    app = web.Application(client_max_size=1024 * 1024)
    port = free_port()
    app.router.add_post("/echo", receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    fake.webhook_url = f"http://127.0.0.1:{port}/echo"
    try:
        yield
    finally:
        await runner.cleanup()
        await api.close()


def _row(label: str, phones: int, latencies: list[float], wall: float, check: str) -> list[str]:
    ordered = sorted(latencies)
    return [
        label,
        str(phones),
        str(len(ordered)),
        f"{len(ordered) / wall:.0f}",
        f"{statistics.median(ordered) * 1000:.0f}",
        f"{ordered[int(len(ordered) * 0.95) - 1] * 1000:.0f}",
        check,
    ]


async def inbound(kind: str, phones: int, postgres_url: str) -> list[list[str]]:
    numbers = [f"+2356{6_000_000 + n:07d}" for n in range(phones)]
    rows: list[list[str]] = []
    async with FakeCloudApi(templates={name: {"en", "fr", "ar"} for name in TEMPLATES}) as fake:
        latencies: list[float] = []
        async with echo_webhook(fake):
            wall = await _answer_all(fake, numbers, ANSWERS, latencies)
        echo = len(latencies) / wall
        rows.append(_row("— (echo)", phones, latencies, wall, "baseline"))
        with tempfile.TemporaryDirectory() as directory:
            folder = Path(directory)
            deployment = folder / "deployment"
            shutil.copytree(demo_folder(), deployment)
            async with database(kind, postgres_url, folder) as url:
                settings = whatsapp_settings(fake, folder, deployment, database_url=url)
                async with running(settings, fake):
                    await asyncio.gather(*(_onboard(fake, n) for n in numbers))
                    latencies = []
                    wall = await _answer_all(fake, numbers, ANSWERS, latencies)
                engine = create_engine(url)
                async with engine.connect() as connection:
                    stored = (
                        await connection.execute(select(func.count()).select_from(Answer))
                    ).scalar()
                await engine.dispose()
        check = "ok" if stored == phones * ROWS_PER_PHONE else f"FAILED: {stored} rows"
        row = _row(kind, phones, latencies, wall, check)
        row[-1] = f"{len(latencies) / wall / echo:.0%} ({check})"
        rows.append(row)
    return rows


# --------------------------------------------------------------------------------------------
# outbound
# --------------------------------------------------------------------------------------------
def _number(index: int) -> str:
    return f"+2356{7_000_000 + index:07d}"


async def _participants(url: str, count: int, fake: FakeCloudApi) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    now = datetime.now(UTC)
    people: list[dict[str, Any]] = []
    addresses: list[dict[str, Any]] = []
    for i in range(count):
        inside = i % 2 == 0
        wrote = now - (timedelta(hours=1) if inside else timedelta(days=2))
        state = ConversationState(stage="menu", language="en", seq=3, last_active=wrote)
        people.append(
            {
                "id": f"wa{i:010d}",
                "state": state.to_json(),
                "consented_at": now,
                "opted_out": False,
                "created_at": now,
                "updated_at": now,
                "language": "en",
            }
        )
        addresses.append(
            {"participant_id": f"wa{i:010d}", "channel": "whatsapp", "address": _number(i)}
        )
        if inside:
            fake.last_inbound[_number(i).lstrip("+")] = time.monotonic()
    async with engine.begin() as connection:
        for start in range(0, count, 5000):
            await connection.execute(insert(Participant), people[start : start + 5000])
            await connection.execute(insert(ChatAddress), addresses[start : start + 5000])
    await engine.dispose()


async def outbound(kind: str, recipients: int, rate: float, postgres_url: str) -> list[str]:
    deployment = load_deployment(demo_folder())
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        templates = {name: {"en", "fr", "ar"} for name in TEMPLATES}
        async with (
            FakeCloudApi(templates=templates, rate=rate, pair_interval=6.0) as fake,
            database(kind, postgres_url, folder) as url,
        ):
            await _participants(url, recipients, fake)
            engine = create_engine(url)
            outbox = SqlOutbox(engine)
            api = CloudApi(fake.base_url, fake.phone_number_id, fake.token)
            clock = SystemClock()
            render = OutboxRenderer(deployment, outbox.broadcast)
            # as `bots.app.bulk_messaging` wires WhatsApp alone: one limiter, the dispatcher's
            sender = WhatsAppSender(
                api, rate=rate, pacing=6.0, daily_limit=recipients, paced_by_dispatcher=True
            )
            dispatcher = Dispatcher(
                outbox,
                {"whatsapp": sender},
                WindowedRenderer(render, deployment, outbox.last_message_at, clock),
                clock,
                limiter=RateLimiter(rate, chat_interval=6.0),
                settings=DispatcherSettings(rate=rate),
            )
            texts = {"en": "The talks resume on Monday.\nThank you for taking part."}
            job, queued = await outbox.queue_broadcast(None, texts, None, clock.now())
            assert queued == recipients, queued
            freeze_start_up()
            stop = asyncio.Event()
            started = time.monotonic()
            task = asyncio.create_task(dispatcher.run(stop))
            try:
                while time.monotonic() - started < recipients / rate * 2 + 30:
                    await asyncio.sleep(0.5)
                    counts = await outbox.job_counts(job)
                    if counts["queued"] + counts["sending"] == 0:
                        break
            finally:
                stop.set()
                await task
                await api.close()
            counts = await outbox.job_counts(job)
            await engine.dispose()
    times = sorted(s.at for s in fake.sent)
    seconds = times[-1] - times[0] if len(times) > 1 else 1.0
    per_second = (len(times) - 1) / seconds
    copies = Counter(s.to for s in fake.sent)
    outside = {_number(i) for i in range(recipients) if i % 2}
    free_outside = sum(1 for s in fake.sent if s.to in outside and s.type != "template")
    templates_inside = sum(1 for s in fake.sent if s.to not in outside and s.type == "template")
    return [
        kind,
        str(recipients),
        f"{rate:.0f}",
        f"{per_second:.1f}",
        f"{per_second / rate:.1%}",
        str(fake.rate_limited),
        str(free_outside + fake.outside_window),
        str(templates_inside),
        str(sum(n - 1 for n in copies.values())),
        str(recipients - len(copies)),
        str(counts["sent"]),
    ]


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    return "\n".join([*lines, *("| " + " | ".join(r) + " |" for r in rows)])


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=["inbound", "outbound"])
    parser.add_argument("--phones", type=int, default=100)
    parser.add_argument("--recipients", type=int, default=2400)
    parser.add_argument("--rate", type=float, default=80.0)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "PEACEPULSE_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
        ),
    )
    options = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    kinds = [k.strip() for k in options.databases.split(",")]
    if options.what == "inbound":
        header = ["database", "phones", "answers", "answers/s", "p50 ms", "p95 ms", "% of echo"]
        rows = [r for k in kinds for r in await inbound(k, options.phones, options.postgres_url)]
    else:
        header = [
            "database",
            "recipients",
            "limit L",
            "sent/s",
            "of L",
            "refusals provoked",
            "free-form outside window",
            "templates inside window",
            "duplicates",
            "losses",
            "rows sent",
        ]
        rows = [
            await outbound(k, options.recipients, options.rate, options.postgres_url) for k in kinds
        ]
    print(table(header, rows), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
