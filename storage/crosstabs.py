"""Cross-tabulations for weighting, trends and inclusion, computed by the database as rows.

Where `storage.aggregates` splits by one field, these split by several at once: respondents per
question × wave × option × combination of profile values (``fields``, e.g. region, gender and
age band). A respondent who did not give a field has None there. Weighting (`insights`) works
on these cells: everybody in a cell gets the same weight, so no respondent-level row is needed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Select, and_, distinct, func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import aliased

from storage.models import Answer, Completion, OutboxRow, ProfileValue

_AnySelect = Select[*tuple[Any, ...]]

Profile = tuple[str | None, ...]
"""A respondent's values of the requested fields, in their order (None: not given)."""


class ChoiceCell(NamedTuple):
    """Respondents in one wave and profile cell who picked ``choice`` for the question."""

    question_id: str
    wave: int
    choice: str
    profile: Profile
    respondents: int


class AnsweredCell(NamedTuple):
    """Respondents in one wave and profile cell who answered the question (skips excluded)."""

    question_id: str
    wave: int
    profile: Profile
    respondents: int


class NumberCell(NamedTuple):
    """Count, sum, minimum and maximum of the number answers in one wave and profile cell."""

    question_id: str
    wave: int
    profile: Profile
    n: int
    total: float
    minimum: float
    maximum: float


class RespondentCell(NamedTuple):
    """People who answered at least one question of the poll in the wave, per profile cell."""

    wave: int
    profile: Profile
    respondents: int


class ReachRow(NamedTuple):
    """Per wave and value of one field: invited (wave invitations queued) and completed."""

    wave: int
    group: str | None
    invited: int
    completed: int


class AnswerRow(NamedTuple):
    """One answer (one pick of a multiple choice); free text is never exported this way."""

    respondent: str
    wave: int
    question_id: str
    choice: str | None
    number: float | None
    profile: Profile


def _answered() -> Any:
    return or_(Answer.choice.is_not(None), Answer.number.is_not(None), Answer.text.is_not(None))


async def choice_cells(
    engine: AsyncEngine, poll_id: str, fields: Sequence[str], wave: int | None = None
) -> list[ChoiceCell]:
    """Respondents per question, wave, choice and profile cell.

    Rows are counted, not distinct respondents: a respondent has at most one row per question,
    wave and choice (`record_answer` replaces an earlier answer; /forget gives each person one
    new tombstone), and counting rows lets the database aggregate by hashing instead of
    sorting a million rows for ``COUNT(DISTINCT …)`` (4.3 s → 1.2 s on PostgreSQL, see
    benchmarks/aggregate.py).
    """
    statement = select(Answer.question_id, Answer.wave, Answer.choice, func.count()).where(
        Answer.poll_id == poll_id, Answer.choice.is_not(None)
    )
    statement = _split(statement, fields, wave, Answer.choice)
    return [
        ChoiceCell(row[0], int(row[1]), row[2], tuple(row[4:]), int(row[3]))
        for row in await _rows(engine, statement)
    ]


async def answered_cells(
    engine: AsyncEngine, poll_id: str, fields: Sequence[str], wave: int | None = None
) -> list[AnsweredCell]:
    """Respondents who answered, per question, wave and profile cell."""
    statement = select(
        Answer.question_id, Answer.wave, func.count(distinct(Answer.respondent))
    ).where(Answer.poll_id == poll_id, _answered())
    statement = _split(statement, fields, wave)
    return [
        AnsweredCell(row[0], int(row[1]), tuple(row[3:]), int(row[2]))
        for row in await _rows(engine, statement)
    ]


async def number_cells(
    engine: AsyncEngine, poll_id: str, fields: Sequence[str], wave: int | None = None
) -> list[NumberCell]:
    """Count, sum, minimum and maximum of number answers, per question, wave and profile cell."""
    statement = select(
        Answer.question_id,
        Answer.wave,
        func.count(Answer.number),
        func.sum(Answer.number),
        func.min(Answer.number),
        func.max(Answer.number),
    ).where(Answer.poll_id == poll_id, Answer.number.is_not(None))
    statement = _split(statement, fields, wave)
    return [
        NumberCell(row[0], int(row[1]), tuple(row[6:]), int(row[2]), *map(float, row[3:6]))
        for row in await _rows(engine, statement)
    ]


