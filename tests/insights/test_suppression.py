"""Primary and complementary suppression, checked against what an attacker can work out."""

from __future__ import annotations

import random

import pytest

from insights.suppression import SuppressionPattern, suppress
from tests.insights.audit import derivable, grid, small_hidden_sums

K = 5


def mask(pattern: SuppressionPattern) -> tuple[str, ...]:
    """One line per row, the n row last; one mark per column, the total column last."""
    return tuple(
        " ".join("*" if pattern.hides(i, j) else "." for j in range(pattern.columns + 1))
        for i in range(pattern.rows + 1)
    )


# Columns: groups, then the total; rows: options, then n.
@pytest.mark.parametrize(
    ("counts", "n", "additive", "expected"),
    [
        pytest.param([[3], [12]], [15], False, ("* *", ". .", ". ."), id="count-below-k"),
        pytest.param([[5], [12]], [17], False, (". .", ". .", ". ."), id="count-of-k-shown"),
        pytest.param([[0], [12]], [12], False, (". .", ". .", ". ."), id="zero-shown"),
        pytest.param(
            [[3, 9, 12]], [10, 10, 20], False, ("* * . .", ". . . ."), id="row-complement"
        ),
        pytest.param(
            [[3], [8], [6]], [17], True, ("* *", ". .", "* *", ". ."), id="column-complement"
        ),
        pytest.param(
            [[2, 6], [7, 9], [9, 8]],
            [18, 23],
            True,
            ("* * .", "* * .", ". . .", ". . ."),
            id="row-and-column-complements",
        ),
        pytest.param(
            [[3, 9], [8, 9]],
            [10, 12],
            False,
            ("* * .", ". . .", ". . ."),
            id="multiple-choice-columns-are-not-lines",
        ),
        pytest.param(
            [[2, 10, 14], [1, 12, 20]],
            [3, 22, 34],
            True,
            ("* * . .", "* * . .", "* * . ."),
            id="small-group-and-a-complement-column",
        ),
        pytest.param(
            [[3, 0], [7, 5]],
            [10, 5],
            True,
            ("* * *", "* * *", "* * ."),
            id="hidden-total-not-given-back-by-its-parts",
        ),
    ],
)
def test_patterns(
    counts: list[list[int]], n: list[int], additive: bool, expected: tuple[str, ...]
) -> None:
    pattern = suppress(counts, n, K, additive=additive)
    assert mask(pattern) == expected
    assert derivable(counts, n, pattern, additive=additive) == set()


def test_a_row_with_one_hidden_group_hides_another_not_the_total() -> None:
    # North 3 of 10 and south 9 of 10 picked it: with the total 12 shown, hiding north
    # alone would leave 12 - 9 = 3 to read off.
    pattern = suppress([[3, 9], [7, 1]], [10, 10], K, additive=False)
    assert pattern.hides(0, 0)
    assert pattern.hides(0, 1)
    assert not pattern.hides(0, pattern.total_column)


def test_hidden_groups_that_together_are_too_small_hide_one_more() -> None:
    # Two groups of 2 hidden: their n's add up to 4, readable as 24 - 20.
    pattern = suppress([[2, 2, 20]], [2, 2, 20], K, additive=False)
    assert pattern.hides_column(0)
    assert pattern.hides_column(1)
    assert pattern.hides_column(2)
    assert not pattern.hides_column(pattern.total_column)


def test_a_cell_that_only_combined_lines_give_away_is_protected() -> None:
    # Settling row by row and column by column leaves every line with two or more hidden
    # cells, yet adding and subtracting lines gives back the 4 in the second row's first
    # column: its edge in the graph of hidden cells is a bridge, and gets a cycle.
    counts = [[0, 1, 8], [4, 8, 6], [3, 0, 0], [5, 0, 0], [6, 4, 4]]
    n = [18, 13, 18]
    pattern = suppress(counts, n, K, additive=True)
    assert mask(pattern) == (". * * .", "* . * .", "* . . *", "* . . *", "* * * .", ". . . .")
    assert derivable(counts, n, pattern, additive=True) == set()


def _random_table(rng: random.Random) -> tuple[list[list[int]], list[int], bool]:
    rows, columns = rng.randint(1, 5), rng.randint(1, 5)
    scale = rng.choice([3, 8, 30])
    counts = [[rng.choice([0, rng.randint(0, scale)]) for _ in range(columns)] for _ in range(rows)]
    additive = rng.random() < 0.6
    if additive:
        n = [sum(row[j] for row in counts) for j in range(columns)]
    else:
        n = [max(row[j] for row in counts) + rng.randint(0, 3) for j in range(columns)]
    return counts, n, additive


@pytest.mark.parametrize("seed", range(150))
def test_nothing_small_can_be_read_or_worked_out(seed: int) -> None:
    counts, n, additive = _random_table(random.Random(seed))
    pattern = suppress(counts, n, K, additive=additive)
    values = grid(counts, n)

    assert [p for p, v in values.items() if 0 < v < K and p not in pattern.hidden] == []
    assert derivable(counts, n, pattern, additive=additive) == set()
    assert small_hidden_sums(counts, n, pattern, K, additive=additive) == []
    for j in range(pattern.columns + 1):
        if pattern.hides_column(j):
            assert all(pattern.hides(i, j) for i in range(pattern.rows))


@pytest.mark.parametrize("seed", range(50))
def test_the_total_column_is_what_the_table_without_groups_shows(seed: int) -> None:
    counts, n, additive = _random_table(random.Random(seed))
    split = suppress(counts, n, K, additive=additive)
    alone = suppress([[sum(row)] for row in counts], [sum(n)], K, additive=additive)
    assert [split.hides(i, split.total_column) for i in range(split.rows + 1)] == [
        alone.hides(i, alone.total_column) for i in range(alone.rows + 1)
    ]


def test_the_same_counts_give_the_same_pattern() -> None:
    counts = [[2, 6, 6], [7, 9, 9], [9, 8, 8]]
    first = suppress(counts, [18, 23, 23], K, additive=True)
    assert all(suppress(counts, [18, 23, 23], K, additive=True) == first for _ in range(5))


@pytest.mark.parametrize(
    ("counts", "n", "k", "message"),
    [
        ([[1, 2]], [3], 5, "one count per column"),
        ([[-1]], [3], 5, "negative"),
        ([[1]], [3], 0, "at least 1"),
    ],
)
def test_bad_tables_are_refused(
    counts: list[list[int]], n: list[int], k: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        suppress(counts, n, k, additive=True)
