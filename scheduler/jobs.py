"""Scheduled jobs: importable async functions with plain arguments, no hidden state.

Every job derives what is due from the deployment and the clock and lets the database decide
whether it already happened, so running it twice, late, or in two processes at once opens each
wave once and queues each reminder once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from conversations.community import due_events
from conversations.definitions import Deployment, Initiative
from conversations.ports import Clock, Outbox
from conversations.waves import Wave, waves_of

log = logging.getLogger(__name__)


def scheduled_waves(deployment: Deployment) -> list[Wave]:
    zone = ZoneInfo(deployment.timezone)
    return [wave for poll in deployment.polls for wave in waves_of(poll, zone)]


async def open_due_waves(outbox: Outbox, deployment: Deployment, clock: Clock) -> int:
    """Open every wave that is open now and not yet opened; returns invitations queued.

    A wave that fell due while the service was down opens on the next run, as long as it has not
    closed; a wave whose whole window passed unseen is not opened (nobody can answer it).
    """
    now = clock.now()
    queued = 0
    for wave in scheduled_waves(deployment):
        if not wave.is_open(now):
            continue
        poll = deployment.poll(wave.poll_id)
        assert poll is not None and poll.schedule is not None
        audience = poll.schedule.audience
        if poll.group is not None:  # a closed group's poll invites its members only
            audience = audience.model_copy(update={"group": poll.group})
        invited = await outbox.open_wave(wave, audience, now)
        if invited is not None:
            log.info("opened wave %d of %s: %d invitations queued", wave.number, poll.id, invited)
            queued += invited
    return queued


async def queue_due_reminders(outbox: Outbox, deployment: Deployment, clock: Clock) -> int:
    """Queue the one reminder of every open wave whose reminder time has come."""
    now = clock.now()
    queued = 0
    for wave in scheduled_waves(deployment):
        poll = deployment.poll(wave.poll_id)
        assert poll is not None and poll.schedule is not None
        delay = poll.schedule.reminder_after_hours
        if delay is None or not wave.is_open(now):
            continue
        if now < wave.opens_at + timedelta(hours=delay):
            continue
        reminded = await outbox.queue_reminders(wave, now)
        if reminded is not None:
            log.info("wave %d of %s: %d reminders queued", wave.number, poll.id, reminded)
            queued += reminded
    return queued


class InitiativeQueue(Protocol):
    """What the initiative job needs of the store (`storage.community.CommunityStore`)."""

    async def stored_initiatives(self) -> list[Initiative]: ...

    async def queue_event(self, initiative_id: str, event: str, now: datetime) -> int: ...


async def queue_initiative_messages(
    store: InitiativeQueue, deployment: Deployment, clock: Clock
) -> int:
    """Queue the reminders (the day before the start) and the after-end questions (within
    three days of the end) that are due, to those with a place. Each goes once per person:
    a run after someone signed up late reaches only them."""
    now = clock.now()
    zone = ZoneInfo(deployment.timezone)
    every = [*deployment.initiatives, *await store.stored_initiatives()]
    queued = 0
    for initiative_id, event in due_events(every, now, zone):
        count = await store.queue_event(initiative_id, event, now)
        if count:
            log.info("initiative %s: %d %s messages queued", initiative_id, count, event)
        queued += count
    return queued
