"""Sign-ups under contention: many volunteers press "Sign up" on one initiative at once.

    python -m benchmarks.signups [--volunteers 2000] [--capacity 100] [--services 2]
        [--databases sqlite,postgresql]
        [--postgres-url postgresql+asyncpg://postgres@127.0.0.1:5432/test]

Setup, not measured: ``--volunteers`` consenting participants (conversation at the poll menu),
written with bulk inserts, and the demo deployment with one extra initiative of
``--capacity`` places.

Measured: every volunteer's press on that initiative's Sign up button, all at once, spread
over ``--services`` `ConversationService` instances on one database (as several
``peacepulse run`` processes would be, each with its own batches and transactions), through
the real path: snapshot, engine, the store's locked decision, commit. Reported: sign-ups per
second, and the check that matters — exactly ``--capacity`` places given and everyone else
on the waiting list.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from benchmarks.inbound import Skipped, database
from config.deployment import demo_folder, load_deployment
from conversations.definitions import Deployment
from conversations.engine import Engine
from conversations.identity import pseudonym
from conversations.ports import Clock
from conversations.service import ConversationService
from conversations.values import ConversationState, Inbound, ParticipantKey, Press
from storage.database import create_engine, for_writing, upgrade
from storage.models import ChatAddress, Participant, SignUpRow
from storage.unit_of_work import unit_of_work_factory

SECRET = b"benchmark-secret-0123456789abcdef"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


class FixedClock(Clock):
    def now(self) -> datetime:
        return NOW


def _deployment(capacity: int) -> Deployment:
    demo = load_deployment(demo_folder())
    walk = demo.initiatives[0].model_copy(update={"id": "bench", "capacity": capacity})
    return demo.model_copy(update={"initiatives": (walk, *demo.initiatives)})


async def _seed(url: str, volunteers: int) -> list[ParticipantKey]:
    keys = [ParticipantKey("telegram", str(100_000 + n)) for n in range(volunteers)]
    state = ConversationState(stage="menu", language="en", seq=5).to_json()
    rows: list[dict[str, Any]] = [
        {
            "id": pseudonym(SECRET, key),
            "state": state,
            "language": "en",
            "consented_at": NOW,
            "created_at": NOW,
            "updated_at": NOW,
        }
        for key in keys
    ]
    engine = create_engine(url)
    try:
        await upgrade(engine)
        async with for_writing(engine).begin() as connection:
            await connection.execute(insert(Participant), rows)
            await connection.execute(
                insert(ChatAddress),
                [{"participant_id": r["id"], "channel": "telegram", "address": "1"} for r in rows],
            )
    finally:
        await engine.dispose()
    return keys


async def run(kind: str, args: argparse.Namespace) -> str:
    with tempfile.TemporaryDirectory() as folder:
        async with database(kind, args.postgres_url, Path(folder)) as url:
            keys = await _seed(url, args.volunteers)
            engine = create_engine(url)
            try:
                deployment = _deployment(args.capacity)
                services = [
                    ConversationService(
                        Engine(deployment, lambda _: (None, None)),
                        unit_of_work_factory(engine),
                        SECRET,
                        FixedClock(),
                    )
                    for _ in range(args.services)
                ]
                started = time.perf_counter()
                await asyncio.gather(
                    *(
                        services[n % len(services)].handle(
                            Inbound(key, Press("-:is:bench"), address="1")
                        )
                        for n, key in enumerate(keys)
                    )
                )
                elapsed = time.perf_counter() - started
                async with engine.connect() as connection:
                    counts = dict(
                        (
                            await connection.execute(
                                select(SignUpRow.status, func.count()).group_by(SignUpRow.status)
                            )
                        ).all()
                    )
            finally:
                await engine.dispose()
    placed, waiting = counts.get("placed", 0), counts.get("waitlisted", 0)
    exact = placed == args.capacity and waiting == args.volunteers - args.capacity
    return (
        f"| {kind} | {args.volunteers} | {args.capacity} | {args.services} | "
        f"{args.volunteers / elapsed:.0f} | {placed} | {waiting} | {'yes' if exact else 'NO'} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--volunteers", type=int, default=2000)
    parser.add_argument("--capacity", type=int, default=100)
    parser.add_argument("--services", type=int, default=2)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    )
    args = parser.parse_args()
    print("| database | volunteers | places | services | sign-ups/s | placed | waiting | exact |")
    print("| --- | --: | --: | --: | --: | --: | --: | :-: |")
    for kind in args.databases.split(","):
        try:
            print(asyncio.run(run(kind, args)), flush=True)
        except Skipped as reason:
            print(f"| {kind} | skipped: {reason} |", file=sys.stderr)


if __name__ == "__main__":
    main()
