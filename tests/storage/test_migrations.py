"""The Alembic revisions build exactly the schema the models describe."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Connection, Integer, MetaData, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.database import alembic_config, upgrade
from storage.models import Base
from tests.storage.helpers import NOW


def schema_differences(connection: Connection, metadata: MetaData) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(context, metadata))


async def test_migrated_schema_matches_the_models(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        assert await connection.run_sync(schema_differences, Base.metadata) == []


async def test_the_comparison_notices_a_difference(engine: AsyncEngine) -> None:
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["answers"].append_column(Column("extra", Integer))
    async with engine.connect() as connection:
        differences = await connection.run_sync(schema_differences, changed)
    assert [d[0] for d in differences] == ["add_column"]


async def test_upgrade_is_idempotent_and_reaches_the_single_head(engine: AsyncEngine) -> None:
    await upgrade(engine)
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert heads == ["i16_reply_owed"]
    async with engine.connect() as connection:
        version = await connection.scalar(
            select(text("version_num")).select_from(text("alembic_version"))
        )
    assert version == "i16_reply_owed"


async def test_downgrade_removes_every_table(engine: AsyncEngine) -> None:
    def downgrade_and_list_tables(connection: Connection) -> list[str]:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        return sorted(inspect(connection).get_table_names())

    async with engine.begin() as connection:
        assert await connection.run_sync(downgrade_and_list_tables) == ["alembic_version"]
    await upgrade(engine)


async def test_revision_0002_copies_each_language_out_of_the_state(engine: AsyncEngine) -> None:
    def to(revision: str, connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(lambda c: to("0001", c))
        for name, language in (("p1", "fr"), ("p2", "ar")):
            await connection.execute(
                text(
                    "INSERT INTO participants (id, state, opted_out, created_at, updated_at) "
                    "VALUES (:id, :state, false, :now, :now)"
                ),
                {"id": name, "state": f'{{"v": 1, "language": "{language}"}}', "now": NOW},
            )
    await upgrade(engine)
    async with engine.connect() as connection:
        languages = (
            await connection.execute(text("SELECT id, language FROM participants ORDER BY id"))
        ).all()
    assert [tuple(row) for row in languages] == [("p1", "fr"), ("p2", "ar")]
