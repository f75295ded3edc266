"""Pacing of bulk sends: a global rate, one message per chat per interval, and pauses.

The limit is the one the receiving server counts, and the server counts a request at some
moment between when it is sent and when its answer is back; network jitter, a garbage
collection or a slow database can move that moment anywhere in between. So a send holds one
of ``rate`` permits from the moment it may start until one second after its answer came back:
whatever the delays, no second at the server can then see more than ``rate`` sends, and no
chat two sends less than ``chat_interval`` apart. The cost is the round trip: at most
``rate / (1 + round trip)`` per second (99.5 % of the rate against a local server, about 90 %
against one 100 ms away).

Within that, sends go out at an even pace (a GCRA token bucket at ``rate`` with a burst of
about 10 ms worth, enough to absorb late wake-ups) rather than in clumps.

Times come from a monotonic clock; both the clock and the sleep function can be replaced in
tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable

Sleep = Callable[[float], Awaitable[None]]

PRUNE_ABOVE = 4096
"""Per-chat bookkeeping is pruned of stale chats once it holds this many."""


class TurnNotOpen(Exception):
    def __init__(self, chat: str) -> None:
        super().__init__(f"no turn is open for chat {chat!r}: acquire one first")


class RateLimiter:
    """Turns to send, one chat at a time: `acquire` a chat's turn, send, `release` it.

    A message sent in several calls takes `next_turn` before each call after the first.
    `pause_all` and `pause_chat` hold sends back for a while (after flood control), including
    sends already waiting for their turn.
    """

    def __init__(
        self,
        rate: float,
        *,
        chat_interval: float = 1.0,
        burst: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"the rate must be positive, not {rate}")
        self.rate = rate
        self._clock = clock
        self._sleep = sleep
        # permits: at most `count` sends counted by the server within any `window` seconds
        self._count = max(1, math.floor(rate))
        self._window = self._count / rate
        self._in_flight = 0
        self._holding: set[str] = set()  # chats whose open turn holds a permit
        self._freed_at: deque[float] = deque()  # when permits of finished sends come back
        self._finished = asyncio.Event()
        # even pace: one send per `interval`, up to `burst` at once
        self._interval = 1 / rate
        burst = burst if burst is not None else max(2, math.ceil(rate / 100))
        self._tolerance = (min(burst, self._count) - 1) * self._interval
        self._theoretical = -math.inf
        self._chat_interval = chat_interval
        self._paused_until = -math.inf
        self._chat_done: dict[str, float] = {}
        self._chat_paused: dict[str, float] = {}
        self._chat_locks: dict[str, tuple[asyncio.Lock, int]] = {}
        self._turn = asyncio.Lock()  # FIFO: one waiter at a time watches the global limit

    async def acquire(self, chat: str) -> None:
        """Wait for this chat's turn and open it; `release` it when the send is over.

        Safe to cancel (e.g. under `asyncio.timeout`): a waiter cancelled before its turn
        takes nothing.
        """
        lock, users = self._chat_locks.get(chat, (asyncio.Lock(), 0))
        self._chat_locks[chat] = (lock, users + 1)
        try:
            await lock.acquire()
        except BaseException:
            self._leave(chat)
            raise
        try:
            await self._take(chat)
        except BaseException:
            lock.release()
            self._leave(chat)
            raise

    async def next_turn(self, chat: str) -> None:
        """Within an open turn: the call so far is over; wait until the chat's next call may
        start (a message sent in several parts)."""
        self._done(chat)
        await self._take(chat)

    def release(self, chat: str) -> None:
        """The open turn's send is over (sent, refused or failed): its answer is back."""
        lock = self._open_lock(chat)
        self._done(chat)
        lock.release()
        self._leave(chat)

    @contextlib.asynccontextmanager
    async def turn(self, chat: str) -> AsyncIterator[None]:
        """``async with limiter.turn(chat): send`` — `acquire` and `release` around a send."""
        await self.acquire(chat)
        try:
            yield
        finally:
            self.release(chat)

    def pause_all(self, seconds: float) -> None:
        """No send starts for ``seconds`` from now (a longer pause already set stays)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def pause_chat(self, chat: str, seconds: float) -> None:
        """No send to ``chat`` starts for ``seconds`` from now."""
        until = max(self._chat_paused.get(chat, -math.inf), self._clock() + seconds)
        self._chat_paused[chat] = until

    def paused_for(self) -> float:
        """Seconds until a global pause ends (0 when not paused)."""
        return max(0.0, self._paused_until - self._clock())

    # ------------------------------------------------------------------ internals

    async def _take(self, chat: str) -> None:
        """Wait until both this chat and the global limit allow a send, and take a permit."""
        while True:
            await self._wait_until(lambda: self._chat_ready(chat))
            async with self._turn:
                await self._wait_until(self._global_ready)
                # a pause of this chat may have come while waiting for the turn
                if self._chat_ready(chat) <= self._clock():
                    now = self._clock()
                    self._theoretical = max(self._theoretical, now) + self._interval
                    self._in_flight += 1
                    self._holding.add(chat)
                    return

    def _done(self, chat: str) -> None:
        self._open_lock(chat)
        if chat not in self._holding:  # a next turn was cancelled while waiting: nothing sent
            return
        self._holding.discard(chat)
        now = self._clock()
        self._in_flight -= 1
        self._freed_at.append(now + self._window)
        self._chat_done[chat] = now
        self._finished.set()
        self._finished = asyncio.Event()
        if len(self._chat_done) > PRUNE_ABOVE:
            self._prune(now)

    def _open_lock(self, chat: str) -> asyncio.Lock:
        lock, _ = self._chat_locks.get(chat, (None, 0))
        if lock is None or not lock.locked():
            raise TurnNotOpen(chat)
        return lock

    def _leave(self, chat: str) -> None:
        lock, users = self._chat_locks[chat]
        if users == 1:
            del self._chat_locks[chat]
        else:
            self._chat_locks[chat] = (lock, users - 1)

    async def _wait_until(self, ready_at: Callable[[], float | None]) -> None:
        # recomputed after every wait: a pause set meanwhile is honoured
        while True:
            finished = self._finished
            at = ready_at()
            if at is None:  # every permit is with a send under way: wait for one to end
                await finished.wait()
                continue
            delay = at - self._clock()
            if delay <= 0:
                return
            await self._sleep(delay)

    def _chat_ready(self, chat: str) -> float:
        done = self._chat_done.get(chat, -math.inf)
        return max(done + self._chat_interval, self._chat_paused.get(chat, -math.inf))

    def _global_ready(self) -> float | None:
        now = self._clock()
        while self._freed_at and self._freed_at[0] <= now:
            self._freed_at.popleft()
        ready = max(self._paused_until, self._theoretical - self._tolerance)
        taken = self._in_flight + len(self._freed_at)
        if taken < self._count:
            return ready
        if self._in_flight >= self._count:
            return None
        return max(ready, self._freed_at[taken - self._count])

    def _prune(self, now: float) -> None:
        self._chat_done = {
            c: at for c, at in self._chat_done.items() if at + self._chat_interval > now
        }
        self._chat_paused = {c: at for c, at in self._chat_paused.items() if at > now}
