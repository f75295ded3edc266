"""Suppression that holds across every table of a poll put side by side. Pure.

`insights.suppression` protects one table. A mediator can publish many tables of the same
answers: all waves, each wave, by wave; overall and by each profile field; the export files,
the report and the share-back text repeat them. Put side by side they are one system of linear
equations: the all-waves count of a cell is the sum of its waves, the overall count of a wave
is the sum of its groups, the options of a single choice add up to n, a multiple choice's
"did not pick" is n minus the count, a follow-up asked only after one answer has no more
respondents than that answer had. `protect` hides cells of that whole system at once, so that
each table a mediator asks for shows exactly the cells the whole system shows.

The system is a set of *nodes*, each a count, and *lines*, each saying that some nodes add up
to another. A node is *published* (a cell of some table) or *virtual* (a figure no table shows
but that can be worked out, such as "did not pick": it starts hidden). A node is *sensitive*
when its value is between 1 and k - 1. Then:

1. Primary: every published node from 1 to k - 1 is hidden. A hidden n hides its whole
   column (its counts and percentages would give it back).
2. Line by line, as in `insights.suppression`: a line whose only hidden node is sensitive, or
   whose hidden parts add up to 1 .. k - 1 under a shown total, gets one more hidden node: its
   smallest non-zero shown part, failing that its total, failing that a shown zero part.
3. Across lines: the hidden nodes that some combination of all the lines gives exactly are
   found by linear algebra (a hidden node can be computed exactly if and only if its unit
   vector lies in the row space of the lines restricted to the hidden nodes). For each such
   sensitive node, the smallest shown node on one of its lines is hidden.

Steps 2 and 3 repeat until nothing changes; the order of nodes is fixed, so the same counts
always give the same pattern. Non-negativity can still bound a hidden count (between 0 and 7,
say); the tests' auditor checks by linear programming that no hidden count from 1 to k - 1
can be pinned to one value from everything published together.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from conversations.definitions import (
    Deployment,
    MultipleChoice,
    Poll,
    Question,
    RegionQuestion,
    Scale,
    SingleChoice,
)
from storage.crosstabs import AnsweredCell, ChoiceCell, RespondentCell

Node = Hashable


@dataclass(frozen=True)
class Line:
    """``parts`` add up to ``total``."""

    parts: tuple[Node, ...]
    total: Node


@dataclass
class System:
    """Nodes with their values, which of them are published, and the lines between them."""

    values: dict[Node, int] = field(default_factory=dict)
    virtual: set[Node] = field(default_factory=set)
    """Nodes no table shows; they are hidden from the start."""
    columns: dict[Node, tuple[Node, ...]] = field(default_factory=dict)
    """For an n node: the nodes of its column, hidden with it."""
    lines: list[Line] = field(default_factory=list)

    given: set[Node] = field(default_factory=set)
    """Nodes the attacker is assumed to know (never hidden, never hidden for others)."""

    def node(self, key: Node, value: int, *, virtual: bool = False, given: bool = False) -> Node:
        self.values[key] = value
        if virtual:
            self.virtual.add(key)
        if given:
            self.given.add(key)
        return key

    def line(self, parts: Iterable[Node], total: Node) -> None:
        parts = tuple(parts)
        if parts:
            self.lines.append(Line(parts, total))


@dataclass(frozen=True)
class Protection:
    """The published nodes to hide."""

    hidden: frozenset[Node]
    exposed: frozenset[Node] = frozenset()
    """Sensitive nodes that nothing left to hide could protect (should stay empty)."""

    def hides(self, node: Node) -> bool:
        return node in self.hidden


def protect(system: System, k: int) -> Protection:
    """Which published nodes to hide so that no count from 1 to k - 1 can be worked out."""
    return _Protector(system, k).run()


class _Protector:
    def __init__(self, system: System, k: int) -> None:
        if k < 1:
            raise ValueError("k must be at least 1")
        if any(v < 0 for v in system.values.values()):
            raise ValueError("counts cannot be negative")
        self.system = system
        self.k = k
        self.values = system.values
        self.order = {node: i for i, node in enumerate(system.values)}
        self.hidden: set[Node] = set(system.virtual)
        self.exposed: set[Node] = set()
        self.lines_of: dict[Node, list[int]] = {}
        for index, line in enumerate(system.lines):
            for node in (*line.parts, line.total):
                self.lines_of.setdefault(node, []).append(index)

    def run(self) -> Protection:
        for node in self.values:
            if self._published(node) and self._sensitive(node):
                self._hide(node)
        while self._mend_lines() or self._mend_derivable():
            pass
        published = frozenset(n for n in self.hidden if n not in self.system.virtual)
        return Protection(published, frozenset(self.exposed))

    def _published(self, node: Node) -> bool:
        return node not in self.system.virtual and node not in self.system.given

    def _sensitive(self, node: Node) -> bool:
        return 0 < self.values[node] < self.k

    def _hide(self, node: Node) -> None:
        self.hidden.add(node)
        self.hidden.update(self.system.columns.get(node, ()))

    def _shown(self, node: Node) -> bool:
        """Shown and free to hide."""
        return node not in self.hidden and node not in self.system.given

    def _mend_lines(self) -> bool:
        changed = False
        for line in self.system.lines:
            if self._mend(line):
                changed = True
        return changed

    def _mend(self, line: Line) -> bool:
        hidden = [p for p in (*line.parts, line.total) if p in self.hidden]
        if not hidden or any(p in self.exposed for p in hidden):
            return False
        hidden_sum = sum(self.values[p] for p in line.parts if p in self.hidden)
        lone = len(hidden) == 1 and self._sensitive(hidden[0])
        small = line.total not in self.hidden and 0 < hidden_sum < self.k
        if not (lone or small):
            return False
        if self._hide_one(line):
            return True
        if lone:
            self.exposed.add(hidden[0])
        return False

    def _hide_one(self, line: Line) -> bool:
        """Hide the line's smallest non-zero shown part, or its total, or a zero part."""
        shown = [p for p in line.parts if self._shown(p)]
        if nonzero := [p for p in shown if self.values[p] > 0]:
            self._hide(min(nonzero, key=self._rank))
            return True
        if self._shown(line.total) and self.values[line.total] > 0:
            self._hide(line.total)
            return True
        if shown:
            self._hide(shown[0])
            return True
        return False

    def _rank(self, node: Node) -> tuple[int, int]:
        return self.values[node], self.order[node]

    def _mend_derivable(self) -> bool:
        unknown = sorted(self.hidden, key=self.order.__getitem__)
        if not unknown:
            return False
        derivable: set[Node] = set()
        for nodes, lines in self._components(unknown):
            if not any(self._sensitive(n) and n not in self.exposed for n in nodes):
                continue
            index = {node: i for i, node in enumerate(nodes)}
            matrix = np.zeros((len(lines), len(nodes)))
            for row, line in enumerate(lines):
                for p in line.parts:
                    if p in index:
                        matrix[row, index[p]] += 1
                if line.total in index:
                    matrix[row, index[line.total]] -= 1
            found = _derivable(matrix)
            derivable.update(n for n in nodes if found[index[n]])
        changed = False
        for node in unknown:
            if node not in derivable or not self._sensitive(node) or node in self.exposed:
                continue
            candidate = self._nearest_shown(node)
            if candidate is not None:
                self._hide(candidate)
            else:
                self.exposed.add(node)
            changed = True
        return changed

    def _components(self, unknown: Sequence[Node]) -> list[tuple[list[Node], list[Line]]]:
        """The hidden nodes split into groups no line joins, each with its lines: each group
        is solved on its own (one question's tables rarely share a line with another's)."""
        parent = {node: node for node in unknown}

        def root(node: Node) -> Node:
            while parent[node] != node:
                parent[node] = parent[parent[node]]
                node = parent[node]
            return node

        touched = []
        for line in self.system.lines:
            mine = [p for p in (*line.parts, line.total) if p in parent]
            if mine:
                touched.append((line, mine[0]))
                for p in mine[1:]:
                    parent[root(p)] = root(mine[0])
        nodes: dict[Node, list[Node]] = {}
        for node in unknown:
            nodes.setdefault(root(node), []).append(node)
        lines: dict[Node, list[Line]] = {}
        for line, first in touched:
            lines.setdefault(root(first), []).append(line)
        return [(members, lines.get(key, [])) for key, members in nodes.items()]

    def _nearest_shown(self, node: Node) -> Node | None:
        """The smallest shown node on the node's lines; if they are all hidden, on the lines
        of those hidden nodes, and so on outwards: the figures it is worked out from."""
        seen = {node}
        frontier = [node]
        while frontier:
            reached = [
                p
                for n in frontier
                for i in self.lines_of.get(n, ())
                for p in (*self.system.lines[i].parts, self.system.lines[i].total)
                if p not in seen
            ]
            shown = [p for p in reached if self._shown(p)]
            if nonzero := [p for p in shown if self.values[p] > 0]:
                return min(nonzero, key=self._rank)
            if shown:
                return min(shown, key=self._rank)
            frontier = [p for p in dict.fromkeys(reached) if p in self.hidden]
            seen.update(reached)
        return None


