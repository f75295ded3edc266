"""An attacker's view of everything a poll publishes, by linear programming.

This is written without `insights.disclosure` or `insights.suppression`: it knows only what a
published table means. The unknowns are the microdata an attacker does not have: per wave and
per full profile (every field at once), how many people answered each question and picked each
option. Every figure shown in any table is an equation on them; percentages shown beside
counts and shares among those who stated a field are equations too. Counts are non-negative,
a multiple choice's picks are at most its respondents, a follow-up's respondents at most the
people its parent's answer sent to it, and each question's respondents at most the people who
answered anything. For a hidden count the auditor then asks the linear program for the
smallest and the largest value it can take; if they round to the same whole number, the
hidden count is pinned: it could be read as if shown.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

Profile = tuple[str | None, ...]


@dataclass(frozen=True)
class Figure:
    """A published count: the sum of some unknowns, shown (value) or hidden (None)."""

    where: str
    terms: tuple[int, ...]
    value: int | None
    truth: int


@dataclass
class Attack:
    """Unknowns, the equations and inequalities published figures give, and hidden figures."""

    names: list[tuple[object, ...]] = field(default_factory=list)
    index: dict[tuple[object, ...], int] = field(default_factory=dict)
    truth: list[int] = field(default_factory=list)
    equalities: list[tuple[dict[int, float], float]] = field(default_factory=list)
    inequalities: list[tuple[dict[int, float], float]] = field(default_factory=list)
    """``sum(coef * x) <= bound``."""
    hidden: list[Figure] = field(default_factory=list)

    def unknown(self, name: tuple[object, ...], truth: int) -> int:
        if name not in self.index:
            self.index[name] = len(self.names)
            self.names.append(name)
            self.truth.append(truth)
        return self.index[name]

    def publish(self, where: str, terms: Iterable[int], value: int | None) -> None:
        terms = tuple(terms)
        truth = sum(self.truth[t] for t in terms)
        if value is None:
            self.hidden.append(Figure(where, terms, None, truth))
            return
        assert value == truth, f"{where}: published {value}, true {truth}"
        self.equalities.append(({t: 1.0 for t in terms}, float(value)))

    def at_most(self, smaller: Iterable[int], larger: Iterable[int]) -> None:
        coefficients: dict[int, float] = {}
        for t in smaller:
            coefficients[t] = coefficients.get(t, 0.0) + 1.0
        for t in larger:
            coefficients[t] = coefficients.get(t, 0.0) - 1.0
        self.inequalities.append((coefficients, 0.0))

    def ratio(self, part: Iterable[int], whole: Iterable[int], share: float) -> None:
        """``part / whole == share``: a percentage shown beside a count, or a share."""
        coefficients: dict[int, float] = {}
        for t in part:
            coefficients[t] = coefficients.get(t, 0.0) + 1.0
        for t in whole:
            coefficients[t] = coefficients.get(t, 0.0) - share
        self.equalities.append((coefficients, 0.0))

    def pinned(self, k: int) -> list[tuple[Figure, float, float]]:
        """Hidden figures from 1 to k - 1 whose value the published ones fix."""
        size = len(self.names)
        a_eq = _matrix([c for c, _ in self.equalities], size)
        b_eq = np.array([b for _, b in self.equalities])
        a_ub = _matrix([c for c, _ in self.inequalities], size)
        b_ub = np.array([b for _, b in self.inequalities])
        found = []
        seen: set[frozenset[int]] = set()
        for figure in self.hidden:
            if not 0 < figure.truth < k or frozenset(figure.terms) in seen:
                continue
            seen.add(frozenset(figure.terms))
            objective = np.zeros(size)
            objective[list(figure.terms)] = 1.0
            # The true value is feasible: if the largest is above it, it is not pinned, and
            # only then is the smallest needed.
            high = self._extreme(-objective, a_eq, b_eq, a_ub, b_ub)
            if high > figure.truth + 0.5:
                continue
            low = self._extreme(objective, a_eq, b_eq, a_ub, b_ub)
            if math.ceil(low - 1e-6) >= math.floor(high + 1e-6):
                found.append((figure, low, high))
        return found

    @staticmethod
    def _extreme(
        objective: np.ndarray,  # type: ignore[type-arg]
        a_eq: sparse.csr_array,
        b_eq: np.ndarray,  # type: ignore[type-arg]
        a_ub: sparse.csr_array,
        b_ub: np.ndarray,  # type: ignore[type-arg]
    ) -> float:
        """The smallest value of ``objective`` (the largest of its negation, negated)."""
        result = linprog(
            objective,
            A_ub=a_ub if len(b_ub) else None,
            b_ub=b_ub if len(b_ub) else None,
            A_eq=a_eq if len(b_eq) else None,
            b_eq=b_eq if len(b_eq) else None,
            bounds=(0, None),
            method="highs",
        )
        maximizing = objective.min() < 0
        unbounded = 3
        if result.status == unbounded:
            return math.inf
        assert result.status == 0, result.message
        return float(-result.fun if maximizing else result.fun)


def _matrix(rows: Sequence[dict[int, float]], size: int) -> sparse.csr_array:
    entries = [(i, j, c) for i, row in enumerate(rows) for j, c in row.items()]
    return sparse.csr_array(
        ([c for _, _, c in entries], ([i for i, _, _ in entries], [j for _, j, _ in entries])),
        shape=(len(rows), size),
    )


def profiles(values: Sequence[Sequence[str | None]]) -> list[Profile]:
    """Every combination of the fields' values (None: not stated)."""
    return [tuple(p) for p in itertools.product(*values)]
