"""`peacepulse staff`, `audit`, `groups` and `initiatives` as a real subprocess."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from conversations.identity import pseudonym
from conversations.values import ParticipantKey
from storage.community import code_hash
from storage.database import create_engine, upgrade
from storage.models import ClosedGroup, Participant
from tests.bots.test_cli_results import cli

CODE = re.compile(r"^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$")


async def _group_hash(db: Path) -> str | None:
    engine = create_engine(f"sqlite+aiosqlite:///{db}")
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(ClosedGroup.__table__.select())
            return next(iter(rows)).code_hash
    finally:
        await engine.dispose()


def test_staff_audit_groups_and_initiatives_from_the_command_line(tmp_path: Path) -> None:
    added = cli(tmp_path, "staff", "add", "--user", "424242", "--role", "organizer")
    assert added.returncode == 0, added.stderr
    secret = (tmp_path / "secret.key").read_text().strip().encode()
    who = pseudonym(secret, ParticipantKey("telegram", "424242"))
    assert added.stdout.strip() == f"organizer granted to {who[:12]}…"
    assert "424242" not in added.stdout

    listed = cli(tmp_path, "staff", "list")
    assert listed.stdout.startswith(f"{who[:12]}…\torganizer\t")

    invite = cli(tmp_path, "staff", "invite", "--role", "mediator")
    assert CODE.match(invite.stdout.strip()), invite.stdout
    assert "the person sends: /staff" in invite.stderr

    wrong_role = cli(tmp_path, "staff", "add", "--user", "1", "--role", "king")
    assert wrong_role.returncode == 2 and "Traceback" not in wrong_role.stderr
    nobody = cli(tmp_path, "staff", "remove", "--user", "999")
    assert nobody.returncode == 2
    assert "has no staff role" in nobody.stderr and "Traceback" not in nobody.stderr
    removed = cli(tmp_path, "staff", "remove", "--user", "424242")
    assert "1 role(s) withdrawn" in removed.stdout

    created = cli(tmp_path, "groups", "create", "civil", "--name", "Civil forum", "--chatham-house")
    code = created.stdout.strip()
    assert CODE.match(code), created.stdout
    stored = asyncio.run(_group_hash(tmp_path / "peacepulse.db"))
    assert stored == code_hash(code) and code not in str(stored)
    again = cli(tmp_path, "groups", "create", "civil", "--name", "Again")
    assert again.returncode == 2 and "exists already" in again.stderr
    rotated = cli(tmp_path, "groups", "rotate", "civil").stdout.strip()
    assert CODE.match(rotated) and rotated != code
    cli(tmp_path, "groups", "revoke", "civil")
    assert cli(tmp_path, "groups", "list").stdout.strip() == (
        "civil\tCivil forum\t0 members\tChatham House, no code"
    )
    missing = cli(tmp_path, "groups", "rotate", "nope")
    assert missing.returncode == 2 and "no group 'nope'" in missing.stderr

    actions = [line.split("\t")[2] for line in cli(tmp_path, "audit").stdout.splitlines()]
    assert actions == [
        "staff_add",
        "staff_invite",
        "staff_remove",
        "group_create",
        "group_rotate",
        "group_revoke",
    ]

    initiatives = cli(tmp_path, "initiatives", "list").stdout.splitlines()
    assert initiatives[0].startswith(
        "kessal_dialogue\tCommunity dialogue on the return of displaced families\t"
        "2026-12-05 09:00\tpublished\t0/12 placed, 0 waiting"
    )
    export = cli(tmp_path, "initiatives", "export", "noor_cleanup")
    assert export.stdout == "volunteer,status,signed_up_at,shared_contact\n"
    unknown = cli(tmp_path, "initiatives", "export", "nothing")
    assert unknown.returncode == 2 and "no initiative 'nothing'" in unknown.stderr


def test_group_ids_are_checked_and_the_audit_limit_is_bounded(tmp_path: Path) -> None:
    for bad in ("group:x", "x" * 33, "_خاص"):
        refused = cli(tmp_path, "groups", "create", bad, "--name", "N")
        assert refused.returncode == 2 and "not a valid group id" in refused.stderr, bad
        assert "Traceback" not in refused.stderr
    assert cli(tmp_path, "groups", "list").stdout.startswith("no closed group yet")
    for limit in ("0", str(10**30)):
        huge = cli(tmp_path, "audit", "--limit", limit)
        assert huge.returncode == 2 and "Traceback" not in huge.stderr, limit
    assert cli(tmp_path, "audit", "--limit", "10000").returncode == 0


async def _a_participant(db: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{db}")
    try:
        await upgrade(engine)
        async with engine.begin() as connection:
            now = datetime(2026, 12, 1, tzinfo=UTC)
            values = {"id": "p" * 64, "state": {}, "created_at": now, "updated_at": now}
            await connection.execute(insert(Participant).values(**values))
    finally:
        await engine.dispose()


def test_staff_add_refuses_to_make_a_new_key_where_people_exist(tmp_path: Path) -> None:
    asyncio.run(_a_participant(tmp_path / "peacepulse.db"))
    refused = cli(tmp_path, "staff", "add", "--user", "424242", "--role", "admin")
    assert refused.returncode == 2 and "PEACEPULSE_SECRET_KEY: required here" in refused.stderr
    assert not (tmp_path / "secret.key").exists()  # no new key written
    assert "no staff yet" in cli(tmp_path, "staff", "list").stdout
