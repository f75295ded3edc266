"""Initiatives, sign-ups, staff roles, invitations, closed groups and the audit log in SQL.

The unit of work calls the ``session`` functions inside its transaction (`load_snapshot`,
`decide`, `record_community`); the CLI and the scheduler use `CommunityStore` over an engine.

Places. `sign_up` and `cancel` first lock the initiative's row of ``initiative_locks``
(created on first use), then count and change ``sign_ups``. On PostgreSQL the lock makes two
transactions that want the same initiative take turns, and each one's count (READ COMMITTED:
every statement sees what was committed before it) includes the other's sign-up; SQLite runs
one writing transaction at a time (``BEGIN IMMEDIATE``), which serializes them by itself.

Codes are 80 random bits (16 characters of Crockford's base 32); only their SHA-256 is kept,
so the database alone cannot be used to join. Guessing online is what the rate limit is for:
after `MAX_WRONG_CODES` wrong codes within `WRONG_CODE_WINDOW`, a person's codes are not even
checked until the window has passed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    JSON,
    ColumnElement,
    Integer,
    Select,
    String,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from conversations.definitions import Deployment, Initiative, is_identifier
from conversations.snapshot import (
    ROLES,
    Feedback,
    HeldAnswer,
    Role,
    Seats,
    SignUpStatus,
    Snapshot,
)
from conversations.values import (
    CancelSignUp,
    CommunityRecord,
    DecidedRecord,
    Decision,
    FeedbackGiven,
    InitiativeCancelled,
    InitiativeSaved,
    MessageSignUps,
    RedeemCode,
    SignUp,
    StaffBroadcast,
    WebLinkRequested,
)
from insights.spreadsheet import spreadsheet_safe
from storage.database import StorageError, UnsupportedDatabase, for_writing
from storage.models import (
    Answer,
    AuditEntry,
    Broadcast,
    ClosedGroup,
    CodeAttempt,
    GroupMember,
    InitiativeFeedback,
    InitiativeLock,
    OutboxRow,
    Participant,
    SignUpRow,
    StaffInvite,
    StaffRole,
    StoredInitiative,
    Subscription,
    UtcDateTime,
)
from storage.outbox import reachable

MAX_WRONG_CODES = 5
WRONG_CODE_WINDOW = timedelta(hours=1)
INVITE_VALIDITY = timedelta(days=7)
CLI_ACTOR = "cli"

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U


class CommunityError(StorageError):
    """A staff or group operation that cannot be done (unknown group, unknown role...)."""


def new_code() -> str:
    """A fresh code: 16 characters in four groups, e.g. ``7KQ2-M9XD-4TPA-R1WE`` (80 bits)."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def code_hash(code: str) -> str:
    """SHA-256 of a code as typed, ignoring case, spaces and dashes (and O/I/L for 0/1/1)."""
    cleaned = "".join(code.upper().split()).replace("-", "")
    cleaned = cleaned.translate(str.maketrans("OIL", "011"))
    return hashlib.sha256(cleaned.encode()).hexdigest()


def _insert(bind: AsyncConnection | AsyncSession, entity: type[Any]) -> Any:
    dialect = bind.get_bind().dialect.name if isinstance(bind, AsyncSession) else bind.dialect.name
    if dialect == "postgresql":
        return postgresql.insert(entity)
    if dialect == "sqlite":
        return sqlite.insert(entity)
    raise UnsupportedDatabase(
        bind.get_bind().engine.url if isinstance(bind, AsyncSession) else bind.engine.url
    )


# --- inside a unit of work ----------------------------------------------------------------


