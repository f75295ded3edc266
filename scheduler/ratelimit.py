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
about 10 ms worth, enough to absorb late wake-ups) rather than in clumps. Waiting turns are
granted by one task that hands out every turn due at that moment in one pass, so after a busy
spell of the event loop the burst is used to catch up instead of one turn per loop iteration.

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
        # FIFO of waiters whose chat is ready; one task grants them turns as the limit allows
        self._queue: deque[tuple[str, asyncio.Future[bool]]] = deque()
        self._granter: asyncio.Task[None] | None = None

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
            granted = asyncio.get_running_loop().create_future()
            self._queue.append((chat, granted))
            if self._granter is None:
                self._granter = asyncio.create_task(self._grant())
            try:
                if await granted:
                    return
            except asyncio.CancelledError:
                if granted.done() and not granted.cancelled() and granted.result():
                    self._unused(chat)  # granted, but cancelled before it could send
                self._forget_waiter(chat, granted)
                raise
            # the chat was paused while it waited in the queue: wait for it again

    async def _grant(self) -> None:
        """Hand out turns in queue order, every turn that is due in one go.

        Granting in one pass (rather than one waiter waking the next) lets several sends start
        in the same event-loop iteration, so a busy loop can still use the burst allowance to
        catch up instead of falling behind the pace.
        """
        try:
            while self._queue:
                await self._wait_until(self._global_ready)
                now = self._clock()
                while self._queue:
                    chat, granted = self._queue[0]
                    if granted.done():  # its waiter was cancelled
                        self._queue.popleft()
                        continue
                    if self._global_ready_now(now) is not True:
                        break
                    self._queue.popleft()
                    if self._chat_ready(chat) > now:  # paused meanwhile
                        granted.set_result(False)
                        continue
                    self._theoretical = max(self._theoretical, now) + self._interval
                    self._in_flight += 1
                    self._holding.add(chat)
                    granted.set_result(True)
        finally:
            if self._granter is asyncio.current_task():
                self._granter = None

    def _forget_waiter(self, chat: str, granted: asyncio.Future[bool]) -> None:
        """A cancelled waiter leaves the queue; the granter stops when nobody is left."""
        with contextlib.suppress(ValueError):
            self._queue.remove((chat, granted))
        if not self._queue and self._granter is not None:
            self._granter.cancel()
            self._granter = None

    def _global_ready_now(self, now: float) -> bool:
        at = self._global_ready()
        return at is not None and at <= now

    def _unused(self, chat: str) -> None:
        """A granted permit given back unused: nothing was sent."""
        if chat in self._holding:
            self._holding.discard(chat)
            self._in_flight -= 1
            self._finished.set()
            self._finished = asyncio.Event()

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
