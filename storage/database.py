"""Engines and schema migrations for SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from pathlib import Path
from typing import Any

import aiosqlite
from alembic import command
from alembic.config import Config
from sqlalchemy import URL, Connection, event, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

SQLITE_BUSY_TIMEOUT_MS = 30_000

WRITE_OPTION = "peacepulse_write"
"""Execution option marking connections whose transactions will write (see `for_writing`)."""

SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")


class StorageError(Exception):
    """Root of the errors raised by the storage package."""


class InvalidDatabaseUrl(StorageError):
    def __init__(self, hint: str = "") -> None:
        # The text may hold a password, so it is not repeated here.
        super().__init__("the database URL cannot be parsed" + (f": {hint}" if hint else ""))


class UnsupportedDatabase(StorageError):
    def __init__(self, url: URL) -> None:
        supported = ", ".join(f"{name}://" for name in SUPPORTED_DRIVERS)
        super().__init__(
            f"unsupported database {safe_url(url)}: use a URL starting with {supported}"
        )
        self.url = safe_url(url)


class DatabaseUnavailable(StorageError):
    def __init__(self, url: URL, reason: BaseException) -> None:
        detail = reason.orig if isinstance(reason, DBAPIError) else reason
        lines = str(detail).strip().splitlines()
        message = lines[0] if lines else type(detail).__name__
        super().__init__(f"cannot connect to the database {safe_url(url)}: {message}")
        self.url = safe_url(url)


class DatabaseReadOnly(StorageError):
    def __init__(self, url: URL, reason: BaseException) -> None:
        detail = reason.orig if isinstance(reason, DBAPIError) else reason
        lines = str(detail).strip().splitlines()
        message = lines[0] if lines else type(detail).__name__
        super().__init__(
            f"the database {safe_url(url)} cannot be written ({message}): check the file's "
            "permissions and the disk, or that the server accepts writes"
        )
        self.url = safe_url(url)


PROBE_TABLE = "peacepulse_write_probe"


def safe_url(url: URL) -> str:
    """The URL as text with any password masked, fit for logs and error messages.

    An '@' left unencoded in a password ends the password early for the URL parser, and the
    rest of it would show as part of the host: then everything before the last '@' is masked.
    """
    host = url.host or ""
    if "@" in host:
        return f"{url.drivername}://***@{host.rpartition('@')[2]}/{url.database or ''}"
    return url.render_as_string(hide_password=True)


def parse_url(url: str | URL) -> URL:
    """A supported database URL; raises `InvalidDatabaseUrl` or `UnsupportedDatabase`."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InvalidDatabaseUrl() from None
    if "@" in (parsed.host or ""):
        raise InvalidDatabaseUrl("write an '@' in the user name or password as %40")
    if parsed.drivername not in SUPPORTED_DRIVERS:
        raise UnsupportedDatabase(parsed)
    return parsed


def create_engine(url: str | URL) -> AsyncEngine:
    """An async engine for ``sqlite+aiosqlite://`` or ``postgresql+asyncpg://`` URLs.

    SQLite gets foreign keys, WAL, a busy timeout and SQLAlchemy-issued ``BEGIN`` statements
    (``BEGIN IMMEDIATE`` on connections marked by `for_writing`), and the parent directory of
    a database file is created if missing.

    Parameters (chat ids, answers, profiles) are never put into SQLAlchemy's statement logs
    nor into the text of its errors (``hide_parameters``), so no log carries them.
    """
    parsed = parse_url(url)
    if parsed.get_backend_name() == "postgresql":
        return create_async_engine(parsed, pool_pre_ping=True, hide_parameters=True)
    database = parsed.database
    if database and database != ":memory:" and not database.startswith("file:"):
        try:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseUnavailable(parsed, exc) from exc

    async def connect_sqlite() -> aiosqlite.Connection:
        arguments, options = engine.dialect.create_connect_args(engine.url)
        return await _SqliteConnection.open(*arguments, **options)

    engine = create_async_engine(parsed, async_creator=connect_sqlite, hide_parameters=True)
    event.listen(engine.sync_engine, "connect", _configure_sqlite_connection)
    event.listen(engine.sync_engine, "begin", _begin_sqlite_transaction)
    return engine