async def respondent_cells(
    engine: AsyncEngine, poll_id: str, fields: Sequence[str], wave: int | None = None
) -> list[RespondentCell]:
    """People who answered anything in the poll, per wave and profile cell (the weighting base)."""
    people = (
        select(Answer.respondent, Answer.wave)
        .where(Answer.poll_id == poll_id, _answered())
        .distinct()
    )
    if wave is not None:
        people = people.where(Answer.wave == wave)
    base = people.subquery()
    values = [aliased(ProfileValue, name=f"pv{i}") for i in range(len(fields))]
    statement = select(base.c.wave, func.count())
    for value, field in zip(values, fields, strict=True):
        on = and_(value.participant_id == base.c.respondent, value.field == field)
        statement = statement.outerjoin(value, on).add_columns(value.value)
    statement = statement.select_from(base).group_by(base.c.wave, *(v.value for v in values))
    statement = statement.order_by(base.c.wave, *(v.value for v in values))
    return [
        RespondentCell(int(row[0]), tuple(row[2:]), int(row[1]))
        for row in await _rows(engine, statement)
    ]


async def reach(engine: AsyncEngine, poll_id: str, field: str) -> list[ReachRow]:
    """Invited and completed per wave and value of ``field``, for response rates.

    Invited counts the wave invitations queued (``wave:<poll>:<n>:invite`` outbox jobs); people
    who erased their data since are in neither count.
    """
    prefix = f"wave:{poll_id}:"
    invited_value = aliased(ProfileValue, name="invited_value")
    invited = (
        select(OutboxRow.job, invited_value.value, func.count())
        .outerjoin(
            invited_value,
            and_(
                invited_value.participant_id == OutboxRow.participant_id,
                invited_value.field == field,
            ),
        )
        .where(OutboxRow.job.startswith(prefix), OutboxRow.job.endswith(":invite"))
        .group_by(OutboxRow.job, invited_value.value)
    )
    done_value = aliased(ProfileValue, name="done_value")
    completed = (
        select(Completion.wave, done_value.value, func.count())
        .outerjoin(
            done_value,
            and_(done_value.participant_id == Completion.participant_id, done_value.field == field),
        )
        .where(Completion.poll_id == poll_id)
        .group_by(Completion.wave, done_value.value)
    )
    counts: dict[tuple[int, str | None], list[int]] = {}
    for job, group, n in await _rows(engine, invited):
        number = job.removeprefix(prefix).removesuffix(":invite")
        if number.isdigit():
            counts.setdefault((int(number), group), [0, 0])[0] += int(n)
    for wave, group, n in await _rows(engine, completed):
        counts.setdefault((int(wave), group), [0, 0])[1] += int(n)
    ordered = sorted(counts.items(), key=lambda item: (item[0][0], item[0][1] is None, item[0][1]))
    return [ReachRow(wave, group, invited_n, done) for (wave, group), (invited_n, done) in ordered]


async def answer_rows(
    engine: AsyncEngine, poll_id: str, fields: Sequence[str], *, batch: int = 5000
) -> AsyncIterator[AnswerRow]:
    """Every choice and number answer of the poll with the respondent's profile, streamed.

    Free text is left out: it can name people and places, and is shared, if ever, by hand.
    """
    statement = select(
        Answer.respondent, Answer.wave, Answer.question_id, Answer.choice, Answer.number
    ).where(Answer.poll_id == poll_id, or_(Answer.choice.is_not(None), Answer.number.is_not(None)))
    values = [aliased(ProfileValue, name=f"pv{i}") for i in range(len(fields))]
    for value, field in zip(values, fields, strict=True):
        on = and_(value.participant_id == Answer.respondent, value.field == field)
        statement = statement.outerjoin(value, on).add_columns(value.value)
    statement = statement.order_by(Answer.respondent, Answer.wave, Answer.id)
    async with engine.connect() as connection:
        result = await connection.stream(statement.execution_options(yield_per=batch))
        async for row in result:
            yield AnswerRow(row[0], int(row[1]), row[2], row[3], row[4], tuple(row[5:]))


def _split(
    statement: _AnySelect, fields: Sequence[str], wave: int | None, *extra: Any
) -> _AnySelect:
    """Filter by wave; group by question, wave, ``extra`` and each field's value (added last)."""
    if wave is not None:
        statement = statement.where(Answer.wave == wave)
    values = [aliased(ProfileValue, name=f"pv{i}") for i in range(len(fields))]
    for value, field in zip(values, fields, strict=True):
        on = and_(value.participant_id == Answer.respondent, value.field == field)
        statement = statement.outerjoin(value, on).add_columns(value.value)
    keys = [Answer.question_id, Answer.wave, *extra, *(v.value for v in values)]
    return statement.group_by(*keys).order_by(*keys)


async def _rows(engine: AsyncEngine, statement: _AnySelect) -> list[tuple[Any, ...]]:
    async with engine.connect() as connection:
        return [tuple(row) for row in await connection.execute(statement)]
