"""Building poll results from aggregate rows: columns, options, percentages, suppression."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest

from insights import InsightsError, UnknownField
from insights.results import (
    ALL,
    Cell,
    Group,
    NumberCell,
    OptionRow,
    PollResults,
    QuestionResult,
    default_wave,
    summarize,
)
from storage.aggregates import ChoiceCount, NumberStats, QuestionTotal
from tests.insights.helpers import answered, deployment, picks, poll, stats


def summary(
    by: str | None = None,
    *,
    language: str = "en",
    choices: Sequence[ChoiceCount] = (),
    totals: Sequence[QuestionTotal] = (),
    numbers: Sequence[NumberStats] = (),
    k: int = 5,
) -> PollResults:
    d = deployment(k)
    return summarize(
        d, poll(d), by=by, language=language, choices=choices, totals=totals, numbers=numbers
    )


def question(results: PollResults, question_id: str) -> QuestionResult:
    return next(q for q in results.questions if q.question_id == question_id)


def row(result: QuestionResult, choice_id: str) -> OptionRow:
    return next(r for r in result.rows if r.choice_id == choice_id)


def shown(count: int, percent: float | None = None) -> Cell:
    return Cell(count=count, percent=percent, suppressed=False)


HIDDEN = Cell(count=None, percent=None, suppressed=True)


def test_counts_and_percentages_of_those_who_answered() -> None:
    results = summary(
        choices=picks("single", {None: {"a": 10, "b": 30}}),
        totals=answered("single", {None: 40}),
    )
    single = question(results, "single")
    assert results.groups == (Group(ALL, "All"),)
    assert single.n == (shown(40),)
    assert [(r.choice_id, r.cells) for r in single.rows] == [
        ("a", (shown(10, 25.0),)),
        ("b", (shown(30, 75.0),)),
        ("c", (shown(0, 0.0),)),
    ]


@pytest.mark.parametrize(
    ("question_id", "options"),
    [
        ("single", [("a", "A"), ("b", "B"), ("c", "C")]),
        ("multi", [("x", "X"), ("y", "Y"), ("z", "Z")]),
        ("safe", [("1", "1 (Not safe)"), ("2", "2"), ("3", "3"), ("4", "4 (Safe)")]),
        ("home", [("north", "North"), ("south", "South"), ("east", "East")]),
        ("days", []),
        ("note", []),
    ],
)
def test_every_defined_option_is_listed_in_order_even_unpicked(
    question_id: str, options: list[tuple[str, str]]
) -> None:
    result = question(summary(), question_id)
    assert [(r.choice_id, r.label) for r in result.rows] == options
    assert all(cell == shown(0) for r in result.rows for cell in r.cells)
    assert result.n == (shown(0),)


def test_question_kinds_and_prompts() -> None:
    results = summary(language="fr")
    assert [(q.question_id, q.kind) for q in results.questions] == [
        ("single", "single_choice"),
        ("multi", "multiple_choice"),
        ("safe", "scale"),
        ("home", "region"),
        ("days", "number"),
        ("note", "free_text"),
    ]
    assert question(results, "single").prompt == "Pick one (fr)"
    assert results.title == "Pourparlers"


@pytest.mark.parametrize(
    ("by", "groups", "labels"),
    [
        ("region", ["south", None, "north"], ["North", "South", "Not stated", "All"]),
        ("region", ["east", "atlantis"], ["East", "atlantis", "All"]),
        ("gender", [None, "man"], ["Man", "Not stated", "All"]),
        ("gender", ["woman", "man"], ["Woman", "Man", "All"]),
    ],
)
def test_a_column_per_group_that_occurs_in_definition_order(
    by: str, groups: list[str | None], labels: list[str]
) -> None:
    results = summary(by, totals=answered("note", dict.fromkeys(groups, 10)))
    assert [group.label for group in results.groups] == labels
    assert results.groups[-1].is_all
    assert results.by == by


def test_labels_follow_the_language() -> None:
    results = summary("gender", language="fr", totals=answered("note", {"woman": 10, None: 10}))
    assert [group.label for group in results.groups] == ["Woman (fr)", "Non précisé", "Ensemble"]
    assert results.by_label == "Votre genre ?"


def test_the_all_column_adds_up_the_groups() -> None:
    results = summary(
        "gender",
        choices=picks(
            "single", {"woman": {"a": 10, "b": 5}, "man": {"a": 20, "b": 15}, None: {"a": 5}}
        ),
        totals=answered("single", {"woman": 15, "man": 35, None: 5}),
    )
    single = question(results, "single")
    assert single.n == (shown(15), shown(35), shown(5), shown(55))
    assert row(single, "a").cells[-1] == shown(35, 100 * 35 / 55)
    assert row(single, "b").cells == (
        shown(5, 100 * 5 / 15),
        shown(15, 100 * 15 / 35),
        shown(0, 0.0),
        shown(20, 100 * 20 / 55),
    )


def test_multiple_choice_percentages_are_of_respondents() -> None:
    results = summary(
        choices=picks("multi", {None: {"x": 15, "y": 10, "z": 5}}),
        totals=answered("multi", {None: 20}),
    )
    percents = [r.cells[0].percent for r in question(results, "multi").rows]
    assert percents == [75.0, 50.0, 25.0]
    assert sum(p or 0 for p in percents) == 150.0


def test_small_counts_and_those_that_would_reveal_them_are_hidden() -> None:
    results = summary(
        "region",
        choices=picks(
            "single",
            {"north": {"a": 3, "b": 9}, "south": {"a": 12, "b": 10}, None: {"a": 8, "b": 8}},
        ),
        totals=answered("single", {"north": 12, "south": 22, None: 16}),
    )
    single = question(results, "single")
    # North's 3 is hidden. North's n is shown, so north's b hides too; row a and row b each
    # need a second hidden cell, and the smallest is in not stated.
    assert [r.cells for r in single.rows] == [
        (HIDDEN, shown(12, 100 * 12 / 22), HIDDEN, shown(23, 46.0)),
        (HIDDEN, shown(10, 100 * 10 / 22), HIDDEN, shown(27, 54.0)),
        (shown(0, 0.0), shown(0, 0.0), shown(0, 0.0), shown(0, 0.0)),
    ]
    assert single.n == (shown(12), shown(22), shown(16), shown(50))


def test_a_small_group_is_hidden_whole_with_another_to_cover_it() -> None:
    results = summary(
        "gender",
        choices=picks("single", {"woman": {"a": 2, "b": 1}, "man": {"a": 20, "b": 30}}),
        totals=answered("single", {"woman": 3, "man": 50}),
    )
    single = question(results, "single")
    # Woman's n (3) would be 53 - 50: man's column hides as well.
    assert single.n == (HIDDEN, HIDDEN, shown(53))
    assert [r.cells for r in single.rows] == [
        (HIDDEN, HIDDEN, shown(22, 100 * 22 / 53)),
        (HIDDEN, HIDDEN, shown(31, 100 * 31 / 53)),
        (HIDDEN, HIDDEN, shown(0, 0.0)),
    ]


def test_number_summaries_per_group_and_for_all() -> None:
    results = summary(
        "gender",
        numbers=stats("days", {"woman": (8, 4.0, 1, 7), "man": (10, 10.0, 2, 20)}),
        totals=answered("days", {"woman": 8, "man": 10}),
    )
    days = question(results, "days")
    assert days.numbers == (
        NumberCell(n=8, mean=4.0, minimum=1, maximum=7, suppressed=False),
        NumberCell(n=10, mean=10.0, minimum=2, maximum=20, suppressed=False),
        NumberCell(n=18, mean=(32 + 100) / 18, minimum=1, maximum=20, suppressed=False),
    )
    assert days.rows == ()


def test_number_summaries_of_fewer_than_k_people_are_hidden() -> None:
    results = summary(
        "gender",
        numbers=stats("days", {"woman": (3, 4.0, 1, 7), "man": (10, 10.0, 2, 20)}),
        totals=answered("days", {"woman": 3, "man": 10}),
    )
    days = question(results, "days")
    hidden = NumberCell(None, None, None, None, suppressed=True)
    # The men's figures hide too: with the total shown they would give the women's.
    assert days.numbers[:2] == (hidden, hidden)
    assert days.numbers[2] == NumberCell(13, (12 + 100) / 13, 1, 20, suppressed=False)
    assert days.n == (HIDDEN, HIDDEN, shown(13))


def test_number_summaries_hide_by_respondents_not_answers() -> None:
    # Two people answering in three waves give six answers: still two people.
    results = summary(
        numbers=stats("days", {None: (6, 5.0, 1, 9)}), totals=answered("days", {None: 2})
    )
    assert question(results, "days").numbers == (NumberCell(None, None, None, None, True),)


def test_free_text_gets_only_its_count() -> None:
    results = summary("gender", totals=answered("note", {"woman": 12, "man": 4}))
    note = question(results, "note")
    assert note.n == (HIDDEN, HIDDEN, shown(16))
    assert note.rows == ()
    assert note.numbers == ()


@pytest.mark.parametrize(
    ("by", "message"),
    [
        ("age", "unknown field 'age'; choose one of: region, gender"),
        ("Region", "unknown field 'Region'; choose one of: region, gender"),
        ("", "unknown field ''; choose one of: region, gender"),
    ],
)
def test_by_must_be_a_profile_field(by: str, message: str) -> None:
    with pytest.raises(UnknownField) as caught:
        summary(by)
    assert str(caught.value) == message
    assert isinstance(caught.value, InsightsError)


def test_a_deployment_without_profile_questions_says_so() -> None:
    assert str(UnknownField("age", [])) == (
        "unknown field 'age'; this deployment asks no profile questions"
    )


@pytest.mark.parametrize("seed", range(20))
def test_the_all_column_is_what_results_without_a_split_show(seed: int) -> None:
    rng = random.Random(seed)
    counts = {
        group: {choice: rng.choice([0, 1, 3, 6, 12]) for choice in "abc"}
        for group in ("woman", "man", None)
    }
    split = summary(
        "gender",
        choices=picks("single", counts),
        totals=answered("single", {g: sum(c.values()) for g, c in counts.items()}),
    )
    merged = {choice: sum(c[choice] for c in counts.values()) for choice in "abc"}
    whole = summary(
        choices=picks("single", {None: merged}),
        totals=answered("single", {None: sum(merged.values())}),
    )
    single, alone = question(split, "single"), question(whole, "single")
    assert [r.cells[-1] for r in single.rows] == [r.cells[0] for r in alone.rows]
    assert single.n[-1] == alone.n[0]


def test_a_suppressed_cell_cannot_carry_a_count() -> None:
    with pytest.raises(ValueError, match="no count"):
        Cell(count=3, percent=None, suppressed=True)
    with pytest.raises(ValueError, match="no figures"):
        NumberCell(n=3, mean=None, minimum=None, maximum=None, suppressed=True)


def test_a_repeating_poll_shows_one_wave_by_default_and_says_which() -> None:
    assert default_wave([1, 2, 3], closed=[1, 2]) == (
        2,
        "wave 2, the latest closed wave (--wave N for another, --by wave for all)",
    )
    assert default_wave([3], closed=[1, 2]) == (
        3,
        "wave 3, still open (--wave N for another, --by wave for all)",
    )
    assert default_wave([], closed=[1]) == (None, "no wave has answers yet")
