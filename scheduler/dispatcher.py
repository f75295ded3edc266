"""The outbox dispatcher: sends queued bulk messages at the platform's pace and records each
outcome.

Each claimed row gets a sending slot of its own: render it, wait for its turn at the rate
limiter, send it (one attempt), settle it. A row is settled right after its send and before
its slot takes another row, and rows are claimed only for free slots, so at most
``concurrency`` rows are claimed and unsettled at any moment: that is the in-flight window. If
the process dies, those rows come back when their lease runs out; the ones whose send had
reached the platform go out a second time. A crash therefore costs at most ``concurrency``
duplicates and loses nothing.

Outcomes:

* sent → ``sent``.
* flood control (429 with ``retry_after``) → every send pauses for ``retry_after``, the row is
  due again after it, and the attempt does not count towards ``max_attempts``. Everything
  pauses, not only the chat: the limiter never sends more than one message per second to a
  chat, which is Telegram's per-chat limit, so a 429 means the bot's overall limit was hit (or
  Telegram is shedding load), and carrying on with other chats would only collect more 429s.
* an outage (connection refused or reset, a timeout, 502/503/504: `SendResult.outage`) → the
  channel is paused and probed with a growing interval (`scheduler.outage.Outages`); the row
  is due again when the channel is, and the attempt does not count. A send that timed out may
  still have reached the platform: it is sent again only once the channel answers a probe, so
  a hung platform puts at most the sends under way plus one probe at a time at risk of a
  duplicate (README, "Outages").
* a passing failure (500, a sender's bug) → due again after ``backoff_base × 2^(n-1)``
  seconds for the n-th attempt, ``failed`` after ``max_attempts``.
* unreachable (403: blocked, deactivated) → ``unreachable``; the participant is left out of
  every later message.
* refused (400), a message that cannot be rendered, a channel without a sender → ``failed``.

During quiet hours nothing is claimed; rows wait in the queue until the hours end.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import secrets
import socket
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from conversations.ports import Clock, Outbox, OutboxMessage, Outcome, Sender, SendResult
from conversations.values import Reply
from scheduler.outage import Outages
from scheduler.ratelimit import RateLimiter

log = logging.getLogger(__name__)

Render = Callable[[OutboxMessage], Awaitable[Reply]]
"""What a queued message says, in its recipient's language (`scheduler.render.OutboxRenderer`)."""

QuietHours = Callable[[datetime], datetime | None]
"""When the quiet hours around a moment end, or None outside them (see
`conversations.outbound.quiet_until`)."""


@dataclass(frozen=True, slots=True)
class DispatcherSettings:
    """How fast and how persistently to send.

    ``concurrency`` (sends under way at once) defaults to enough slots to keep up with
    ``rate`` when a send and its bookkeeping take ``expected_latency`` seconds, and at least 4.
    A message waits at most half its lease for its turn; after that it goes back to the queue.
    """

    rate: float = 25.0
    max_attempts: int = 5
    backoff_base: float = 2.0
    backoff_max: float = 3600.0
    concurrency: int | None = None
    expected_latency: float = 0.5
    lease_seconds: float = 60.0
    batch_size: int = 100
    idle_seconds: float = 1.0
    """How long to wait before looking again when nothing was due."""
    quiet_check_seconds: float = 60.0
    """During quiet hours, how often to look at the clock again."""
    summary_seconds: float = 10.0
    """At most one summary line per this many seconds."""

    @property
    def slots(self) -> int:
        if self.concurrency is not None:
            return max(1, self.concurrency)
        return max(4, math.ceil(self.rate * self.expected_latency))


class _Slots:
    """The sends under way in one run of the dispatcher's loop.

    One task per message: it waits for its turn, sends and settles. When the stop event is
    set, the tasks still waiting for their turn are cancelled (`Dispatcher._wait_for_turn`
    turns that into "not sent: stopping"); the others finish their send.
    """

    def __init__(self, stop: asyncio.Event) -> None:
        self.tasks: set[asyncio.Task[None]] = set()
        self.waiting: set[asyncio.Task[None]] = set()
        """Tasks waiting for their turn at the limiter (nothing sent yet)."""
        self.settled = 0
        self.next_claim = 0.0
        self._loop = asyncio.get_running_loop()
        self._resting: asyncio.Future[None] | None = None
        self._stopping = asyncio.ensure_future(stop.wait())
        self._stopping.add_done_callback(self._on_stop)

    def time(self) -> float:
        return self._loop.time()

    def start(self, send: Coroutine[object, object, None]) -> None:
        task = asyncio.create_task(send)
        self.tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        self.settled += 1
        self._wake()

    @property
    def stopped(self) -> bool:
        """Whether the stop event was seen (no new wait for a turn begins then)."""
        return self._stopping.done() and not self._stopping.cancelled()

    def _on_stop(self, _: object) -> None:
        if not self.stopped:  # closed, not stopped: `close` cancels every task anyway
            return
        for task in self.waiting:
            task.cancel()
        self._wake()

    def _wake(self) -> None:
        if self._resting is not None and not self._resting.done():
            self._resting.set_result(None)

    async def rest(self, seconds: float) -> None:
        """Until ``seconds`` pass, a send finishes or the stop event is set."""
        # one future woken by callbacks, rather than `asyncio.wait` over every task under
        # way: that costs time in proportion to the slots (hundreds) at every rest
        self._resting = resting = self._loop.create_future()
        timer = self._loop.call_later(seconds, self._wake)
        try:
            await resting
        finally:
            timer.cancel()
            self._resting = None

    async def finish(self) -> None:
        await asyncio.gather(*self.tasks)

    def close(self) -> None:
        self._stopping.cancel()
        for task in self.tasks:
            task.cancel()


