"""The Rao–Scott test (`insights.differences`) and weighted breakdowns by field.

The test is checked three ways: against an independent, person-by-person implementation of the
same construction (each respondent a row, the contrasts projected as samplics 0.6 does rather
than by least squares, the covariance summed person by person); against Pearson's chi-square
(scipy) when there are no weights, where δ̄ is n / (n − 1); and against R's survey package.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from insights.analysis import Rows, breakdowns
from insights.differences import NOT_TESTED_CELLS, NOT_TESTED_KIND, rao_scott
from storage.crosstabs import AnsweredCell, ChoiceCell, RespondentCell
from tests.insights.helpers import deployment, poll


def by_person(counts: np.ndarray, weights: np.ndarray) -> tuple[float, float, float, float]:
    """Pearson's X², tr Δ, tr Δ² and n, computed from one row per person."""
    groups, answers, w = [], [], []
    for cell, table in enumerate(counts):
        for g, a in np.argwhere(table > 0):
            for _ in range(int(table[g, a])):
                groups.append(g)
                answers.append(a)
                w.append(weights[cell])
    r, c = counts.shape[1], counts.shape[2]
    n = len(w)
    y = np.zeros((n, r * c))
    for i, (g, a) in enumerate(zip(groups, answers, strict=True)):
        y[i, a * r + g] = 1  # groups vary fastest
    weight = np.asarray(w)
    total = weight.sum()
    p = weight @ y / total
    z = weight[:, None] * (y - p) / total
    design = n / (n - 1) * sum(np.outer(row, row) for row in z)
    srs = (np.diag(p) - np.outer(p, p)) / n
    rows = np.tile(np.arange(r), c)
    cols = np.repeat(np.arange(c), r)
    x1 = np.column_stack(
        [np.ones(r * c)]
        + [(rows == i).astype(float) for i in range(1, r)]
        + [(cols == j).astype(float) for j in range(1, c)]
    )
    x2 = np.column_stack(
        [((rows == i) & (cols == j)).astype(float) for j in range(1, c) for i in range(1, r)]
    )
    # samplics' projection: the interaction orthogonal to the main effects under P_srs
    x2 = x2 - x1 @ np.linalg.pinv(x1.T @ srs @ x1) @ (x1.T @ srs @ x2)
    delta = np.linalg.solve(x2.T @ srs @ x2, x2.T @ design @ x2)
    table = p.reshape(c, r).T
    expected = np.outer(table.sum(axis=1), table.sum(axis=0))
    pearson = n * float(((table - expected) ** 2 / expected).sum())
    return pearson, float(np.trace(delta)), float(np.trace(delta @ delta)), n


@pytest.mark.parametrize("seed", range(8))
def test_rao_scott_agrees_with_a_person_by_person_computation(seed: int) -> None:
    rng = np.random.default_rng(seed)
    cells, groups, answers = rng.integers(2, 7), rng.integers(2, 4), rng.integers(2, 5)
    counts = rng.integers(0, 9, size=(cells, groups, answers)).astype(float)
    counts[:, :, 0] += 1  # every group and answer has people
    counts[0, :, :] += 1
    weights = rng.uniform(0.3, 3.0, size=cells)
    test = rao_scott(counts, weights)
    assert test is not None
    pearson, trace, trace2, n = by_person(counts, weights)
    df = (groups - 1) * (answers - 1)
    assert test.n == n
    assert test.pearson == pytest.approx(pearson, rel=1e-9)
    assert test.design_effect == pytest.approx(trace / df, rel=1e-7)
    assert test.first_order == pytest.approx(pearson * df / trace, rel=1e-7)
    assert test.d0 == pytest.approx(trace**2 / trace2, rel=1e-7)
    assert test.f == pytest.approx(pearson / trace, rel=1e-7)
    assert test.p == pytest.approx(stats.f.sf(pearson / trace, test.d0, test.d0 * (n - 1)))


def test_without_weights_it_is_pearson_scaled_by_n_minus_1_over_n() -> None:
    table = np.array([[20.0, 10, 5], [8, 14, 12]])
    counts = table[None, :, :]
    test = rao_scott(counts, [1.0])
    assert test is not None
    chi2, p, df, _ = stats.chi2_contingency(table, correction=False)
    n = table.sum()
    assert test.pearson == pytest.approx(chi2)
    assert test.df == df
    assert test.design_effect == pytest.approx(n / (n - 1))
    assert test.first_order == pytest.approx(chi2 * (n - 1) / n)
    # every generalized design effect is the same, so second order agrees on its χ² form
    assert test.d0 == pytest.approx(df)


R_SCRIPT = """
library(survey)  # Debian's r-cran-survey 4.1
# counts[cell, group, answer] people, weight w[cell]; one row per person
d <- data.frame(g = factor(g), a = factor(a), w = ww)
des <- svydesign(ids = ~1, weights = ~w, data = d)
svychisq(~g + a, des, statistic = "F")      # F, ndf (d0), ddf, p
svychisq(~g + a, des, statistic = "Chisq")  # p of X2 / mean(delta) on df
"""


