"""Reporting reads: counts computed by the database, returned as plain rows.

Every function can split its counts by one profile field (``by``, e.g. ``"region"``): the
group is the respondent's value of that field, or None when they did not give one. Respondents
erased with /forget have no profile left, so their answers fall in the None group. ``by=None``
puts everybody in the single group None. ``wave=None`` counts all waves together.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import Select, String, and_, cast, distinct, func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import Answer, ProfileValue

_AnySelect = Select[*tuple[Any, ...]]

WAVE = "wave"
"""``by=WAVE`` groups by the wave of a repeating poll (as text: "1", "2", …), not a profile."""


class ChoiceCount(NamedTuple):
    """How many distinct respondents picked ``choice`` for the question, in one group."""

    question_id: str
    group: str | None
    choice: str
    count: int  # type: ignore[assignment]  # shadows tuple.count, kept for its plain name


class QuestionTotal(NamedTuple):
    """How many distinct respondents answered the question (skips excluded), in one group."""

    question_id: str
    group: str | None
    respondents: int


class NumberStats(NamedTuple):
    """Summary of the number answers to one question, in one group."""

    question_id: str
    group: str | None
    n: int
    mean: float
    minimum: float
    maximum: float


async def choice_counts(
    engine: AsyncEngine, poll_id: str, by: str | None, wave: int | None = None
) -> list[ChoiceCount]:
    """Respondents per choice, per question and group (a multiple choice counts each pick).

    Within one wave a respondent has at most one row per question and choice
    (`record_answer` replaces an earlier answer; /forget leaves one tombstone), so when the
    counts are of one wave, or split by wave, rows are counted: PostgreSQL then aggregates by
    hashing instead of sorting every answer for ``COUNT(DISTINCT …)`` (1.2-1.5 s → 0.3 s for
    a million answers, benchmarks/README.md). Over all waves together a person who picked the
    same choice in two waves counts once, which needs the distinct count.
    """
    one_wave = wave is not None or by == WAVE
    count = func.count() if one_wave else func.count(distinct(Answer.respondent))
    statement = select(Answer.question_id, Answer.choice, count).where(
        Answer.poll_id == poll_id, Answer.choice.is_not(None)
    )
    statement = _grouped(statement, by, wave).group_by(Answer.choice).order_by(Answer.choice)
    return [
        ChoiceCount(question_id, group, choice, int(n))
        for question_id, choice, n, group in await _rows(engine, statement, by)
    ]


async def question_totals(
    engine: AsyncEngine, poll_id: str, by: str | None, wave: int | None = None
) -> list[QuestionTotal]:
    """Respondents who gave an answer (not a skip), per question and group."""
    answered = or_(Answer.choice.is_not(None), Answer.number.is_not(None), Answer.text.is_not(None))
    statement = select(Answer.question_id, func.count(distinct(Answer.respondent))).where(
        Answer.poll_id == poll_id, answered
    )
    statement = _grouped(statement, by, wave)
    return [
        QuestionTotal(question_id, group, int(n))
        for question_id, n, group in await _rows(engine, statement, by)
    ]


async def number_stats(
    engine: AsyncEngine, poll_id: str, by: str | None, wave: int | None = None
) -> list[NumberStats]:
    """Count, mean, minimum and maximum of the number answers, per question and group."""
    statement = select(
        Answer.question_id,
        func.count(Answer.number),
        func.avg(Answer.number),
        func.min(Answer.number),
        func.max(Answer.number),
    ).where(Answer.poll_id == poll_id, Answer.number.is_not(None))
    statement = _grouped(statement, by, wave)
    return [
        NumberStats(question_id, group, int(n), float(mean), float(low), float(high))
        for question_id, n, mean, low, high, group in await _rows(engine, statement, by)
    ]


async def answer_count(engine: AsyncEngine, poll_id: str) -> int:
    """How many answers the poll has received, skips excluded, over all waves.

    An answer is one question answered by one respondent in one wave: a multiple-choice
    answer with three picks counts once.
    """
    answered = or_(Answer.choice.is_not(None), Answer.number.is_not(None), Answer.text.is_not(None))
    answers = (
        select(Answer.respondent, Answer.question_id, Answer.wave)
        .where(Answer.poll_id == poll_id, answered)
        .distinct()
        .subquery()
    )
    async with engine.connect() as connection:
        count = await connection.scalar(select(func.count()).select_from(answers))
    return int(count or 0)


def _grouped(statement: _AnySelect, by: str | None, wave: int | None) -> _AnySelect:
    """Filter by wave, group by question and, if ``by`` is given, by that profile value.

    The profile value becomes the last column; the rows are ordered by question and group.
    """
    if wave is not None:
        statement = statement.where(Answer.wave == wave)
    statement = statement.group_by(Answer.question_id).order_by(Answer.question_id)
    if by is None:
        return statement
    if by == WAVE:
        wave_group = cast(Answer.wave, String)
        return statement.add_columns(wave_group).group_by(wave_group).order_by(wave_group)
    group = ProfileValue.value
    on = and_(ProfileValue.participant_id == Answer.respondent, ProfileValue.field == by)
    return (
        statement.add_columns(group)
        .outerjoin(ProfileValue, on)
        .group_by(group)
        .order_by(group.asc().nulls_last())
    )


async def _rows(
    engine: AsyncEngine, statement: _AnySelect, by: str | None
) -> list[tuple[Any, ...]]:
    """The statement's rows, each ending with its group (None when ``by`` is None)."""
    async with engine.connect() as connection:
        result = await connection.execute(statement)
        rows = [tuple(row) for row in result]
    return rows if by is not None else [(*row, None) for row in rows]
