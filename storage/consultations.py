"""Consultations in the database: the participant's view and records (used by the unit of
work), seeds, moderation, the vote matrix and answers for analysis, follow-ups.

Every function takes the session or engine it works in; nothing here opens transactions on
its own except the mediator-facing helpers, which take an engine.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, delete, func, insert, or_, select, union, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from conversations.consultation_values import (
    ConsultationAnswered,
    ConsultationRecord,
    ConsultationView,
    StatementSubmitted,
    StatementView,
    StatementVoted,
)
from conversations.definitions import Deployment
from storage.database import for_writing
from storage.models import (
    Broadcast,
    ConsultationAnswer,
    ConsultationRound,
    Participant,
    ProfileValue,
    Statement,
    StatementVote,
)
from storage.outbox import enqueue, reachable

UNKNOWN_LANGUAGE = "und"


async def current_round(session: AsyncSession, consultation_id: str) -> tuple[int, dict[str, str]]:
    row = (
        await session.execute(
            select(ConsultationRound.number, ConsultationRound.question)
            .where(ConsultationRound.consultation_id == consultation_id)
            .order_by(ConsultationRound.number.desc())
            .limit(1)
        )
    ).first()
    return (0, {}) if row is None else (int(row[0]), dict(row[1]))


async def view(session: AsyncSession, participant: str, consultation_id: str) -> ConsultationView:
    """The participant's `ConsultationView`: approved statements they did not write and have
    not voted on, with every vote counted so far; whether they answered this round."""
    number, question = await current_round(session, consultation_id)
    answered = await session.scalar(
        select(func.count())
        .select_from(ConsultationAnswer)
        .where(
            ConsultationAnswer.consultation_id == consultation_id,
            ConsultationAnswer.round == number,
            ConsultationAnswer.respondent == participant,
        )
    )
    mine = select(StatementVote.statement_id).where(
        StatementVote.consultation_id == consultation_id,
        StatementVote.participant == participant,
    )
    rows = await session.execute(
        select(
            Statement.id, Statement.texts, Statement.agrees, Statement.disagrees, Statement.passes
        )
        .where(
            Statement.consultation_id == consultation_id,
            Statement.status == "approved",
            or_(Statement.author.is_(None), Statement.author != participant),
            Statement.id.not_in(mine),
        )
        .order_by(Statement.id)
    )
    unvoted = tuple(
        StatementView(int(i), dict(texts), int(a), int(d), int(p)) for i, texts, a, d, p in rows
    )
    return ConsultationView(consultation_id, unvoted, bool(answered), number, question)


async def record(
    session: AsyncSession, participant: str, item: ConsultationRecord, now: datetime
) -> None:
    match item:
        case ConsultationAnswered():
            await session.execute(
                delete(ConsultationAnswer).where(
                    ConsultationAnswer.consultation_id == item.consultation_id,
                    ConsultationAnswer.round == item.round,
                    ConsultationAnswer.respondent == participant,
                )
            )
            await session.execute(
                insert(ConsultationAnswer).values(
                    consultation_id=item.consultation_id,
                    round=item.round,
                    respondent=participant,
                    text=item.text,
                    language=item.language,
                    language_probability=item.language_probability,
                    answered_at=now,
                )
            )
        case StatementSubmitted():
            await session.execute(
                insert(Statement).values(
                    consultation_id=item.consultation_id,
                    author=participant,
                    texts={item.language or UNKNOWN_LANGUAGE: item.text},
                    language=item.language,
                    status=item.status,
                    created_at=now,
                    moderated_at=now if item.status == "approved" else None,
                )
            )
        case StatementVoted():
            # one vote per person and statement: a repeat changes nothing
            inserted = await session.execute(
                _upsert(session, StatementVote)
                .values(
                    statement_id=item.statement_id,
                    participant=participant,
                    consultation_id=item.consultation_id,
                    vote=item.vote,
                    voted_at=now,
                )
                .on_conflict_do_nothing(index_elements=["statement_id", "participant"])
                .returning(StatementVote.statement_id)
            )
            if inserted.first() is not None:
                counter = {1: Statement.agrees, -1: Statement.disagrees, 0: Statement.passes}
                column = counter[item.vote]
                await session.execute(
                    update(Statement)
                    .where(Statement.id == item.statement_id)
                    .values({column: column + 1})
                )


def _upsert(session: AsyncSession, entity: type[Any]) -> postgresql.Insert | sqlite.Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(entity)
    return sqlite.insert(entity)


async def forget(session: AsyncSession, participant: str) -> None:
    """Erase the person from consultations: answers and statements never or no longer shown
    (waiting, blocked, rejected or withdrawn) deleted;
    votes detached (one fresh random id, so the vote matrix keeps its shape); published
    statements kept without their author (others voted on them)."""
    await session.execute(
        delete(ConsultationAnswer).where(ConsultationAnswer.respondent == participant)
    )
    await session.execute(
        delete(Statement).where(
            Statement.author == participant,
            Statement.status.in_(("pending", "blocked", "rejected")),
        )
    )
    await session.execute(
        update(Statement).where(Statement.author == participant).values(author=None)
    )
    await session.execute(
        update(StatementVote)
        .where(StatementVote.participant == participant)
        .values(participant=secrets.token_hex(32))
    )


# --- mediator side ---------------------------------------------------------------------------


async def sync_seeds(database: AsyncEngine, deployment: Deployment, now: datetime) -> int:
    """Insert the mediators' seed statements not yet in the database (approved); returns how
    many. Changing a seed's text in the definition later updates it."""
    added = 0
    async with for_writing(database).begin() as connection:
        for consultation in deployment.consultations:
            known = dict(
                (
                    await connection.execute(
                        select(Statement.seed, Statement.id).where(
                            Statement.consultation_id == consultation.id,
                            Statement.seed.is_not(None),
                        )
                    )
                ).all()
            )
            for index, texts in enumerate(consultation.seeds):
                if index in known:
                    await connection.execute(
                        update(Statement).where(Statement.id == known[index]).values(texts=texts)
                    )
                    continue
                await connection.execute(
                    insert(Statement).values(
                        consultation_id=consultation.id,
                        author=None,
                        seed=index,
                        texts=dict(texts),
                        language=None,
                        status="approved",
                        created_at=now,
                        moderated_at=now,
                    )
                )
                added += 1
    return added


