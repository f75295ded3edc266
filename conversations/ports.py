"""Ports: what the conversation core needs from the outside world, as abstract classes.

`storage` implements `UnitOfWork` over SQLAlchemy; tests run one contract suite over every
implementation. Nothing here does I/O by itself.
"""

from __future__ import annotations

import abc
from datetime import datetime
from types import TracebackType
from typing import Self

from conversations.values import AnswerGiven, ConversationState


class Clock(abc.ABC):
    @abc.abstractmethod
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""


class UnitOfWork(abc.ABC):
    """One transaction around one event of one participant.

    ``async with uow:`` opens it; leaving the block without `commit` rolls everything back.
    Participants are named only by their pseudonym (see `conversations.identity`).
    """

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.rollback()

    @abc.abstractmethod
    async def commit(self) -> None: ...

    @abc.abstractmethod
    async def rollback(self) -> None:
        """Undo what was not committed; a no-op after `commit`."""

    @abc.abstractmethod
    async def claim_update(self, channel: str, update_id: int, now: datetime) -> bool:
        """Remember that this update is being processed; False if it was already."""

    @abc.abstractmethod
    async def load_state_for_update(self, participant: str) -> ConversationState | None:
        """The participant's state, locking their row until commit (None: unknown person).

        Across processes this serializes the events of one participant (a row lock on
        PostgreSQL; SQLite serializes writers by itself).
        """

    @abc.abstractmethod
    async def save_state(self, participant: str, state: ConversationState, now: datetime) -> None:
        """Create or update the participant with this state."""

    @abc.abstractmethod
    async def save_address(self, participant: str, channel: str, address: str) -> None:
        """Where to reach the participant on a channel, kept apart from answers."""

    @abc.abstractmethod
    async def record_consent(self, participant: str, now: datetime) -> None: ...

    @abc.abstractmethod
    async def record_answer(self, participant: str, answer: AnswerGiven, now: datetime) -> None:
        """Store an answer, replacing an earlier answer to the same question."""

    @abc.abstractmethod
    async def record_profile(self, participant: str, field: str, value: str | None) -> None:
        """Set a profile field; None ("prefer not to say") removes it."""

    @abc.abstractmethod
    async def set_opted_out(self, participant: str, stopped: bool) -> None: ...

    @abc.abstractmethod
    async def forget(self, participant: str) -> None:
        """Erase profile, chat addresses, free text and state; detach choice answers.

        Choice answers stay, under a new random identifier that nothing links to the person,
        so that totals already reported do not change.
        """


class ConcurrentUpdate(Exception):
    """Two events created the same participant at once; the event should be retried."""
