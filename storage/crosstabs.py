"""Cross-tabulations for weighting, trends and inclusion, computed by the database as rows.

Where `storage.aggregates` splits by one field, these split by several at once: respondents per
question × wave × option × combination of profile values (``fields``, e.g. region, gender and
age band). A respondent who did not give a field has None there. Weighting (`insights`) works
on these cells: everybody in a cell gets the same weight, so no respondent-level row is needed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, NamedTuple

from sqlalchemy import (
    Column,
    ColumnElement,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    and_,
    bindparam,
    distinct,
    func,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
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
    benchmarks/aggregate.py). SQLite, which has no hash aggregate, counts into a tally per
    profile cell instead (see "SQLite: profile cells" below).
    """
    conditions = [Answer.poll_id == poll_id, Answer.choice.is_not(None)]
    if wave is not None:
        conditions.append(Answer.wave == wave)
    if await _by_cells(engine, poll_id, fields):
        keys = (Answer.question_id, Answer.wave, Answer.choice)
        measures = {"respondents": (literal(1), _added)}
        return [
            ChoiceCell(row[0], int(row[1]), row[2], profile, int(row[3]))
            for row, profile in await _tally(engine, fields, keys, measures, conditions)
        ]
    statement = select(Answer.question_id, Answer.wave, Answer.choice, func.count()).where(
        *conditions
    )
    statement = _split(statement, fields, Answer.choice)
    return [
        ChoiceCell(row[0], int(row[1]), row[2], tuple(row[4:]), int(row[3]))
        for row in await _rows(engine, statement)
    ]


async def answered_cells(
    engine: AsyncEngine, poll_id: str, fields: Sequence[str], wave: int | None = None
) -> list[AnsweredCell]:
    """Respondents who answered, per question, wave and profile cell."""
    conditions = [Answer.poll_id == poll_id, _answered()]
    if wave is not None:
        conditions.append(Answer.wave == wave)
    respondents = func.count(distinct(Answer.respondent))
    if await _by_cells(engine, poll_id, fields):
        async with _scratch(engine) as connection:
            people, cells = await _people_cells(connection, fields)
            cell = func.coalesce(people.c.cell, 0)
            keys = (Answer.question_id, Answer.wave, cell)
            by_cell = (
                select(*keys, respondents)
                .outerjoin(people, people.c.respondent == Answer.respondent)
                .where(*conditions)
                .group_by(*keys)
                .order_by(*keys)
            )
            rows = [tuple(row) for row in await connection.execute(by_cell)]
        return [AnsweredCell(q, int(w), cells.profile(c), int(n)) for q, w, c, n in rows]
    statement = select(Answer.question_id, Answer.wave, respondents).where(*conditions)
    statement = _split(statement, fields)
    return [
        AnsweredCell(row[0], int(row[1]), tuple(row[3:]), int(row[2]))
        for row in await _rows(engine, statement)
    ]


async def number_cells(
    engine: AsyncEngine, poll_id: str, fields: Sequence[str], wave: int | None = None
) -> list[NumberCell]:
    """Count, sum, minimum and maximum of number answers, per question, wave and profile cell."""
    conditions = [Answer.poll_id == poll_id, Answer.number.is_not(None)]
    if wave is not None:
        conditions.append(Answer.wave == wave)
    if await _by_cells(engine, poll_id, fields):
        number = Answer.number
        measures = {
            "n": (literal(1), _added),
            "total": (number, _added),
            "minimum": (number, _least),
            "maximum": (number, _greatest),
        }
        keys = (Answer.question_id, Answer.wave)
        return [
            NumberCell(row[0], int(row[1]), profile, int(row[2]), *map(float, row[3:6]))
            for row, profile in await _tally(engine, fields, keys, measures, conditions)
        ]
    statement = select(
        Answer.question_id,
        Answer.wave,
        func.count(Answer.number),
        func.sum(Answer.number),
        func.min(Answer.number),
        func.max(Answer.number),
    ).where(*conditions)
    statement = _split(statement, fields)
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


def _split(statement: _AnySelect, fields: Sequence[str], *extra: Any) -> _AnySelect:
    """Group by question, wave, ``extra`` and each field's value (added last)."""
    values = [aliased(ProfileValue, name=f"pv{i}") for i in range(len(fields))]
    for value, field in zip(values, fields, strict=True):
        on = and_(value.participant_id == Answer.respondent, value.field == field)
        statement = statement.outerjoin(value, on).add_columns(value.value)
    keys = [Answer.question_id, Answer.wave, *extra, *(v.value for v in values)]
    return statement.group_by(*keys).order_by(*keys)


async def _rows(engine: AsyncEngine, statement: _AnySelect) -> list[tuple[Any, ...]]:
    async with engine.connect() as connection:
        return [tuple(row) for row in await connection.execute(statement)]