def _derivable(matrix: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """Per column, whether its unit vector lies in the row space of ``matrix``: in the reduced
    row echelon form, some row is that unit vector. Gaussian elimination in numpy rather than
    an SVD: these matrices are small, and LAPACK's threads only slow them down."""
    a = matrix.astype(np.float64, copy=True)
    rows, columns = a.shape
    pivots: list[tuple[int, int]] = []
    rank = 0
    for column in range(columns):
        if rank == rows:
            break
        pivot = rank + int(np.argmax(np.abs(a[rank:, column])))
        if abs(a[pivot, column]) < 1e-9:
            continue
        a[[rank, pivot]] = a[[pivot, rank]]
        a[rank] /= a[rank, column]
        factors = a[:, column].copy()
        factors[rank] = 0
        a -= np.outer(factors, a[rank])
        pivots.append((rank, column))
        rank += 1
    found = np.zeros(columns, dtype=bool)
    for row, column in pivots:
        if np.count_nonzero(np.abs(a[row]) > 1e-9) == 1:
            found[column] = True
    return found


# A poll's tables as one system


ALL = "_all"
"""All waves (in place of a wave number) or all respondents (in place of a group)."""
N = "_n"
"""The row of respondents who answered, in place of a choice id."""
RESPONDENTS = "_respondents"
"""In place of a question id: people who answered anything in the wave (inclusion tables)."""

Wave = int | str
Group = str | None
"""A value of a profile field, None for not stated, or `ALL`."""


@dataclass(frozen=True)
class PollProtection:
    """Which cells of any table of one poll to hide: one `Protection` for all of them."""

    protection: Protection
    waves: tuple[int, ...]

    def hides(
        self, question_id: str, wave: int | None, by: str | None, group: Group, row: str
    ) -> bool:
        """Whether the cell of ``row`` (a choice id or `N`) and ``group`` is hidden in the
        table of ``question_id`` for ``wave`` (None: all waves) split by the profile field
        ``by`` (None: no split; ``group`` is then `ALL`)."""
        return self.protection.hides(_key(question_id, self._wave(wave), by, group, row))

    def _wave(self, wave: int | None) -> Wave:
        # With one wave, that wave's tables are the all-waves tables: the same nodes.
        return ALL if wave is None or len(self.waves) <= 1 else wave


def _key(question: str, wave: Wave, by: str | None, group: Group, row: object) -> Node:
    if group == ALL:
        by = None
    return (question, wave, by, group, row)


def poll_protection(
    deployment: Deployment,
    poll: Poll | None,
    *,
    fields: Sequence[str],
    respondents: Iterable[RespondentCell],
    choices: Iterable[ChoiceCell],
    answered: Iterable[AnsweredCell],
    k: int,
) -> PollProtection:
    """The protection of every table of ``poll`` from its cross-tab rows (all waves, split by
    every field of ``fields``); without a poll, of the respondent counts only."""
    respondents, choices, answered = list(respondents), list(choices), list(answered)
    everything: list[RespondentCell | ChoiceCell | AnsweredCell] = [
        *respondents,
        *choices,
        *answered,
    ]
    waves = tuple(sorted({r.wave for r in everything}))
    several = len(waves) > 1
    slots: list[Wave] = [*waves, ALL] if several else [ALL]
    groups = {
        f: sorted({r.profile[i] for r in everything}, key=lambda g: (g is None, g or ""))
        for i, f in enumerate(fields)
    }
    columns: list[tuple[str | None, Group]] = [
        (None, ALL),
        *((f, g) for f in fields for g in groups[f]),
    ]
    counted: dict[Node, int] = {}
    rows_in = (
        [(c.question_id, c.wave, c.profile, c.choice, c.respondents) for c in choices]
        + [(a.question_id, a.wave, a.profile, N, a.respondents) for a in answered]
        + [(RESPONDENTS, r.wave, r.profile, N, r.respondents) for r in respondents]
    )
    for question_id, wave, profile, row, count in rows_in:
        for slot in {ALL, wave if several else ALL}:
            for by, group in [(None, ALL), *zip(fields, profile, strict=True)]:
                key = _key(question_id, slot, by, group, row)
                counted[key] = counted.get(key, 0) + count
    found_choices: dict[str, set[str]] = {}
    for c in choices:
        found_choices.setdefault(c.question_id, set()).add(c.choice)
    system = System()
    questions = poll.questions if poll is not None else ()
    by_id = {q.id: q for q in questions}
    for question in (*questions, None):
        _question_system(
            system,
            _Shape(
                question,
                question.id if question is not None else RESPONDENTS,
                _option_ids(deployment, question),
                slots,
                waves if several else (),
                columns,
                {f: tuple(g) for f, g in groups.items()},
            ),
            found_choices,
            by_id,
            counted,
        )
    return PollProtection(protect(system, k), waves)


@dataclass(frozen=True)
class _Shape:
    question: Question | None
    id: str
    options: list[str]
    slots: list[Wave]
    waves: tuple[int, ...]
    """The waves that add up to all waves (none when there is only one)."""
    columns: list[tuple[str | None, Group]]
    groups: dict[str, tuple[Group, ...]]


def _question_system(
    system: System,
    shape: _Shape,
    found_choices: Mapping[str, set[str]],
    by_id: Mapping[str, Question],
    counted: Mapping[Node, int],
) -> None:
    options = shape.options
    extra = sorted(found_choices.get(shape.id, set()) - set(options))
    rows: list[str] = [*options, *extra, N]

    def node(wave: Wave, by: str | None, group: Group, row: str) -> Node:
        key = _key(shape.id, wave, by, group, row)
        if key not in system.values:
            # Choices the definition no longer lists are in n but in no table.
            system.node(key, counted.get(key, 0), virtual=row in extra)
        return key

    for wave in shape.slots:
        for by, group in shape.columns:
            system.columns[node(wave, by, group, N)] = tuple(
                node(wave, by, group, r) for r in rows if r != N
            )
    for row in rows:
        for wave in shape.slots:
            for f, values in shape.groups.items():
                system.line((node(wave, f, g, row) for g in values), node(wave, None, ALL, row))
        if shape.waves:
            for by, group in shape.columns:
                system.line(
                    (node(w, by, group, row) for w in shape.waves), node(ALL, by, group, row)
                )
    for wave in shape.slots:
        for by, group in shape.columns:
            n = node(wave, by, group, N)
            if isinstance(shape.question, MultipleChoice):
                for row in options:
                    picked = node(wave, by, group, row)
                    # n minus the count: those who did not pick it, a group of its own.
                    not_picked = system.node(
                        _key(shape.id, wave, by, group, ("not", row)),
                        max(system.values[n] - system.values[picked], 0),
                        virtual=True,
                    )
                    system.line((picked, not_picked), n)
            elif options:
                system.line((node(wave, by, group, r) for r in (*options, *extra)), n)
            _skip_line(system, shape, by_id, (wave, by, group), counted)


def _skip_line(
    system: System,
    shape: _Shape,
    by_id: Mapping[str, Question],
    where: tuple[Wave, str | None, Group],
    counted: Mapping[Node, int],
) -> None:
    """A follow-up's n plus those who stopped (assumed known to anyone) is the number of
    people its parent's answers sent to it."""
    question = shape.question
    if question is None or question.show_if is None:
        return
    parent = by_id.get(question.show_if.question)
    any_of = question.show_if.any_of
    if parent is None or (isinstance(parent, MultipleChoice) and len(any_of) > 1):
        return
    wave, by, group = where
    n = _key(shape.id, wave, by, group, N)
    triggers = [_key(parent.id, wave, by, group, o) for o in any_of]
    asked = sum(counted.get(t, 0) for t in triggers)
    stopped = system.node(
        _key(shape.id, wave, by, group, "_stopped"),
        max(asked - system.values[n], 0),
        given=True,
    )
    present = [t for t in triggers if t in system.values]
    if len(present) == 1 and len(triggers) == 1:
        system.line((n, stopped), present[0])
    elif present:
        sent = system.node(_key(shape.id, wave, by, group, "_asked"), asked, virtual=True)
        system.line(present, sent)
        system.line((n, stopped), sent)


def _option_ids(deployment: Deployment, question: Question | None) -> list[str]:
    match question:
        case SingleChoice() | MultipleChoice():
            return [c.id for c in question.choices]
        case Scale():
            return [str(v) for v in range(question.min, question.max + 1)]
        case RegionQuestion():
            return [r.id for r in deployment.regions]
        case _:
            return []