@dataclass(frozen=True, slots=True)
class StatementRow:
    id: int
    texts: dict[str, str]
    language: str | None
    status: str
    seed: int | None


async def statements(
    database: AsyncEngine, consultation_id: str, statuses: Sequence[str] | None = None
) -> list[StatementRow]:
    query = select(
        Statement.id, Statement.texts, Statement.language, Statement.status, Statement.seed
    ).where(Statement.consultation_id == consultation_id)
    if statuses is not None:
        query = query.where(Statement.status.in_(tuple(statuses)))
    async with database.connect() as connection:
        rows = await connection.execute(query.order_by(Statement.id))
        return [StatementRow(int(i), dict(t), lang, s, seed) for i, t, lang, s, seed in rows]


async def moderate(database: AsyncEngine, statement_id: int, status: str, now: datetime) -> None:
    async with for_writing(database).begin() as connection:
        await connection.execute(
            update(Statement)
            .where(Statement.id == statement_id)
            .values(status=status, moderated_at=now)
        )


async def vote_rows(database: AsyncEngine, consultation_id: str) -> list[tuple[str, int, int]]:
    """(participant, statement id, vote) of every vote on an approved statement."""
    async with database.connect() as connection:
        rows = await connection.execute(
            select(StatementVote.participant, StatementVote.statement_id, StatementVote.vote)
            .join(Statement, Statement.id == StatementVote.statement_id)
            .where(
                and_(
                    StatementVote.consultation_id == consultation_id,
                    Statement.status == "approved",
                )
            )
        )
        return [(p, int(s), int(v)) for p, s, v in rows]


@dataclass(frozen=True, slots=True)
class AnswerRow:
    id: int
    round: int
    respondent: str
    text: str
    language: str | None
    theme: str | None


async def answers(database: AsyncEngine, consultation_id: str) -> list[AnswerRow]:
    async with database.connect() as connection:
        rows = await connection.execute(
            select(
                ConsultationAnswer.id,
                ConsultationAnswer.round,
                ConsultationAnswer.respondent,
                ConsultationAnswer.text,
                ConsultationAnswer.language,
                ConsultationAnswer.theme,
            )
            .where(ConsultationAnswer.consultation_id == consultation_id)
            .order_by(ConsultationAnswer.id)
        )
        return [AnswerRow(int(i), int(r), p, t, lang, th) for i, r, p, t, lang, th in rows]


async def set_themes(database: AsyncEngine, themes: dict[int, str | None]) -> None:
    """Record the theme a mediator confirmed for each answer (None: no theme)."""
    if not themes:
        return
    async with for_writing(database).begin() as connection:
        for answer_id, theme in themes.items():
            await connection.execute(
                update(ConsultationAnswer)
                .where(ConsultationAnswer.id == answer_id)
                .values(theme=theme)
            )


