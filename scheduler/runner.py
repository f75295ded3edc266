"""APScheduler wiring: the schedule is derived from the deployment at start, never persisted.

The jobs are plain functions (scheduler.jobs) given their collaborators as arguments; the
in-memory job store keeps them without pickling anything.
"""

from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from conversations.definitions import Deployment
from conversations.ports import Clock, Outbox
from scheduler.jobs import (
    InitiativeQueue,
    open_due_waves,
    queue_due_reminders,
    queue_initiative_messages,
)

WAVE_CHECK_SECONDS = 60
REMINDER_CHECK_SECONDS = 300


def build_scheduler(
    outbox: Outbox,
    deployment: Deployment,
    clock: Clock,
    community: InitiativeQueue | None = None,
) -> AsyncIOScheduler:
    """A scheduler that opens due waves every minute and queues due reminders every 5 minutes,
    both first at start-up, so a wave that fell due while the service was down opens at once."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    common = {"coalesce": True, "max_instances": 1, "next_run_time": clock.now()}
    scheduler.add_job(
        open_due_waves,
        "interval",
        seconds=WAVE_CHECK_SECONDS,
        args=[outbox, deployment, clock],
        id="open-due-waves",
        **common,
    )
    scheduler.add_job(
        queue_due_reminders,
        "interval",
        seconds=REMINDER_CHECK_SECONDS,
        args=[outbox, deployment, clock],
        id="queue-due-reminders",
        **common,
    )
    if community is not None:
        scheduler.add_job(
            queue_initiative_messages,
            "interval",
            seconds=REMINDER_CHECK_SECONDS,
            args=[community, deployment, clock],
            id="queue-initiative-messages",
            **common,
        )
    return scheduler
