"""Shared fixtures: one database per test, on SQLite and (when configured) PostgreSQL.

``PEACEPULSE_TEST_POSTGRES_URL`` names a PostgreSQL server database to connect to with rights
to create databases, e.g. ``postgresql+asyncpg://postgres@127.0.0.1:5432/test``; each test
gets a fresh database there, dropped afterwards. Without it the PostgreSQL variants are
skipped, unless ``PEACEPULSE_REQUIRE_POSTGRES=1``, which turns those skips into failures (CI).
"""

from __future__ import annotations

import asyncio
import io
import os
import secrets
import signal
import threading
from collections.abc import AsyncIterator, Generator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
import pytest_timeout
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from storage.database import create_engine, upgrade

POSTGRES_URL_VARIABLE = "PEACEPULSE_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_VARIABLE = "PEACEPULSE_REQUIRE_POSTGRES"
POSTGRES_SKIP_REASON = f"{POSTGRES_URL_VARIABLE} is not set"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of an empty database of its own, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'peacepulse.db'}"
        return
    server_url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not server_url:
        pytest.skip(POSTGRES_SKIP_REASON)
    name = f"pp_test_{secrets.token_hex(8)}"
    admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with admin.connect() as connection:
            await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as connection:
                await connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await admin.dispose()


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a database migrated to the newest revision."""
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        yield engine
    finally:
        await engine.dispose()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """With ``PEACEPULSE_REQUIRE_POSTGRES=1``, a missing PostgreSQL fails instead of skipping."""
    report = yield
    if (
        report.skipped
        and os.environ.get(REQUIRE_POSTGRES_VARIABLE) == "1"
        and isinstance(report.longrepr, tuple)
        and POSTGRES_SKIP_REASON in str(report.longrepr[2])
    ):
        report.outcome = "failed"
        report.longrepr = f"{REQUIRE_POSTGRES_VARIABLE}=1 but {POSTGRES_SKIP_REASON}"
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_timeout_set_timer(item: pytest.Item, settings: Any) -> bool | None:
    """pytest-timeout's signal method, with the pending asyncio tasks and where each waits
    printed before the threads' stacks: a hung test is most often a task awaiting a future
    nobody will resolve, which no thread's stack shows."""
    if settings.method != "signal" or threading.current_thread() is not threading.main_thread():
        return None  # pytest-timeout's own implementation

    def handler(signum: int, frame: FrameType | None) -> None:
        __tracebackhide__ = True
        loop = asyncio._get_running_loop()
        if loop is not None:
            tasks = asyncio.all_tasks(loop)
            report = io.StringIO()
            for task in tasks:
                task.print_stack(limit=8, file=report)
            terminal = item.config.get_terminal_writer()
            terminal.sep("+", title=f"Timeout: {len(tasks)} pending asyncio tasks")
            terminal.write(report.getvalue())
        pytest_timeout.timeout_sigalrm(item, settings)

    def cancel() -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)

    item.cancel_timeout = cancel  # type: ignore[attr-defined]  # read by pytest-timeout
    signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, settings.timeout)
    return True
