"""Weighting an opt-in sample to population margins, and what the weighted numbers can bear. Pure.

**Raking** (iterative proportional fitting, Deming and Stephan 1940): weights are adjusted to
each field's population shares in turn (region, then gender, then age band, …) until every
weighted margin matches. It works on profile *cells* (one combination of values with the
number of people in it) because everybody in a cell gets the same weight; with one person per
cell it is ordinary respondent-level raking. Written with numpy (a few vector operations)
rather than a raking library such as weightipy, which would bring pandas into the service.

Missing values. A person who did not state a field, or gave a value the margins do not cover
(living abroad, say), keeps their weight on that field: in each step the stated categories
share out exactly the weight they had between them, in the population proportions. So the
weighted distribution *among those who stated the field* matches the margins.

**Nobody is weighted up alone.** Before raking, in each wave, a field's categories holding
fewer than k respondents (the deployment's ``suppression_k``) are collapsed: they are pooled
together, with their combined population share, and if the pool still holds fewer than k it
is joined to the smallest other category; a field left with one category is not raked on.
After raking every weight is trimmed to within [1/`TRIM`, `TRIM`] times the mean weight and
the weights are scaled back to mean 1. So the one woman among 30 men of a wave is weighted
like them, not up to half the total, and no person's weight is more than `TRIM` times the
mean: a weighted figure moves with one person's answer about as much as the count does. The
report's method note lists what was collapsed and how many were trimmed; figures whose
effective sample size is below k are not shown (`insights.analysis`).

**Effective sample size** (Kish 1965): n_eff = (Σ w)² / Σ w², and the weighting efficiency
n_eff / n. Unequal weights cost precision; a 40 % efficiency means 1 000 answers are worth
about 400 from a simple random sample — *if* the weighting removed the selection bias.

**Intervals** (`raked_share`): percentile bootstrap, `REPLICATES` resamples of each wave's
respondents (a multinomial draw over cells, which is the same thing), each resample raked
again, fixed seed. They show how much the weighted share moves with the luck of who answered,
weighting included; they do not cover the bias of a self-selected sample, which is why they
are never
called a "margin of error" (AAPOR Code of Professional Ethics and Practices, and AAPOR's
guidance on opt-in surveys and the margin of sampling error).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

REPLICATES = 1000
SEED = 20_240_501
"""The bootstrap's fixed seed: the same data always give the same intervals."""

TRIM = 5.0
"""No weight is above TRIM times the mean weight, nor below the mean over TRIM."""

CONFIDENCE = 0.95
Z_95 = 1.959963984540054
"""The two-sided 95 % quantile of the normal distribution."""


@dataclass(frozen=True)
class Raking:
    """Weights per cell (each person in the cell has this weight), mean weight 1 overall."""

    weights: FloatArray
    iterations: int
    converged: bool
    missing_categories: tuple[tuple[str, str], ...]
    """(field, value) of the margins with nobody in the sample: they cannot be weighted up."""
    collapsed: tuple[tuple[str, str], ...] = ()
    """(field, value) of the margins with fewer than k people, pooled with others."""
    trimmed: int = 0
    """People whose weight was trimmed to the `TRIM` bound."""


