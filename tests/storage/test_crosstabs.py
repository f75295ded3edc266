"""Cross-tabulations by several profile fields and wave, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from conversations.values import AnswerGiven
from storage.crosstabs import (
    AnsweredCell,
    ChoiceCell,
    NumberCell,
    Profile,
    ReachRow,
    RespondentCell,
    answer_rows,
    answered_cells,
    choice_cells,
    number_cells,
    reach,
    respondent_cells,
)
from storage.database import for_writing
from storage.models import Answer, Completion, OutboxRow, Participant, ProfileValue
from storage.unit_of_work import unit_of_work_factory
from tests.storage.helpers import NOW, add_person

POLL = "pulse"
FIELDS = ("region", "gender")
PROFILES: dict[str, dict[str, str]] = {
    "p1": {"region": "north", "gender": "woman"},
    "p2": {"region": "north", "gender": "man"},
    "p3": {"region": "south", "gender": "woman"},
    "p4": {"gender": "woman"},
}


def _answer(who: str, question: str, wave: int, **values: Any) -> dict[str, Any]:
    row = {"respondent": who, "poll_id": POLL, "question_id": question, "wave": wave}
    return row | {"choice": None, "number": None, "text": None, "answered_at": NOW} | values


@pytest.fixture
async def answered(engine: AsyncEngine) -> AsyncEngine:
    for person, profile in PROFILES.items():
        await add_person(engine, person, profile=profile)
    rows = [
        _answer("p1", "safe", 1, choice="yes"),
        _answer("p2", "safe", 1, choice="yes"),
        _answer("p3", "safe", 1, choice="no"),
        _answer("p4", "safe", 1, choice="yes"),
        _answer("p1", "safe", 2, choice="no"),
        _answer("p2", "safe", 2, choice="no"),
        _answer("p1", "needs", 1, choice="water"),
        _answer("p1", "needs", 1, choice="roads"),
        _answer("p3", "needs", 1),  # skipped
        _answer("p1", "days", 1, number=10.0),
        _answer("p3", "days", 1, number=20.0),
        _answer("p2", "days", 1, number=6.0),
        _answer("gone", "safe", 2, choice="yes"),  # erased: no profile left
        {**_answer("p1", "safe", 1, choice="yes"), "poll_id": "other"},
    ]
    outbox = [
        {
            "job": f"wave:{POLL}:{wave}:invite",
            "participant_id": person,
            "kind": "invite",
            "payload": {},
            "status": "sent",
            "attempts": 1,
            "due_at": NOW,
        }
        for wave, people in ((1, ("p1", "p2", "p3", "p4")), (2, ("p1", "p2", "p3")))
        for person in people
    ]
    completions = [
        {"participant_id": p, "poll_id": POLL, "wave": w, "completed_at": NOW}
        for p, w in (("p1", 1), ("p2", 1), ("p3", 1), ("p1", 2))
    ]
    async with for_writing(engine).begin() as connection:
        await connection.execute(insert(Answer), rows)
        await connection.execute(insert(OutboxRow), outbox)
        await connection.execute(insert(Completion), completions)
    return engine


def _sorted(rows: list[Any]) -> list[Any]:
    return sorted(rows, key=lambda row: tuple("" if v is None else str(v) for v in row))


async def test_choices_by_wave_and_two_fields(answered: AsyncEngine) -> None:
    rows = await choice_cells(answered, POLL, FIELDS)
    assert _sorted(rows) == _sorted(
        [
            ChoiceCell("needs", 1, "roads", ("north", "woman"), 1),
            ChoiceCell("needs", 1, "water", ("north", "woman"), 1),
            ChoiceCell("safe", 1, "no", ("south", "woman"), 1),
            ChoiceCell("safe", 1, "yes", ("north", "man"), 1),
            ChoiceCell("safe", 1, "yes", ("north", "woman"), 1),
            ChoiceCell("safe", 1, "yes", (None, "woman"), 1),
            ChoiceCell("safe", 2, "no", ("north", "man"), 1),
            ChoiceCell("safe", 2, "no", ("north", "woman"), 1),
            ChoiceCell("safe", 2, "yes", (None, None), 1),
        ]
    )
    only_two = await choice_cells(answered, POLL, (), wave=2)
    assert _sorted(only_two) == [
        ChoiceCell("safe", 2, "no", (), 2),
        ChoiceCell("safe", 2, "yes", (), 1),
    ]


async def test_answered_skips_left_out(answered: AsyncEngine) -> None:
    rows = await answered_cells(answered, POLL, ("region",), wave=1)
    assert _sorted(rows) == _sorted(
        [
            AnsweredCell("days", 1, ("north",), 2),
            AnsweredCell("days", 1, ("south",), 1),
            AnsweredCell("needs", 1, ("north",), 1),
            AnsweredCell("safe", 1, ("north",), 2),
            AnsweredCell("safe", 1, ("south",), 1),
            AnsweredCell("safe", 1, (None,), 1),
        ]
    )


async def test_numbers_and_respondents(answered: AsyncEngine) -> None:
    assert _sorted(await number_cells(answered, POLL, ("gender",))) == [
        NumberCell("days", 1, ("man",), 1, 6.0, 6.0, 6.0),
        NumberCell("days", 1, ("woman",), 2, 30.0, 10.0, 20.0),
    ]
    assert _sorted(await respondent_cells(answered, POLL, FIELDS)) == _sorted(
        [
            RespondentCell(1, ("north", "man"), 1),
            RespondentCell(1, ("north", "woman"), 1),
            RespondentCell(1, ("south", "woman"), 1),
            RespondentCell(1, (None, "woman"), 1),
            RespondentCell(2, ("north", "man"), 1),
            RespondentCell(2, ("north", "woman"), 1),
            RespondentCell(2, (None, None), 1),
        ]
    )


async def test_nothing_to_count_gives_no_rows(answered: AsyncEngine) -> None:
    """A wave, a kind of answer or a poll with nothing in it gives no rows (on SQLite, the
    groups are read first and no cells are built)."""
    assert await choice_cells(answered, POLL, FIELDS, wave=3) == []
    assert await number_cells(answered, POLL, FIELDS, wave=2) == []
    assert await answered_cells(answered, "no such poll", FIELDS) == []


async def test_reach_per_wave_and_group(answered: AsyncEngine) -> None:
    assert await reach(answered, POLL, "gender") == [
        ReachRow(1, "man", 1, 1),
        ReachRow(1, "woman", 3, 2),
        ReachRow(2, "man", 1, 0),
        ReachRow(2, "woman", 2, 1),
    ]


async def test_answer_rows_carry_the_profile_and_no_text(answered: AsyncEngine) -> None:
    rows = [row async for row in answer_rows(answered, POLL, FIELDS)]
    assert len(rows) == 12  # 13 answers of the poll, one of them a skip
    first = next(r for r in rows if r.respondent == "p3" and r.question_id == "days")
    assert (first.wave, first.number, first.profile) == (1, 20.0, ("south", "woman"))


async def test_an_answer_given_again_still_counts_one_person(engine: AsyncEngine) -> None:
    """choice_cells counts rows: that relies on record_answer replacing the earlier answer."""
    await add_person(engine, "p1", profile={"region": "north"})
    async with unit_of_work_factory(engine)() as work:
        for choices in (("water", "roads"), ("water",), ("water", "roads")):
            await work.record_answer("p1", AnswerGiven(POLL, "needs", choices=choices), NOW)
        await work.commit()
    async with unit_of_work_factory(engine)() as work:
        await work.forget("p1")
        await work.commit()
    assert _sorted(await choice_cells(engine, POLL, ("region",))) == [
        ChoiceCell("needs", 0, "roads", (None,), 1),
        ChoiceCell("needs", 0, "water", (None,), 1),
    ]


CROWD_VALUES = {
    "region": ("north", "South", "été", "zone 10", "zone 9"),
    "gender": ("woman", "man", "another"),
    "age": ("18_24", "65_plus"),
}


def _crowd(seed: int, bystanders: int) -> tuple[dict[str, dict[str, str]], list[dict[str, Any]]]:
    """Random profiles (some fields unstated, some people with none) and answers of 3 waves,
    and ``bystanders`` with a full profile who answered nothing."""
    rng = random.Random(seed)
    profiles = {
        f"p{i:02d}": {f: rng.choice(v) for f, v in CROWD_VALUES.items() if rng.random() < 0.8}
        for i in range(40)
    }
    rows = []
    for person in [*profiles, "gone1", "gone2"]:
        for wave in (1, 2, 3):
            if rng.random() < 0.3:
                continue
            rows.append(_answer(person, "safe", wave, choice=rng.choice(("yes", "no", "maybe"))))
            picks = rng.sample(("water", "roads", "schools"), rng.randint(0, 3))
            rows += [_answer(person, "needs", wave, choice=pick) for pick in picks]
            if not picks:
                rows.append(_answer(person, "needs", wave))  # skipped
            if rng.random() < 0.7:
                rows.append(_answer(person, "days", wave, number=rng.randint(-6, 60) / 2))
            rows.append(_answer(person, "say", wave, text="words" if rng.random() < 0.5 else None))
    for i in range(bystanders):
        profiles[f"b{i:03d}"] = {f: rng.choice(v) for f, v in CROWD_VALUES.items()}
    return profiles, rows


def _expected(
    profiles: dict[str, dict[str, str]],
    rows: list[dict[str, Any]],
    fields: tuple[str, ...],
    wave: int | None,
) -> dict[str, list[Any]]:
    """Every cross-tab of the crowd, counted in plain Python."""
    choices: dict[tuple[str, int, str, Profile], set[str]] = defaultdict(set)
    answered: dict[tuple[str, int, Profile], set[str]] = defaultdict(set)
    numbers: dict[tuple[str, int, Profile], list[float]] = defaultdict(list)
    people: dict[tuple[int, Profile], set[str]] = defaultdict(set)
    for row in rows:
        if wave is not None and row["wave"] != wave:
            continue
        who, question, at = row["respondent"], row["question_id"], row["wave"]
        profile = tuple(profiles.get(who, {}).get(field) for field in fields)
        if row["choice"] is not None:
            choices[question, at, row["choice"], profile].add(who)
        if row["number"] is not None:
            numbers[question, at, profile].append(row["number"])
        if any(row[k] is not None for k in ("choice", "number", "text")):
            answered[question, at, profile].add(who)
            people[at, profile].add(who)
    return {
        "choices": [ChoiceCell(*key, len(who)) for key, who in choices.items()],
        "answered": [AnsweredCell(*key, len(who)) for key, who in answered.items()],
        "numbers": [
            NumberCell(*key, len(got), sum(got), min(got), max(got)) for key, got in numbers.items()
        ],
        "people": [RespondentCell(*key, len(who)) for key, who in people.items()],
    }


@pytest.mark.parametrize(
    "fields",
    [(), ("region",), ("region", "gender"), ("age", "region", "gender"), ("gender", "gender")],
)
@pytest.mark.parametrize("wave", [None, 2])
@pytest.mark.parametrize("bystanders", [0, 400])
async def test_cells_match_counts_made_in_python(
    engine: AsyncEngine, fields: tuple[str, ...], wave: int | None, bystanders: int
) -> None:
    """Every way of counting must count what Python counts: on SQLite by profile cells when
    the answers outnumber the profile values (no bystanders), else by joining profile_values
    (400 bystanders: more profile values than answers), as on PostgreSQL."""
    profiles, rows = _crowd(len(fields) * 10 + (wave or 0), bystanders)
    async with for_writing(engine).begin() as connection:
        await connection.execute(
            insert(Participant),
            [
                {"id": p, "state": {}, "created_at": NOW, "updated_at": NOW, "language": "en"}
                for p in profiles
            ],
        )
        values = [
            {"participant_id": p, "field": f, "value": v}
            for p, profile in profiles.items()
            for f, v in profile.items()
        ]
        await connection.execute(insert(ProfileValue), values)
        await connection.execute(insert(Answer), rows)
    expected = _expected(profiles, rows, fields, wave)
    assert expected["choices"] and expected["numbers"]
    assert _sorted(await choice_cells(engine, POLL, fields, wave)) == _sorted(expected["choices"])
    assert _sorted(await answered_cells(engine, POLL, fields, wave)) == _sorted(
        expected["answered"]
    )
    assert _sorted(await number_cells(engine, POLL, fields, wave)) == _sorted(expected["numbers"])
    assert _sorted(await respondent_cells(engine, POLL, fields, wave)) == _sorted(
        expected["people"]
    )
