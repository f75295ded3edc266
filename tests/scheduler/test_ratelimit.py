"""The rate limiter: permits held until a second after each answer, an even pace, one send per
chat per interval, pauses."""

from __future__ import annotations

import asyncio
import random
import time

import pytest

from scheduler.ratelimit import RateLimiter, TurnNotOpen


class FakeTime:
    """A monotonic clock that sleeping moves forward (one waiter at a time)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def most_in_window(times: list[float], window: float = 1.0) -> int:
    """The most of ``times`` within any half-open interval of ``window`` seconds."""
    times = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= window:
            start += 1
        most = max(most, end - start + 1)
    return most


async def test_an_even_pace_that_never_exceeds_the_rate_in_a_second() -> None:
    clock = FakeTime()
    limiter = RateLimiter(25, clock=clock, sleep=clock.sleep)
    times = []
    for n in range(200):
        async with limiter.turn(f"chat-{n}"):
            times.append(clock.now)
    assert most_in_window(times) == 25
    assert 199 / (times[-1] - times[0]) >= 0.99 * 25
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert sum(gap == pytest.approx(1 / 25) for gap in gaps) > 0.9 * len(gaps)
    assert all(b - a >= 1 / 25 - 1e-9 for a, b in zip(times, times[2:], strict=False))


async def test_a_larger_burst_is_still_capped_by_the_permits() -> None:
    clock = FakeTime()
    limiter = RateLimiter(25, burst=10, clock=clock, sleep=clock.sleep)
    times = []
    for n in range(100):
        async with limiter.turn(f"chat-{n}"):
            times.append(clock.now)
    assert times[9] == times[0]
    assert most_in_window(times) == 25


async def test_a_permit_comes_back_a_second_after_the_answer() -> None:
    clock = FakeTime()
    limiter = RateLimiter(2, clock=clock, sleep=clock.sleep)
    await limiter.acquire("a")
    await limiter.acquire("b")
    third = asyncio.create_task(limiter.acquire("c"))
    for _ in range(5):
        await asyncio.sleep(0)
    assert not third.done()  # both permits are with sends still under way
    clock.now += 7  # a very slow answer
    limiter.release("a")
    answered = clock.now
    await third
    assert clock.now == pytest.approx(answered + 1)
    limiter.release("b")
    limiter.release("c")


async def test_one_send_per_chat_per_interval_after_the_answer() -> None:
    clock = FakeTime()
    limiter = RateLimiter(100, clock=clock, sleep=clock.sleep)
    async with limiter.turn("same"):
        clock.now += 0.3  # the answer took a while
    answered = clock.now
    async with limiter.turn("same"):
        assert clock.now == pytest.approx(answered + 1)
    start = clock.now
    async with limiter.turn("other"):
        assert clock.now - start < 0.02  # other chats do not wait for it


async def test_a_message_in_parts_takes_a_turn_per_part() -> None:
    clock = FakeTime()
    limiter = RateLimiter(100, clock=clock, sleep=clock.sleep)
    await limiter.acquire("chat")
    first = clock.now
    await limiter.next_turn("chat")
    assert clock.now == pytest.approx(first + 1)
    limiter.release("chat")
    with pytest.raises(TurnNotOpen):
        limiter.release("chat")
    with pytest.raises(TurnNotOpen):
        await limiter.next_turn("chat")


async def test_pauses_hold_back_everything_or_one_chat() -> None:
    clock = FakeTime()
    limiter = RateLimiter(100, clock=clock, sleep=clock.sleep)
    limiter.pause_all(5)
    assert limiter.paused_for() == 5
    async with limiter.turn("a"):
        assert clock.now == 1005
    assert limiter.paused_for() == 0
    limiter.pause_chat("b", 3)
    async with limiter.turn("c"):
        assert clock.now < 1005.1
    async with limiter.turn("b"):
        assert clock.now == pytest.approx(1008)


async def test_a_cancelled_waiter_takes_nothing() -> None:
    clock = FakeTime()
    limiter = RateLimiter(1, clock=clock, sleep=clock.sleep)
    await limiter.acquire("a")
    waiter = asyncio.create_task(limiter.acquire("b"))
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    # a cancelled next part: the turn can still be released, and no permit is lost
    part = asyncio.create_task(limiter.next_turn("a"))
    await asyncio.sleep(0)
    part.cancel()
    with pytest.raises(asyncio.CancelledError):
        await part
    limiter.release("a")
    before = clock.now
    async with limiter.turn("c"):
        assert clock.now - before <= 1 + 1e-9


class BusyTime:
    """A clock that only the test moves, as a loop that was busy for a while finds it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        until = self.now + seconds
        while self.now < until:  # noqa: ASYNC110 - a clock moved by the test, not an event
            await asyncio.sleep(0)


async def test_turns_that_fell_due_together_are_granted_together() -> None:
    """After the loop was busy for 10 ms, the turns due by then (as many as the burst allows)
    start in the same pass, not one per event-loop iteration: a busy loop can catch up."""
    clock = BusyTime()
    limiter = RateLimiter(1000, burst=5, clock=clock, sleep=clock.sleep)
    waiters = [asyncio.create_task(limiter.acquire(f"chat-{n}")) for n in range(20)]
    for _ in range(5):
        await asyncio.sleep(0)
    assert sum(w.done() for w in waiters) == 5  # the burst
    clock.now += 0.010
    for _ in range(3):
        await asyncio.sleep(0)
    assert sum(w.done() for w in waiters) == 5 + 5
    for w in waiters:
        w.cancel()
    await asyncio.gather(*waiters, return_exceptions=True)


async def test_a_turn_granted_to_a_cancelled_waiter_is_given_back() -> None:
    clock = FakeTime()
    limiter = RateLimiter(2, clock=clock, sleep=clock.sleep)
    waiter = asyncio.create_task(limiter.acquire("a"))
    await asyncio.sleep(0)  # queued
    await asyncio.sleep(0)  # granted, not yet resumed
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    # both permits are free: two chats start without waiting for a permit to come back
    await limiter.acquire("b")
    await limiter.acquire("c")
    assert clock.now - 1000.0 < 1.0
    limiter.release("b")
    limiter.release("c")


async def test_in_real_time_a_server_never_counts_more_than_the_rate() -> None:
    """Whenever within [start, answer] the server counts a send, and however slow some
    answers are, no second holds more than the rate and no chat two sends within a second."""
    rate = 50
    limiter = RateLimiter(rate)
    counted: list[float] = []
    chats: dict[str, list[float]] = {}
    rng = random.Random(4)

    async def send(n: int) -> None:
        chat = f"c{n % 90}"
        async with limiter.turn(chat):
            started = time.monotonic()
            slow = n % 17 == 0
            await asyncio.sleep(0.25 if slow else 0.002)
            answered = time.monotonic()
        # the worst case for the limit: slow sends counted late, quick ones early
        at = answered if slow else started + rng.random() * (answered - started)
        counted.append(at)
        chats.setdefault(chat, []).append(at)

    started = time.monotonic()
    async with asyncio.timeout(10):
        await asyncio.gather(*(send(n) for n in range(100)))
    assert most_in_window(counted) <= rate
    for times in chats.values():
        times.sort()
        assert all(b - a >= 1.0 for a, b in zip(times, times[1:], strict=False))
    assert time.monotonic() - started < 3.5


def test_the_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(0)
