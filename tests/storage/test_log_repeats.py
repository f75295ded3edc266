"""Logs stay useful in an outage: a failure repeated many times is logged once, then counted
(`bots.logs.Repeats`), as the dispatcher shows with its database gone (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url

from bots import logs
from bots.logs import Repeats
from conversations.ports import OutboxMessage
from conversations.values import Reply
from scheduler.dispatcher import Dispatcher, DispatcherSettings
from storage.database import create_engine
from storage.outbox import SqlOutbox
from tests.scheduler.conftest import WallClock, eventually


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


def test_a_repeated_failure_is_logged_once_then_counted() -> None:
    now = [0.0]
    written: list[str] = []
    repeats = Repeats(lambda r: written.append(r.getMessage()), window=20, clock=lambda: now[0])
    log = logging.getLogger("peacepulse.test")

    def record(message: str, level: int = logging.ERROR) -> bool:
        made = log.makeRecord(log.name, level, __file__, 1, message, None, None)
        passed = repeats.filter(made)
        if passed:
            written.append(made.getMessage())
        return passed

    assert record("disk full")
    for _ in range(1_200):
        now[0] += 0.01
        assert not record("disk full")
    assert record("something else")  # a different failure is logged at once
    assert record("progress", logging.INFO)
    assert repeats.untold == 1_200
    now[0] = 20.5
    assert record("progress", logging.INFO)  # the window is over: the count comes first
    assert written == [
        "disk full",
        "something else",
        "progress",
        "disk full (repeated 1,200 times in 12 s)",
        "progress",
    ]
    assert record("disk full")  # a new window: logged in full again
    assert not record("disk full")
    repeats.flush()
    assert written[-1] == "disk full (repeated 1 times in 0 s)"


@pytest.mark.usefixtures("restore_logging")
async def test_a_dispatcher_without_its_database_logs_one_traceback_and_a_count(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        (tmp_path / "gone.db").mkdir()  # a folder where the database file should be
        url = url.set(database=str(tmp_path / "gone.db"))
    else:
        url = url.set(host="127.0.0.1", port=9)  # nothing listens there
    logs.configure("INFO", [])
    (handler,) = logging.getLogger().handlers
    repeats = next(f for f in handler.filters if isinstance(f, Repeats))
    engine = create_engine(url)

    async def render(message: OutboxMessage) -> Reply:
        return Reply("hello")

    dispatcher = Dispatcher(
        SqlOutbox(engine), {}, render, WallClock(), settings=DispatcherSettings(idle_seconds=0.01)
    )
    stop = asyncio.Event()
    running = asyncio.create_task(dispatcher.run(stop))
    try:
        await eventually(lambda: repeats.untold >= 20, limit=30)
    finally:
        stop.set()
        await running
        await engine.dispose()
    handler.close()  # at shut-down: the count still untold
    errors = capsys.readouterr().err
    logged = [line for line in errors.splitlines() if " ERROR scheduler.dispatcher: " in line]
    assert len(logged) == 2, errors  # the first in full (with its traceback), then the count
    assert logged[0].endswith("could not claim outbox messages; trying again")
    assert "could not claim outbox messages; trying again (repeated " in logged[1]
