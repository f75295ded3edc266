"""Values and small queries shared by the storage tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from conversations.values import ConversationState
from storage.database import for_writing
from storage.models import Answer, ChatAddress, Participant
from storage.unit_of_work import unit_of_work_factory

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def state(seq: int = 1, **changes: Any) -> ConversationState:
    """A conversation state with a bit of everything in it."""
    values: dict[str, Any] = {
        "stage": "poll",
        "language": "en",
        "seq": seq,
        "poll_id": "ceasefire",
        "question_id": "q2",
        "selected": ("a",),
        "profile": {"region": "north", "age": None},
        "answers": {"ceasefire": {"q1": "yes", "q3": 4.0, "q4": ["a", "b"]}},
        "completed": ("intro",),
    }
    return ConversationState(**(values | changes))


async def answer_rows(engine: AsyncEngine, *, poll_id: str | None = None) -> list[dict[str, Any]]:
    """Every answer row (of one poll, if given), as dicts, in insertion order."""
    statement = select(Answer.__table__).order_by(Answer.id)
    if poll_id is not None:
        statement = statement.where(Answer.poll_id == poll_id)
    async with engine.connect() as connection:
        return [dict(row._mapping) for row in await connection.execute(statement)]


async def add_person(
    engine: AsyncEngine,
    participant: str,
    *,
    address: str | None = None,
    channel: str = "telegram",
    consented: bool = True,
    opted_out: bool = False,
    language: str = "en",
    profile: dict[str, str] | None = None,
    topics: tuple[str, ...] = (),
) -> None:
    """A participant as the conversation would have stored them (address defaults to their id)."""
    async with unit_of_work_factory(engine)() as work:
        await work.save_state(participant, state(language=language), NOW)
        await work.save_address(participant, channel, address or participant)
        if consented:
            await work.record_consent(participant, NOW)
        if opted_out:
            await work.set_opted_out(participant, True)
        for field, value in (profile or {}).items():
            await work.record_profile(participant, field, value)
        for topic in topics:
            await work.set_subscription(participant, topic, True)
        await work.commit()


async def add_people(engine: AsyncEngine, count: int, *, first: int = 1) -> list[str]:
    """``count`` consenting participants with numeric chat addresses, added in bulk."""
    ids = [str(n) for n in range(first, first + count)]
    people = [
        {
            "id": pid,
            "state": state().to_json(),
            "language": "en",
            "consented_at": NOW,
            "created_at": NOW,
            "updated_at": NOW,
        }
        for pid in ids
    ]
    async with for_writing(engine).begin() as connection:
        await connection.execute(insert(Participant), people)
        await connection.execute(
            insert(ChatAddress),
            [{"participant_id": pid, "channel": "telegram", "address": pid} for pid in ids],
        )
    return ids
