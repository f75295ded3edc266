"""Primary and complementary cell suppression for a table of counts. Pure.

The table has option rows and group columns, every respondent belonging to exactly one group;
a row of column totals ``n`` (respondents per group); and a total column: each row summed over
the groups, with the grand total as its ``n``. Entries are hidden in four steps.

1. Primary. An entry with 0 < count < k is hidden. A column whose n is in 0 < n < k is hidden
   whole, its n included. Whenever a column's n is hidden the whole column is: its shown counts
   and percentages would give the n back.
2. The total column is settled first, on its own, exactly as the same table without a breakdown
   (``by=None``) would be, and the later steps never hide more of it: a figure that the table
   without a breakdown shows protects nothing by being hidden here.
3. Complementary, line by line. Every row (the n row included) adds up to its entry in the
   total column and, when each respondent counts in one row only, every column adds up to its
   n. A line gives something away when exactly one of its entries is hidden (it is the total
   minus the rest), or when its total is shown and its hidden entries add up to between 1 and
   k - 1 (together they are a group too small to show). Such a line gets one more hidden entry:
   the smallest non-zero shown one; failing that its total (for a column, its n: the whole
   column); failing that a zero that the shown totals do not already give away. If nothing is
   left to hide, the lone hidden entry is treated as known from then on, so that no other line
   relies on it.
4. Complementary, across lines. A hidden entry can also be worked out by combining lines. Draw
   the rows and columns as nodes and each hidden entry as an edge between its row and column:
   an entry can be computed exactly when its edge lies on no cycle (it is a bridge). For such an
   edge, hide the smallest shown entry that joins its two sides, which closes a cycle through it.

Steps 3 and 4 repeat until nothing changes. Ties go to the first row, then the first column, so
the same counts always give the same pattern. This is the primary and complementary
suppression of statistical offices, kept simple: it does not bound what non-negativity lets one
infer (that a hidden count lies between 0 and 7, say), and it protects one table at a time, so
tables of the same answers by different fields or waves can still be compared with each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Position = tuple[int, int]
"""An entry: (row, column). Row ``rows`` holds the n's, column ``columns`` the totals."""

_Line = tuple[tuple[Position, ...], Position]
"""Entries that add up to a total, and that total."""


@dataclass(frozen=True)
class SuppressionPattern:
    """Which entries of a table to hide.

    Rows and columns are numbered as in the counts given to `suppress`; row ``rows`` is the row
    of column totals (n) and column ``columns`` is the total column.
    """

    rows: int
    columns: int
    hidden: frozenset[Position]

    @property
    def n_row(self) -> int:
        return self.rows

    @property
    def total_column(self) -> int:
        return self.columns

    def hides(self, row: int, column: int) -> bool:
        return (row, column) in self.hidden

    def hides_column(self, column: int) -> bool:
        """Whether the column is hidden whole, its n included."""
        return (self.rows, column) in self.hidden


def suppress(
    counts: Sequence[Sequence[int]], column_totals: Sequence[int], k: int, *, additive: bool
) -> SuppressionPattern:
    """Which entries to hide so that no count from 1 to k - 1 can be read or worked out.

    ``counts[row][column]`` counts respondents; ``column_totals[column]`` is the column's n.
    The total column is computed as the sum of each row. ``additive`` says that every
    respondent counts in exactly one row, so that each column adds up to its n (true of a single
    choice, not of a multiple choice, whose picks add up to more than n).
    """
    grid = _Grid(counts, column_totals, k, additive)
    grid.protect()
    return SuppressionPattern(grid.rows, grid.columns, frozenset(grid.hidden))


