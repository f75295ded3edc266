"""Cross-tabs in SQL beside pandas, and raking, on synthetic data.

    python -m benchmarks.aggregate [--answers 1000000] [--respondents 100000] [--repeat 3]
        [--databases sqlite,postgresql]
        [--postgres-url postgresql+asyncpg://postgres@127.0.0.1:5432/test]

Setup, not measured: ``--respondents`` participants with a region (7 values), a gender (3)
and an age band (5), skewed as an opt-in sample is (a tenth leave each field unstated), who
answer single-choice questions of 6 options until there are ``--answers`` answer rows, over
2 waves. Respondents are named as the service names them (64-character HMAC pseudonyms), and
the answers are stored in the order a poll receives them (each person's answers of a wave
together, people in a random order). Loaded with bulk inserts (COPY on PostgreSQL), then
ANALYZE; on SQLite the write-ahead log is then checkpointed, as it is every 1000 pages in a
deployment that took its answers over weeks.

Measured (the median of ``--repeat`` runs, each on a warm database):

* **SQL**: `storage.crosstabs.choice_cells` by region × gender: respondents per question ×
  wave × option × region × gender, computed by the database and returned as rows. Beside
  the wall time, the CPU time of the benchmark's process: on SQLite that is the query's own
  work (it runs in aiosqlite's thread), which moves less with the machine's load; on
  PostgreSQL only the client's share.
* **pandas**: the same answers, already in a DataFrame joined with the profile (loading
  them is not timed), ``groupby([question, wave, choice, region, gender]).respondent.nunique()``,
  in the same process and run; its result is checked to equal the SQL rows.
* **report's other reads**: `answered_cells`, `number_cells` and `respondent_cells` by the
  same fields, once each (what `peacepulse report` reads beside the choices; no target).
* **raking**: `insights.weighting.rake` of ``--respondents`` people, one cell each, on three
  margins (region, gender, age band), to a tolerance of 1e-10.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from benchmarks.inbound import Skipped, database
from conversations.identity import pseudonym
from conversations.values import ParticipantKey
from insights.weighting import rake
from storage.crosstabs import answered_cells, choice_cells, number_cells, respondent_cells
from storage.database import create_engine, upgrade
from storage.models import Answer, Participant, ProfileValue

POLL = "bench"
REGIONS = ("capital", "north", "south", "east", "west", "lake", "abroad")
REGION_P = (0.40, 0.15, 0.12, 0.12, 0.10, 0.08, 0.03)
GENDERS = ("man", "woman", "another")
GENDER_P = (0.64, 0.34, 0.02)
AGES = ("18_24", "25_34", "35_49", "50_64", "65_plus")
AGE_P = (0.38, 0.32, 0.18, 0.09, 0.03)
OPTIONS = tuple(f"o{i}" for i in range(6))
MARGINS = {
    "region": dict(zip(REGIONS[:6], (0.22, 0.16, 0.18, 0.12, 0.20, 0.12), strict=True)),
    "gender": {"man": 0.495, "woman": 0.505},
    "age_band": dict(zip(AGES, (0.24, 0.27, 0.26, 0.15, 0.08), strict=True)),
}
CHUNK = 50_000
DEFAULT_POSTGRES_URL = os.environ.get(
    "PEACEPULSE_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


def people(count: int, rng: np.random.Generator) -> dict[str, np.ndarray[Any, Any]]:
    def field(values: Sequence[str], p: Sequence[float]) -> np.ndarray[Any, Any]:
        drawn = rng.choice(np.array(values, dtype=object), size=count, p=p)
        drawn[rng.random(count) < 0.1] = None  # "prefer not to say"
        return drawn

    secret = b"benchmark secret"
    return {
        # Pseudonyms as the service stores them: 64 hex characters, in no useful order.
        "id": np.array(
            [pseudonym(secret, ParticipantKey("telegram", str(10**8 + i))) for i in range(count)],
            dtype=object,
        ),
        "region": field(REGIONS, REGION_P),
        "gender": field(GENDERS, GENDER_P),
        "age_band": field(AGES, AGE_P),
    }


def answers(ids: np.ndarray[Any, Any], count: int, rng: np.random.Generator) -> pd.DataFrame:
    """``count`` answers in the order a poll receives them: in each of 2 waves the respondents
    come in a random order, and each answers questions q0, q1, … in one go."""
    respondents = len(ids)
    per_wave = max(1, count // (2 * respondents) + 1)
    index = np.arange(count)
    wave = index // (respondents * per_wave)
    turn = index % (respondents * per_wave) // per_wave
    orders = np.stack([rng.permutation(respondents) for _ in range(int(wave.max()) + 1)])
    return pd.DataFrame(
        {
            "respondent": ids[orders[wave, turn]],
            "wave": 1 + wave,
            "question_id": np.array([f"q{i}" for i in range(per_wave)], dtype=object)[
                index % per_wave
            ],
            "choice": np.array(OPTIONS, dtype=object)[
                rng.choice(len(OPTIONS), size=count, p=(0.3, 0.25, 0.2, 0.12, 0.08, 0.05))
            ],
        }
    )


async def load(
    engine: AsyncEngine, kind: str, crowd: dict[str, np.ndarray[Any, Any]], rows: pd.DataFrame
) -> None:
    now = datetime.now(UTC)
    ids = crowd["id"].tolist()
    async with engine.begin() as connection:
        for start in range(0, len(ids), CHUNK):
            await connection.execute(
                insert(Participant),
                [
                    {"id": i, "state": {}, "created_at": now, "updated_at": now, "language": "en"}
                    for i in ids[start : start + CHUNK]
                ],
            )
        profile = [
            {"participant_id": i, "field": field, "value": value}
            for field in ("region", "gender", "age_band")
            for i, value in zip(ids, crowd[field].tolist(), strict=True)
            if value is not None
        ]
        for start in range(0, len(profile), CHUNK):
            await connection.execute(insert(ProfileValue), profile[start : start + CHUNK])
    records = [
        (r, POLL, q, int(w), c, now)
        for r, w, q, c in zip(
            rows["respondent"].tolist(),
            rows["wave"].tolist(),
            rows["question_id"].tolist(),
            rows["choice"].tolist(),
            strict=True,
        )
    ]
    columns = ["respondent", "poll_id", "question_id", "wave", "choice", "answered_at"]
    if kind == "postgresql":
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver: Any = raw.driver_connection
            await driver.copy_records_to_table("answers", records=records, columns=columns)
            await connection.exec_driver_sql("ANALYZE")
            await connection.commit()
        return
    async with engine.begin() as connection:
        for start in range(0, len(records), CHUNK):
            await connection.execute(
                insert(Answer),
                [
                    dict(zip(columns, record, strict=True))
                    for record in records[start : start + CHUNK]
                ],
            )
        await connection.exec_driver_sql("ANALYZE")
    async with engine.connect() as connection:
        # The bulk load left every page in the write-ahead log, where each read must look it
        # up. A deployment that took its answers over weeks checkpoints every 1000 pages.
        await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


async def sql_crosstab(engine: AsyncEngine) -> dict[tuple[Any, ...], int]:
    rows = await choice_cells(engine, POLL, ("region", "gender"))
    return {(r.question_id, r.wave, r.choice, *r.profile): r.respondents for r in rows}


async def other_reads(engine: AsyncEngine) -> float:
    """Wall time of the other cross-tabs a report reads (answered, numbers, respondents), once
    each: information, no target."""
    started = time.perf_counter()
    for read in (answered_cells, number_cells, respondent_cells):
        await read(engine, POLL, ("region", "gender"))
    return time.perf_counter() - started


def pandas_crosstab(frame: pd.DataFrame) -> dict[tuple[Any, ...], int]:
    counts = frame.groupby(
        ["question_id", "wave", "choice", "region", "gender"], dropna=False, sort=False
    )["respondent"].nunique()
    return {
        tuple(None if isinstance(v, float) and np.isnan(v) else v for v in key): int(n)
        for key, n in counts.items()
    }


def timed(function: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


async def timed_async(function: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Median wall time, median CPU time of this process (SQLite's work included), result."""
    times = []
    cpu = []
    result = None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = await function()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(times), statistics.median(cpu), result


