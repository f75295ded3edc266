"""`SqlUnitOfWork`: the conversation core's `UnitOfWork` port over one SQLAlchemy session."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Callable, Coroutine, Mapping, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self, cast

from sqlalchemy import Table, bindparam, delete, insert, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from conversations.consultation_values import ConsultationRecord, ConsultationView
from conversations.ports import Changes, ConcurrentUpdate, UnitOfWork
from conversations.snapshot import Snapshot
from conversations.values import (
    AnswerGiven,
    Button,
    CommunityRecord,
    ConsentGiven,
    ConversationState,
    DecidedRecord,
    Decision,
    OptOut,
    Record,
    Reply,
)
from storage import community, consultations
from storage.database import StorageError, UnsupportedDatabase, for_writing
from storage.models import (
    Answer,
    ChatAddress,
    Completion,
    Participant,
    ProcessedUpdate,
    ProfileValue,
    Subscription,
)

_Upsert = postgresql.Insert | sqlite.Insert
# Core tables for the batch statements: executemany without the ORM's per-row bookkeeping
_ANSWERS = cast(Table, Answer.__table__)
_PARTICIPANTS = cast(Table, Participant.__table__)
_PROCESSED = cast(Table, ProcessedUpdate.__table__)


class NotInTransaction(StorageError):
    def __init__(self) -> None:
        super().__init__("the unit of work is used outside its `async with` block")


class AlreadyInTransaction(StorageError):
    def __init__(self) -> None:
        super().__init__("the unit of work is already open; make a new one per event")


class UnknownParticipant(StorageError):
    def __init__(self, action: str) -> None:
        super().__init__(f"cannot {action}: the participant has no saved state yet")


async def _end(session: AsyncSession) -> None:
    try:
        await session.rollback()
    finally:
        await session.close()


async def _run_to_completion(cleanup: Coroutine[Any, Any, None]) -> None:
    """Run ``cleanup`` to its end even if the caller is cancelled meanwhile, then re-raise the
    cancellation (SQLAlchemy's own ``_run_to_completion`` pattern, `sqlalchemy.ext.asyncio.base`).

    A rollback abandoned half-way would keep the connection, and on SQLite its write lock,
    until the pool or the busy timeout notices; a dispatcher or a service being stopped is
    cancelled exactly while its unit of work is open.
    """
    task = asyncio.ensure_future(cleanup)
    cancelled: asyncio.CancelledError | None = None
    while True:
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError as error:
            if task.done():
                raise
            cancelled = error
        else:
            break
    if cancelled is not None:
        raise cancelled


class SqlUnitOfWork(UnitOfWork):
    """One session and one transaction per ``async with`` block.

    Build it through `unit_of_work_factory`, whose sessions begin SQLite transactions with
    ``BEGIN IMMEDIATE`` (see `storage.database.for_writing`).
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None
        self._known: set[str] = set()  # participants whose row this transaction has seen

    async def __aenter__(self) -> Self:
        if self._session is not None:
            raise AlreadyInTransaction()
        self._session = self._sessions()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        await _run_to_completion(_end(session))

    @property
    def _active(self) -> AsyncSession:
        if self._session is None:
            raise NotInTransaction()
        return self._session

    def _upsert(self, entity: type[Any] | Table) -> _Upsert:
        bind = self._active.get_bind()
        if bind.dialect.name == "postgresql":
            return postgresql.insert(entity)
        if bind.dialect.name == "sqlite":
            return sqlite.insert(entity)
        raise UnsupportedDatabase(bind.engine.url)

    async def commit(self) -> None:
        await self._active.commit()

    async def rollback(self) -> None:
        await self._active.rollback()

    async def claim_update(self, channel: str, update_id: int, now: datetime) -> bool:
        statement = (
            self._upsert(ProcessedUpdate)
            .values(channel=channel, update_id=update_id, processed_at=now)
            .on_conflict_do_nothing(index_elements=["channel", "update_id"])
            .returning(ProcessedUpdate.update_id)
        )
        result = await self._active.execute(statement)
        return result.first() is not None

    # --- batch forms: the same work in a few statements for a whole batch of events --------

    async def claim_updates(
        self, keys: Sequence[tuple[str, int]], now: datetime
    ) -> set[tuple[str, int]]:
        unique = list(dict.fromkeys(keys))
        if not unique:
            return set()
        # One cached statement run with many parameter sets (SQLAlchemy's "insertmanyvalues"
        # sends them as one multi-row INSERT … RETURNING): a statement built with a VALUES
        # row per key would be compiled anew for every batch.
        table = _PROCESSED
        statement = (
            self._upsert(table)
            .values(channel=bindparam("c"), update_id=bindparam("u"), processed_at=bindparam("now"))
            .on_conflict_do_nothing(index_elements=["channel", "update_id"])
            .returning(table.c.channel, table.c.update_id)
        )
        connection = await self._active.connection()
        rows = await connection.execute(
            statement, [{"c": c, "u": u, "now": now} for c, u in unique]
        )
        return {(channel, update_id) for channel, update_id in rows}

    async def owe_replies(self, owed: Mapping[tuple[str, int], Sequence[Reply]]) -> None:
        if not owed:
            return
        table = _PROCESSED
        statement = (
            update(table)
            .where(table.c.channel == bindparam("c"), table.c.update_id == bindparam("u"))
            .values(reply_owed=bindparam("owed"))
        )
        connection = await self._active.connection()
        await connection.execute(
            statement,
            [{"c": c, "u": u, "owed": replies_to_json(r)} for (c, u), r in owed.items()],
        )

    async def owed_replies(
        self, keys: Sequence[tuple[str, int]]
    ) -> dict[tuple[str, int], tuple[Reply, ...]]:
        wanted = set(keys)
        if not wanted:
            return {}
        table = _PROCESSED
        statement = select(table.c.channel, table.c.update_id, table.c.reply_owed).where(
            tuple_(table.c.channel, table.c.update_id).in_(sorted(wanted)),
            table.c.reply_owed.is_not(None),
        )
        connection = await self._active.connection()
        rows = await connection.execute(statement)
        return {(c, u): replies_from_json(owed) for c, u, owed in rows}

    async def replies_sent(self, keys: Sequence[tuple[str, int]]) -> None:
        unique = list(dict.fromkeys(keys))
        if not unique:
            return
        table = _PROCESSED
        statement = (
            update(table)
            .where(table.c.channel == bindparam("c"), table.c.update_id == bindparam("u"))
            .values(reply_owed=None)
        )
        connection = await self._active.connection()
        await connection.execute(statement, [{"c": c, "u": u} for c, u in unique])

    async def load_states_for_update(
        self, participants: Sequence[str]
    ) -> dict[str, ConversationState]:
        wanted = sorted(set(participants))
        if not wanted:
            return {}
        table = _PARTICIPANTS
        statement = (
            select(table.c.id, table.c.state)
            .where(table.c.id.in_(wanted))
            .order_by(table.c.id)
            .with_for_update()
        )
        connection = await self._active.connection()
        rows = (await connection.execute(statement)).all()
        self._known.update(participant for participant, _ in rows)
        return {participant: ConversationState.from_json(data) for participant, data in rows}

    async def apply(self, changes: Changes) -> None:
        """One statement per kind of change (executemany), states first: they create people."""
        await self._apply_states(changes)
        if changes.addresses:
            rows = [
                {"participant_id": p, "channel": c, "address": a}
                for (p, c), a in changes.addresses.items()
            ]
            statement = self._upsert(ChatAddress).values(rows)
            statement = statement.on_conflict_do_update(
                index_elements=["participant_id", "channel"],
                set_={"address": statement.excluded.address},
            )
            await self._execute_for_participant(statement, "save an address")
        grouped: dict[type, list[tuple[str, Record]]] = {}
        for participant, record in changes.records:
            grouped.setdefault(type(record), []).append((participant, record))
        answers = [(p, r) for p, r in grouped.pop(AnswerGiven, []) if isinstance(r, AnswerGiven)]
        if answers:
            await self._apply_answers(answers, changes.now)
        for kind, items in grouped.items():
            if kind in (ConsentGiven, OptOut):
                await self._apply_flags(items, changes.now)
            else:  # rare in a batch: profile, completions, subscriptions
                for participant, record in items:
                    await self._apply_record(participant, record, changes.now)

    async def _apply_states(self, changes: Changes) -> None:
        known = [(p, s) for p, s in changes.states.items() if p in self._known]
        new = [(p, s) for p, s in changes.states.items() if p not in self._known]
        connection = await self._active.connection()
        if known:
            await connection.execute(
                update(_PARTICIPANTS)
                .where(_PARTICIPANTS.c.id == bindparam("pid"))
                .values(
                    state=bindparam("state"),
                    language=bindparam("language"),
                    unreachable_at=None,
                    updated_at=bindparam("now"),
                ),
                [
                    {"pid": p, "state": s.to_json(), "language": s.language, "now": changes.now}
                    for p, s in known
                ],
            )
        for participant, state in new:
            await self.save_state(participant, state, changes.now)
            self._known.add(participant)

    async def _apply_answers(self, answers: list[tuple[str, AnswerGiven]], now: datetime) -> None:
        latest = {(p, a.poll_id, a.question_id, a.wave): (p, a) for p, a in answers}
        table = _ANSWERS
        connection = await self._active.connection()
        await connection.execute(
            delete(table).where(
                table.c.respondent == bindparam("r"),
                table.c.poll_id == bindparam("p"),
                table.c.question_id == bindparam("q"),
                table.c.wave == bindparam("w"),
            ),
            [{"r": r, "p": p, "q": q, "w": w} for r, p, q, w in latest],
        )
        rows = [row for p, a in latest.values() for row in _answer_rows(p, a, now)]
        await connection.execute(insert(table), rows)

    async def _apply_flags(self, items: list[tuple[str, Record]], now: datetime) -> None:
        table = _PARTICIPANTS
        connection = await self._active.connection()
        consents = [p for p, r in items if isinstance(r, ConsentGiven)]
        if consents:
            await connection.execute(
                update(table).where(table.c.id == bindparam("pid")).values(consented_at=now),
                [{"pid": p} for p in consents],
            )
        stops = {p: r.stopped for p, r in items if isinstance(r, OptOut)}
        if stops:
            await connection.execute(
                update(table)
                .where(table.c.id == bindparam("pid"))
                .values(opted_out=bindparam("stopped")),
                [{"pid": p, "stopped": stopped} for p, stopped in stops.items()],
            )

    async def load_state_for_update(self, participant: str) -> ConversationState | None:
        statement = select(Participant.state).where(Participant.id == participant).with_for_update()
        data = (await self._active.execute(statement)).scalar_one_or_none()
        return None if data is None else ConversationState.from_json(data)

    async def save_state(self, participant: str, state: ConversationState, now: datetime) -> None:
        """Update the participant's row, or insert it; keeps ``language`` in step with the state
        and clears ``unreachable_at``.

        Raises `ConcurrentUpdate` when another transaction inserted the same participant
        after this one found none; the whole event should then be retried.
        """
        data = state.to_json()
        language = state.language
        # someone who writes to the bot can be reached again (a blocked bot gets no messages)
        if await self._update_participant(
            participant, state=data, language=language, unreachable_at=None, updated_at=now
        ):
            return
        row = {
            "id": participant,
            "state": data,
            "language": language,
            "created_at": now,
            "updated_at": now,
        }
        try:
            await self._active.execute(insert(Participant).values(row))
        except IntegrityError as exc:
            raise ConcurrentUpdate("another event created the same participant first") from exc

    async def save_address(self, participant: str, channel: str, address: str) -> None:
        statement = self._upsert(ChatAddress).values(
            participant_id=participant, channel=channel, address=address
        )
        statement = statement.on_conflict_do_update(
            index_elements=["participant_id", "channel"],
            set_={"address": statement.excluded.address},
        )
        await self._execute_for_participant(statement, "save an address")

    async def record_consent(self, participant: str, now: datetime) -> None:
        if not await self._update_participant(participant, consented_at=now):
            raise UnknownParticipant("record consent")

    async def record_answer(self, participant: str, answer: AnswerGiven, now: datetime) -> None:
        """Replace the participant's rows for this question (of this wave) with the new answer."""
        await self._active.execute(
            delete(Answer).where(
                Answer.respondent == participant,
                Answer.poll_id == answer.poll_id,
                Answer.question_id == answer.question_id,
                Answer.wave == answer.wave,
            )
        )
        await self._active.execute(insert(Answer), _answer_rows(participant, answer, now))

    async def record_profile(self, participant: str, field: str, value: str | None) -> None:
        if value is None:
            await self._active.execute(
                delete(ProfileValue).where(
                    ProfileValue.participant_id == participant, ProfileValue.field == field
                )
            )
            return
        statement = self._upsert(ProfileValue).values(
            participant_id=participant, field=field, value=value
        )
        statement = statement.on_conflict_do_update(
            index_elements=["participant_id", "field"],
            set_={"value": statement.excluded.value},
        )
        await self._execute_for_participant(statement, "record a profile value")

    async def set_opted_out(self, participant: str, stopped: bool) -> None:
        if not await self._update_participant(participant, opted_out=stopped):
            raise UnknownParticipant("record an opt-out")

    async def record_completion(
        self, participant: str, poll_id: str, wave: int, now: datetime
    ) -> None:
        """Remember the completion; a second one of the same poll and wave changes nothing."""
        statement = (
            self._upsert(Completion)
            .values(participant_id=participant, poll_id=poll_id, wave=wave, completed_at=now)
            .on_conflict_do_nothing(index_elements=["participant_id", "poll_id", "wave"])
        )
        await self._execute_for_participant(statement, "record a completion")

    async def set_subscription(self, participant: str, topic: str, subscribed: bool) -> None:
        if not subscribed:
            await self._active.execute(
                delete(Subscription).where(
                    Subscription.participant_id == participant, Subscription.topic == topic
                )
            )
            return
        statement = (
            self._upsert(Subscription)
            .values(participant_id=participant, topic=topic)
            .on_conflict_do_nothing(index_elements=["participant_id", "topic"])
        )
        await self._execute_for_participant(statement, "subscribe")

    async def consultation_view(self, participant: str, consultation_id: str) -> ConsultationView:
        return await consultations.view(self._active, participant, consultation_id)

    async def record_consultation(
        self, participant: str, record: ConsultationRecord, now: datetime
    ) -> None:
        await consultations.record(self._active, participant, record, now)

    async def load_snapshot(self, participant: str, now: datetime) -> Snapshot:
        return await community.load_snapshot(self._active, participant, now)

    async def decide(self, participant: str, record: DecidedRecord, now: datetime) -> Decision:
        return await community.decide(self._active, participant, record, now)

    async def record_community(
        self,
        participant: str,
        record: CommunityRecord,
        now: datetime,
    ) -> None:
        await community.record_community(self._active, participant, record, now)

    async def forget(self, participant: str, now: datetime | None = None) -> None:
        """Delete the person's rows; their answers lose free text and get a random respondent.

        Completions, subscriptions and queued bulk messages go with the participant's row (their
        foreign keys cascade); chat addresses and profile values are deleted explicitly too.
        """
        session = self._active
        await consultations.forget(session, participant)
        await session.execute(
            update(Answer)
            .where(Answer.respondent == participant)
            .values(
                respondent=secrets.token_hex(32),
                text=None,
                text_language=None,
                text_language_probability=None,
            )
        )
        await session.execute(
            delete(ProfileValue).where(ProfileValue.participant_id == participant)
        )
        await session.execute(delete(ChatAddress).where(ChatAddress.participant_id == participant))
        # without a time given (maintenance scripts, tests), a freed place is offered now
        await community.forget(session, participant, now or datetime.now(UTC))
        await session.execute(delete(Participant).where(Participant.id == participant))

    async def _update_participant(self, participant: str, **values: object) -> bool:
        statement = (
            update(Participant)
            .where(Participant.id == participant)
            .values(**values)
            .returning(Participant.id)
        )
        result = await self._active.execute(statement)
        return result.first() is not None

    async def _execute_for_participant(self, statement: _Upsert, action: str) -> None:
        # Upserts conflict only on the primary key, which they handle, so an integrity error
        # here is the foreign key: the participant's row does not exist.
        try:
            await self._active.execute(statement)
        except IntegrityError as exc:
            raise UnknownParticipant(action) from exc


def _answer_rows(participant: str, answer: AnswerGiven, now: datetime) -> list[dict[str, Any]]:
    blank: dict[str, Any] = {
        "respondent": participant,
        "poll_id": answer.poll_id,
        "question_id": answer.question_id,
        "wave": answer.wave,
        "choice": None,
        "number": None,
        "text": None,
        "text_language": None,
        "text_language_probability": None,
        "answered_at": now,
    }
    rows = [blank | {"choice": choice} for choice in dict.fromkeys(answer.choices)]
    if answer.number is not None:
        rows.append(blank | {"number": answer.number})
    if answer.text is not None:
        rows.append(
            blank
            | {
                "text": answer.text,
                "text_language": answer.language,
                "text_language_probability": answer.language_probability,
            }
        )
    return rows or [blank]


REPLIES_VERSION = 1


def replies_to_json(replies: Sequence[Reply]) -> str:
    """Replies as kept in `ProcessedUpdate.reply_owed` (versioned JSON)."""
    return json.dumps(
        {
            "v": REPLIES_VERSION,
            "replies": [
                {
                    "text": r.text,
                    "buttons": [[[b.label, b.data] for b in row] for row in r.buttons],
                    "replace": r.replace,
                    "expects_text": r.expects_text,
                    "photo": r.photo,
                    "several": r.several,
                }
                for r in replies
            ],
        },
        ensure_ascii=False,
    )


class UnknownRepliesVersion(StorageError):
    def __init__(self, version: object) -> None:
        super().__init__(f"owed replies of an unknown version {version!r} (newer code wrote them?)")


def replies_from_json(data: str) -> tuple[Reply, ...]:
    """The replies `replies_to_json` kept."""
    loaded = json.loads(data)
    if loaded.get("v") != REPLIES_VERSION:
        raise UnknownRepliesVersion(loaded.get("v"))
    return tuple(
        Reply(
            text=r["text"],
            buttons=tuple(
                tuple(Button(label, data) for label, data in row) for row in r["buttons"]
            ),
            replace=r["replace"],
            expects_text=r["expects_text"],
            photo=r["photo"],
            several=r["several"],
        )
        for r in loaded["replies"]
    )


def unit_of_work_factory(engine: AsyncEngine) -> Callable[[], SqlUnitOfWork]:
    """A factory of units of work sharing one session maker (and the engine's pool)."""
    sessions = async_sessionmaker(for_writing(engine), expire_on_commit=False)

    def new_unit_of_work() -> SqlUnitOfWork:
        return SqlUnitOfWork(sessions)

    return new_unit_of_work