@pytest.mark.parametrize(
    ("cells", "weights", "r_f", "r_d0", "r_p", "r_p_first"),
    [
        (
            {(0, 0): [10, 5, 3], (1, 0): [4, 6, 8], (2, 1): [7, 7, 2], (3, 1): [3, 9, 10]},
            [0.6, 1.4, 0.8, 1.3],
            0.495482958056,
            1.989016069594,
            0.609275475664,
            0.609276581195,
        ),
        (
            {
                (0, 0): [12, 3],
                (1, 0): [6, 9],
                (2, 1): [4, 14],
                (3, 2): [9, 9],
                (4, 2): [2, 11],
                (4, 1): [5, 1],
            },
            [0.5, 2.2, 1.0, 0.7, 1.9],
            1.308999139637,
            1.977142492406,
            0.272734910739,
            0.270090243772,
        ),
    ],
)
def test_rao_scott_matches_r_survey_svychisq(  # noqa: PLR0917
    cells: dict[tuple[int, int], list[int]],
    weights: list[float],
    r_f: float,
    r_d0: float,
    r_p: float,
    r_p_first: float,
) -> None:
    """Reference values from R 4.2's survey package (`R_SCRIPT`), to the digits R printed."""
    groups = max(g for _, g in cells) + 1
    counts = np.zeros((len(weights), groups, len(next(iter(cells.values())))))
    for (cell, group), people in cells.items():
        counts[cell, group] = people
    test = rao_scott(counts, weights)
    assert test is not None
    assert test.f == pytest.approx(r_f, abs=1e-11)
    assert test.d0 == pytest.approx(r_d0, abs=1e-11)
    assert test.p == pytest.approx(r_p, abs=1e-11)
    assert test.p_first_order == pytest.approx(r_p_first, abs=1e-11)


def test_a_table_with_one_group_has_no_test() -> None:
    assert rao_scott(np.ones((2, 1, 3)), [1.0, 2.0]) is None
    assert rao_scott(np.zeros((2, 2, 3)), [1.0, 2.0]) is None


# Breakdowns


FIELDS = ("region", "gender")


def rows(scale: int = 1) -> Rows:
    """North and south, women and men; "single" answered a/b/c, "multi" x/y."""
    people = {
        ("north", "woman"): (20, {"a": 12, "b": 5, "c": 3}),
        ("north", "man"): (30, {"a": 10, "b": 12, "c": 8}),
        ("south", "woman"): (25, {"a": 5, "b": 10, "c": 10}),
        ("south", "man"): (15, {"a": 2, "b": 6, "c": 7}),
        ("east", "man"): (3, {"a": 1, "b": 1, "c": 1}),
    }
    respondents, choices, answered = [], [], []
    for profile, (n, picks) in people.items():
        respondents.append(RespondentCell(1, profile, n * scale))
        answered.append(AnsweredCell("single", 1, profile, n * scale))
        answered.append(AnsweredCell("multi", 1, profile, n * scale))
        for choice, count in picks.items():
            choices.append(ChoiceCell("single", 1, choice, profile, count * scale))
        choices.append(ChoiceCell("multi", 1, "x", profile, picks["a"] * scale))
    return Rows(FIELDS, respondents, choices, answered, [])


def weighted_deployment():  # type: ignore[no-untyped-def]
    return deployment().model_copy(update={"population": {"gender": {"woman": 0.5, "man": 0.5}}})


def test_shares_by_gender_are_weighted_with_intervals_and_tested() -> None:
    d = weighted_deployment()
    found = {b.field: b for b in breakdowns(d, poll(d), rows(), "en", 1)}
    gender = found["gender"].questions[0]
    assert gender.question_id == "single"
    women = next(g for g in gender.groups if g.key == "woman")
    a = women.shares[0]
    assert a is not None
    # one group of one field: everybody in it has the same weight on gender alone... but
    # women of the north and of the south are weighted alike, so the share is the count's
    assert a.share == pytest.approx(17 / 45)
    assert a.low < a.share < a.high
    test = gender.difference.test
    assert test is not None and test.q is not None
    assert test.df == 2


def test_no_test_where_a_group_has_fewer_than_k_for_an_answer() -> None:
    d = weighted_deployment()
    found = {b.field: b for b in breakdowns(d, poll(d), rows(), "en", 1)}
    region = found["region"].questions[0]
    # east has 3 people: hidden, and the test with it
    east = next(g for g in region.groups if g.key == "east")
    assert east.n is None and all(s is None for s in east.shares)
    assert region.difference.test is None
    assert region.difference.reason == NOT_TESTED_CELLS


def test_a_multiple_choice_is_not_tested() -> None:
    d = weighted_deployment()
    found = {b.field: b for b in breakdowns(d, poll(d), rows(), "en", 1)}
    multi = next(q for q in found["gender"].questions if q.question_id == "multi")
    assert multi.difference.reason == NOT_TESTED_KIND
    assert any(s is not None for g in multi.groups for s in g.shares)
