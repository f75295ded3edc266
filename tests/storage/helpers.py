"""Values and small queries shared by the storage tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from conversations.values import ConversationState
from storage.models import Answer

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
