"""An attacker's view of a suppressed table: what can be worked out from what is shown."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from insights.suppression import Position, SuppressionPattern


def grid(counts: Sequence[Sequence[int]], column_totals: Sequence[int]) -> dict[Position, int]:
    """Every entry of the table, the n row and the total column included."""
    rows, columns = len(counts), len(column_totals)
    values: dict[Position, int] = {}
    for i, row in enumerate(counts):
        values.update(((i, j), count) for j, count in enumerate(row))
        values[i, columns] = sum(row)
    values.update(((rows, j), n) for j, n in enumerate(column_totals))
    values[rows, columns] = sum(column_totals)
    return values


def lines(rows: int, columns: int, *, additive: bool) -> list[tuple[list[Position], Position]]:
    """Each published equation: entries that add up to a total, and the total."""
    result = [([(i, j) for j in range(columns)], (i, columns)) for i in range(rows + 1)]
    if additive:
        result += [([(i, j) for i in range(rows)], (rows, j)) for j in range(columns + 1)]
    return result


def derivable(
    counts: Sequence[Sequence[int]],
    column_totals: Sequence[int],
    pattern: SuppressionPattern,
    *,
    additive: bool,
) -> set[Position]:
    """The hidden entries that some combination of the published equations gives exactly."""
    hidden = sorted(pattern.hidden)
    index = {p: n for n, p in enumerate(hidden)}
    equations: list[list[Fraction]] = []
    for parts, total in lines(pattern.rows, pattern.columns, additive=additive):
        equation = [Fraction(0)] * len(hidden)
        for p in parts:
            if p in index:
                equation[index[p]] += 1
        if total in index:
            equation[index[total]] -= 1
        if any(equation):
            equations.append(equation)
    base = _rank(equations)
    found = set()
    for p in hidden:
        unit = [Fraction(int(n == index[p])) for n in range(len(hidden))]
        if _rank([*equations, unit]) == base:
            found.add(p)
    return found


def _rank(matrix: list[list[Fraction]]) -> int:
    rows = [list(row) for row in matrix]
    rank = 0
    width = len(rows[0]) if rows else 0
    for column in range(width):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][column] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for r in range(len(rows)):
            if r != rank and rows[r][column] != 0:
                factor = rows[r][column] / rows[rank][column]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[rank], strict=True)]
        rank += 1
    return rank


def small_hidden_sums(
    counts: Sequence[Sequence[int]],
    column_totals: Sequence[int],
    pattern: SuppressionPattern,
    k: int,
    *,
    additive: bool,
) -> list[tuple[list[Position], Position]]:
    """Lines with a shown total whose hidden entries add up to 1 .. k - 1, or hide one entry."""
    values = grid(counts, column_totals)
    found = []
    for parts, total in lines(pattern.rows, pattern.columns, additive=additive):
        hidden = [p for p in (*parts, total) if p in pattern.hidden]
        hidden_sum = sum(values[p] for p in parts if p in pattern.hidden)
        lone = len(hidden) == 1
        if lone or (total not in pattern.hidden and 0 < hidden_sum < k):
            found.append((parts, total))
    return found
