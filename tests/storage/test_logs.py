"""No log carries what people gave: SQL parameters stay out of DEBUG logs and error logs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from bots import logs
from storage.database import create_engine, upgrade
from storage.models import ChatAddress, Participant

PHONE = "+23566999111"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    named = {n: logging.getLogger(n).level for n in ("aiosqlite", "sqlalchemy", "telegram")}
    yield
    root.handlers[:], root.level = handlers, level
    for name, saved in named.items():
        logging.getLogger(name).setLevel(saved)


async def _write_address(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
        async with engine.begin() as connection:
            await connection.execute(
                insert(Participant).values(id="p1", state={}, created_at=NOW, updated_at=NOW)
            )
            await connection.execute(
                insert(ChatAddress).values(participant_id="p1", channel="sms", address=PHONE)
            )
        with pytest.raises(IntegrityError) as caught:
            async with engine.begin() as connection:
                await connection.execute(
                    insert(ChatAddress).values(participant_id="p1", channel="sms", address=PHONE)
                )
        logging.getLogger("peacepulse.test").error("write failed", exc_info=caught.value)
    finally:
        await engine.dispose()


async def test_debug_and_error_logs_hold_no_sql_parameters(
    database_url: str, restore_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    logs.configure("DEBUG", [])
    logging.getLogger("peacepulse.test").debug("debug is on")
    await _write_address(database_url)
    err = capsys.readouterr().err
    assert "debug is on" in err and "IntegrityError" in err  # the logs were written
    assert PHONE not in err
