"""Reporting queries, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from conversations.values import AnswerGiven
from storage.aggregates import (
    WAVE,
    ChoiceCount,
    NumberStats,
    QuestionTotal,
    answer_count,
    choice_counts,
    number_stats,
    question_totals,
)
from storage.database import for_writing
from storage.models import Answer, Participant, ProfileValue
from storage.unit_of_work import unit_of_work_factory
from tests.storage.helpers import NOW, state

POLL = "ceasefire"

# Regions: p1 and p2 north, p3 south, p4 did not say.
PEOPLE: dict[str, dict[str, AnswerGiven]] = {
    "p1": {
        "q1": AnswerGiven(POLL, "q1", choices=("a",)),
        "q2": AnswerGiven(POLL, "q2", choices=("x", "y")),
        "q3": AnswerGiven(POLL, "q3", number=10),
        "q4": AnswerGiven(POLL, "q4", text="Open the roads", language="en"),
    },
    "p2": {
        "q1": AnswerGiven(POLL, "q1", choices=("b",)),
        "q2": AnswerGiven(POLL, "q2", choices=("x",)),
        "q3": AnswerGiven(POLL, "q3", number=20),
    },
    "p3": {
        "q1": AnswerGiven(POLL, "q1", choices=("a",)),
        "q2": AnswerGiven(POLL, "q2"),
        "q3": AnswerGiven(POLL, "q3", number=30),
    },
    "p4": {
        "q1": AnswerGiven(POLL, "q1", choices=("a",)),
        "q2": AnswerGiven(POLL, "q2", choices=("y",)),
        "q3": AnswerGiven(POLL, "q3"),
    },
}
REGIONS = {"p1": "north", "p2": "north", "p3": "south", "p4": None}


@pytest.fixture
async def answered(engine: AsyncEngine) -> AsyncEngine:
    uow = unit_of_work_factory(engine)
    async with uow() as work:
        for person, answers in PEOPLE.items():
            await work.save_state(person, state(), NOW)
            await work.record_profile(person, "region", REGIONS[person])
            await work.record_profile(person, "age", "30-44")
            for answer in answers.values():
                await work.record_answer(person, answer, NOW)
        # Noise: another poll, and a respondent with no profile at all.
        await work.record_answer("p1", AnswerGiven("other", "q1", choices=("a",)), NOW)
        await work.record_answer("stranger", AnswerGiven("other", "q1", choices=("b",)), NOW)
        await work.commit()
    return engine


async def test_choice_counts_for_everyone(answered: AsyncEngine) -> None:
    assert await choice_counts(answered, POLL, by=None) == [
        ChoiceCount("q1", None, "a", 3),
        ChoiceCount("q1", None, "b", 1),
        ChoiceCount("q2", None, "x", 2),
        ChoiceCount("q2", None, "y", 2),
    ]


async def test_choice_counts_by_profile_field(answered: AsyncEngine) -> None:
    assert await choice_counts(answered, POLL, by="region") == [
        ChoiceCount("q1", "north", "a", 1),
        ChoiceCount("q1", "north", "b", 1),
        ChoiceCount("q1", "south", "a", 1),
        ChoiceCount("q1", None, "a", 1),
        ChoiceCount("q2", "north", "x", 2),
        ChoiceCount("q2", "north", "y", 1),
        ChoiceCount("q2", None, "y", 1),
    ]


async def test_choice_counts_by_a_field_nobody_answered(answered: AsyncEngine) -> None:
    counts = await choice_counts(answered, POLL, by="gender")
    assert counts == await choice_counts(answered, POLL, by=None)


async def test_question_totals(answered: AsyncEngine) -> None:
    assert await question_totals(answered, POLL, by=None) == [
        QuestionTotal("q1", None, 4),
        QuestionTotal("q2", None, 3),
        QuestionTotal("q3", None, 3),
        QuestionTotal("q4", None, 1),
    ]
    assert await question_totals(answered, POLL, by="region") == [
        QuestionTotal("q1", "north", 2),
        QuestionTotal("q1", "south", 1),
        QuestionTotal("q1", None, 1),
        QuestionTotal("q2", "north", 2),
        QuestionTotal("q2", None, 1),
        QuestionTotal("q3", "north", 2),
        QuestionTotal("q3", "south", 1),
        QuestionTotal("q4", "north", 1),
    ]


async def test_number_stats(answered: AsyncEngine) -> None:
    assert await number_stats(answered, POLL, by=None) == [
        NumberStats("q3", None, 3, 20.0, 10.0, 30.0)
    ]
    assert await number_stats(answered, POLL, by="region") == [
        NumberStats("q3", "north", 2, 15.0, 10.0, 20.0),
        NumberStats("q3", "south", 1, 30.0, 30.0, 30.0),
    ]
    (stats,) = await number_stats(answered, POLL, by=None)
    assert all(type(value) is float for value in stats[3:])


async def test_answer_count_counts_answers_not_rows_or_skips(answered: AsyncEngine) -> None:
    assert await answer_count(answered, POLL) == 4 + 3 + 3 + 1
    assert await answer_count(answered, "other") == 2
    assert await answer_count(answered, "unknown") == 0


async def test_unknown_poll_has_no_rows(answered: AsyncEngine) -> None:
    assert await choice_counts(answered, "unknown", by="region") == []
    assert await question_totals(answered, "unknown", by=None) == []
    assert await number_stats(answered, "unknown", by=None) == []


async def test_forgotten_respondents_count_without_a_group(answered: AsyncEngine) -> None:
    uow = unit_of_work_factory(answered)
    async with uow() as work:
        await work.forget("p1")
        await work.commit()
    assert await choice_counts(answered, POLL, by=None) == [
        ChoiceCount("q1", None, "a", 3),
        ChoiceCount("q1", None, "b", 1),
        ChoiceCount("q2", None, "x", 2),
        ChoiceCount("q2", None, "y", 2),
    ]
    by_region = await choice_counts(answered, POLL, by="region")
    assert [c for c in by_region if c.question_id == "q1"] == [
        ChoiceCount("q1", "north", "b", 1),
        ChoiceCount("q1", "south", "a", 1),
        ChoiceCount("q1", None, "a", 2),
    ]
    # The forgotten free text no longer counts as an answer.
    assert QuestionTotal("q4", None, 1) not in await question_totals(answered, POLL, by=None)


async def test_waves_are_counted_apart_or_together(answered: AsyncEngine) -> None:
    async with answered.begin() as connection:
        await connection.execute(
            insert(Answer),
            [
                {"respondent": r, "poll_id": POLL, "question_id": "q1", "wave": 1, "choice": c}
                | {"answered_at": NOW}
                for r, c in [("p1", "b"), ("p2", "b"), ("p5", "a")]
            ],
        )
    first_wave = await choice_counts(answered, POLL, by=None, wave=0)
    assert [c for c in first_wave if c.question_id == "q1"] == [
        ChoiceCount("q1", None, "a", 3),
        ChoiceCount("q1", None, "b", 1),
    ]
    assert await choice_counts(answered, POLL, by="region", wave=1) == [
        ChoiceCount("q1", "north", "b", 2),
        ChoiceCount("q1", None, "a", 1),
    ]
    both = await choice_counts(answered, POLL, by=None)
    assert [c for c in both if c.question_id == "q1"] == [
        ChoiceCount("q1", None, "a", 4),
        ChoiceCount("q1", None, "b", 2),
    ]
    assert await question_totals(answered, POLL, by=None, wave=1) == [QuestionTotal("q1", None, 3)]
    assert await number_stats(answered, POLL, by=None, wave=1) == []


@pytest.mark.parametrize("by", [None, "region", WAVE])
@pytest.mark.parametrize("wave", [None, 1])
async def test_choice_counts_match_counts_made_in_python(
    engine: AsyncEngine, by: str | None, wave: int | None
) -> None:
    """Rows are counted for one wave or by wave, distinct people over all waves together."""
    rng = random.Random(7)
    regions = {f"p{i:02d}": rng.choice(("north", "south", None)) for i in range(30)}
    rows: list[dict[str, Any]] = [
        {"respondent": person, "poll_id": POLL, "question_id": question, "wave": at}
        | {"choice": pick, "answered_at": NOW}
        for person in [*regions, "gone"]
        for at in (0, 1, 2)
        if rng.random() < 0.8
        for question in ("q1", "q2")
        for pick in (rng.sample(("a", "b", "c"), rng.randint(1, 3)) if question == "q2" else "a")
    ]
    async with for_writing(engine).begin() as connection:
        await connection.execute(
            insert(Participant),
            [
                {"id": p, "state": {}, "created_at": NOW, "updated_at": NOW, "language": "en"}
                for p in regions
            ],
        )
        await connection.execute(
            insert(ProfileValue),
            [{"participant_id": p, "field": "region", "value": v} for p, v in regions.items() if v],
        )
        await connection.execute(insert(Answer), rows)
    people: dict[tuple[str, str | None, str], set[str]] = defaultdict(set)
    picks: Counter[tuple[str, str | None, str]] = Counter()
    for row in rows:
        if wave is not None and row["wave"] != wave:
            continue
        group = {None: None, "region": regions.get(row["respondent"]), WAVE: str(row["wave"])}[by]
        people[row["question_id"], group, row["choice"]].add(row["respondent"])
        picks[row["question_id"], group, row["choice"]] += 1
    if wave is None and by != WAVE:  # some picked the same in two waves: rows overcount
        assert any(picks[key] > len(who) for key, who in people.items())
    found = await choice_counts(engine, POLL, by=by, wave=wave)
    assert sorted(found, key=str) == sorted(
        (ChoiceCount(*key, len(who)) for key, who in people.items()), key=str
    )
