"""The application service: inbound events → transactions → replies to send.

Adapters call `ConversationService.handle` and send what it returns. By the time it returns,
everything the event changed is committed, so a reply never confirms an answer that was lost.

Events are written in batches ("group commit"): while one transaction is at the database,
the events that arrive queue up, and the next transaction takes all of them at once — one
claim of their update ids, one locking read of their states, one statement per kind of
change, one commit. Under load this divides the per-event cost of the database by the batch
size; when it is quiet a batch is a single event and nothing waits. One batch runs at a time
in a process, in arrival order, so each participant's events are handled one at a time and in
order; across processes the row locks of `UnitOfWork.load_states_for_update` do it.

A copy of an update already processed gets no reply, unless its channel confirms updates
only once their replies were sent (``until_replied``: Telegram) and they may not have been:
then it gets the replies kept for it in the store (`UnitOfWork.owed_replies`), and the
adapter says when they were sent (`replied`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from conversations.consultation_values import ConsultationView
from conversations.engine import Engine
from conversations.identity import pseudonym
from conversations.ports import Changes, Clock, ConcurrentUpdate, UnitOfWork
from conversations.values import (
    ConversationState,
    DecidedRecord,
    Forget,
    Inbound,
    OptOut,
    Reply,
    Transition,
)

log = logging.getLogger(__name__)

_ATTEMPTS = 3
MAX_BATCH = 200
NOTICE_MEMORY = timedelta(hours=1)
"""How long the language of the notice last sent to someone who has not consented is kept in
memory (never stored), so that a typed "1" answers that notice and not another."""


@dataclass(slots=True)
class _Pending:
    participant: str
    inbound: Inbound
    done: asyncio.Future[tuple[Reply, ...]]
    until_replied: bool = False

    @property
    def update_key(self) -> tuple[str, int] | None:
        update_id = self.inbound.update_id
        return None if update_id is None else (self.inbound.key.channel, update_id)


class ConversationService:
    """Handles inbound events in order, in batched transactions."""

    def __init__(
        self,
        engine: Engine,
        unit_of_work: Callable[[], UnitOfWork],
        secret: bytes,
        clock: Clock,
        *,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self._engine = engine
        self._uow = unit_of_work
        self._secret = secret
        self._clock = clock
        self._max_batch = max_batch
        self._queue: list[_Pending] = []
        self._worker: asyncio.Task[None] | None = None
        # pseudonym → (language of the notice last sent, when), before consent, text channels
        self._notices: dict[str, tuple[str, datetime]] = {}
        # updates whose replies this process returned and was not yet told were sent
        self._answering: set[tuple[str, int]] = set()
        # updates whose owed replies were sent, to forget in the next transaction
        self._sent: list[tuple[str, int]] = []

    async def handle(self, inbound: Inbound, *, until_replied: bool = False) -> tuple[Reply, ...]:
        """Process one event; the returned replies are to be sent after this returns.

        With ``until_replied`` the replies are kept in the store with the update until
        `replied` is called: a copy of the update that comes again in between (after a
        crash) gets them again instead of nothing.
        """
        pending = _Pending(
            pseudonym(self._secret, inbound.key),
            inbound,
            asyncio.get_running_loop().create_future(),
            until_replied,
        )
        self._queue.append(pending)
        self._wake()
        return await pending.done

    def replied(self, inbound: Inbound) -> None:
        """The replies `handle` returned for ``inbound`` (``until_replied``) were sent, or
        given up: the store forgets them in its next transaction."""
        if inbound.update_id is None:
            return
        key = (inbound.key.channel, inbound.update_id)
        if key in self._answering:
            self._answering.discard(key)
            self._sent.append(key)
            self._wake()

    def _wake(self) -> None:
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain())

    async def _drain(self) -> None:
        while self._queue or self._sent:
            batch = self._queue[: self._max_batch]
            del self._queue[: self._max_batch]
            # the replies sent meanwhile are forgotten in the same transaction as the batch
            sent, self._sent = self._sent, []
            await self._settle(batch, sent)

    async def _settle(self, batch: list[_Pending], sent: list[tuple[str, int]]) -> None:
        """Run a batch; if it fails, run its events one by one so one bad event fails alone."""
        if not batch:
            await self._forget_sent(sent)
            return
        try:
            results = await self._with_retries(batch, sent)
        except Exception as error:
            if len(batch) == 1:
                _resolve(batch[0], error)
                return
            log.warning("a batch of %d events failed; retrying them one by one", len(batch))
            await self._forget_sent(sent)
            for pending in batch:
                try:
                    (replies,) = await self._with_retries([pending], [])
                except Exception as single:
                    _resolve(pending, single)
                else:
                    _resolve(pending, replies)
            return
        for pending, replies in zip(batch, results, strict=True):
            _resolve(pending, replies)

    async def _forget_sent(self, sent: list[tuple[str, int]]) -> None:
        """Forget owed replies that were sent, in a transaction of their own. On failure
        they stay kept: at worst an update that comes again gets its replies twice."""
        if not sent:
            return
        try:
            async with self._uow() as uow:
                await uow.replies_sent(sent)
                await uow.commit()
        except Exception as error:
            log.warning("could not forget %d sent replies: %s", len(sent), error)

    async def _with_retries(
        self, batch: Sequence[_Pending], sent: list[tuple[str, int]]
    ) -> list[tuple[Reply, ...]]:
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                return await self._transaction(batch, sent)
            except ConcurrentUpdate:
                if attempt == _ATTEMPTS:
                    raise
                log.info("a participant was created concurrently; retrying the batch")
        raise AssertionError("unreachable")

    async def _consultation_view(
        self,
        uow: UnitOfWork,
        views: dict[tuple[str, str], ConsultationView],
        participant: str,
        state: ConversationState | None,
        inbound: Inbound,
        *,
        now: datetime,
    ) -> ConsultationView | None:
        """The consultation view the event needs, if any: read in this transaction, or kept
        from an earlier event of the batch (``views``, which the caller keeps current)."""
        wanted = self._engine.consultation_wanted(
            state, inbound.event, now, buttons=inbound.buttons
        )
        if wanted is None:
            return None
        if (participant, wanted) not in views:
            views[(participant, wanted)] = await uow.consultation_view(participant, wanted)
        return views[(participant, wanted)]

    async def _transaction(
        self, batch: Sequence[_Pending], sent: list[tuple[str, int]]
    ) -> list[tuple[Reply, ...]]:
        now = self._clock.now()
        results: list[tuple[Reply, ...]] = []
        owed: dict[tuple[str, int], tuple[Reply, ...]] = {}  # replies to keep until sent
        again: dict[int, tuple[str, int]] = {}  # copies that may be owed replies, by index
        async with self._uow() as uow:
            keys = [
                (p.inbound.key.channel, p.inbound.update_id)
                for p in batch
                if p.inbound.update_id is not None
            ]
            fresh = await uow.claim_updates(keys, now) if keys else set()
            states: dict[str, ConversationState | None] = dict(
                await uow.load_states_for_update([p.participant for p in batch])
            )
            changes = Changes(now)
            # consultation views read in this batch, kept current as its events change them
            views: dict[tuple[str, str], ConsultationView] = {}
            for pending in batch:
                inbound, participant = pending.inbound, pending.participant
                key = pending.update_key
                if key is not None:
                    if key not in fresh:
                        log.info("update %s on %s was already processed", key[1], key[0])
                        if pending.until_replied and key not in owed:
                            again[len(results)] = key
                        results.append(())
                        continue
                    fresh.discard(key)  # a second copy within this batch is a redelivery too
                before = states.get(participant)
                snapshot = None
                if self._engine.wants_snapshot(before, inbound.event, buttons=inbound.buttons):
                    # what this batch changed so far is written first, so the snapshot sees it
                    changes = await _flush(uow, changes)
                    snapshot = await uow.load_snapshot(participant, now)
                view = await self._consultation_view(
                    uow, views, participant, before, inbound, now=now
                )
                transition = self._engine.step(
                    before,
                    inbound.event,
                    now,
                    self._locale(participant, before, inbound, now),
                    buttons=inbound.buttons,
                    snapshot=snapshot,
                    consultation=view,
                    silent_while_stopped=inbound.silent_while_stopped,
                )
                if view is not None:
                    views[(participant, view.consultation_id)] = view.after(transition.records)
                decided = [r for r in transition.records if isinstance(r, DecidedRecord)]
                if decided and transition.then is not None:
                    # a seat or a code: the store decides, at once, and the engine answers it
                    changes = await _flush(uow, changes)
                    decision = await uow.decide(participant, decided[0], now)
                    rest = tuple(r for r in transition.records if r is not decided[0])
                    follow = transition.then(decision)
                    transition = dataclasses.replace(
                        follow, records=rest + follow.records, then=None
                    )
                states[participant] = transition.state
                self._remember_notice(participant, inbound, transition, now)
                changes = await _keep(uow, changes, pending, before, transition)
                if pending.until_replied and key is not None and transition.replies:
                    owed[key] = transition.replies
                results.append(transition.replies)
            if changes:
                await uow.apply(changes)
            resent = await self._owed_again(uow, owed, sent, again)
            await uow.commit()
        for index, (key, replies) in resent.items():
            results[index] = replies
            self._answering.add(key)
        self._answering.update(owed)
        return results

    async def _owed_again(
        self,
        uow: UnitOfWork,
        owed: dict[tuple[str, int], tuple[Reply, ...]],
        sent: list[tuple[str, int]],
        again: dict[int, tuple[str, int]],
    ) -> dict[int, tuple[tuple[str, int], tuple[Reply, ...]]]:
        """Keep the batch's ``owed`` replies, forget those ``sent``, and return the replies
        kept for copies of updates processed before, by their index in the batch; none for
        an update this process is answering right now (its first copy will)."""
        await uow.owe_replies(owed)
        await uow.replies_sent(sent)
        waiting = {i: key for i, key in again.items() if key not in self._answering}
        if not waiting:
            return {}
        kept = await uow.owed_replies(list(waiting.values()))
        resent: dict[int, tuple[tuple[str, int], tuple[Reply, ...]]] = {}
        for index, key in waiting.items():
            replies = kept.get(key)
            if replies and key not in (k for k, _ in resent.values()):
                log.info("update %s on %s is owed its replies: sending them", key[1], key[0])
                resent[index] = (key, replies)
        return resent

    def _locale(
        self,
        participant: str,
        before: ConversationState | None,
        inbound: Inbound,
        now: datetime,
    ) -> str | None:
        """The client's language hint; without buttons and before consent, the language of
        the notice last sent, which a typed "1" answers."""
        if before is not None or inbound.locale is not None or inbound.buttons:
            return inbound.locale
        shown = self._notices.get(participant)
        return shown[0] if shown and now - shown[1] < NOTICE_MEMORY else None

    def _remember_notice(
        self, participant: str, inbound: Inbound, transition: Transition, now: datetime
    ) -> None:
        if inbound.buttons:
            return
        language = self._engine.notice_language(transition.replies)
        if transition.state is not None or language is None:
            self._notices.pop(participant, None)
            return
        if len(self._notices) > 10_000:  # forget the stale ones now and then
            self._notices = {k: v for k, v in self._notices.items() if now - v[1] < NOTICE_MEMORY}
        self._notices[participant] = (language, now)


async def _keep(
    uow: UnitOfWork,
    changes: Changes,
    pending: _Pending,
    before: ConversationState | None,
    transition: Transition,
) -> Changes:
    """Add what ``transition`` asks to keep to ``changes``; a `Forget` erases the person at
    once, after what came before it was written. The changes to go on with."""
    participant, inbound = pending.participant, pending.inbound
    if any(isinstance(r, Forget) for r in transition.records):
        changes = await _flush(uow, changes)
        await uow.forget(participant, changes.now)
    elif transition.state is not None:
        changes.states[participant] = transition.state
        resumed = any(isinstance(r, OptOut) and not r.stopped for r in transition.records)
        if before is None or resumed:
            changes.addresses[(participant, inbound.key.channel)] = inbound.address
        changes.records.extend((participant, r) for r in transition.records)
    return changes


async def _flush(uow: UnitOfWork, changes: Changes) -> Changes:
    """Write what is pending and start an empty batch of changes."""
    if changes:
        await uow.apply(changes)
    return Changes(changes.now)


def _resolve(pending: _Pending, outcome: tuple[Reply, ...] | BaseException) -> None:
    if pending.done.done():  # the caller went away (cancelled); nothing to tell
        return
    if isinstance(outcome, BaseException):
        pending.done.set_exception(outcome)
    else:
        pending.done.set_result(outcome)
