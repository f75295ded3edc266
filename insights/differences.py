"""Do groups differ? The Rao–Scott corrected chi-square on a weighted table. Pure.

A mediator reading a breakdown by region asks whether the regions really answer differently
or whether the differences are the luck of who answered. On a weighted opt-in sample the
ordinary Pearson chi-square is too eager: unequal weights make the table less informative than
its n suggests. Rao and Scott (1981, 1984) correct the statistic by the *generalized design
effects*, the eigenvalues δ of Δ = (C′ P_srs C)⁻¹ (C′ V C), where V is the design-based
covariance of the weighted cell shares, P_srs what it would be for a simple random sample of
the same size, and C spans the contrasts of the group × answer interaction:

- **first order**: X² / δ̄ on (r − 1)(c − 1) degrees of freedom, δ̄ the mean of the δ;
- **second order** (Satterthwaite): F = X² / tr Δ on d₀ and d₀ (n − 1) degrees of freedom,
  d₀ = (tr Δ)² / tr Δ². It also accounts for the spread of the δ and is the one flagged, as in
  R's ``survey::svychisq`` (its default ``statistic = "F"``, whose construction this follows).

V is estimated by linearization from the weights, as for a with-replacement sample of people
each with their raking weight (``svydesign(ids = ~1, weights = ~w)``): it treats the weights
as fixed, so it leaves out what raking gains in precision and errs on the careful side.
X² is Pearson's statistic on the weighted table scaled to the n of people in it.

The tables come as counts per profile *cell* (everyone in a cell has the cell's weight), so
the sums over people are sums over cells times counts: exact, with no respondent rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

from insights.weighting import Estimate

FloatArray = npt.NDArray[np.float64]

LEVEL = 0.05
"""Groups are said to differ when the test's Benjamini–Hochberg q is below this."""


@dataclass(frozen=True)
class RaoScott:
    """The test of independence of groups and answers on one weighted table."""

    pearson: float
    """Pearson's X² on the weighted table scaled to ``n``."""
    first_order: float
    """X² / δ̄, referred to χ² on ``df``."""
    df: int
    p_first_order: float
    f: float
    """Second order: X² / tr Δ, referred to F on (``d0``, ``d0 (n − 1)``)."""
    d0: float
    p: float
    """The second-order p-value: the one reported and adjusted."""
    design_effect: float
    """δ̄, the mean generalized design effect."""
    n: int
    q: float | None = None
    """``p`` adjusted (Benjamini–Hochberg) over every test shown with it; None until then."""

    @property
    def significant(self) -> bool:
        return (self.q if self.q is not None else self.p) < LEVEL


