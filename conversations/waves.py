"""When the waves of a repeating poll open and close: pure arithmetic on the schedule.

A wave is numbered from 1. Each wave closes after ``open_days``, and at the latest when the
next one opens, so at most one wave of a poll is open at any time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from apscheduler.triggers.cron import CronTrigger

from conversations.definitions import Poll, Schedule


@dataclass(frozen=True, slots=True)
class Wave:
    poll_id: str
    number: int
    opens_at: datetime
    closes_at: datetime

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at


def _openings(schedule: Schedule, zone: tzinfo) -> list[datetime]:
    start = schedule.start if schedule.start.tzinfo else schedule.start.replace(tzinfo=zone)
    if schedule.every_days is not None:
        step = timedelta(days=schedule.every_days)
        return [start + step * i for i in range(schedule.waves)]
    assert schedule.cron is not None
    trigger = CronTrigger.from_crontab(schedule.cron, timezone=zone)
    openings: list[datetime] = []
    cursor = start - timedelta(microseconds=1)
    while len(openings) < schedule.waves:
        fire = trigger.get_next_fire_time(openings[-1] if openings else None, cursor)
        if fire is None:
            break
        openings.append(fire)
        cursor = fire + timedelta(seconds=1)
    return openings


def waves_of(poll: Poll, zone: tzinfo) -> tuple[Wave, ...]:
    """Every wave of a scheduled poll (empty for a poll without a schedule), times in UTC."""
    if poll.schedule is None:
        return ()
    openings = _openings(poll.schedule, zone)
    length = timedelta(days=poll.schedule.open_days)
    waves = []
    for index, opens in enumerate(openings):
        closes = opens + length
        if index + 1 < len(openings):
            closes = min(closes, openings[index + 1])
        waves.append(Wave(poll.id, index + 1, _utc(opens), _utc(closes)))
    return tuple(waves)


def open_wave(waves: tuple[Wave, ...], now: datetime) -> Wave | None:
    return next((w for w in waves if w.is_open(now)), None)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