async def load_snapshot(session: AsyncSession, participant: str, now: datetime) -> Snapshot:
    held = set(
        await session.scalars(select(StaffRole.role).where(StaffRole.participant_id == participant))
    )
    roles = frozenset(role for role in ROLES if role in held)
    stored = (
        await session.execute(
            select(
                StoredInitiative.id,
                StoredInitiative.organizer,
                StoredInitiative.definition,
                StoredInitiative.status,
            ).order_by(StoredInitiative.created_at, StoredInitiative.id)
        )
    ).all()
    initiatives = tuple(
        Initiative.model_validate({**row.definition, "status": row.status}) for row in stored
    )
    owned = frozenset(row.id for row in stored if row.organizer == participant)
    seat_rows = await session.execute(
        select(SignUpRow.initiative_id, SignUpRow.status, func.count()).group_by(
            SignUpRow.initiative_id, SignUpRow.status
        )
    )
    counts: dict[str, dict[str, int]] = {}
    for initiative_id, status, n in seat_rows:
        counts.setdefault(initiative_id, {})[status] = int(n)
    seats = {i: Seats(c.get("placed", 0), c.get("waitlisted", 0)) for i, c in counts.items()}
    signed = (
        await session.execute(
            select(SignUpRow.initiative_id, SignUpRow.status, SignUpRow.contact).where(
                SignUpRow.participant_id == participant
            )
        )
    ).all()
    mine = {row.initiative_id: cast(SignUpStatus, row.status) for row in signed}
    contacts = {row.initiative_id: row.contact for row in signed if row.contact}
    given_feedback = {
        row.initiative_id: (row.took_place, row.rating)
        for row in await session.execute(
            select(
                InitiativeFeedback.initiative_id,
                InitiativeFeedback.took_place,
                InitiativeFeedback.rating,
            ).where(InitiativeFeedback.participant_id == participant)
        )
    }
    answers = tuple(
        HeldAnswer(
            row.poll_id,
            row.wave,
            row.question_id,
            _value(row.choice, row.number, row.text),
        )
        for row in await session.execute(
            select(
                Answer.poll_id,
                Answer.wave,
                Answer.question_id,
                Answer.choice,
                Answer.number,
                Answer.text,
            )
            .where(Answer.respondent == participant)
            .order_by(Answer.id)
        )
    )
    feedback: dict[str, Feedback] = {}
    audiences: dict[str, int] = {}
    if roles:
        feedback = await _feedback_counts(session)
        if roles & {"admin", "organizer"}:
            audiences = await _audiences(session, participant, roles)
    return Snapshot(
        roles=roles,
        initiatives=initiatives,
        owned=owned,
        seats=seats,
        mine=mine,
        feedback=feedback,
        audiences=audiences,
        answers=answers,
        contacts=contacts,
        given_feedback=given_feedback,
    )


def _value(choice: str | None, number: float | None, text: str | None) -> str | float | None:
    if choice is not None:
        return choice
    return number if number is not None else text


async def _feedback_counts(session: AsyncSession) -> dict[str, Feedback]:
    rows = await session.execute(
        select(
            InitiativeFeedback.initiative_id,
            func.coalesce(func.sum(case((InitiativeFeedback.took_place.is_(True), 1), else_=0)), 0),
            func.coalesce(
                func.sum(case((InitiativeFeedback.took_place.is_(False), 1), else_=0)), 0
            ),
            *(
                func.coalesce(func.sum(case((InitiativeFeedback.rating == n, 1), else_=0)), 0)
                for n in range(1, 6)
            ),
        ).group_by(InitiativeFeedback.initiative_id)
    )
    return {
        row[0]: Feedback(
            int(row[1]),
            int(row[2]),
            (int(row[3]), int(row[4]), int(row[5]), int(row[6]), int(row[7])),
        )
        for row in rows
    }


async def _audiences(
    session: AsyncSession, participant: str, roles: frozenset[Role]
) -> dict[str, int]:
    audiences: dict[str, int] = {}
    topic_rows = await session.execute(
        select(Subscription.topic, func.count())
        .join(Participant, Participant.id == Subscription.participant_id)
        .where(*reachable())
        .group_by(Subscription.topic)
    )
    audiences.update({topic: int(n) for topic, n in topic_rows})
    group_rows = await session.execute(
        select(GroupMember.group_id, func.count())
        .join(Participant, Participant.id == GroupMember.participant_id)
        .where(*reachable())
        .group_by(GroupMember.group_id)
    )
    audiences.update({f"#{group}": int(n) for group, n in group_rows})
    recipients = _signups_of_managed(participant, "admin" in roles)
    audiences["@signups"] = int(
        await session.scalar(select(func.count()).select_from(recipients.subquery())) or 0
    )
    return audiences


