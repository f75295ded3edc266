"""`SqlOutbox`: the `Outbox` port over SQLAlchemy, on SQLite and PostgreSQL.

Every bulk message is a row of ``outbox``, written by one ``INSERT … SELECT`` in the same
transaction as what caused it (the wave row, the broadcast row), so a job is either fully
queued or not at all, and queuing 100 000 recipients is one statement, not 100 000.

Dispatchers claim due rows (status ``sending``, with their name and the time) and settle each
one after its send. On PostgreSQL claims use ``FOR UPDATE SKIP LOCKED``, so several
dispatchers share one outbox without ever taking the same row; on SQLite the claim runs in a
``BEGIN IMMEDIATE`` transaction (see `storage.database.for_writing`), which serializes claimers.
A claim not settled within its lease (the dispatcher died) becomes due again.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple, TypeVar, cast

from sqlalchemy import (
    JSON,
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from conversations.definitions import Audience
from conversations.outbound import Kind
from conversations.ports import DELIVERY_ORDER, DeliveryReport, OutboxMessage, Outcome, SendResult
from conversations.ports import Outbox as OutboxPort
from conversations.waves import Wave
from storage.database import UnsupportedDatabase, for_writing
from storage.models import (
    OUTBOX_STATUSES,
    Broadcast,
    ChatAddress,
    Completion,
    GroupMember,
    OutboxRow,
    Participant,
    ProfileValue,
    Subscription,
    UtcDateTime,
    WaveRecord,
)

T = TypeVar("T")

MAX_ERROR = 200
"""``outbox.last_error`` keeps this many characters of an error description."""

SKIPPED_OPTED_OUT = "skipped: the participant paused messages"
SKIPPED_NO_ADDRESS = "skipped: no chat address"
SKIPPED_UNREACHABLE = "skipped: the participant is unreachable"


def wave_job(wave: Wave, kind: Kind) -> str:
    """The job name of a wave's invitations (``invite``) or reminders (``remind``)."""
    return f"wave:{wave.poll_id}:{wave.number}:{kind}"


def broadcast_job(broadcast_id: int) -> str:
    return f"broadcast:{broadcast_id}"


class BroadcastContent(NamedTuple):
    texts: dict[str, str]
    photo: str | None


class JobOverview(NamedTuple):
    """How far one job has come: messages per status."""

    job: str
    queued: int
    sending: int
    sent: int
    failed: int
    unreachable: int

    @property
    def total(self) -> int:
        return self.queued + self.sending + self.sent + self.failed + self.unreachable


class FailureReason(NamedTuple):
    """How many messages of a job failed with the same last error."""

    job: str
    reason: str
    messages: int


class WaveOverview(NamedTuple):
    poll_id: str
    number: int
    opens_at: datetime
    closes_at: datetime
    opened_at: datetime
    invited: int
    completed: int
    reminders_queued_at: datetime | None