def rake(
    profiles: Sequence[Sequence[str | None]],
    counts: Sequence[int],
    fields: Sequence[str],
    margins: Mapping[str, Mapping[str, float]],
    *,
    max_iterations: int = 100,
    tolerance: float = 1e-10,
    k: int = 1,
) -> Raking:
    """Raking weights for cells ``profiles`` (values of ``fields``) holding ``counts`` people.

    ``margins[field][value]`` is the population share; fields without margins are ignored.
    Shares of the values present in the sample are rescaled to add up to 1. Categories with
    fewer than ``k`` people are collapsed and the weights trimmed (see the module's note).
    """
    n = np.asarray(counts, dtype=np.float64)
    weights = np.ones_like(n)
    steps: list[tuple[npt.NDArray[np.intp], FloatArray]] = []
    missing: list[tuple[str, str]] = []
    collapsed: list[tuple[str, str]] = []
    for index, field in enumerate(fields):
        shares = margins.get(field)
        if not shares:
            continue
        values = [p[index] for p in profiles]
        step = _categories(values, n, shares, k)
        missing += [(field, v) for v in step.missing]
        collapsed += [(field, v) for v in step.collapsed]
        if step.target.sum() > 0 and len(step.target) > 1:
            steps.append((step.codes, step.target / step.target.sum()))
    iterations = 0
    converged = not steps
    while steps and iterations < max_iterations:
        iterations += 1
        worst = 0.0
        for codes, target in steps:
            stated = codes >= 0
            totals = np.bincount(
                codes[stated], weights=(n * weights)[stated], minlength=len(target)
            )
            whole = totals.sum()
            if whole == 0:
                continue
            worst = max(worst, float(np.abs(totals / whole - target).max()))
            factor = np.divide(target * whole, totals, out=np.ones_like(totals), where=totals > 0)
            weights[stated] *= factor[codes[stated]]
        if worst < tolerance:
            converged = True
            break
    weights, trimmed = _trim(weights, n)
    return Raking(
        weights, iterations, converged, tuple(missing), tuple(collapsed), int(trimmed.sum())
    )


@dataclass(frozen=True)
class _Step:
    codes: npt.NDArray[np.intp]
    """Each cell's category after collapsing (-1: not stated or outside the margins)."""
    target: FloatArray
    """Population share of each category (0 for those nobody is in), not yet rescaled."""
    missing: tuple[str, ...]
    collapsed: tuple[str, ...]


def _categories(
    values: Sequence[str | None], people: FloatArray, shares: Mapping[str, float], k: int
) -> _Step:
    """A field's categories, those with fewer than ``k`` people collapsed (module's note)."""
    names = list(shares)
    present = {v: 0.0 for v in names}
    for value, count in zip(values, people, strict=True):
        if value in present:
            present[value] += float(count)
    small = [v for v in names if 0 < present[v] < k]
    group = {v: i for i, v in enumerate(names)}
    if small:
        pooled = group[small[0]]
        for v in small:
            group[v] = pooled
        if sum(present[v] for v in small) < k:
            others = [v for v in names if present[v] >= k]
            if others:
                smallest = min(others, key=lambda v: (present[v], names.index(v)))
                for v in names:
                    if group[v] == group[smallest]:
                        group[v] = pooled
    ids = sorted({group[v] for v in names})
    renumber = {old: new for new, old in enumerate(ids)}
    target = np.zeros(len(ids))
    for v in names:
        if present[v] > 0:
            target[renumber[group[v]]] += shares[v]
    codes = np.array(
        [renumber[group[v]] if v in group else -1 for v in values],
        dtype=np.intp,
    )
    # A field whose people all fall in one category no longer weights anybody.
    if sum(1 for t in target if t > 0) < 2:
        target = np.zeros(len(ids))
    return _Step(
        codes,
        target,
        tuple(v for v in names if present[v] == 0),
        tuple(v for v in names if v in small or (small and group[v] == group[small[0]])),
    )


def _trim(weights: FloatArray, people: FloatArray) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Weights within [1/TRIM, TRIM] times their mean, scaled back to mean 1; who was trimmed.

    Clipping and rescaling are repeated (a few rounds suffice) because rescaling can push a
    weight back over the bound."""
    trimmed = np.zeros(weights.shape, dtype=bool)
    total = float(people.sum())
    if total <= 0:
        return weights, trimmed
    weights = weights * total / float((people * weights).sum())
    for _ in range(20):
        over = ((weights > TRIM * (1 + 1e-9)) | (weights < (1 - 1e-9) / TRIM)) & (people > 0)
        if not over.any():
            break
        trimmed |= over
        weights = np.clip(weights, 1 / TRIM, TRIM)
        weights = weights * total / float((people * weights).sum())
    return weights, trimmed


def effective_sample_size(
    weights: Sequence[float] | FloatArray, counts: Sequence[int] | FloatArray
) -> float:
    """Kish's n_eff = (Σ w)² / Σ w² over people (``counts[i]`` people of weight ``weights[i]``)."""
    w = np.asarray(weights, dtype=np.float64)
    n = np.asarray(counts, dtype=np.float64)
    squares = float((n * w * w).sum())
    return float((n * w).sum()) ** 2 / squares if squares > 0 else 0.0


