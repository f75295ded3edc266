"""Engine creation, SQLite settings and connection errors."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import event, inspect, make_url

from storage.database import (
    DatabaseUnavailable,
    InvalidDatabaseUrl,
    UnsupportedDatabase,
    create_engine,
    for_writing,
    safe_url,
    upgrade,
    upgrade_url,
)

TABLES = sorted(
    ["alembic_version", "answers", "chat_addresses", "participants", "processed_updates"]
    + ["profile_values", "completions", "subscriptions", "waves", "broadcasts", "outbox"]
    + ["staff_roles", "staff_invites", "audit_log", "closed_groups", "group_members"]
    + ["code_attempts", "initiatives", "initiative_locks", "sign_ups", "initiative_feedback"]
    + ["consultation_answers", "statements", "statement_votes", "consultation_rounds"]
    + ["web_sign_ins"]
)


async def test_sqlite_file_gets_its_directory_and_settings(tmp_path: Path) -> None:
    path = tmp_path / "data" / "nested" / "peacepulse.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.connect() as connection:
            pragmas = [
                await connection.exec_driver_sql(f"PRAGMA {name}")
                for name in ("foreign_keys", "journal_mode", "busy_timeout")
            ]
            assert [result.scalar() for result in pragmas] == [1, "wal", 30_000]
    finally:
        await engine.dispose()
    assert path.exists()


async def test_sqlite_writers_begin_immediately_and_readers_do_not_wait(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    statements: list[str] = []

    def remember(connection: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", remember)
    try:
        await upgrade(engine)
        statements.clear()
        async with for_writing(engine).begin() as writer:
            await writer.exec_driver_sql(
                "INSERT INTO processed_updates (channel, update_id, processed_at) "
                "VALUES ('telegram', 1, '2025-01-01 00:00:00')"
            )
            async with asyncio.timeout(5), engine.connect() as reader:
                rows = await reader.exec_driver_sql("SELECT count(*) FROM processed_updates")
                assert rows.scalar() == 0
    finally:
        await engine.dispose()
    assert statements[0] == "BEGIN IMMEDIATE"
    assert "BEGIN" in statements[1:]


async def test_a_sqlite_connection_stopped_while_closing_still_closes(tmp_path: Path) -> None:
    """SQLAlchemy ends a connection whose task was cancelled by a graceful close and then, the
    close being cancelled too, a stop. With aiosqlite 0.22 alone that close never returned,
    and a test run hung in its teardown waiting for it."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'peacepulse.db'}")
    try:
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None
            closing = asyncio.ensure_future(driver.close())
            await asyncio.sleep(0)  # the close is queued on the worker thread
            driver.stop()
            await asyncio.wait_for(closing, timeout=10)
            await asyncio.to_thread(driver._thread.join, 10)
            assert not driver._thread.is_alive()
            await connection.invalidate()
    finally:
        await engine.dispose()


def test_upgrade_url_runs_outside_an_event_loop(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    upgrade_url(url)
    upgrade_url(url)

    with closing(sqlite3.connect(tmp_path / "cli.db")) as connection:
        query = "SELECT name FROM sqlite_master WHERE type = 'table'"
        names = [row[0] for row in connection.execute(query)]
    assert sorted(names) == TABLES


async def test_unreachable_server_is_one_clear_error_without_the_password() -> None:
    engine = create_engine("postgresql+asyncpg://pp:s3cret-pw@127.0.0.1:1/peacepulse")
    try:
        with pytest.raises(DatabaseUnavailable) as caught:
            await upgrade(engine)
    finally:
        await engine.dispose()
    message = str(caught.value)
    assert "s3cret-pw" not in message
    assert message.startswith(
        "cannot connect to the database postgresql+asyncpg://pp:***@127.0.0.1:1/peacepulse: "
    )
    assert "\n" not in message


async def test_sqlite_path_that_cannot_be_created_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(DatabaseUnavailable, match="cannot connect to the database sqlite"):
        create_engine(f"sqlite+aiosqlite:///{tmp_path / 'file' / 'sub' / 'db.sqlite'}")


@pytest.mark.parametrize(
    "url",
    ["mysql+aiomysql://u:s3cret-pw@host/db", "postgresql://u:s3cret-pw@host/db", "sqlite:///x.db"],
)
def test_unsupported_urls_are_refused_without_the_password(url: str) -> None:
    with pytest.raises(UnsupportedDatabase) as caught:
        create_engine(url)
    assert "s3cret-pw" not in str(caught.value)
    assert "postgresql+asyncpg://" in str(caught.value)


def test_unparsable_url_is_not_repeated() -> None:
    with pytest.raises(InvalidDatabaseUrl) as caught:
        create_engine("not a url s3cret-pw")
    assert "s3cret-pw" not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+asyncpg://pp:p@ss-w0rd@db.example:5432/peacepulse",
        "mysql+aiomysql://pp:p@ss-w0rd@db.example/peacepulse",
    ],
)
def test_an_at_sign_in_the_password_is_masked_whole(url: str) -> None:
    with pytest.raises(InvalidDatabaseUrl) as caught:
        create_engine(url)
    assert "ss-w0rd" not in str(caught.value) and "%40" in str(caught.value)
    shown = safe_url(make_url(url))
    assert "ss-w0rd" not in shown and shown.endswith("***@db.example/peacepulse")
    encoded = safe_url(make_url(url.replace("p@ss", "p%40ss")))
    assert "ss-w0rd" not in encoded and "***@db.example" in encoded


async def test_inspect_tables_after_upgrade(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    try:
        await upgrade(engine)
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: inspect(c).get_table_names())
    finally:
        await engine.dispose()
    assert sorted(names) == TABLES