class SqlOutbox(OutboxPort):
    """The outbox in the application's database.

    ``region_field`` is the profile field that ``Audience.regions`` filters on.
    """

    def __init__(self, engine: AsyncEngine, *, region_field: str = "region") -> None:
        self._reader = engine
        self._writer = for_writing(engine)
        self._region_field = region_field
        self._settling: list[_Settlement] = []
        self._settle_lock = asyncio.Lock()
        self._asking: list[tuple[str, asyncio.Future[datetime | None]]] = []
        self._ask_lock = asyncio.Lock()

    # ------------------------------------------------------------------ queuing

    async def open_wave(self, wave: Wave, audience: Audience, now: datetime) -> int | None:
        return await _to_the_end(self._open_wave(wave, audience, now))

    async def _open_wave(self, wave: Wave, audience: Audience, now: datetime) -> int | None:
        async with self._writer.begin() as connection:
            opened = await connection.execute(
                _insert(connection, WaveRecord)
                .values(
                    poll_id=wave.poll_id,
                    number=wave.number,
                    opens_at=wave.opens_at,
                    closes_at=wave.closes_at,
                    opened_at=now,
                    invited=0,
                )
                .on_conflict_do_nothing(index_elements=["poll_id", "number"])
                .returning(WaveRecord.number)
            )
            if opened.first() is None:
                return None
            recipients = select(Participant.id).where(*reachable(), *self._in_audience(audience))
            payload = {"poll": wave.poll_id, "wave": wave.number}
            invited = await enqueue(
                connection,
                recipients,
                job=wave_job(wave, "invite"),
                kind="invite",
                payload=payload,
                now=now,
            )
            await connection.execute(
                update(WaveRecord)
                .where(WaveRecord.poll_id == wave.poll_id, WaveRecord.number == wave.number)
                .values(invited=invited)
            )
        return invited

    async def queue_reminders(self, wave: Wave, now: datetime) -> int | None:
        """Queue the wave's reminders; None if they were queued before, or the wave was never
        opened (then nobody was invited)."""
        return await _to_the_end(self._queue_reminders(wave, now))

    async def _queue_reminders(self, wave: Wave, now: datetime) -> int | None:
        async with self._writer.begin() as connection:
            # the conditional update decides which caller queues: one row, one winner
            won = await connection.execute(
                update(WaveRecord)
                .where(
                    WaveRecord.poll_id == wave.poll_id,
                    WaveRecord.number == wave.number,
                    WaveRecord.reminders_queued_at.is_(None),
                )
                .values(reminders_queued_at=now)
                .returning(WaveRecord.number)
            )
            if won.first() is None:
                return None
            invited = select(OutboxRow.participant_id).where(
                OutboxRow.job == wave_job(wave, "invite")
            )
            completed = exists().where(
                Completion.participant_id == Participant.id,
                Completion.poll_id == wave.poll_id,
                Completion.wave == wave.number,
            )
            recipients = select(Participant.id).where(
                Participant.id.in_(invited), ~completed, *reachable()
            )
            payload = {"poll": wave.poll_id, "wave": wave.number}
            return await enqueue(
                connection,
                recipients,
                job=wave_job(wave, "remind"),
                kind="remind",
                payload=payload,
                now=now,
            )

    async def queue_broadcast(
        self,
        topic: str | None,
        texts: dict[str, str],
        photo: str | None,
        now: datetime,
        among: Among | None = None,
    ) -> tuple[str, int]:
        return await _to_the_end(self._queue_broadcast(topic, texts, photo, now, among))

    async def _queue_broadcast(
        self,
        topic: str | None,
        texts: dict[str, str],
        photo: str | None,
        now: datetime,
        among: Among | None,
    ) -> tuple[str, int]:
        async with self._writer.begin() as connection:
            broadcast_id = (
                await connection.execute(
                    insert(Broadcast)
                    .values(topic=topic, texts=dict(texts), photo=photo, created_at=now)
                    .returning(Broadcast.id)
                )
            ).scalar_one()
            recipients = _broadcast_recipients(topic, among)
            job = broadcast_job(broadcast_id)
            payload = {"broadcast": broadcast_id}
            queued = await enqueue(
                connection, recipients, job=job, kind="broadcast", payload=payload, now=now
            )
        return job, queued

    async def audience_size(self, topic: str | None, among: Among | None = None) -> int:
        """How many people a broadcast to ``topic`` (everyone if None) would reach now."""
        recipients = _broadcast_recipients(topic, among).subquery()
        statement = select(func.count()).select_from(recipients)
        async with self._reader.connect() as connection:
            return int((await connection.execute(statement)).scalar_one())

    # ------------------------------------------------------------------ sending

    async def claim(
        self, limit: int, worker: str, now: datetime, lease_seconds: float
    ) -> list[OutboxMessage]:
        """Take up to ``limit`` due messages: first claims whose lease ran out, then queued rows
        in order of ``due_at`` and id.

        Rows of participants who paused messages, became unreachable or have no chat address
        any more are settled here (failed or unreachable) instead of being returned.
        """
        if limit <= 0:
            return []
        return await _to_the_end(self._claim(limit, worker, now, lease_seconds))

    async def _claim(
        self, limit: int, worker: str, now: datetime, lease_seconds: float
    ) -> list[OutboxMessage]:
        expired = now - timedelta(seconds=lease_seconds)
        async with self._writer.begin() as connection:
            ids = await _lock_due(
                connection,
                and_(OutboxRow.status == "sending", OutboxRow.claimed_at < expired),
                limit,
            )
            if len(ids) < limit:
                ids += await _lock_due(
                    connection,
                    and_(OutboxRow.status == "queued", OutboxRow.due_at <= now),
                    limit - len(ids),
                )
            if not ids:
                return []
            await connection.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_(ids))
                .values(
                    status="sending",
                    claimed_by=worker,
                    claimed_at=now,
                    attempts=OutboxRow.attempts + 1,
                )
            )
            return await self._messages(connection, ids, now)

    async def _messages(
        self, connection: AsyncConnection, ids: list[int], now: datetime
    ) -> list[OutboxMessage]:
        rows = await connection.execute(
            select(
                OutboxRow.id,
                OutboxRow.job,
                OutboxRow.participant_id,
                OutboxRow.kind,
                OutboxRow.payload,
                OutboxRow.attempts,
                Participant.language,
                Participant.opted_out,
                Participant.unreachable_at,
                ChatAddress.channel,
                ChatAddress.address,
            )
            .join(Participant, Participant.id == OutboxRow.participant_id)
            .outerjoin(ChatAddress, ChatAddress.participant_id == OutboxRow.participant_id)
            .where(OutboxRow.id.in_(ids))
            .order_by(OutboxRow.due_at, OutboxRow.id, ChatAddress.channel)
        )
        messages: list[OutboxMessage] = []
        skipped: dict[str, list[int]] = {}
        seen: set[int] = set()
        for row in rows:
            if row.id in seen:  # a second channel's address: the first one is used
                continue
            seen.add(row.id)
            if row.unreachable_at is not None:
                skipped.setdefault(SKIPPED_UNREACHABLE, []).append(row.id)
            elif row.opted_out:
                skipped.setdefault(SKIPPED_OPTED_OUT, []).append(row.id)
            elif row.address is None:
                skipped.setdefault(SKIPPED_NO_ADDRESS, []).append(row.id)
            else:
                messages.append(
                    OutboxMessage(
                        id=row.id,
                        job=row.job,
                        participant=row.participant_id,
                        channel=row.channel,
                        address=row.address,
                        language=row.language,
                        kind=cast(Kind, row.kind),
                        payload=dict(row.payload),
                        attempts=row.attempts,
                    )
                )
        for reason, skipped_ids in skipped.items():
            status = "unreachable" if reason == SKIPPED_UNREACHABLE else "failed"
            await connection.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_(skipped_ids))
                .values(status=status, last_error=reason, claimed_at=now)
            )
        return messages

    async def settle(
        self, message: OutboxMessage, result: SendResult, now: datetime, retry_at: datetime | None
    ) -> None:
        """Record a send's outcome (see the port).

        A retry because of flood control (``result.retry_after`` set) gives back the attempt
        its claim counted: waiting for the platform is not a failure of the message. A retry
        without ``retry_at`` fails the message. A settle of a message that is no longer being
        sent (another dispatcher took it over and settled it) changes nothing.

        Settles that arrive while one is being written are written together, in the next
        transaction (a group commit): at hundreds of messages a second, one transaction per
        message would be what limits the pace, on SQLite above all.

        Like every write here, the transaction runs to its end even if the caller is
        cancelled meanwhile (see `_to_the_end`).
        """
        settlement = _settlement(message, result, now, retry_at)
        self._settling.append(settlement)
        async with self._settle_lock:
            if not settlement.done.done():  # else written with an earlier batch
                batch, self._settling = self._settling, []
                await _to_the_end(self._write(batch))
        return settlement.done.result()

    async def _write(self, batch: list[_Settlement]) -> None:
        """Write a batch of settles in one transaction and tell each of their callers."""
        try:
            await self._write_transaction(batch)
        except Exception as error:
            for item in batch:
                item.done.set_exception(error)
                # retrieved here too: a caller cancelled meanwhile will never look at it
                item.done.exception()
        else:
            for item in batch:
                item.done.set_result(None)

    async def _write_transaction(self, batch: list[_Settlement]) -> None:
        statement = (
            update(OutboxRow)
            .where(OutboxRow.id == bindparam("row_id"), OutboxRow.status == "sending")
            .values(
                status=bindparam("new_status"),
                due_at=func.coalesce(
                    bindparam("new_due_at", type_=UtcDateTime()), OutboxRow.due_at
                ),
                sent_at=func.coalesce(
                    bindparam("new_sent_at", type_=UtcDateTime()), OutboxRow.sent_at
                ),
                last_error=bindparam("new_error"),
                platform_id=func.coalesce(
                    bindparam("new_platform_id", type_=String()), OutboxRow.platform_id
                ),
                attempts=OutboxRow.attempts - bindparam("give_back", type_=Integer()),
            )
        )
        unreachable = [
            {"person": item.participant, "at": item.now}
            for item in batch
            if item.values["new_status"] == "unreachable"
        ]
        async with self._writer.begin() as connection:
            await connection.execute(statement, [item.values for item in batch])
            if unreachable:
                await connection.execute(
                    update(Participant)
                    .where(
                        Participant.id == bindparam("person"),
                        Participant.unreachable_at.is_(None),
                    )
                    .values(unreachable_at=bindparam("at", type_=UtcDateTime())),
                    unreachable,
                )

    async def record_deliveries(self, reports: Sequence[DeliveryReport], now: datetime) -> int:
        """What the platform reports of messages it was given (sent, delivered, read, failed),
        by its message id; how many outbox rows it concerned.

        A report never goes back (read is not followed by delivered, whatever order callbacks
        come in); ``failed`` marks the row failed, or unreachable (and the participant with it)
        when the platform says the person cannot be reached.
        """
        if not reports:
            return 0
        rank = {status: i for i, status in enumerate(DELIVERY_ORDER)}
        changed = 0
        async with self._writer.begin() as connection:
            for report in reports:
                rows = (
                    await connection.execute(
                        select(OutboxRow.id, OutboxRow.participant_id, OutboxRow.delivery).where(
                            OutboxRow.platform_id == report.message_id
                        )
                    )
                ).all()
                for row in rows:
                    if rank.get(row.delivery or "", -1) >= rank[report.status]:
                        continue
                    values: dict[str, Any] = {"delivery": report.status}
                    if report.status == "failed":
                        values["status"] = "unreachable" if report.unreachable else "failed"
                        values["last_error"] = report.detail[:MAX_ERROR] or None
                    await connection.execute(
                        update(OutboxRow).where(OutboxRow.id == row.id).values(**values)
                    )
                    if report.status == "failed" and report.unreachable:
                        await connection.execute(
                            update(Participant)
                            .where(
                                Participant.id == row.participant_id,
                                Participant.unreachable_at.is_(None),
                            )
                            .values(unreachable_at=now)
                        )
                    changed += 1
        return changed

    # ------------------------------------------------------------------ reading

    async def last_message_at(self, participant: str) -> datetime | None:
        """When the participant last wrote (``state.last_active``), None if unknown.

        Asked for each WhatsApp message as it is sent (the 24-hour window); the questions that
        arrive while one is being read are read together, in one query (as settles are).
        """
        asked: asyncio.Future[datetime | None] = asyncio.get_running_loop().create_future()
        self._asking.append((participant, asked))
        async with self._ask_lock:
            if not asked.done():
                batch, self._asking = self._asking, []
                try:
                    found = await self._last_messages({p for p, _ in batch})
                except Exception as error:
                    for _, future in batch:
                        future.set_exception(error)
                        future.exception()  # retrieved: a cancelled caller never looks at it
                else:
                    for person, future in batch:
                        future.set_result(found.get(person))
        return asked.result()

    async def _last_messages(self, people: set[str]) -> dict[str, datetime]:
        last_active = Participant.state["last_active"].as_string()
        async with self._reader.connect() as connection:
            rows = await connection.execute(
                select(Participant.id, last_active).where(Participant.id.in_(people))
            )
        found: dict[str, datetime] = {}
        for person, value in rows:
            with contextlib.suppress(TypeError, ValueError):
                moment = datetime.fromisoformat(value)
                if moment.tzinfo is not None:
                    found[person] = moment
        return found

    async def job_counts(self, job: str) -> dict[str, int]:
        counts = dict.fromkeys(OUTBOX_STATUSES, 0)
        async with self._reader.connect() as connection:
            rows = await connection.execute(
                select(OutboxRow.status, func.count())
                .where(OutboxRow.job == job)
                .group_by(OutboxRow.status)
            )
            counts.update({status: int(n) for status, n in rows})
        return counts

    async def broadcast(self, broadcast_id: int) -> BroadcastContent | None:
        """The texts (by language) and photo of a broadcast, for rendering it."""
        async with self._reader.connect() as connection:
            row = (
                await connection.execute(
                    select(Broadcast.texts, Broadcast.photo).where(Broadcast.id == broadcast_id)
                )
            ).first()
        return None if row is None else BroadcastContent(dict(row.texts), row.photo)

    async def jobs_overview(self) -> list[JobOverview]:
        """Every job with its messages per status, oldest job first."""
        per_status = [
            func.coalesce(func.sum(case((OutboxRow.status == status, 1), else_=0)), 0)
            for status in OUTBOX_STATUSES
        ]
        statement = (
            select(OutboxRow.job, *per_status)
            .group_by(OutboxRow.job)
            .order_by(func.min(OutboxRow.id))
        )
        async with self._reader.connect() as connection:
            rows = await connection.execute(statement)
            return [JobOverview(row[0], *(int(n) for n in row[1:])) for row in rows]

    async def failure_reasons(self, job: str | None = None) -> list[FailureReason]:
        """Why messages failed: one row per job and last error, the most frequent first."""
        statement = (
            select(OutboxRow.job, OutboxRow.last_error, func.count())
            .where(OutboxRow.status == "failed")
            .group_by(OutboxRow.job, OutboxRow.last_error)
            .order_by(func.count().desc(), OutboxRow.job)
        )
        if job is not None:
            statement = statement.where(OutboxRow.job == job)
        async with self._reader.connect() as connection:
            rows = await connection.execute(statement)
            return [FailureReason(row[0], row[1] or "", int(row[2])) for row in rows]

    async def retry_failed(self, now: datetime, job: str | None = None) -> int:
        """Queue failed messages again, due now with their attempts reset; how many.

        Rows skipped because the participant paused messages or has no address are left: they
        would only be skipped again (they are sent if a later job reaches the person).
        """
        statement = (
            update(OutboxRow)
            .where(
                OutboxRow.status == "failed",
                func.coalesce(OutboxRow.last_error, "").not_like("skipped:%"),
            )
            .values(
                status="queued",
                attempts=0,
                due_at=now,
                claimed_by=None,
                claimed_at=None,
                last_error=None,
            )
        )
        if job is not None:
            statement = statement.where(OutboxRow.job == job)
        async with self._writer.begin() as connection:
            result = await connection.execute(statement)
        return max(result.rowcount, 0)

    async def waves_overview(self) -> list[WaveOverview]:
        """Every opened wave with how many were invited and how many completed it."""
        completed = (
            select(
                Completion.poll_id,
                Completion.wave,
                func.count().label("completed"),
            )
            .group_by(Completion.poll_id, Completion.wave)
            .subquery()
        )
        statement = (
            select(
                WaveRecord.poll_id,
                WaveRecord.number,
                WaveRecord.opens_at,
                WaveRecord.closes_at,
                WaveRecord.opened_at,
                WaveRecord.invited,
                func.coalesce(completed.c.completed, 0),
                WaveRecord.reminders_queued_at,
            )
            .outerjoin(
                completed,
                and_(
                    completed.c.poll_id == WaveRecord.poll_id,
                    completed.c.wave == WaveRecord.number,
                ),
            )
            .order_by(WaveRecord.poll_id, WaveRecord.number)
        )
        async with self._reader.connect() as connection:
            rows = await connection.execute(statement)
            return [
                WaveOverview(row[0], row[1], row[2], row[3], row[4], row[5], int(row[6]), row[7])
                for row in rows
            ]

    # ------------------------------------------------------------------ helpers

    def _in_audience(self, audience: Audience) -> list[ColumnElement[bool]]:
        """One condition per filter; a person qualifies when every filter holds."""
        filters: list[tuple[str, Sequence[str]]] = list(audience.profile.items())
        if audience.regions:
            filters.append((self._region_field, audience.regions))
        conditions: list[ColumnElement[bool]] = [
            exists().where(
                ProfileValue.participant_id == Participant.id,
                ProfileValue.field == field,
                ProfileValue.value.in_(list(values)),
            )
            for field, values in filters
        ]
        if audience.group is not None:
            conditions.append(
                exists().where(
                    GroupMember.participant_id == Participant.id,
                    GroupMember.group_id == audience.group,
                )
            )
        return conditions