class _Grid:
    def __init__(
        self,
        counts: Sequence[Sequence[int]],
        column_totals: Sequence[int],
        k: int,
        additive: bool,
    ) -> None:
        if k < 1:
            raise ValueError("k must be at least 1")
        if any(len(row) != len(column_totals) for row in counts):
            raise ValueError("every row needs one count per column")
        if any(count < 0 for row in (*counts, column_totals) for count in row):
            raise ValueError("counts cannot be negative")
        self.rows = len(counts)
        self.columns = len(column_totals)
        self.k = k
        self.additive = additive
        self.value: dict[Position, int] = {}
        for i, row in enumerate(counts):
            self.value.update(((i, j), count) for j, count in enumerate(row))
            self.value[i, self.columns] = sum(row)
        self.value.update(((self.rows, j), n) for j, n in enumerate(column_totals))
        self.value[self.rows, self.columns] = sum(column_totals)
        self.hidden: set[Position] = set()
        self.known: set[Position] = set()
        """Hidden entries that published figures give away anyway: they protect nothing."""

    def protect(self) -> None:
        total = range(self.columns, self.columns + 1)
        groups = range(self.columns)
        self._primary(total)
        # Without a breakdown the rows are not lines: the total column is the only one.
        alone = [self._column_line(self.columns)] if self.additive else []
        self._settle(alone, total, across=False)
        self._primary(groups)
        lines = [self._row_line(self.rows), *(self._row_line(i) for i in range(self.rows))]
        # A multiple-choice column does not add up to its n, so columns are lines only when
        # every respondent counts in one row (the rows always add up: one group per person).
        if self.additive:
            lines += [self._column_line(j) for j in range(self.columns + 1)]
        self._settle(lines, groups, across=self.additive)

    def _row_line(self, i: int) -> _Line:
        return tuple((i, j) for j in range(self.columns)), (i, self.columns)

    def _column_line(self, j: int) -> _Line:
        return tuple((i, j) for i in range(self.rows)), (self.rows, j)

    def _primary(self, columns: range) -> None:
        for j in columns:
            if 0 < self.value[self.rows, j] < self.k:
                self._hide((self.rows, j))
            for i in range(self.rows):
                if 0 < self.value[i, j] < self.k:
                    self._hide((i, j))

    def _hide(self, position: Position) -> None:
        row, column = position
        if row == self.rows:
            self.hidden.update((i, column) for i in range(self.rows + 1))
        else:
            self.hidden.add(position)

    def _unknown(self, position: Position) -> bool:
        return position in self.hidden and position not in self.known

    def _can_hide(self, position: Position, columns: range) -> bool:
        return position not in self.hidden and position[1] in columns

    def _useful_zero(self, position: Position) -> bool:
        """Whether hiding this zero hides anything: not if its row or column total is 0."""
        row, column = position
        return (
            row < self.rows
            and column < self.columns
            and self.value[self.rows, column] > 0
            and self.value[row, self.columns] > 0
        )

    def _settle(self, lines: Sequence[_Line], columns: range, *, across: bool) -> None:
        # One change at a time, then from the first line again: a fix made for one line
        # often mends the next, and fixing each line blind to the others hides more.
        while any(self._mend(line, columns) for line in lines) or (
            across and self._mend_bridge(columns)
        ):
            pass

    def _mend(self, line: _Line, columns: range) -> bool:
        """Hide one more entry of the line if it gives something away; whether anything changed."""
        parts, total = line
        unknown = [p for p in (*parts, total) if self._unknown(p)]
        hidden_sum = sum(self.value[p] for p in parts if self._unknown(p))
        if len(unknown) == 1:
            lone: Position | None = unknown[0]
        elif not self._unknown(total) and 0 < hidden_sum < self.k:
            lone = None
        else:
            return False
        shown = [p for p in parts if self._can_hide(p, columns)]
        if nonzero := [p for p in shown if self.value[p] > 0]:
            self._hide(min(nonzero, key=lambda p: (self.value[p], p)))
        elif self._can_hide(total, columns) and self.value[total] > 0:
            self._hide(total)
        elif zeros := [p for p in shown if self._useful_zero(p)]:
            self._hide(zeros[0])
        elif lone is not None:
            self.known.add(lone)
        else:
            return False
        return True

    def _mend_bridge(self, columns: range) -> bool:
        """Close a cycle through the first hidden entry that lines combined give away."""
        edges = sorted(p for p in self.hidden if p not in self.known)
        for edge in edges:
            row_side = self._reach(self._row_node(edge[0]), edges, edge)
            if self._column_node(edge[1]) in row_side:
                continue
            column_side = self._reach(self._column_node(edge[1]), edges, edge)
            joining = [
                p
                for p in self.value
                if self._can_hide(p, columns)
                and (self.value[p] > 0 or self._useful_zero(p))
                and self._joins(p, row_side, column_side)
            ]
            if joining:
                self._hide(min(joining, key=lambda p: (self.value[p] == 0, self.value[p], p)))
            else:
                self.known.add(edge)
            return True
        return False

    def _row_node(self, row: int) -> int:
        return row

    def _column_node(self, column: int) -> int:
        return self.rows + 1 + column

    def _joins(self, position: Position, one: set[int], other: set[int]) -> bool:
        row, column = self._row_node(position[0]), self._column_node(position[1])
        return (row in one and column in other) or (row in other and column in one)

    def _reach(self, start: int, edges: Sequence[Position], without: Position) -> set[int]:
        """The nodes joined to ``start`` by hidden entries other than ``without``."""
        neighbours: dict[int, list[int]] = {}
        for edge in edges:
            if edge != without:
                row, column = self._row_node(edge[0]), self._column_node(edge[1])
                neighbours.setdefault(row, []).append(column)
                neighbours.setdefault(column, []).append(row)
        reached = {start}
        frontier = [start]
        while frontier:
            for node in neighbours.get(frontier.pop(), ()):
                if node not in reached:
                    reached.add(node)
                    frontier.append(node)
        return reached