def _signups_of_managed(participant: str, admin: bool) -> Select[str]:
    """Reachable people signed up to the initiatives ``participant`` organizes (every
    initiative, for an admin)."""
    condition: list[ColumnElement[bool]] = [SignUpRow.participant_id == Participant.id]
    if not admin:
        owned = select(StoredInitiative.id).where(StoredInitiative.organizer == participant)
        condition.append(SignUpRow.initiative_id.in_(owned))
    return select(Participant.id).where(exists().where(*condition), *reachable())


async def forget(session: AsyncSession, participant: str, now: datetime) -> None:
    """Erase a person's sign-ups (a place they held goes to the first waiting, who is told),
    staff roles and wrong codes older than the rate window, name them no more in the audit
    log, and unlink the initiatives they organized;
    memberships and feedback go with their participant row (foreign keys cascade)."""
    placed = await session.scalars(
        select(SignUpRow.initiative_id).where(
            SignUpRow.participant_id == participant, SignUpRow.status == "placed"
        )
    )
    for initiative_id in sorted(placed):  # locks in a fixed order: no deadlock
        capacity = await _lock_initiative(session, initiative_id)
        await session.execute(
            delete(SignUpRow).where(
                SignUpRow.initiative_id == initiative_id, SignUpRow.participant_id == participant
            )
        )
        if capacity is not None:
            await promote(session, initiative_id, capacity, now)
    await session.execute(delete(StaffRole).where(StaffRole.participant_id == participant))
    # Wrong codes of the last hour stay (only their times): erasing them would let anyone
    # reset the limit with /forget and guess on. Older ones go now.
    await session.execute(
        delete(CodeAttempt).where(
            CodeAttempt.participant_id == participant, CodeAttempt.at <= now - WRONG_CODE_WINDOW
        )
    )
    # The audit trail keeps what was done, by someone no longer named: one fresh random
    # name for all of this person's entries, in place of their pseudonym.
    erased = f"erased-{secrets.token_hex(16)}"
    await session.execute(
        update(AuditEntry).where(AuditEntry.actor == participant).values(actor=erased)
    )
    await session.execute(
        update(AuditEntry)
        .where(AuditEntry.subject.contains(participant, autoescape=True))
        .values(subject=func.replace(AuditEntry.subject, participant, erased))
    )
    await session.execute(
        update(StoredInitiative)
        .where(StoredInitiative.organizer == participant)
        .values(organizer=None)
    )


async def decide(
    session: AsyncSession, participant: str, record: DecidedRecord, now: datetime
) -> Decision:
    match record:
        case SignUp():
            return await _sign_up(session, participant, record, now)
        case CancelSignUp():
            return await _cancel(session, participant, record, now)
        case RedeemCode():
            return await _redeem(session, participant, record, now)
        case WebLinkRequested():
            from storage.web import issue_link_in

            token = await issue_link_in(session, participant, participant, now)
            return Decision("refused") if token is None else Decision("accepted", token)
    raise AssertionError(record)


async def _lock_initiative(
    session: AsyncSession, initiative_id: str, capacity: int | None = None
) -> int | None:
    """Lock the initiative's row (creating it), noting ``capacity`` if given; the capacity
    noted last."""
    statement = _insert(session, InitiativeLock).values(
        initiative_id=initiative_id, capacity=capacity
    )
    if capacity is None:
        statement = statement.on_conflict_do_nothing(index_elements=["initiative_id"])
    else:
        statement = statement.on_conflict_do_update(
            index_elements=["initiative_id"], set_={"capacity": capacity}
        )
    await session.execute(statement)
    noted = await session.scalar(
        select(InitiativeLock.capacity)
        .where(InitiativeLock.initiative_id == initiative_id)
        .with_for_update()
    )
    return None if noted is None else int(noted)


async def _placed(session: AsyncSession, initiative_id: str) -> int:
    return int(
        await session.scalar(
            select(func.count()).where(
                SignUpRow.initiative_id == initiative_id, SignUpRow.status == "placed"
            )
        )
        or 0
    )