@dataclass(slots=True)
class _Settlement:
    """One settle waiting to be written: the row's new values, and who waits for them."""

    participant: str
    now: datetime
    values: dict[str, Any]
    done: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


def _settlement(
    message: OutboxMessage, result: SendResult, now: datetime, retry_at: datetime | None
) -> _Settlement:
    values: dict[str, Any] = {
        "row_id": message.id,
        "new_status": "failed",
        "new_due_at": None,
        "new_sent_at": None,
        "new_error": result.detail[:MAX_ERROR] or None,
        "new_platform_id": result.message_id,
        "give_back": 0,
    }
    match result.outcome:
        case Outcome.SENT:
            values |= {"new_status": "sent", "new_sent_at": now, "new_error": None}
        case Outcome.RETRY if retry_at is not None:
            values |= {"new_status": "queued", "new_due_at": retry_at}
            values["give_back"] = 1 if result.retry_after is not None else 0
        case Outcome.UNREACHABLE:
            values["new_status"] = "unreachable"
    return _Settlement(message.participant, now, values)


@dataclass(frozen=True, slots=True)
class Among:
    """Only the people whose profile ``field`` is one of ``values``; with ``others``, only
    those whose answer is none of them (or who gave none)."""

    field: str
    values: tuple[str, ...]
    others: bool = False


