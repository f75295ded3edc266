"""The application service: one inbound event → one transaction → replies to send.

Adapters call `ConversationService.handle` and send what it returns. By the time it returns,
everything the event changed is committed, so a reply never confirms an answer that was lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from conversations.engine import Engine
from conversations.identity import pseudonym
from conversations.ports import Clock, ConcurrentUpdate, UnitOfWork
from conversations.values import (
    AnswerGiven,
    ConsentGiven,
    Forget,
    Inbound,
    OptOut,
    ProfileGiven,
    Record,
    Reply,
)

log = logging.getLogger(__name__)

_ATTEMPTS = 3


class ConversationService:
    """Handles inbound events one at a time per participant."""

    def __init__(
        self,
        engine: Engine,
        unit_of_work: Callable[[], UnitOfWork],
        secret: bytes,
        clock: Clock,
    ) -> None:
        self._engine = engine
        self._uow = unit_of_work
        self._secret = secret
        self._clock = clock
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiting: dict[str, int] = {}

    async def handle(self, inbound: Inbound) -> tuple[Reply, ...]:
        """Process one event; the returned replies are to be sent after this returns."""
        participant = pseudonym(self._secret, inbound.key)
        async with self._isolated(participant):
            for attempt in range(1, _ATTEMPTS + 1):
                try:
                    return await self._handle_once(participant, inbound)
                except ConcurrentUpdate:
                    if attempt == _ATTEMPTS:
                        raise
                    log.info("participant created concurrently; retrying the event")
        raise AssertionError("unreachable")

    async def _handle_once(self, participant: str, inbound: Inbound) -> tuple[Reply, ...]:
        now = self._clock.now()
        channel = inbound.key.channel
        async with self._uow() as uow:
            if inbound.update_id is not None and not await uow.claim_update(
                channel, inbound.update_id, now
            ):
                log.info("update %s on %s was already processed", inbound.update_id, channel)
                return ()
            before = await uow.load_state_for_update(participant)
            transition = self._engine.step(before, inbound.event, now, inbound.locale)
            if any(isinstance(r, Forget) for r in transition.records):
                await uow.forget(participant)
            elif transition.state is not None:
                await uow.save_state(participant, transition.state, now)
                if before is None:
                    await uow.save_address(participant, channel, inbound.address)
                for record in transition.records:
                    await self._apply(uow, participant, record, inbound, now)
            await uow.commit()
        return transition.replies

    async def _apply(
        self, uow: UnitOfWork, participant: str, record: Record, inbound: Inbound, now: datetime
    ) -> None:
        match record:
            case AnswerGiven():
                await uow.record_answer(participant, record, now)
            case ProfileGiven(field=field, value=value):
                await uow.record_profile(participant, field, value)
            case ConsentGiven():
                await uow.record_consent(participant, now)
            case OptOut(stopped=stopped):
                await uow.set_opted_out(participant, stopped)
                if not stopped:
                    await uow.save_address(participant, inbound.key.channel, inbound.address)
            case Forget():  # handled above: nothing else is kept
                pass

    @contextlib.asynccontextmanager
    async def _isolated(self, participant: str) -> AsyncIterator[None]:
        """One event at a time per participant in this process (like aiogram's isolation)."""
        lock = self._locks.setdefault(participant, asyncio.Lock())
        self._waiting[participant] = self._waiting.get(participant, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._waiting[participant] -= 1
            if not self._waiting[participant]:
                del self._waiting[participant], self._locks[participant]
