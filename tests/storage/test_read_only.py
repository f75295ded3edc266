"""A store that cannot be written is refused at start with one clear line (SQLite opened
read-only, a PostgreSQL database whose transactions are read-only), by `check_writable` and by
`peacepulse run` and the other writing commands as real subprocesses."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from storage.database import PROBE_TABLE, DatabaseReadOnly, check_writable, create_engine
from tests.bots.test_run_process import CLI, clean_env


async def read_only_url(engine: AsyncEngine, database_url: str) -> str:
    """The same, migrated database, which can no longer be written.

    SQLite: opened read-only (what a 0444 file gives a user that is not root; the tests may run
    as root, for whom file modes change nothing). PostgreSQL: ``default_transaction_read_only``
    on the database, as on a replica or a server put in read-only mode."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        os.chmod(url.database or "", 0o444)
        return f"sqlite+aiosqlite:///file:{url.database}?mode=ro&uri=true"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with admin.connect() as connection:
            await connection.exec_driver_sql(
                f'ALTER DATABASE "{url.database}" SET default_transaction_read_only = on'
            )
    finally:
        await admin.dispose()
    await engine.dispose()  # no connection opened before stays writable
    return database_url


async def test_a_writable_store_passes_and_keeps_nothing_of_the_probe(
    engine: AsyncEngine,
) -> None:
    await check_writable(engine)
    async with engine.connect() as connection:
        tables = await connection.run_sync(
            lambda sync: sync.dialect.get_table_names(sync)  # type: ignore[no-any-return]
        )
    assert PROBE_TABLE not in tables


async def test_a_store_that_cannot_be_written_is_refused(
    engine: AsyncEngine, database_url: str
) -> None:
    url = await read_only_url(engine, database_url)
    read_only = create_engine(url)
    try:
        async with read_only.connect() as connection:  # reading still works
            assert (await connection.execute(text("SELECT 1"))).scalar_one() == 1
        with pytest.raises(DatabaseReadOnly, match="cannot be written"):
            await check_writable(read_only)
    finally:
        await read_only.dispose()


async def test_run_refuses_a_read_only_store_with_one_line(
    engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    url = await read_only_url(engine, database_url)
    env = clean_env(
        PEACEPULSE_DATA_DIR=str(tmp_path),
        PEACEPULSE_DATABASE_URL=url,
        PEACEPULSE_SECRET_KEY="k" * 32,
        PEACEPULSE_TELEGRAM_TOKEN="123:ABC",
        PEACEPULSE_TELEGRAM_API_URL="http://127.0.0.1:9",  # never reached
    )
    for command in (["run"], ["outbox", "retry"]):
        code, _, errors = await cli(env, *command)
        assert code == 2, errors
        lines = errors.strip().splitlines()
        assert len(lines) == 1, errors
        assert lines[0].startswith("peacepulse: the database ")
        assert "cannot be written" in lines[0]
    # a command that only reads still works
    code, out, errors = await cli(env, "outbox", "status")
    assert (code, out.strip()) == (0, "no bulk messages"), errors


async def cli(env: dict[str, str], *args: str) -> tuple[int | None, str, str]:
    process = await asyncio.create_subprocess_exec(
        *CLI, *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    async with asyncio.timeout(60):
        out, errors = await process.communicate()
    return process.returncode, out.decode(), errors.decode()