# SQLite: profile cells and tallies in temporary tables
#
# SQLite has neither a hash join nor a hash aggregate. Joining each answer to
# profile_values once per field and grouping the joined rows with GROUP BY costs one B-tree
# look-up per answer and field and a sort of every answer row (2.4-2.9 s for a million
# answers by two fields, of which the sort is 1.0-1.4 s). Instead:
#
# - A connection first writes every respondent's profile cell, as one integer, to a
#   temporary table: one look-up per answer instead of one per field.
# - The groups to count in (question × wave × choice for choices) are read first: SELECT
#   DISTINCT over the covering index ix_answers_poll_question skips from one group to the
#   next, so it reads a few pages, not every answer.
# - Then, group by group (one statement run over every group), the group's answers are read
#   in respondent order from that index, never from the table, so consecutive look-ups of
#   cells fall on the same pages. Counts that add up row by row (choices, numbers) go by
#   ``INSERT … ON CONFLICT DO UPDATE`` into a temporary tally keyed by one integer, the
#   group's number and the cell: a look-up in a small B-tree of integers per answer instead
#   of a sort of all of them, or of a key of texts (tally of a million answers: 1.4-1.8 s
#   keyed by question, wave, choice and cell, 1.0 s so).
#
# The profile values stay where they are, nothing is copied onto answers, and the tables are
# created inside the connection's read transaction, which is never committed: they vanish
# with it. PostgreSQL keeps the plain GROUP BY: its hash joins and hash aggregate already do
# this (0.5 s).

_Merge = Callable[[ColumnElement[Any], ColumnElement[Any]], ColumnElement[Any]]


def _added(kept: ColumnElement[Any], new: ColumnElement[Any]) -> ColumnElement[Any]:
    return kept + new