async def _sign_up(
    session: AsyncSession, participant: str, record: SignUp, now: datetime
) -> Decision:
    await _lock_initiative(session, record.initiative_id, record.capacity)
    existing = await session.scalar(
        select(SignUpRow.status).where(
            SignUpRow.initiative_id == record.initiative_id,
            SignUpRow.participant_id == participant,
        )
    )
    if existing is not None:
        return Decision("already", existing)
    placed = await _placed(session, record.initiative_id)
    status = "placed" if placed < record.capacity else "waitlisted"
    await session.execute(
        insert(SignUpRow).values(
            initiative_id=record.initiative_id,
            participant_id=participant,
            status=status,
            contact=record.contact,
            created_at=now,
        )
    )
    return Decision(status)


async def _cancel(
    session: AsyncSession, participant: str, record: CancelSignUp, now: datetime
) -> Decision:
    await _lock_initiative(session, record.initiative_id, record.capacity)
    removed = await session.execute(
        delete(SignUpRow)
        .where(
            SignUpRow.initiative_id == record.initiative_id,
            SignUpRow.participant_id == participant,
        )
        .returning(SignUpRow.status)
    )
    status = removed.scalar_one_or_none()
    if status is None:
        return Decision("not_signed_up")
    if status == "placed":
        await promote(session, record.initiative_id, record.capacity, now)
    return Decision("cancelled", status)


async def promote(session: AsyncSession, initiative_id: str, capacity: int, now: datetime) -> int:
    """Move the first people waiting into free places and queue a message to each; how many.

    The caller holds the initiative's lock.
    """
    free = capacity - await _placed(session, initiative_id)
    if free <= 0:
        return 0
    waiting = list(
        await session.execute(
            select(SignUpRow.id, SignUpRow.participant_id)
            .where(SignUpRow.initiative_id == initiative_id, SignUpRow.status == "waitlisted")
            .order_by(SignUpRow.id)
            .limit(free)
        )
    )
    for row_id, person in waiting:
        await session.execute(
            update(SignUpRow).where(SignUpRow.id == row_id).values(status="placed")
        )
        connection = await session.connection()
        await enqueue(
            connection,
            select(Participant.id).where(Participant.id == person, *reachable()),
            job=f"initiative:{initiative_id}:promoted:{row_id}",
            payload={"initiative": initiative_id, "event": "promoted"},
            now=now,
        )
    return len(waiting)


async def _redeem(
    session: AsyncSession, participant: str, record: RedeemCode, now: datetime
) -> Decision:
    wrong = await session.scalar(
        select(func.count()).where(
            CodeAttempt.participant_id == participant,
            CodeAttempt.at > now - WRONG_CODE_WINDOW,
        )
    )
    if int(wrong or 0) >= MAX_WRONG_CODES:
        return Decision("limited")
    digest = code_hash(record.code)
    if record.kind == "staff":
        role = (
            await session.execute(
                update(StaffInvite)
                .where(
                    StaffInvite.code_hash == digest,
                    StaffInvite.used_at.is_(None),
                    StaffInvite.expires_at > now,
                )
                .values(used_at=now)
                .returning(StaffInvite.role)
            )
        ).scalar_one_or_none()
        if role is not None:
            await _grant(session, participant, role, now)
            await audit(session, participant, "staff_invite_used", role, now)
            return Decision("accepted", role)
    else:
        group = (
            await session.execute(
                select(ClosedGroup.id, ClosedGroup.name, ClosedGroup.chatham_house).where(
                    ClosedGroup.code_hash == digest
                )
            )
        ).first()
        if group is not None:
            await session.execute(
                _insert(session, GroupMember)
                .values(group_id=group.id, participant_id=participant, joined_at=now)
                .on_conflict_do_nothing(index_elements=["group_id", "participant_id"])
            )
            chatham = "1" if group.chatham_house else "0"
            return Decision("accepted", f"{group.id}:{chatham}:{group.name}")
    await session.execute(insert(CodeAttempt).values(participant_id=participant, at=now))
    return Decision("refused")


async def _grant(session: AsyncSession, participant: str, role: str, now: datetime) -> None:
    await session.execute(
        _insert(session, StaffRole)
        .values(participant_id=participant, role=role, granted_at=now)
        .on_conflict_do_nothing(index_elements=["participant_id", "role"])
    )


