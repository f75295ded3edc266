"""The initiative job: the reminder within the day before the start, the question within three
days after the end, each once per person with a place, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from conversations.ports import Clock
from conversations.values import SignUp
from scheduler.jobs import queue_initiative_messages
from storage.community import CommunityStore
from storage.models import OutboxRow
from storage.unit_of_work import unit_of_work_factory
from tests.service.test_community import deployment_with, small_initiative
from tests.storage.helpers import add_person

# small_dialogue: 2026-12-01 09:00-12:00 in Africa/Ndjamena (UTC+1), i.e. 08:00-11:00 UTC


class PinnedClock(Clock):
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


async def _sign_up(engine: AsyncEngine, person: str, capacity: int = 2) -> None:
    async with unit_of_work_factory(engine)() as uow:
        await uow.decide(person, SignUp("small_dialogue", capacity), datetime.now(UTC))
        await uow.commit()


async def _queued(engine: AsyncEngine) -> list[tuple[str, str]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(OutboxRow.job, OutboxRow.participant_id).order_by(OutboxRow.id)
        )
        return [(job, who) for job, who in rows]


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (datetime(2026, 11, 30, 7, 59, tzinfo=UTC), []),  # more than a day before
        (datetime(2026, 11, 30, 8, 0, tzinfo=UTC), ["remind"]),  # exactly a day before
        (datetime(2026, 12, 1, 7, 59, tzinfo=UTC), ["remind"]),
        (datetime(2026, 12, 1, 8, 0, tzinfo=UTC), []),  # started: too late to remind
        (datetime(2026, 12, 1, 11, 0, tzinfo=UTC), ["feedback"]),  # ended
        (datetime(2026, 12, 4, 10, 59, tzinfo=UTC), ["feedback"]),
        (datetime(2026, 12, 4, 11, 0, tzinfo=UTC), []),  # three days after: no more
    ],
)
async def test_what_is_due_when(engine: AsyncEngine, at: datetime, expected: list[str]) -> None:
    deployment = deployment_with(small_initiative())
    await add_person(engine, "amina")
    await add_person(engine, "omar")
    await add_person(engine, "leila")
    for person in ("amina", "omar", "leila"):
        await _sign_up(engine, person)  # leila is on the waiting list
    store = CommunityStore(engine)
    await queue_initiative_messages(store, deployment, PinnedClock(at))
    await queue_initiative_messages(store, deployment, PinnedClock(at))  # once only
    queued = await _queued(engine)
    assert sorted({job.rsplit(":", 1)[1] for job, _ in queued}) == expected
    assert sorted(who for _, who in queued) == (["amina", "omar"] if expected else [])


async def test_a_late_sign_up_is_reminded_at_the_next_run(engine: AsyncEngine) -> None:
    deployment = deployment_with(small_initiative())
    clock = PinnedClock(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    store = CommunityStore(engine)
    await add_person(engine, "amina")
    await _sign_up(engine, "amina")
    assert await queue_initiative_messages(store, deployment, clock) == 1
    await add_person(engine, "omar")
    await _sign_up(engine, "omar")
    assert await queue_initiative_messages(store, deployment, clock) == 1
    assert [who for _, who in await _queued(engine)] == ["amina", "omar"]