def _least(kept: ColumnElement[Any], new: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.min(kept, new)  # SQLite's scalar min() of two values


def _greatest(kept: ColumnElement[Any], new: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.max(kept, new)


async def _by_cells(engine: AsyncEngine, poll_id: str, fields: Sequence[str]) -> bool:
    """Whether to count by cells: on SQLite, when the poll has at least as many answer rows
    as there are profile values of ``fields``.

    Building the cells costs about one B-tree insertion per profile value, whoever answered;
    joining costs a look-up per answer and field. A poll of 200 answers in a deployment of
    100 000 profiled people takes 0.01 s joined and 0.27 s by cells.
    """
    if engine.dialect.name != "sqlite":
        return False
    values = select(func.count()).where(ProfileValue.field.in_(fields))
    async with engine.connect() as connection:
        needed = int(await connection.scalar(values) or 0)
        some = select(literal(1)).where(Answer.poll_id == poll_id).limit(needed).subquery()
        found = int(await connection.scalar(select(func.count()).select_from(some)) or 0)
    return found >= needed


_SCRATCH_CACHE_KIB = 64 * 1024
"""Page cache of a connection's temporary tables while it counts by cells. SQLite's default
(2 MiB) holds about 30 000 respondents' cells; past that, look-ups go back to the temporary
file (cells of 100 000 people: 0.55 s → 0.33 s). Pages are taken only as the tables grow."""


@asynccontextmanager
async def _scratch(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection for temporary tables, inside a read transaction that is never committed:
    the tables go with it. The temporary page cache is widened for the while."""
    async with engine.connect() as connection:
        default = await connection.exec_driver_sql("PRAGMA temp.cache_size")
        kept = int(default.scalar_one())
        await connection.exec_driver_sql(f"PRAGMA temp.cache_size = -{_SCRATCH_CACHE_KIB}")
        try:
            yield connection
        finally:
            await connection.rollback()
            await connection.exec_driver_sql(f"PRAGMA temp.cache_size = {kept}")


class _Cells:
    """Profile cells as integers: each field's values get codes 1…n in sorting order (0: not
    given) and a cell is their mixed-radix sum, so ordering cells orders their profiles
    (unstated first, as SQLite orders NULL)."""

    def __init__(self, fields: Sequence[str], pairs: Sequence[tuple[str, str]]) -> None:
        self.values = [[value for field_, value in pairs if field_ == field] for field in fields]
        self.strides = [1] * len(fields)
        for i in reversed(range(len(fields) - 1)):
            self.strides[i] = self.strides[i + 1] * (len(self.values[i + 1]) + 1)
        self.count = self.strides[0] * (len(self.values[0]) + 1) if fields else 1
        """How many cells there are: every cell is below it."""

    def codes(self) -> list[dict[str, Any]]:
        """Rows of the codes table: field position, value, and the code times its stride."""
        return [
            {"position": i, "value": value, "code": (k + 1) * stride}
            for i, (values, stride) in enumerate(zip(self.values, self.strides, strict=True))
            for k, value in enumerate(values)
        ]

    def profile(self, cell: int) -> Profile:
        return tuple(
            values[code - 1] if (code := cell // stride % (len(values) + 1)) else None
            for values, stride in zip(self.values, self.strides, strict=True)
        )


async def _people_cells(connection: AsyncConnection, fields: Sequence[str]) -> tuple[Table, _Cells]:
    """A temporary table of each respondent's cell (no row: nothing given, cell 0).

    One pass over profile_values per field, each adding that field's code to the cell. The
    distinct values are sorted outside the DISTINCT, which would otherwise sort every
    profile row.
    """
    scratch = MetaData()
    codes = Table(
        "crosstab_codes",
        scratch,
        Column("position", Integer, primary_key=True),
        Column("value", String, primary_key=True),
        Column("code", Integer, nullable=False),
        prefixes=["TEMPORARY"],
        sqlite_with_rowid=False,
    )
    people = Table(
        "crosstab_people",
        scratch,
        Column("respondent", String, primary_key=True),
        Column("cell", Integer, nullable=False),
        prefixes=["TEMPORARY"],
        sqlite_with_rowid=False,
    )
    await connection.run_sync(scratch.create_all, checkfirst=False)  # leftovers: an error
    given = (
        select(ProfileValue.field, ProfileValue.value)
        .where(ProfileValue.field.in_(fields))
        .distinct()
        .subquery()
    )
    pairs = select(given).order_by(given.c.field, given.c.value)
    cells = _Cells(fields, [(f, v) for f, v in await connection.execute(pairs)])
    if not (rows := cells.codes()):
        return people, cells
    await connection.execute(insert(codes), rows)
    for position, field in enumerate(fields):
        coded = and_(codes.c.position == position, codes.c.value == ProfileValue.value)
        per_person = (
            select(ProfileValue.participant_id, codes.c.code)
            .join(codes, coded)
            .where(ProfileValue.field == field)  # a WHERE must come before ON CONFLICT
        )
        statement = sqlite_insert(people).from_select(["respondent", "cell"], per_person)
        statement = statement.on_conflict_do_update(
            index_elements=["respondent"], set_={"cell": people.c.cell + statement.excluded.cell}
        )
        await connection.execute(statement)
    return people, cells


async def _tally(
    engine: AsyncEngine,
    fields: Sequence[str],
    keys: Sequence[Any],
    measures: Mapping[str, tuple[Any, _Merge]],
    conditions: Sequence[ColumnElement[bool]],
) -> list[tuple[tuple[Any, ...], Profile]]:
    """(keys + measures, profile) per ``keys`` (leading columns of ix_answers_poll_question
    after the poll, never NULL) and profile cell, ordered.

    Each measure is an expression over one answer row and how to merge it into the tally
    (``kept + new``, ``min(kept, new)`` …).
    """
    tally = Table(
        "crosstab_tally",
        MetaData(),
        Column("key", Integer, primary_key=True),  # group number × cells + cell
        *(Column(name, source.type) for name, (source, _) in measures.items()),
        prefixes=["TEMPORARY"],
    )
    names = [f"k{i}" for i in range(len(keys))]
    async with _scratch(engine) as connection:
        in_groups = select(*keys).where(*conditions).distinct().order_by(*keys)
        groups = [tuple(row) for row in await connection.execute(in_groups)]
        if not groups:  # e.g. a poll without number questions: no cells to build
            return []
        people, cells = await _people_cells(connection, fields)
        await connection.run_sync(tally.create)
        key = bindparam("group", type_=Integer) * cells.count + func.coalesce(people.c.cell, 0)
        source = (
            select(key, *(s for s, _ in measures.values()))
            .select_from(Answer)
            .outerjoin(people, people.c.respondent == Answer.respondent)
            .where(
                *conditions,
                *(column == bindparam(name) for column, name in zip(keys, names, strict=True)),
            )  # a WHERE must come before ON CONFLICT
        )
        statement = sqlite_insert(tally).from_select(["key", *measures], source)
        statement = statement.on_conflict_do_update(
            index_elements=["key"],
            set_={
                name: merge(tally.c[name], statement.excluded[name])
                for name, (_, merge) in measures.items()
            },
        )
        each = [
            {"group": i} | dict(zip(names, group, strict=True)) for i, group in enumerate(groups)
        ]
        await connection.execute(statement, each)
        rows = [tuple(row) for row in await connection.execute(select(tally).order_by(tally.c.key))]
    return [
        (groups[key // cells.count] + tuple(row), cells.profile(key % cells.count))
        for key, *row in rows
    ]