async def audit(
    bind: AsyncSession | AsyncConnection, actor: str, action: str, subject: str, now: datetime
) -> None:
    await bind.execute(
        insert(AuditEntry).values(at=now, actor=actor, action=action, subject=subject[:100])
    )


async def record_community(
    session: AsyncSession,
    participant: str,
    record: CommunityRecord,
    now: datetime,
) -> int | None:
    """Apply a staff or volunteer record; a broadcast's number for a `StaffBroadcast`."""
    connection = await session.connection()
    match record:
        case FeedbackGiven():
            values: dict[str, object] = {"answered_at": now}
            if record.took_place is not None:
                values["took_place"] = record.took_place
            if record.rating is not None:
                values["rating"] = record.rating
            statement = _insert(session, InitiativeFeedback).values(
                initiative_id=record.initiative_id, participant_id=participant, **values
            )
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=["initiative_id", "participant_id"], set_=values
                )
            )
        case MessageSignUps():
            texts = {record.language: record.text}
            broadcast_id = await _broadcast_row(session, None, texts, now)
            recipients = select(Participant.id).where(
                exists().where(
                    SignUpRow.participant_id == Participant.id,
                    SignUpRow.initiative_id == record.initiative_id,
                ),
                *reachable(),
            )
            job = f"initiative:{record.initiative_id}:message:{broadcast_id}"
            await enqueue(
                connection,
                recipients,
                job=job,
                payload={"broadcast": broadcast_id, "initiative": record.initiative_id},
                now=now,
                kind="broadcast",
            )
            await audit(session, participant, "message_signups", record.initiative_id, now)
        case StaffBroadcast():
            texts = {**record.translations, record.language: record.text}
            broadcast_id = await _broadcast_row(session, record.topic, texts, now)
            if record.group is not None:
                recipients = select(Participant.id).where(
                    exists().where(
                        GroupMember.participant_id == Participant.id,
                        GroupMember.group_id == record.group,
                    ),
                    *reachable(),
                )
            elif record.topic is not None:
                recipients = select(Participant.id).where(
                    exists().where(
                        Subscription.participant_id == Participant.id,
                        Subscription.topic == record.topic,
                    ),
                    *reachable(),
                )
            else:
                admin = await session.scalar(
                    select(StaffRole.role).where(
                        StaffRole.participant_id == participant, StaffRole.role == "admin"
                    )
                )
                recipients = _signups_of_managed(participant, admin is not None)
            await enqueue(
                connection,
                recipients,
                job=f"broadcast:{broadcast_id}",
                payload={"broadcast": broadcast_id},
                now=now,
                kind="broadcast",
            )
            audience = f"#{record.group}" if record.group else record.topic or "@signups"
            # the broadcast's number too: the workspace shows its sender how far it has gone
            await audit(session, participant, "broadcast", f"{audience} {broadcast_id}", now)
            return broadcast_id
        case InitiativeCancelled():
            await session.execute(
                update(StoredInitiative)
                .where(StoredInitiative.id == record.initiative_id)
                .values(status="cancelled", updated_at=now)
            )
            await queue_initiative_event(connection, record.initiative_id, "cancelled", now)
            await audit(session, participant, "cancel_initiative", record.initiative_id, now)
        case InitiativeSaved():
            statement = _insert(session, StoredInitiative).values(
                id=record.initiative_id,
                organizer=participant,
                definition=dict(record.data),
                status=str(record.data.get("status", "published")),
                created_at=now,
                updated_at=now,
            )
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=["id"],
                    set_={
                        "definition": statement.excluded.definition,
                        "status": statement.excluded.status,
                        "updated_at": now,
                    },
                    where=StoredInitiative.organizer == participant,
                )
            )
            if record.edited:
                # everyone signed up hears of the change; a larger capacity fills from the list
                # the occasion fits the job column beside the longest id (64 = 11 + 32 + 9 + 12)
                await queue_initiative_event(
                    connection, record.initiative_id, "changed", now, f"{now:%y%m%d%H%M%S}"
                )
                capacity = record.data.get("capacity")
                if isinstance(capacity, int):
                    await _lock_initiative(session, record.initiative_id, capacity)
                    await promote(session, record.initiative_id, capacity, now)
            action = "edit_initiative" if record.edited else "save_initiative"
            await audit(session, participant, action, record.initiative_id, now)
    return None