@dataclass(frozen=True)
class Estimate:
    """A weighted share (0–1) with its bootstrap interval, over ``n`` people."""

    share: float
    low: float
    high: float
    n: int
    effective_n: float


@dataclass(frozen=True)
class Change:
    """A change of a weighted share between two waves, tested on effective sample sizes."""

    before: float
    after: float
    z: float
    significant: bool


def compare(before: Estimate, after: Estimate) -> Change:
    """Two-proportion z-test with each wave's Kish effective sample size in place of n.

    z = (p₂ − p₁) / √(p₁(1−p₁)/n_eff₁ + p₂(1−p₂)/n_eff₂), significant when |z| > 1.96 (95 %,
    two-sided). Waves are treated as independent samples: where the same people answer
    both, the true variance of the difference is smaller, so the test errs on the careful side.
    """
    p1, p2 = before.share, after.share
    variance = 0.0
    if before.effective_n > 0:
        variance += p1 * (1 - p1) / before.effective_n
    if after.effective_n > 0:
        variance += p2 * (1 - p2) / after.effective_n
    if variance <= 0:
        return Change(p1, p2, 0.0, False)
    z = (p2 - p1) / variance**0.5
    return Change(p1, p2, z, abs(z) > Z_95)


RERAKE_ITERATIONS = 50
RERAKE_TOLERANCE = 1e-9
"""Replicates are raked until every weighted margin is within this of its target."""


def raked_share(
    picked: Sequence[int],
    answered: Sequence[int],
    respondents: Sequence[int],
    *,
    profiles: Sequence[Sequence[str | None]],
    strata: Sequence[int],
    fields: Sequence[str],
    margins: Mapping[str, Mapping[str, float]],
    replicates: int = REPLICATES,
    seed: int = SEED,
    k: int = 1,
) -> Estimate | None:
    """A weighted share whose bootstrap re-weights every resample.

    Per cell (a profile within a stratum, i.e. a wave): ``respondents`` people, of whom
    ``answered`` answered the question and ``picked`` picked the option. The point estimate
    rakes each stratum's respondents to ``margins`` (as `rake`, categories with fewer than ``k``
    people collapsed, weights trimmed). Each replicate draws the same
    number of people per stratum with replacement (a multinomial over cell × picked / answered
    otherwise / did not answer), rakes the replicate's respondents again, and recomputes the
    share: so the interval carries the variability of the weights too. None when nobody
    answered.
    """
    yes = np.asarray(picked, dtype=np.float64)
    base = np.asarray(answered, dtype=np.float64)
    people = np.asarray(respondents, dtype=np.float64)
    stratum = np.asarray(strata, dtype=np.intp)
    if base.sum() == 0:
        return None
    steps = _codes(profiles, fields, margins, people=people, strata=stratum, k=k)
    weights = _rake_rows(people[None, :], steps, stratum)[0]
    share = float((yes * weights).sum() / (base * weights).sum())
    rng = np.random.default_rng(seed)
    cells = len(people)
    drawn = np.zeros((replicates, 3, cells))
    for s in np.unique(stratum):
        mine = np.flatnonzero(stratum == s)
        parts = np.concatenate([yes[mine], base[mine] - yes[mine], people[mine] - base[mine]])
        total = int(people[mine].sum())
        draws = rng.multinomial(total, parts / total, size=replicates).reshape(
            replicates, 3, len(mine)
        )
        drawn[:, :, mine] = draws
    replicate_people = drawn.sum(axis=1)
    replicate_weights = _rake_rows(replicate_people, steps, stratum)
    numerator = (drawn[:, 0] * replicate_weights).sum(axis=1)
    denominator = ((drawn[:, 0] + drawn[:, 1]) * replicate_weights).sum(axis=1)
    valid = denominator > 0
    shares = numerator[valid] / denominator[valid]
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(shares, [tail, 100 - tail]) if len(shares) else (share, share)
    return Estimate(
        share, float(low), float(high), int(base.sum()), effective_sample_size(weights, base)
    )