def _broadcast_recipients(topic: str | None, among: Among | None = None) -> Select[str]:
    """Reachable subscribers of ``topic``, or every reachable participant when None."""
    conditions = list(reachable())
    if topic is not None:
        conditions.append(
            exists().where(
                Subscription.participant_id == Participant.id, Subscription.topic == topic
            )
        )
    if among is not None:
        answered = exists().where(
            ProfileValue.participant_id == Participant.id,
            ProfileValue.field == among.field,
            ProfileValue.value.in_(list(among.values)),
        )
        conditions.append(~answered if among.others else answered)
    return select(Participant.id).where(*conditions)


async def _to_the_end(transaction: Coroutine[Any, Any, T]) -> T:
    """Run a transaction to its end even if the caller is cancelled meanwhile.

    A transaction cut off half-way by a cancellation leaves its connection in the middle of
    it; on SQLite that connection can keep the write lock, and so stop every other writer,
    until it is garbage-collected. The caller still sees its cancellation at once.
    """
    task = asyncio.ensure_future(transaction)
    task.add_done_callback(_retrieve)
    _UNFINISHED.add(task)
    return await asyncio.shield(task)


# Transactions running on after their caller was cancelled; like asyncio's own task registry,
# weak, so a finished one is simply gone. Waited for before the database engine is disposed.
_UNFINISHED: weakref.WeakSet[asyncio.Future[Any]] = weakref.WeakSet()