class _SqliteConnection(aiosqlite.Connection):
    """aiosqlite's connection, whose `close` also completes after `stop`.

    SQLAlchemy ends a connection whose task was cancelled by starting a graceful `close` and,
    once cancelled, calling `stop`. aiosqlite 0.22's worker thread exits at the first stop;
    the `close` then queues a second one, which nobody runs, and waits for it forever: a task
    that never ends, and a test run that hung in its teardown (aiosqlite issues 369, 375).
    Here every stop after the first returns the first one's future, resolved when the worker
    thread ends.
    """

    _stopped: asyncio.Future[Any] | None
    _stop_requested = False

    @classmethod
    async def open(cls, database: str, **options: Any) -> aiosqlite.Connection:
        connection = cls(functools.partial(sqlite3.connect, database, **options), 64)
        # as SQLAlchemy does for connections it opens itself: never keep the process alive
        connection._thread.daemon = True
        return await connection

    def stop(self) -> asyncio.Future[Any] | None:
        if not self._stop_requested:
            self._stop_requested = True
            self._stopped = super().stop()
        return self._stopped


def for_writing(engine: AsyncEngine) -> AsyncEngine:
    """The same engine (and pool), with transactions that announce they will write.

    On SQLite such a transaction starts with ``BEGIN IMMEDIATE``, taking the write lock at once
    and waiting for it up to the busy timeout; two of them therefore never interleave, and a
    read-then-write cannot fail half-way with "database is locked". No effect on PostgreSQL,
    where `SqlUnitOfWork` locks rows instead.
    """
    return engine.execution_options(**{WRITE_OPTION: True})


def _configure_sqlite_connection(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    # The sqlite3 driver's own implicit BEGIN skips SELECTs; SQLAlchemy emits BEGIN instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
    finally:
        cursor.close()


def _begin_sqlite_transaction(connection: Connection) -> None:
    if connection.get_execution_options().get(WRITE_OPTION):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


def alembic_config() -> Config:
    """Alembic configuration for the migrations shipped in this package (no ini file needed)."""
    config = Config()
    config.set_main_option("script_location", "storage:migrations")
    config.set_main_option("path_separator", "os")
    return config


async def upgrade(engine: AsyncEngine) -> None:
    """Create the schema or bring it to the newest revision; does nothing when up to date.

    Raises `DatabaseUnavailable` when no connection can be made.
    """
    connection = await connect(engine)
    try:
        async with connection.begin():
            await connection.run_sync(_upgrade_to_head)
    finally:
        await connection.close()


async def check_writable(engine: AsyncEngine) -> None:
    """Refuse a store that cannot be written (a read-only file or folder, a full disk, a
    read-only server or replica): a tiny write in a transaction that is rolled back.

    Raises `DatabaseReadOnly`, or `DatabaseUnavailable` when no connection can be made.
    """
    connection = await connect(for_writing(engine))
    try:
        try:
            async with connection.begin() as transaction:
                await connection.exec_driver_sql(f"CREATE TABLE {PROBE_TABLE} (x INTEGER)")
                await transaction.rollback()
        except (DBAPIError, OSError) as exc:
            raise DatabaseReadOnly(engine.url, exc) from exc
    finally:
        await connection.close()


def upgrade_url(url: str | URL) -> None:
    """`upgrade` for command-line tools: runs its own event loop, so call it outside one."""
    asyncio.run(_upgrade_url(url))


async def connect(engine: AsyncEngine) -> AsyncConnection:
    """A new connection; raises `DatabaseUnavailable` (password masked) when that fails."""
    try:
        return await engine.connect()
    except (DBAPIError, OSError) as exc:
        raise DatabaseUnavailable(engine.url, exc) from exc


async def _upgrade_url(url: str | URL) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


def _upgrade_to_head(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