def rao_scott(
    counts: Sequence[Sequence[Sequence[float]]] | FloatArray,
    weights: Sequence[float] | FloatArray,
) -> RaoScott | None:
    """The Rao–Scott test on ``counts[cell][group][answer]`` people, each person of a cell
    weighted ``weights[cell]``. A person is in one cell, one group and one answer (so a
    multiple choice is not a table for this test). None when the table has fewer than two
    groups or answers with any weight, or fewer than two people."""
    m = np.asarray(counts, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    if m.ndim != 3 or len(w) != m.shape[0]:
        raise ValueError("counts are cells × groups × answers, with one weight per cell")
    weighted = np.einsum("cga,c->ga", m, w)
    rows = weighted.sum(axis=1) > 0
    columns = weighted.sum(axis=0) > 0
    m = m[:, rows][:, :, columns]
    weighted = weighted[rows][:, columns]
    r, c = weighted.shape
    n = float(m.sum())
    if r < 2 or c < 2 or n < 2:
        return None
    total = float(weighted.sum())
    share = weighted / total
    row, column = share.sum(axis=1), share.sum(axis=0)
    expected = np.outer(row, column)
    pearson = n * float(((share - expected) ** 2 / expected).sum())

    # Cells of the table in R's order (groups vary fastest), as svychisq lays them out.
    p = share.T.ravel()
    squares = np.einsum("cga,c->ga", m, w * w).T.ravel()
    # Σ over people of wᵢ² (eᵢ − p)(eᵢ − p)′, person i with the indicator eᵢ of their cell
    spread = np.diag(squares) - np.outer(squares, p) - np.outer(p, squares)
    spread += squares.sum() * np.outer(p, p)
    design = n / (n - 1) * spread / total**2

    contrasts = _interaction_contrasts(r, c)
    # R's svychisq: an empty cell contributes nothing (0 rather than 1/0)
    inverse = np.diag(np.divide(1, p, out=np.zeros_like(p), where=p > 0))
    srs = contrasts.T @ (inverse / n) @ contrasts
    observed = contrasts.T @ inverse @ design @ inverse @ contrasts
    delta = np.linalg.solve(srs, observed)
    trace = float(np.trace(delta))
    df = (r - 1) * (c - 1)
    mean_effect = trace / df
    d0 = trace**2 / float(np.trace(delta @ delta))
    first = pearson / mean_effect
    f = pearson / trace
    return RaoScott(
        pearson=pearson,
        first_order=first,
        df=df,
        p_first_order=float(stats.chi2.sf(first, df)),
        f=f,
        d0=d0,
        p=float(stats.f.sf(f, d0, d0 * (n - 1))),
        design_effect=mean_effect,
        n=round(n),
    )


def _interaction_contrasts(r: int, c: int) -> FloatArray:
    """The interaction's dummy columns (group i ≥ 2 with answer j ≥ 2) made orthogonal to the
    constant and the main effects: the contrasts independence says are zero."""
    group = np.tile(np.arange(r), c)
    answer = np.repeat(np.arange(c), r)
    main = np.column_stack(
        [np.ones(r * c)]
        + [(group == i).astype(float) for i in range(1, r)]
        + [(answer == j).astype(float) for j in range(1, c)]
    )
    interaction = np.column_stack(
        [((group == i) & (answer == j)).astype(float) for j in range(1, c) for i in range(1, r)]
    )
    fitted: FloatArray = main @ np.linalg.lstsq(main, interaction, rcond=None)[0]
    return interaction - fitted


# What a breakdown by a profile field shows (built by `insights.analysis.breakdowns`)


@dataclass(frozen=True)
class GroupShares:
    """One group's weighted shares of a question's options."""

    key: str | None
    label: str
    n: int | None
    """Respondents of the group who answered; None when hidden."""
    effective_n: float | None
    """Kish's effective n of the group's answers; None when n is hidden."""
    shares: tuple[Estimate | None, ...]
    """Per option: the weighted share and its Wilson interval on the group's effective n;
    None where the count is hidden or the group's effective n is below k."""


NOT_TESTED_KIND = "not_a_table"
"""A multiple choice: a person can be in several answers, so it is no table for the test."""
NOT_TESTED_GROUPS = "one_group"
"""Fewer than two groups (or answers) with people in them."""
NOT_TESTED_CELLS = "small_cells"
"""Some group has fewer than k people for some answer, or a hidden count."""
NOT_TESTED_EFFECTIVE = "small_effective_n"
"""Some group's effective n is below k."""


@dataclass(frozen=True)
class Difference:
    """Whether the groups answer differently: the test, or why there is none."""

    test: RaoScott | None
    reason: str | None = None
    """One of the ``NOT_TESTED_*`` values when ``test`` is None."""


@dataclass(frozen=True)
class QuestionBreakdown:
    question_id: str
    prompt: str
    kind: str
    options: tuple[tuple[str, str], ...]
    """(choice id, label) in definition order."""
    groups: tuple[GroupShares, ...]
    difference: Difference


@dataclass(frozen=True)
class Breakdown:
    """A wave's weighted shares of every choice question by the groups of one profile field."""

    field: str
    label: str
    wave: int | None
    questions: tuple[QuestionBreakdown, ...]