async def _broadcast_row(
    session: AsyncSession, topic: str | None, texts: Mapping[str, str], now: datetime
) -> int:
    return int(
        (
            await session.execute(
                insert(Broadcast)
                .values(topic=topic, texts=dict(texts), photo=None, created_at=now)
                .returning(Broadcast.id)
            )
        ).scalar_one()
    )


async def enqueue(
    connection: AsyncConnection,
    recipients: Select[str],
    *,
    job: str,
    payload: Mapping[str, object],
    now: datetime,
    kind: str = "initiative",
) -> int:
    """Queue one message per recipient (``INSERT … SELECT``); a recipient the job already
    holds is left alone, so a job can be run again to reach people who came since."""
    source = recipients.add_columns(
        literal(job, String()),
        literal(kind, String()),
        literal(dict(payload), JSON()),
        literal("queued", String()),
        literal(0, Integer()),
        literal(now, UtcDateTime()),
    )
    columns = ["participant_id", "job", "kind", "payload", "status", "attempts", "due_at"]
    statement = (
        _insert(connection, OutboxRow)
        .from_select(columns, source)
        .on_conflict_do_nothing(index_elements=["job", "participant_id"])
    )
    result = await connection.execute(statement)
    return max(result.rowcount, 0)


async def queue_initiative_event(
    connection: AsyncConnection,
    initiative_id: str,
    event: str,
    now: datetime,
    occasion: str | None = None,
) -> int:
    """Queue ``event`` (``remind``, ``feedback``: to those with a place; ``cancelled``,
    ``changed``: to everyone signed up) for an initiative's sign-ups, once per person (per
    ``occasion``, for events that can happen more than once)."""
    condition = [
        SignUpRow.participant_id == Participant.id,
        SignUpRow.initiative_id == initiative_id,
    ]
    if event not in ("cancelled", "changed"):
        condition.append(SignUpRow.status == "placed")
    recipients = select(Participant.id).where(exists().where(*condition), *reachable())
    return await enqueue(
        connection,
        recipients,
        job=f"initiative:{initiative_id}:{event}" + (f":{occasion}" if occasion else ""),
        payload={"initiative": initiative_id, "event": event},
        now=now,
    )


# --- over an engine: the CLI, the scheduler, the renderer ----------------------------------


@dataclass(frozen=True, slots=True)
class StaffMember:
    participant: str
    role: str
    granted_at: datetime


@dataclass(frozen=True, slots=True)
class AuditLine:
    at: datetime
    actor: str
    action: str
    subject: str


@dataclass(frozen=True, slots=True)
class GroupInfo:
    id: str
    name: str
    chatham_house: bool
    members: int
    has_code: bool