async def bench_database(
    kind: str, options: argparse.Namespace, crowd: dict[str, Any], rows: pd.DataFrame
) -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        async with database(kind, options.postgres_url, Path(folder)) as url:
            engine = create_engine(url)
            try:
                await upgrade(engine)
                started = time.perf_counter()
                await load(engine, kind, crowd, rows)
                print(f"{kind}: loaded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
                await sql_crosstab(engine)  # warm the cache
                timing = await timed_async(lambda: sql_crosstab(engine), options.repeat)
                seconds, cpu_seconds, found = timing
                others_seconds = await other_reads(engine)
            finally:
                await engine.dispose()
    frame = rows.merge(
        pd.DataFrame(
            {"respondent": crowd["id"], "region": crowd["region"], "gender": crowd["gender"]}
        ),
        on="respondent",
        how="left",
    )
    pandas_seconds, expected = timed(lambda: pandas_crosstab(frame), options.repeat)
    assert found == expected, "SQL and pandas disagree"
    target = 1.0 if kind == "postgresql" else 2.0
    return [
        kind,
        f"{len(rows):,}",
        f"{len(found):,}",
        f"{seconds:.2f} s",
        f"≤ {target:g} s {'✓' if seconds <= target else '✗'}",
        f"{cpu_seconds:.2f} s",
        f"{pandas_seconds:.2f} s",
        f"{others_seconds:.2f} s",
    ]


def bench_raking(crowd: dict[str, Any], repeat: int) -> tuple[float, int, bool]:
    profiles = list(zip(crowd["region"], crowd["gender"], crowd["age_band"], strict=True))
    counts = [1] * len(profiles)
    seconds, raking = timed(
        lambda: rake(profiles, counts, ("region", "gender", "age_band"), MARGINS), repeat
    )
    return seconds, raking.iterations, raking.converged


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "| --- |" + " --: |" * (len(header) - 1)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


async def main_async(options: argparse.Namespace) -> int:
    rng = np.random.default_rng(7)
    crowd = people(options.respondents, rng)
    rows = answers(crowd["id"], options.answers, rng)
    results = []
    for kind in options.databases.split(","):
        try:
            results.append(await bench_database(kind, options, crowd, rows))
        except Skipped as skipped:
            print(f"{kind}: skipped: {skipped}", file=sys.stderr)
    print(
        table(
            [
                "database",
                "answers",
                "cells",
                "SQL cross-tab",
                "target",
                "CPU in this process",
                "pandas groupby",
                "report's other reads",
            ],
            results,
        )
    )
    seconds, iterations, converged = bench_raking(crowd, options.repeat)
    print()
    print(
        table(
            ["raking", "respondents", "margins", "iterations", "seconds", "target"],
            [
                [
                    "numpy IPF" + ("" if converged else " (not converged)"),
                    f"{options.respondents:,}",
                    "3",
                    str(iterations),
                    f"{seconds:.3f} s",
                    f"≤ 1 s {'✓' if seconds <= 1 else '✗'}",
                ]
            ],
        )
    )
    print(
        f"\n{platform.python_implementation()} {platform.python_version()}, "
        f"SQLAlchemy {metadata.version('sqlalchemy')}, pandas {pd.__version__}, "
        f"numpy {np.__version__}, {os.cpu_count()} CPUs"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--respondents", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    return asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
