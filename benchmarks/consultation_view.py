"""The read before each consultation event: one participant's `ConsultationView`.

    python -m benchmarks.consultation_view [--participants 5000] [--statements 500]
        [--votes-each 100] [--databases sqlite,postgresql]

Fills a database with approved statements and votes (each participant voting on
``votes-each`` random statements, counters kept as the store keeps them), then times
`UnitOfWork.consultation_view` for 200 random participants. PostgreSQL needs
PEACEPULSE_TEST_POSTGRES_URL (a database is created and dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from storage.database import create_engine, upgrade
from storage.models import Statement, StatementVote
from storage.unit_of_work import unit_of_work_factory

NOW = datetime(2026, 11, 22, tzinfo=UTC)


async def fill(engine: AsyncEngine, participants: int, statements: int, each: int) -> None:
    rng = random.Random(0)
    counts = {s: [0, 0, 0] for s in range(1, statements + 1)}
    votes = []
    for p in range(participants):
        for s in rng.sample(range(1, statements + 1), each):
            vote = rng.choice((1, -1, 0))
            counts[s][(1, -1, 0).index(vote)] += 1
            votes.append(
                {
                    "statement_id": s,
                    "participant": f"{p:064d}",
                    "consultation_id": "c",
                    "vote": vote,
                    "voted_at": NOW,
                }
            )
    async with engine.begin() as connection:
        await connection.execute(
            insert(Statement),
            [
                {
                    "id": s,
                    "consultation_id": "c",
                    "texts": {"en": f"Statement number {s} about the committee."},
                    "status": "approved",
                    "created_at": NOW,
                    "agrees": a,
                    "disagrees": d,
                    "passes": n,
                }
                for s, (a, d, n) in counts.items()
            ],
        )
        for start in range(0, len(votes), 50_000):
            await connection.execute(insert(StatementVote), votes[start : start + 50_000])


async def measure(engine: AsyncEngine, participants: int) -> list[float]:
    factory = unit_of_work_factory(engine)
    rng = random.Random(1)
    times = []
    for _ in range(200):
        person = f"{rng.randrange(participants):064d}"
        started = time.perf_counter()
        async with factory() as uow:
            await uow.consultation_view(person, "c")
        times.append((time.perf_counter() - started) * 1000)
    return times


async def run(url: str, args: argparse.Namespace) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
        started = time.perf_counter()
        await fill(engine, args.participants, args.statements, args.votes_each)
        filled = time.perf_counter() - started
        if engine.dialect.name == "postgresql":
            async with engine.begin() as connection:
                await connection.execute(text("ANALYZE"))
        times = sorted(await measure(engine, args.participants))
        print(
            f"{engine.dialect.name}: {args.participants * args.votes_each} votes "
            f"(filled in {filled:.0f} s); view p50 {statistics.median(times):.1f} ms, "
            f"p99 {times[int(len(times) * 0.99) - 1]:.1f} ms"
        )
    finally:
        await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=5000)
    parser.add_argument("--statements", type=int, default=500)
    parser.add_argument("--votes-each", type=int, default=100)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    databases = args.databases.split(",")
    if "sqlite" in databases:
        with tempfile.TemporaryDirectory() as folder:
            await run(f"sqlite+aiosqlite:///{Path(folder) / 'view.db'}", args)
    server = os.environ.get("PEACEPULSE_TEST_POSTGRES_URL")
    if "postgresql" in databases and server:
        name = f"pp_bench_{secrets.token_hex(4)}"
        admin = create_async_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        async with admin.connect() as connection:
            await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            url = make_url(server).set(database=name).render_as_string(hide_password=False)
            await run(url, args)
        finally:
            async with admin.connect() as connection:
                await connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
            await admin.dispose()


if __name__ == "__main__":
    asyncio.run(main())