def worker_name() -> str:
    """A name for this dispatcher in ``outbox.claimed_by``: host, process and a random tag."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


class Dispatcher:
    """Drains the outbox through the channels' senders (see the module docstring).

    ``limiter`` defaults to a `RateLimiter` at ``settings.rate``. A sender that may make
    several calls for one message paces the calls after the first with the same limiter's
    `RateLimiter.next_turn` (see `bots.telegram.sender`).
    """

    def __init__(
        self,
        outbox: Outbox,
        senders: Mapping[str, Sender],
        render: Render,
        clock: Clock,
        *,
        limiter: RateLimiter | None = None,
        quiet: QuietHours | None = None,
        settings: DispatcherSettings | None = None,
        worker: str | None = None,
        outages: Outages | None = None,
    ) -> None:
        self._outbox = outbox
        self._senders = dict(senders)
        self._render = render
        self._clock = clock
        self._settings = settings or DispatcherSettings()
        self._limiter = limiter or RateLimiter(self._settings.rate)
        self._quiet = quiet
        self._outages = outages or Outages()
        self.worker = (worker or worker_name())[:64]
        self._slots = self._settings.slots
        self._outcomes: Counter[str] = Counter()
        self._last_summary = 0.0
        self._quiet_announced: datetime | None = None

    # ------------------------------------------------------------------ entry points

    async def run(self, stop: asyncio.Event) -> None:
        """Send until ``stop`` is set; then finish the sends under way (messages still waiting
        for their turn go back to the queue) and return."""
        await self._loop(stop, until_empty=False)

    async def run_until_empty(self) -> int:
        """Send until nothing is due (at once during quiet hours); how many were settled."""
        return await self._loop(asyncio.Event(), until_empty=True)

    async def drain_once(self) -> int:
        """Claim one batch (one row per slot), send and settle it; how many were settled."""
        if self._quiet_end(self._clock.now()) is not None:
            return 0
        messages = await self._claim(min(self._slots, self._settings.batch_size))
        await asyncio.gather(*(self._deliver(message, None) for message in messages))
        self._summarize(force=True)
        return len(messages)

    # ------------------------------------------------------------------ the loop

    async def _loop(self, stop: asyncio.Event, *, until_empty: bool) -> int:
        slots = _Slots(stop)
        try:
            while not stop.is_set():
                wait = await self._step(slots, until_empty=until_empty)
                if wait is None:
                    break
                self._summarize()
                if wait > 0:
                    await slots.rest(wait)  # a finished send ends the rest early
            await slots.finish()
        finally:
            slots.close()
            self._summarize(force=True)
        return slots.settled

    async def _step(self, slots: _Slots, *, until_empty: bool) -> float | None:
        """One look at the queue, claiming rows for free slots; how long to rest before the
        next look (0: at once), or None when there is nothing left to do (``until_empty``)."""
        settings = self._settings
        idle = settings.idle_seconds
        now = self._clock.now()
        quiet_end = self._quiet_end(now)
        if quiet_end is not None:
            if until_empty and not slots.tasks:
                return None
            return min((quiet_end - now).total_seconds(), settings.quiet_check_seconds)
        if (paused := self._limiter.paused_for()) > 0:  # flood control: claim nothing
            return min(paused, idle)
        if self._senders and (down := self._outages.wait_for(self._senders)) > 0:
            return min(down, idle)  # every channel is down: claim nothing until a probe
        free = self._slots - len(slots.tasks)
        if slots.tasks:
            if free < max(1, self._slots // 4):  # claim in batches, not row by row
                return idle
            if (later := slots.next_claim - slots.time()) > 0:
                return later
        wanted = min(free, settings.batch_size)
        try:
            claimed = await self._claim(wanted)
        except Exception:
            task = asyncio.current_task()
            # an error while being cancelled (a rollback that failed) must not hide the cancel
            if until_empty or (task is not None and task.cancelling()):
                raise
            log.exception("could not claim outbox messages; trying again")
            return idle
        for message in claimed:
            slots.start(self._deliver(message, slots))
        if len(claimed) == wanted:
            return 0 if len(slots.tasks) < self._slots else idle
        slots.next_claim = slots.time() + idle  # nothing more is due now
        if not slots.tasks:
            return None if until_empty else idle
        return idle

    async def _claim(self, limit: int) -> list[OutboxMessage]:
        settings = self._settings
        return await self._outbox.claim(
            limit, self.worker, self._clock.now(), settings.lease_seconds
        )

    def _quiet_end(self, now: datetime) -> datetime | None:
        end = self._quiet(now) if self._quiet is not None else None
        if end is not None and end != self._quiet_announced:
            log.info("quiet hours: bulk messages wait until %s", f"{end:%Y-%m-%d %H:%M %Z}")
            self._quiet_announced = end
        return end

    # ------------------------------------------------------------------ one message

    async def _deliver(self, message: OutboxMessage, slots: _Slots | None) -> None:
        result, flood = await self._attempt(message, slots)
        now = self._clock.now()
        retry_at: datetime | None = None
        if result.outcome is Outcome.RETRY:
            if result.retry_after is not None:  # flood control, or not sent at all
                if flood:
                    self._limiter.pause_all(result.retry_after)
                retry_at = now + timedelta(seconds=result.retry_after)
            elif message.attempts >= self._settings.max_attempts:
                detail = f"gave up after {message.attempts} attempts: {result.detail}"
                result = SendResult(Outcome.FAILED, None, detail)
            else:
                retry_at = now + self._backoff(message.attempts)
        self._outcomes[result.outcome.value] += 1
        try:
            await self._outbox.settle(message, result, now, retry_at)
        except Exception:
            # the row stays claimed and comes back after its lease
            log.exception("could not record the outcome of outbox message %d", message.id)

    async def _attempt(
        self, message: OutboxMessage, slots: _Slots | None
    ) -> tuple[SendResult, bool]:
        """The send's result, and whether it was flood control."""
        sender = self._senders.get(message.channel)
        if sender is None:
            return SendResult(Outcome.FAILED, None, f"no sender for {message.channel}"), False
        try:
            reply = await self._render(message)
        except Exception as error:  # e.g. a poll removed from the deployment
            log.warning("outbox message %d cannot be rendered: %r", message.id, error)
            return SendResult(Outcome.FAILED, None, f"cannot render: {error!r}"), False
        channel = message.channel
        missed, probe = await self._wait_for_turn(channel, message.address, slots)
        if missed is not None:
            return missed, False
        try:
            result = await sender.send(message.address, reply)
        except Exception as error:  # a sender's bug: retried like a passing failure
            if probe:
                self._outages.no_verdict(channel)
            # the type only: an exception's text may hold an address or a URL with a token
            log.warning("outbox message %d: the sender failed: %s", message.id, type(error))
            return SendResult(Outcome.RETRY, None, f"sender error: {type(error).__name__}"), False
        finally:
            self._limiter.release(message.address)
        if result.outcome is Outcome.RETRY and result.outage:
            # not the message's fault: due again at the next probe, the attempt given back
            wait = self._outages.failed(channel, probe=probe, reason=result.detail)
            return SendResult(Outcome.RETRY, wait, f"outage: {result.detail}", outage=True), False
        if probe or self._outages.is_down(channel):
            self._outages.answered(channel)
        flood = result.outcome is Outcome.RETRY and result.retry_after is not None
        return result, flood

    async def _wait_for_turn(
        self, channel: str, address: str, slots: _Slots | None
    ) -> tuple[SendResult | None, bool]:
        """(None, probe) once this message's turn is open (`RateLimiter.release` it after the
        send; ``probe``: it is the send that tries a channel that was down); else why it was
        not sent (stopping, or no turn within half the lease), to be queued again without
        counting an attempt."""
        task = asyncio.current_task()
        assert task is not None
        if slots is not None:
            if slots.stopped:
                return self._not_sent("stopping", channel), False
            slots.waiting.add(task)  # cancelled by the slots when the stop event is set
        probe = False
        try:
            async with asyncio.timeout(self._settings.lease_seconds / 2):
                probe = await self._outages.enter(channel)
                await self._limiter.acquire(address)
        except TimeoutError:
            if probe:
                self._outages.no_verdict(channel)
            return self._not_sent("no turn within half the lease", channel), False
        except asyncio.CancelledError:
            if probe:
                self._outages.no_verdict(channel)
            # the slots' cancel for stopping is taken back; any other cancel goes on
            if slots is None or not slots.stopped or task.uncancel() > 0:
                raise
            return self._not_sent("stopping", channel), False
        finally:
            if slots is not None:
                slots.waiting.discard(task)
        return None, probe

    def _not_sent(self, reason: str, channel: str) -> SendResult:
        wait = max(self._limiter.paused_for(), self._outages.paused_for(channel))
        return SendResult(Outcome.RETRY, wait, f"not sent: {reason}")

    def _backoff(self, attempts: int) -> timedelta:
        settings = self._settings
        seconds = settings.backoff_base * 2 ** max(attempts - 1, 0)
        return timedelta(seconds=min(seconds, settings.backoff_max))

    def _summarize(self, *, force: bool = False) -> None:
        now = asyncio.get_running_loop().time()
        if not self._outcomes or (
            not force and now - self._last_summary < self._settings.summary_seconds
        ):
            return
        counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(self._outcomes.items()))
        log.info("outbox: %s (worker %s)", counts, self.worker)
        self._outcomes.clear()
        self._last_summary = now