def _participants(consultation_id: str) -> Select[tuple[str]]:
    """Everyone who took part: answered, wrote a statement or voted (pseudonyms, once)."""
    return (
        union(
            select(ConsultationAnswer.respondent).where(
                ConsultationAnswer.consultation_id == consultation_id
            ),
            select(StatementVote.participant).where(
                StatementVote.consultation_id == consultation_id
            ),
            select(Statement.author).where(
                Statement.consultation_id == consultation_id, Statement.author.is_not(None)
            ),
        )
        .subquery()
        .select()
    )


async def participation(
    database: AsyncEngine, consultation_id: str, field: str | None
) -> list[tuple[str | None, int]]:
    """How many took part, by the value of a profile field (None: not stated)."""
    taking_part = _participants(consultation_id).subquery()
    who = taking_part.c[0]
    if field is None:
        query = select(func.count()).select_from(taking_part)
        async with database.connect() as connection:
            return [(None, int(await connection.scalar(query) or 0))]
    value = (
        select(ProfileValue.value)
        .where(ProfileValue.participant_id == who, ProfileValue.field == field)
        .scalar_subquery()
    )
    grouped = select(value.label("value"), func.count()).select_from(taking_part).group_by(value)
    async with database.connect() as connection:
        return [(v, int(n)) for v, n in await connection.execute(grouped)]


async def queue_followup(
    database: AsyncEngine,
    consultation_id: str,
    texts: dict[str, str],
    question: dict[str, str] | None,
    now: datetime,
) -> tuple[str, int, int | None]:
    """Queue a follow-up message to every reachable participant of the consultation, once per
    person (one outbox row per job and participant), and open a new round with ``question``
    if given, in one transaction. Returns the job, how many were queued, and the round."""
    async with for_writing(database).begin() as connection:
        number: int | None = None
        if question is not None:
            latest = await connection.scalar(
                select(func.max(ConsultationRound.number)).where(
                    ConsultationRound.consultation_id == consultation_id
                )
            )
            number = int(latest or 0) + 1
            await connection.execute(
                insert(ConsultationRound).values(
                    consultation_id=consultation_id, number=number, question=question, opened_at=now
                )
            )
        broadcast_id = (
            await connection.execute(
                insert(Broadcast)
                .values(topic=None, texts=dict(texts), photo=None, created_at=now)
                .returning(Broadcast.id)
            )
        ).scalar_one()
        job = f"followup:{consultation_id}:{broadcast_id}"
        taking_part = _participants(consultation_id).subquery()
        recipients = select(Participant.id).where(
            Participant.id.in_(select(taking_part.c[0])), *reachable()
        )
        payload: dict[str, object] = {"broadcast": broadcast_id}
        if number is not None:
            payload["consultation"] = consultation_id
        queued = await enqueue(
            connection, recipients, job=job, kind="broadcast", payload=payload, now=now
        )
    return job, queued, number


async def rounds(database: AsyncEngine, consultation_id: str) -> dict[int, dict[str, str]]:
    """The follow-up rounds opened on a consultation: number → question by language."""
    async with database.connect() as connection:
        rows = await connection.execute(
            select(ConsultationRound.number, ConsultationRound.question)
            .where(ConsultationRound.consultation_id == consultation_id)
            .order_by(ConsultationRound.number)
        )
        return {int(number): dict(question) for number, question in rows}


async def statement(database: AsyncEngine, statement_id: int) -> StatementRow | None:
    """One statement, whatever its status."""
    async with database.connect() as connection:
        row = (
            await connection.execute(
                select(
                    Statement.id,
                    Statement.texts,
                    Statement.language,
                    Statement.status,
                    Statement.seed,
                ).where(Statement.id == statement_id)
            )
        ).first()
    return None if row is None else StatementRow(int(row[0]), dict(row[1]), *row[2:])


async def translate(database: AsyncEngine, statement_id: int, translations: dict[str, str]) -> bool:
    """Set (or correct, or remove with an empty text) a moderator's translations of a
    statement into other languages; voters then see the statement in their own language
    (`StatementView.text`). The author's own text (its ``language``, or its first) is never
    changed, and stays first. False if there is no such statement."""
    async with for_writing(database).begin() as connection:
        row = (
            await connection.execute(
                select(Statement.texts, Statement.language).where(Statement.id == statement_id)
            )
        ).first()
        if row is None:
            return False
        texts: dict[str, str] = dict(row.texts)
        original = row.language if row.language in texts else next(iter(texts), None)
        merged = {original: texts[original]} if original is not None else {}
        for language, text in {**texts, **translations}.items():
            if language != original and text.strip():
                merged[language] = text.strip()
        await connection.execute(
            update(Statement).where(Statement.id == statement_id).values(texts=merged)
        )
        return True
