"""Riding out a platform's outage: a channel that cannot be reached is paused and probed.

A send that fails for the platform's sake (connection refused or reset, a timeout, 502/503/504:
`conversations.ports.SendResult.outage`) says nothing about the message, and every other send
to that channel would fail the same way. So the first such failure closes the channel: nothing
more is sent on it until, after ``first`` seconds, one send goes through as a probe. If the
probe fails too, the next one waits twice as long, up to ``longest`` seconds; any answer from
the platform (sent, refused, flood control) opens the channel again, and every send that waited
goes on. A send already under way when the channel closed counts for nothing: only probes
lengthen the wait.

Times come from a monotonic clock, replaceable in tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Down:
    since: float
    probe_at: float
    interval: float
    probes: int = 0
    probing: bool = False
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def wake(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()


class Outages:
    """Which channels are down, and when each is probed next (see the module docstring)."""

    def __init__(
        self,
        *,
        first: float = 1.0,
        longest: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._first = first
        self._longest = longest
        self._clock = clock
        self._down: dict[str, _Down] = {}

    def is_down(self, channel: str) -> bool:
        return channel in self._down

    async def enter(self, channel: str) -> bool:
        """Wait until a send on ``channel`` may start; True when that send is the probe
        (then `failed`, `answered` or `no_verdict` must follow). Safe to cancel."""
        while (down := self._down.get(channel)) is not None:
            now = self._clock()
            if not down.probing and now >= down.probe_at:
                down.probing = True
                return True
            changed = down.changed
            delay = None if down.probing else down.probe_at - now
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await changed.wait()
        return False

    def failed(self, channel: str, *, probe: bool, reason: str) -> float:
        """A send on ``channel`` failed for the platform's sake; seconds until the next probe."""
        now = self._clock()
        down = self._down.get(channel)
        if down is None:
            self._down[channel] = _Down(since=now, probe_at=now + self._first, interval=self._first)
            log.warning(
                "%s cannot be reached (%s): sending on it paused, probing every %g s and up",
                channel,
                reason,
                self._first,
            )
            return self._first
        if probe:
            down.probes += 1
            down.interval = min(down.interval * 2, self._longest)
            down.probe_at = now + down.interval
            down.probing = False
            down.wake()
        return max(0.0, down.probe_at - now)

    def answered(self, channel: str) -> None:
        """The platform answered a send on ``channel`` (whatever it said): it is up."""
        down = self._down.pop(channel, None)
        if down is not None:
            log.warning(
                "%s can be reached again after %.0f s (%d failed probes): sending resumes",
                channel,
                self._clock() - down.since,
                down.probes,
            )
            down.wake()

    def no_verdict(self, channel: str) -> None:
        """The probe ended without reaching the platform (not sent after all)."""
        down = self._down.get(channel)
        if down is not None and down.probing:
            down.probing = False
            down.wake()

    def paused_for(self, channel: str) -> float:
        """Seconds until ``channel``'s next probe (0 when it is up or a probe is due)."""
        down = self._down.get(channel)
        return 0.0 if down is None else max(0.0, down.probe_at - self._clock())

    def wait_for(self, channels: Iterable[str]) -> float:
        """Seconds until a send on one of ``channels`` may start: 0 if one is up or due for a
        probe, infinity if each is down with its probe under way."""
        now = self._clock()
        soonest = math.inf
        for channel in channels:
            down = self._down.get(channel)
            if down is None:
                return 0.0
            if not down.probing:
                soonest = min(soonest, max(0.0, down.probe_at - now))
        return soonest