class CommunityStore:
    """Staff, groups, stored initiatives and sign-up exports, one transaction per call."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._reader = engine
        self._writer = for_writing(engine)

    # staff

    async def add_staff(self, participant: str, role: str, now: datetime) -> bool:
        """Grant a role; False if the person already had it."""
        _check_role(role)
        async with self._writer.begin() as connection:
            result = await connection.execute(
                _insert(connection, StaffRole)
                .values(participant_id=participant, role=role, granted_at=now)
                .on_conflict_do_nothing(index_elements=["participant_id", "role"])
            )
            if result.rowcount:
                await audit(connection, CLI_ACTOR, "staff_add", f"{role}:{participant}", now)
            return bool(result.rowcount)

    async def remove_staff(self, participant: str, role: str | None, now: datetime) -> int:
        """Withdraw a role (every role if None); how many were withdrawn."""
        async with self._writer.begin() as connection:
            statement = delete(StaffRole).where(StaffRole.participant_id == participant)
            if role is not None:
                _check_role(role)
                statement = statement.where(StaffRole.role == role)
            result = await connection.execute(statement)
            if result.rowcount:
                subject = f"{role or 'all'}:{participant}"
                await audit(connection, CLI_ACTOR, "staff_remove", subject, now)
            return int(result.rowcount)

    async def staff(self) -> list[StaffMember]:
        async with self._reader.connect() as connection:
            rows = await connection.execute(
                select(StaffRole.participant_id, StaffRole.role, StaffRole.granted_at).order_by(
                    StaffRole.role, StaffRole.granted_at
                )
            )
            return [StaffMember(*row) for row in rows]

    async def invite(self, role: str, now: datetime) -> tuple[str, datetime]:
        """A one-time code granting ``role``, valid for `INVITE_VALIDITY`; only its hash is kept."""
        _check_role(role)
        code = new_code()
        expires = now + INVITE_VALIDITY
        async with self._writer.begin() as connection:
            await connection.execute(
                insert(StaffInvite).values(
                    code_hash=code_hash(code), role=role, created_at=now, expires_at=expires
                )
            )
            await audit(connection, CLI_ACTOR, "staff_invite", role, now)
        return code, expires

    async def audit_log(self, limit: int) -> list[AuditLine]:
        async with self._reader.connect() as connection:
            rows = await connection.execute(
                select(AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.subject)
                .order_by(AuditEntry.id.desc())
                .limit(limit)
            )
            return [AuditLine(*row) for row in reversed(list(rows))]

    # closed groups

    async def create_group(
        self, group_id: str, name: str, chatham_house: bool, now: datetime
    ) -> str:
        """Create a closed group; returns its access code (shown once, stored hashed)."""
        if not is_identifier(group_id):
            raise CommunityError(
                f"{group_id!r} is not a valid group id (up to 32 letters, digits, '_', '.' and "
                "'-', starting with a letter or digit)"
            )
        code = new_code()
        async with self._writer.begin() as connection:
            if await connection.scalar(select(ClosedGroup.id).where(ClosedGroup.id == group_id)):
                raise CommunityError(f"a group '{group_id}' exists already")
            await connection.execute(
                insert(ClosedGroup).values(
                    id=group_id,
                    name=name,
                    code_hash=code_hash(code),
                    chatham_house=chatham_house,
                    created_at=now,
                    code_changed_at=now,
                )
            )
            await audit(connection, CLI_ACTOR, "group_create", group_id, now)
        return code

    async def rotate_code(self, group_id: str, now: datetime) -> str:
        """A new access code for the group; the old one stops working. Members stay."""
        code = new_code()
        await self._set_code(group_id, code_hash(code), "group_rotate", now)
        return code

    async def revoke_code(self, group_id: str, now: datetime) -> None:
        """Nobody can join any more (until a rotation makes a new code). Members stay."""
        await self._set_code(group_id, None, "group_revoke", now)

    async def _set_code(
        self, group_id: str, digest: str | None, action: str, now: datetime
    ) -> None:
        async with self._writer.begin() as connection:
            result = await connection.execute(
                update(ClosedGroup)
                .where(ClosedGroup.id == group_id)
                .values(code_hash=digest, code_changed_at=now)
            )
            if not result.rowcount:
                raise CommunityError(f"no group '{group_id}'")
            await audit(connection, CLI_ACTOR, action, group_id, now)

    async def groups(self) -> list[GroupInfo]:
        members = (
            select(GroupMember.group_id, func.count().label("n"))
            .group_by(GroupMember.group_id)
            .subquery()
        )
        async with self._reader.connect() as connection:
            rows = await connection.execute(
                select(
                    ClosedGroup.id,
                    ClosedGroup.name,
                    ClosedGroup.chatham_house,
                    func.coalesce(members.c.n, 0),
                    ClosedGroup.code_hash.is_not(None),
                )
                .outerjoin(members, members.c.group_id == ClosedGroup.id)
                .order_by(ClosedGroup.id)
            )
            return [GroupInfo(r[0], r[1], bool(r[2]), int(r[3]), bool(r[4])) for r in rows]

    async def chatham_house_groups(self) -> set[str]:
        async with self._reader.connect() as connection:
            rows = await connection.scalars(
                select(ClosedGroup.id).where(ClosedGroup.chatham_house.is_(True))
            )
            return set(rows)

    # staff acting outside chat (the workspace)

    async def staff_view(self, participant: str, now: datetime) -> tuple[Snapshot, tuple[str, ...]]:
        """What chat would know of ``participant`` to answer a staff command: their snapshot
        and the closed groups they belong to."""
        async with AsyncSession(self._reader) as session:
            snapshot = await load_snapshot(session, participant, now)
            groups = await session.scalars(
                select(GroupMember.group_id)
                .where(GroupMember.participant_id == participant)
                .order_by(GroupMember.joined_at, GroupMember.group_id)
            )
            return snapshot, tuple(groups)

    async def apply(self, participant: str, record: CommunityRecord, now: datetime) -> int | None:
        """A staff record applied as chat's are (`record_community`), in one transaction; a
        broadcast's number for a `StaffBroadcast`."""
        async with AsyncSession(self._writer) as session, session.begin():
            return await record_community(session, participant, record, now)

    # initiatives

    async def stored_initiatives(self) -> list[Initiative]:
        async with self._reader.connect() as connection:
            rows = await connection.execute(
                select(StoredInitiative.definition, StoredInitiative.status).order_by(
                    StoredInitiative.created_at
                )
            )
            return [Initiative.model_validate({**d, "status": s}) for d, s in rows]

    async def initiative(self, deployment: Deployment, initiative_id: str) -> Initiative | None:
        """An initiative as it is now (the deployment's, or one made in chat): messages about
        it are rendered when sent, so an edit shows in what is still queued."""
        found = deployment.initiative(initiative_id)
        if found is not None:
            return found
        async with self._reader.connect() as connection:
            row = (
                await connection.execute(
                    select(StoredInitiative.definition, StoredInitiative.status).where(
                        StoredInitiative.id == initiative_id
                    )
                )
            ).first()
        return None if row is None else Initiative.model_validate({**row[0], "status": row[1]})

    async def seat_counts(self) -> dict[str, tuple[int, int]]:
        """Places taken and people waiting, per initiative id."""
        counts: dict[str, tuple[int, int]] = {}
        async with self._reader.connect() as connection:
            rows = await connection.execute(
                select(SignUpRow.initiative_id, SignUpRow.status, func.count()).group_by(
                    SignUpRow.initiative_id, SignUpRow.status
                )
            )
            for initiative_id, status, n in rows:
                placed, waiting = counts.get(initiative_id, (0, 0))
                if status == "placed":
                    placed = int(n)
                else:
                    waiting = int(n)
                counts[initiative_id] = (placed, waiting)
        return counts

    async def queue_event(self, initiative_id: str, event: str, now: datetime) -> int:
        async with self._writer.begin() as connection:
            return await queue_initiative_event(connection, initiative_id, event, now)

    async def export_sign_ups(self, initiative_id: str, chatham_house: bool) -> str:
        """CSV of an initiative's sign-ups: a per-initiative pseudonym (never the stored one),
        status, date, and the contact the volunteer chose to share (if any).

        Under the Chatham House rule no row names anyone: only counts per status.
        """
        async with self._reader.connect() as connection:
            rows = list(
                await connection.execute(
                    select(
                        SignUpRow.participant_id,
                        SignUpRow.status,
                        SignUpRow.created_at,
                        SignUpRow.contact,
                    )
                    .where(SignUpRow.initiative_id == initiative_id)
                    .order_by(SignUpRow.id)
                )
            )
        out = io.StringIO()
        writer = csv.writer(out)
        if chatham_house:
            writer.writerow(["status", "count"])
            for status in ("placed", "waitlisted"):
                writer.writerow([status, sum(1 for r in rows if r.status == status)])
            return out.getvalue()
        writer.writerow(["volunteer", "status", "signed_up_at", "shared_contact"])
        for row in rows:
            # a pseudonym of the pseudonym, per initiative: exports cannot be joined up
            alias = hashlib.sha256(f"{initiative_id}:{row.participant_id}".encode()).hexdigest()
            writer.writerow(
                [
                    alias[:12],
                    row.status,
                    f"{row.created_at:%Y-%m-%dT%H:%M:%SZ}",
                    spreadsheet_safe(row.contact or ""),
                ]
            )
        return out.getvalue()


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise CommunityError(f"unknown role '{role}' (roles: {', '.join(ROLES)})")
