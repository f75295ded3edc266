"""Updates confirmed to Telegram only once handled: the polling loop both frameworks use, and
the attempts it shares with the webhook.

Telegram keeps an update until it is confirmed: by a ``getUpdates`` whose ``offset`` is past
it (polling), or by a 2xx answer to the request that brought it (webhook). The frameworks' own
loops (aiogram's ``Dispatcher.start_polling``, PTB's ``Updater.start_polling``) move the
offset past a batch as soon as they have fetched it, so whatever the process holds when it
dies is lost. Here an update is confirmed only once it was handled: its transaction committed
and its replies sent (or given up). What is in hand at a crash comes again;
`processed_updates` makes a copy harmless, and one whose replies may not have been sent gets
them (`ConversationService.handle` with ``until_replied``).

An update whose transaction failed is tried again (`MAX_ATTEMPTS` in all, the webhook's by
Telegram's own redelivery); at the last attempt the person is told that something went wrong,
and the update is confirmed so that it cannot hold up the ones after it forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
"""Tries of an update whose transaction fails before the person is told and it is confirmed."""

POLL_TIMEOUT = 25
"""Seconds a ``getUpdates`` waits for updates when there are none."""

BATCH = 100
"""Updates asked for per ``getUpdates`` (Telegram's maximum): also the most held unconfirmed,
since Telegram returns the oldest unconfirmed updates first."""

WAIT_FOR_HELD = 0.5
"""With updates in hand, how long to wait for one of them to finish before asking for more
(Telegram answers at once, with them again, while anything is unconfirmed)."""

RETRY_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0)
"""Pauses between failed ``getUpdates`` in a row, and between the attempts of an update."""

STOP_GRACE = 15.0
"""On stop, how long the updates in hand get to finish (the rest come again after restart)."""


class Attempts:
    """How many times each update in hand failed, as its handler reports (`failed`).

    The handler asks `last_try` before it runs: on the last try a failure is told to the
    person rather than reported.
    """

    def __init__(self, limit: int = MAX_ATTEMPTS) -> None:
        self._limit = limit
        self._failures: dict[int, int] = {}

    def last_try(self, update_id: int) -> bool:
        return self._failures.get(update_id, 0) >= self._limit - 1

    def failed(self, update_id: int) -> None:
        self._failures[update_id] = self._failures.get(update_id, 0) + 1

    def failures(self, update_id: int) -> int:
        return self._failures.get(update_id, 0)

    async def attempt(self, update_id: int, feed: Callable[[], Awaitable[object]]) -> bool:
        """Hand the update to its framework once; True once it was handled (or given up),
        False if it is to be tried again."""
        before = self.failures(update_id)
        try:
            await feed()
        except Exception:
            # the framework itself failed (the handlers catch their own failures)
            log.exception("update %s could not be dispatched", update_id)
            self.failed(update_id)
        failures = self.failures(update_id)
        if failures == before or failures >= self._limit:
            self._failures.pop(update_id, None)
            return True
        return False


@dataclass(frozen=True, slots=True)
class Fetched:
    """An update as a framework fetched it: its id, its sender (whose updates are handled
    one at a time, in order) and how to hand it to the framework's handlers."""

    update_id: int
    sender: int | None
    feed: Callable[[], Awaitable[object]]


Fetch = Callable[[int | None, int, int], Awaitable[Sequence[Fetched]]]
"""``getUpdates`` through a framework: ``fetch(offset, timeout, limit)``."""


class _Held:
    """Updates fetched and not yet confirmed, in update order, with whether each is done."""

    def __init__(self) -> None:
        self.done: dict[int, bool] = {}  # insertion order is update order
        self.offset: int | None = None  # what the next getUpdates confirms up to
        self.changed = asyncio.Event()

    def is_new(self, update_id: int) -> bool:
        """Not in hand, nor done already (a ``getUpdates`` sent before it was done, with an
        older offset, returns it again)."""
        done_before = self.offset is not None and update_id < self.offset
        return update_id not in self.done and not done_before

    def add(self, update_id: int) -> None:
        self.done[update_id] = False

    def finish(self, update_id: int) -> None:
        self.done[update_id] = True
        while self.done:
            first = next(iter(self.done))
            if not self.done[first]:
                break
            del self.done[first]
            self.offset = first + 1
        self.changed.set()
        self.changed = asyncio.Event()


async def _pause(seconds: float, *events: asyncio.Event) -> None:
    """Sleep, waking early when one of ``events`` is set."""
    waiters = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


async def poll(
    fetch: Fetch, attempts: Attempts, stop: asyncio.Event, *, wait: int = POLL_TIMEOUT
) -> None:
    """Long polling until ``stop`` is set, confirming each update only once it was handled.

    Each fetched update runs in a task of its own; a sender's updates wait for each other
    (one event at a time per participant, in order), different senders' run together, so the
    conversation service can commit them in batches. A fetched update already in hand (not
    yet confirmable, because it or an older one is still running) is not handed on again.
    """
    held = _Held()
    tasks: set[asyncio.Task[None]] = set()
    last_of: dict[int, asyncio.Task[None]] = {}  # each sender's latest update
    failures = 0
    confirmed: int | None = None
    while not stop.is_set():
        try:
            sent = held.offset
            fetched = await _unless_stopped(fetch(sent, wait, BATCH), stop)
        except _Stopped:
            break
        except Exception as error:  # the Bot API unreachable, refusing, or too slow
            delay = RETRY_DELAYS[min(failures, len(RETRY_DELAYS) - 1)]
            failures += 1
            log.warning("getUpdates failed (%s); trying again in %.0f s", error, delay)
            await _pause(delay, stop)
            continue
        if failures:
            log.info("getUpdates works again after %d failures", failures)
            failures = 0
        confirmed = sent
        new = [update for update in fetched if held.is_new(update.update_id)]
        for update in new:
            held.add(update.update_id)
            after = last_of.get(update.sender) if update.sender is not None else None
            task = asyncio.create_task(_handle(update, after, attempts, held, stop))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            if update.sender is not None:
                last_of[update.sender] = task
                task.add_done_callback(functools.partial(_forget_last, last_of, update.sender))
        if held.done and held.offset == sent:
            # Telegram would answer at once with the updates in hand: ask again once one of
            # them is done (the offset can move) or after a while (new ones may be waiting)
            await _pause(WAIT_FOR_HELD, held.changed, stop)
    await _finish(fetch, tasks, held, confirmed)


async def _handle(
    update: Fetched,
    after: asyncio.Task[None] | None,
    attempts: Attempts,
    held: _Held,
    stop: asyncio.Event,
) -> None:
    if after is not None:
        await asyncio.wait({after})  # the sender's previous update first, whatever became of it
    while not await attempts.attempt(update.update_id, update.feed):
        if stop.is_set():
            return  # not confirmed: it comes again after the restart
        delay = RETRY_DELAYS[min(attempts.failures(update.update_id), len(RETRY_DELAYS)) - 1]
        await _pause(delay, stop)
    held.finish(update.update_id)


def _forget_last(last_of: dict[int, asyncio.Task[None]], sender: int, done: object) -> None:
    if last_of.get(sender) is done:
        del last_of[sender]


async def _finish(
    fetch: Fetch, tasks: set[asyncio.Task[None]], held: _Held, confirmed: int | None
) -> None:
    """Let the updates in hand finish (for a while), then confirm those that did."""
    if tasks:
        log.info("stopping: waiting for %d updates in hand", len(tasks))
        _, late = await asyncio.wait(set(tasks), timeout=STOP_GRACE)
        for task in late:
            task.cancel()
        if late:
            log.warning("stopping: %d updates did not finish; they will come again", len(late))
            await asyncio.wait(late)
    if held.offset is not None and held.offset != confirmed:
        try:  # only confirms: what it returns is left for the next start
            await fetch(held.offset, 0, 1)
        except Exception as error:
            log.warning("could not confirm the last updates (%s); they will come again", error)


class _Stopped(Exception):
    pass


async def _unless_stopped(
    work: Awaitable[Sequence[Fetched]], stop: asyncio.Event
) -> Sequence[Fetched]:
    """``work``'s result, or `_Stopped` (``work`` cancelled) once ``stop`` is set first."""
    task = asyncio.ensure_future(work)
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        raise _Stopped
    return task.result()
