"""Sign-in links, roles and the audit log for the staff workspace in the browser (`bots.web`).

A link carries 128 random bits; only their SHA-256 is stored, so the database alone cannot be
used to sign in. A link is valid for `LINK_VALIDITY` and once: `redeem_link` marks it used in
the statement that checks it (``UPDATE … WHERE used_at IS NULL AND expires_at > now
RETURNING``), so two requests racing with one link get one session between them.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from conversations.snapshot import ROLES, Role
from storage.community import AuditLine, audit
from storage.database import for_writing
from storage.models import AuditEntry, StaffRole, WebSignIn

LINK_VALIDITY = timedelta(minutes=10)


def link_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def issue_link_in(
    bind: AsyncConnection | AsyncSession, participant: str, actor: str, now: datetime
) -> str | None:
    """`WebStore.issue_link` inside a transaction of the caller's (`/web` in chat runs in the
    event's). Expired and used links are swept on the way (worthless, and they name a person)."""
    held = await bind.scalar(
        select(StaffRole.role).where(StaffRole.participant_id == participant).limit(1)
    )
    if held is None:
        return None
    token = secrets.token_urlsafe(16)
    await bind.execute(
        delete(WebSignIn).where((WebSignIn.expires_at <= now) | WebSignIn.used_at.is_not(None))
    )
    await bind.execute(
        insert(WebSignIn).values(
            code_hash=link_hash(token),
            participant_id=participant,
            created_at=now,
            expires_at=now + LINK_VALIDITY,
        )
    )
    await audit(bind, actor, "web_link", participant, now)
    return token


class WebStore:
    """What the workspace reads and writes of staff: links, roles, audit. One transaction a call."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._reader = engine
        self._writer = for_writing(engine)

    async def issue_link(self, participant: str, actor: str, now: datetime) -> str | None:
        """A new one-time sign-in token for a staff member; None if they hold no role."""
        async with self._writer.begin() as connection:
            return await issue_link_in(connection, participant, actor, now)

    async def redeem_link(self, token: str, now: datetime) -> str | None:
        """The pseudonym the link was made for, if it is unused and unexpired; it is now used."""
        async with self._writer.begin() as connection:
            participant = (
                await connection.execute(
                    update(WebSignIn)
                    .where(
                        WebSignIn.code_hash == link_hash(token),
                        WebSignIn.used_at.is_(None),
                        WebSignIn.expires_at > now,
                    )
                    .values(used_at=now)
                    .returning(WebSignIn.participant_id)
                )
            ).scalar_one_or_none()
            if participant is not None:
                await audit(connection, participant, "web_sign_in", "", now)
            return participant

    async def roles(self, participant: str) -> frozenset[Role]:
        """The person's staff roles now (read on every request: a withdrawn role stops at once)."""
        async with self._reader.connect() as connection:
            held = set(
                await connection.scalars(
                    select(StaffRole.role).where(StaffRole.participant_id == participant)
                )
            )
            return frozenset(role for role in ROLES if role in held)

    async def record(self, actor: str, action: str, subject: str, now: datetime) -> None:
        """One line of the audit log (never a message text)."""
        async with self._writer.begin() as connection:
            await audit(connection, actor, action, subject, now)

    async def audit_page(self, before: int | None, limit: int) -> list[tuple[int, AuditLine]]:
        """The newest audit lines (older than id ``before``, if given), newest first."""
        statement = select(
            AuditEntry.id, AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.subject
        )
        if before is not None:
            statement = statement.where(AuditEntry.id < before)
        async with self._reader.connect() as connection:
            rows = await connection.execute(statement.order_by(AuditEntry.id.desc()).limit(limit))
            return [(row.id, AuditLine(row.at, row.actor, row.action, row.subject)) for row in rows]

    async def audit_lines(self, action: str, actor: str | None, limit: int) -> list[AuditLine]:
        """The newest lines of one action (by one actor, if given), newest first."""
        statement = select(AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.subject)
        statement = statement.where(AuditEntry.action == action)
        if actor is not None:
            statement = statement.where(AuditEntry.actor == actor)
        async with self._reader.connect() as connection:
            rows = await connection.execute(statement.order_by(AuditEntry.id.desc()).limit(limit))
            return [AuditLine(row.at, row.actor, row.action, row.subject) for row in rows]