_Steps = dict[int, list[tuple[npt.NDArray[np.intp], FloatArray]]]
"""Per stratum: per field with margins, each of the stratum's cells' category after collapsing
(-1: not stated or not in the margins) and the population shares of the categories."""


def _codes(
    profiles: Sequence[Sequence[str | None]],
    fields: Sequence[str],
    margins: Mapping[str, Mapping[str, float]],
    *,
    people: FloatArray,
    strata: npt.NDArray[np.intp],
    k: int,
) -> _Steps:
    """Each stratum's categories, collapsed as `rake` does for the sample itself (resamples
    keep the sample's categories, so every replicate is weighted the same way)."""
    steps: _Steps = {}
    for s in np.unique(strata):
        mine = np.flatnonzero(strata == s)
        steps[int(s)] = []
        for index, field in enumerate(fields):
            shares = margins.get(field)
            if not shares:
                continue
            values = [profiles[int(i)][index] for i in mine]
            step = _categories(values, people[mine], shares, k)
            if step.target.sum() > 0 and len(step.target) > 1:
                steps[int(s)].append((step.codes, step.target))
    return steps


def _rake_rows(people: FloatArray, steps: _Steps, strata: npt.NDArray[np.intp]) -> FloatArray:
    """`rake` of many samples at once: row b of ``people`` counts the people per cell of one
    sample; weights per row and cell, raked within each stratum, trimmed as `rake` trims,
    mean 1 per stratum."""
    rows, cells = people.shape
    weights = np.ones((rows, cells))
    for s in np.unique(strata):
        mine = strata == s
        n = people[:, mine]
        w = weights[:, mine]
        prepared = []
        for codes, shares in steps[int(s)]:
            stated = np.flatnonzero(codes >= 0)
            if len(stated):
                one_hot = np.zeros((len(stated), len(shares)))
                one_hot[np.arange(len(stated)), codes[stated]] = 1
                prepared.append((stated, codes[stated], one_hot, shares))
        for _ in range(RERAKE_ITERATIONS):
            worst = 0.0
            for stated, codes, one_hot, shares in prepared:
                totals = (n[:, stated] * w[:, stated]) @ one_hot
                whole = totals.sum(axis=1, keepdims=True)
                target = np.where(totals > 0, shares, 0.0)
                scale = target.sum(axis=1, keepdims=True)
                target = np.divide(target, scale, out=np.zeros_like(target), where=scale > 0)
                current = np.divide(totals, whole, out=np.zeros_like(totals), where=whole > 0)
                worst = max(worst, float(np.abs(current - target).max()))
                factor = np.divide(
                    target * whole, totals, out=np.ones_like(totals), where=totals > 0
                )
                w[:, stated] *= factor[:, codes]
            if worst < RERAKE_TOLERANCE:
                break
        count = n.sum(axis=1, keepdims=True)
        for _ in range(20):
            mass = (n * w).sum(axis=1, keepdims=True)
            w *= np.divide(count, mass, out=np.ones_like(mass), where=mass > 0)
            outside = (w > TRIM * (1 + 1e-9)) | (w < (1 - 1e-9) / TRIM)
            if not (outside & (n > 0)).any():
                break
            w = np.clip(w, 1 / TRIM, TRIM)
        mass = (n * w).sum(axis=1, keepdims=True)
        weights[:, mine] = w * np.divide(count, mass, out=np.ones_like(mass), where=mass > 0)
    return weights
