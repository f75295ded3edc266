"""`SqlOutbox.failure_reasons` and `retry_failed` (``peacepulse outbox status`` and ``retry``),
on SQLite and PostgreSQL, and the two commands as a real subprocess."""

from __future__ import annotations

import asyncio
import subprocess
from datetime import timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from conversations.definitions import Audience
from conversations.ports import Outcome, SendResult
from conversations.waves import Wave
from storage.database import create_engine, upgrade
from storage.outbox import FailureReason, SqlOutbox
from tests.bots.test_run_process import CLI, clean_env
from tests.storage.helpers import NOW, add_people

WAVE = Wave("ceasefire", 1, NOW, NOW + timedelta(days=7))
INVITE = "wave:ceasefire:1:invite"
GAVE_UP = "gave up after 5 attempts: sendMessage: Internal Server Error"


async def fail_some(engine: AsyncEngine, outbox: SqlOutbox) -> None:
    """Five invitations: two given up on, one refused, one sent, one skipped (paused)."""
    people = await add_people(engine, 5)
    assert await outbox.open_wave(WAVE, Audience(), NOW) == 5
    messages = await outbox.claim(5, "w", NOW, 60)
    outcomes = [
        SendResult(Outcome.FAILED, None, GAVE_UP),
        SendResult(Outcome.FAILED, None, GAVE_UP),
        SendResult(Outcome.FAILED, None, "sendMessage: Bad Request: chat not found"),
        SendResult(Outcome.SENT),
        SendResult(Outcome.FAILED, None, "skipped: the participant paused messages"),
    ]
    assert len(people) == len(messages)
    for message, result in zip(messages, outcomes, strict=True):
        await outbox.settle(message, result, NOW, None)


async def test_failed_messages_say_why_and_can_be_queued_again(engine: AsyncEngine) -> None:
    outbox = SqlOutbox(engine)
    await fail_some(engine, outbox)

    assert await outbox.failure_reasons() == [
        FailureReason(INVITE, GAVE_UP, 2),
        FailureReason(INVITE, "sendMessage: Bad Request: chat not found", 1),
        FailureReason(INVITE, "skipped: the participant paused messages", 1),
    ]
    assert await outbox.failure_reasons("broadcast:9") == []
    assert await outbox.retry_failed(NOW, "broadcast:9") == 0

    later = NOW + timedelta(hours=1)
    assert await outbox.retry_failed(later, INVITE) == 3  # the skipped one stays
    counts = await outbox.job_counts(INVITE)
    assert (counts["queued"], counts["failed"], counts["sent"]) == (3, 1, 1)
    again = await outbox.claim(10, "w", later, 60)
    assert len(again) == 3
    assert {m.attempts for m in again} == {1}  # attempts start again
    assert await outbox.retry_failed(later) == 0


def test_outbox_status_and_retry_from_the_command_line(tmp_path: Path) -> None:
    async def prepare() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'peacepulse.db'}")
        try:
            await upgrade(engine)
            await fail_some(engine, SqlOutbox(engine))
        finally:
            await engine.dispose()

    asyncio.run(prepare())

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CLI, "outbox", *args],
            env=clean_env(PEACEPULSE_DATA_DIR=str(tmp_path)),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=tmp_path,
        )

    status = cli("status")
    assert status.returncode == 0, status.stderr
    lines = status.stdout.splitlines()
    assert lines[0].split() == ["job", "queued", "sending", "sent", "failed", "unreachable"]
    assert lines[1].split() == [INVITE, "0", "0", "1", "4", "0"]
    assert f"       2  {INVITE}  {GAVE_UP}" in lines
    assert "send them again with: peacepulse outbox retry [--job JOB]" in lines

    retried = cli("retry", "--job", INVITE)
    assert retried.returncode == 0, retried.stderr
    assert retried.stdout.startswith(f"3 failed messages of job {INVITE} queued again")
    assert cli("retry").stdout.strip() == "no failed message to send again"
    after = cli("status", "--job", INVITE).stdout.splitlines()
    assert after[1].split() == [INVITE, "3", "0", "1", "1", "0"]
