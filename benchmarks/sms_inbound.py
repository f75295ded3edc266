"""SMS inbound throughput: phones answering the demo's agenda poll through the real SMS stack.

    python -m benchmarks.sms_inbound [--phones 100] [--databases sqlite,postgresql]
        [--postgres-url postgresql+asyncpg://postgres@127.0.0.1:5432/test]

PeacePulse runs exactly as ``peacepulse run`` builds it with only Twilio configured
(`bots.app.run`), its REST client pointed at the fake Twilio of the tests
(`tests.fakes.sms_gateway.FakeTwilio`), which posts each text to the webhook signed as Twilio
does. Not timed: each phone consents, picks English, declines the profile questions. Timed: all
phones at once, closed loop, answer the agenda poll by text ("1 2", "1", "3", "2", a sentence).
Latency is one webhook request: verify the signature, process and commit, send every part of
the reply through the fake's REST API, answer 200. Fake gateway, phones and PeacePulse share
one process and one event loop, so every row also pays for the fake's side of each request.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import secrets
import shutil
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy import func, make_url, select
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from config.deployment import demo_folder
from storage.database import create_engine
from storage.models import Answer
from tests.fakes.sms_gateway import FakeTwilio
from tests.sms.conftest import running, sms_settings

ONBOARDING = ("hello", "1", "1", "prefer not to say", "prefer not to say", "prefer not to say")
ANSWERS = ("agenda for the peace talks", "1 2", "1", "3", "2", "Open the roads, please.")
ROWS_PER_PHONE = 6  # two choices for the first question, one row per other answer


@contextlib.asynccontextmanager
async def database(kind: str, postgres_url: str, folder: Path) -> AsyncIterator[str]:
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / 'bench.db'}"
        return
    name = f"pp_bench_{secrets.token_hex(6)}"
    admin = create_async_engine(postgres_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    async with admin.connect() as connection:
        await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.dispose()


async def one_run(kind: str, phones: int, postgres_url: str) -> str:
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        deployment = folder / "deployment"
        shutil.copytree(demo_folder(), deployment)
        async with FakeTwilio() as twilio, database(kind, postgres_url, folder) as url:
            settings = sms_settings(twilio, folder, deployment, database_url=url)
            numbers = [f"+2356{6_000_000 + n:07d}" for n in range(phones)]
            latencies: list[float] = []

            async def answer(number: str, texts: tuple[str, ...], timed: bool) -> None:
                for text in texts:
                    started = time.perf_counter()
                    status = await twilio.deliver(number, text)
                    if status != 200:
                        raise RuntimeError(f"webhook answered {status}")
                    if timed:
                        latencies.append(time.perf_counter() - started)

            async with running(settings):
                await asyncio.gather(*(answer(n, ONBOARDING, False) for n in numbers))
                started = time.perf_counter()
                await asyncio.gather(*(answer(n, ANSWERS, True) for n in numbers))
                wall = time.perf_counter() - started
            engine = create_engine(url)
            async with engine.connect() as connection:
                stored = (
                    await connection.execute(select(func.count()).select_from(Answer))
                ).scalar()
            await engine.dispose()
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p95 = ordered[int(len(ordered) * 0.95) - 1] * 1000
    check = "ok" if stored == phones * ROWS_PER_PHONE else f"FAILED: {stored} rows"
    return (
        f"| {kind} | {phones} | {len(latencies)} | {wall:.1f} | {len(latencies) / wall:.0f} "
        f"| {p50:.0f} | {p95:.0f} | {ordered[-1] * 1000:.0f} | {check} |"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--phones", type=int, default=100)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "PEACEPULSE_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
        ),
    )
    options = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    print("| database | phones | texts | seconds | texts/s | p50 ms | p95 ms | max ms | rows |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for kind in options.databases.split(","):
        print(await one_run(kind.strip(), options.phones, options.postgres_url), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