async def finish_transactions() -> None:
    """Wait for outbox transactions still running after their caller was cancelled (a
    scheduler job stopped at shut-down), so that none is cut off by disposing the engine."""
    running = [task for task in _UNFINISHED if not task.done()]
    if running:
        await asyncio.wait(running)


def _retrieve(task: asyncio.Future[Any]) -> None:
    # marks a failure as seen: nobody may be left waiting for this task
    if not task.cancelled():
        task.exception()


def reachable() -> list[ColumnElement[bool]]:
    """Who may get a bulk message at all: consented, not paused, not unreachable, addressable."""
    return [
        Participant.consented_at.is_not(None),
        Participant.opted_out.is_(false()),
        Participant.unreachable_at.is_(None),
        exists().where(ChatAddress.participant_id == Participant.id),
    ]


async def enqueue(
    connection: AsyncConnection,
    recipients: Select[str],
    *,
    job: str,
    kind: Kind,
    payload: Mapping[str, object],
    now: datetime,
) -> int:
    """Queue one message per recipient in a single ``INSERT … SELECT``; how many were queued."""
    source = recipients.add_columns(
        literal(job, String()),
        literal(kind, String()),
        literal(dict(payload), JSON()),
        literal("queued", String()),
        literal(0, Integer()),
        literal(now, UtcDateTime()),
    )
    columns = ["participant_id", "job", "kind", "payload", "status", "attempts", "due_at"]
    result = await connection.execute(insert(OutboxRow).from_select(columns, source))
    return max(result.rowcount, 0)


async def _lock_due(
    connection: AsyncConnection, condition: ColumnElement[bool], limit: int
) -> list[int]:
    """Ids of up to ``limit`` rows meeting ``condition``, locked for this transaction; rows
    another transaction holds are skipped (PostgreSQL; SQLite has one writer at a time)."""
    statement = (
        select(OutboxRow.id)
        .where(condition)
        .order_by(OutboxRow.due_at, OutboxRow.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await connection.execute(statement)).scalars())


def _insert(connection: AsyncConnection, entity: type[Any]) -> postgresql.Insert | sqlite.Insert:
    name = connection.dialect.name
    if name == "postgresql":
        return postgresql.insert(entity)
    if name == "sqlite":
        return sqlite.insert(entity)
    raise UnsupportedDatabase(connection.engine.url)
