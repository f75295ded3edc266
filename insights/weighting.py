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

**Intervals** (`replicate` then `shares`): percentile bootstrap, `REPLICATES` resamples of
each wave's respondents (a multinomial draw over cells, which is the same thing), each
resample raked again, fixed seed; the answers to a question are then drawn within each cell
of each resample. One set of resamples serves every question and option of a wave, so the
weights are raked `REPLICATES` times per wave rather than per option. They show how much the
weighted share moves with the luck of who answered, weighting included; they do not cover the
bias of a self-selected sample, which is why they are never called a "margin of error" (AAPOR
Code of Professional Ethics and Practices, and AAPOR's guidance on opt-in surveys and the
margin of sampling error).

**Honest at 0 and 100 %.** When nobody (or everybody) picked an option, every resample gives
the same share and the bootstrap interval has no width, as if the share were known exactly.
So the interval shown is the wider of the bootstrap interval and the **Wilson score interval
on the Kish effective sample size** (Wilson 1927; with an effective n as in Kish 1965): with
nobody of 100 effective respondents the interval is 0–3.7 %, not 0–0 %.

**Changes between waves** (`compare`, `adjust`): a two-proportion z-test on effective sample
sizes gives each change a two-sided p-value; the p-values of every change from one wave to
the next, across all of a poll's questions and options, are adjusted with the
**Benjamini–Hochberg** procedure (1995), and a change is flagged when its adjusted value
(q) is below 5 %: among flagged changes, at most 5 % are expected to be false alarms, however
many options a poll has.
"""

from __future__ import annotations

import math
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


def wilson(share: float, effective_n: float, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a share on ``effective_n`` people (0–1 when there are none).

    Unlike the normal (Wald) interval it keeps a width at 0 and 1: its upper bound for 0 of
    n is z² / (n + z²).
    """
    if effective_n <= 0:
        return 0.0, 1.0
    p, n, z2 = min(max(share, 0.0), 1.0), effective_n, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Change:
    """A change of a weighted share between two waves, tested on effective sample sizes.

    ``p`` is the test's own two-sided p-value; ``q`` the same after the Benjamini–Hochberg
    adjustment over every change it was tested with (`adjust`), and ``significant`` says
    whether q < 5 %. Until adjusted, q is p.
    """

    before: float
    after: float
    z: float
    p: float
    q: float
    significant: bool


FDR = 0.05
"""The false discovery rate that wave-over-wave flags are held to."""


def compare(before: Estimate, after: Estimate) -> Change:
    """Two-proportion z-test with each wave's Kish effective sample size in place of n.

    z = (p₂ − p₁) / √(p₁(1−p₁)/n_eff₁ + p₂(1−p₂)/n_eff₂), p-value two-sided; significant on
    its own when p < 5 %, before any adjustment for the other changes tested with it. Waves
    are treated as independent samples: where the same people answer both, the true variance
    of the difference is smaller, so the test errs on the careful side.
    """
    p1, p2 = before.share, after.share
    variance = 0.0
    if before.effective_n > 0:
        variance += p1 * (1 - p1) / before.effective_n
    if after.effective_n > 0:
        variance += p2 * (1 - p2) / after.effective_n
    if variance <= 0:
        return Change(p1, p2, 0.0, 1.0, 1.0, False)
    z = (p2 - p1) / variance**0.5
    p = math.erfc(abs(z) / math.sqrt(2))
    return Change(p1, p2, z, p, p, p < FDR)


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values (q-values), in the order given.

    q₍ᵢ₎ = min over j ≥ i of m·p₍ⱼ₎ / j for the p-values sorted ascending, capped at 1;
    rejecting every hypothesis with q < α keeps the false discovery rate at α (for
    independent or positively dependent tests).
    """
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, m * p_values[i] / rank)
        adjusted[i] = min(running, 1.0)
    return adjusted


def adjust(changes: Sequence[Change]) -> list[Change]:
    """The changes with their q-values, tested together at `FDR`."""
    q_values = benjamini_hochberg([c.p for c in changes])
    return [
        Change(c.before, c.after, c.z, c.p, q, q < FDR)
        for c, q in zip(changes, q_values, strict=True)
    ]


RERAKE_ITERATIONS = 50
RERAKE_TOLERANCE = 1e-9
REPLICATE_TOLERANCE = 1e-6
"""Bootstrap resamples are raked until every margin is within this: their shares only set
interval bounds, shown to 0.1 %."""
"""Replicates are raked until every weighted margin is within this of its target."""


@dataclass(frozen=True)
class Sample:
    """Respondents per cell (a profile within a stratum, i.e. a wave) and their raking."""

    people: FloatArray
    strata: npt.NDArray[np.intp]
    weights: FloatArray
    """The sample's own raking weights per cell (each stratum raked on its own)."""
    steps: _Steps
    replicates: int
    seed: int


def sample(
    respondents: Sequence[int],
    *,
    profiles: Sequence[Sequence[str | None]],
    strata: Sequence[int],
    fields: Sequence[str],
    margins: Mapping[str, Mapping[str, float]],
    replicates: int = REPLICATES,
    seed: int = SEED,
    k: int = 1,
) -> Sample:
    """``respondents[i]`` people in cell i (profile ``profiles[i]`` in stratum ``strata[i]``),
    raked to ``margins`` (as `rake`: categories of fewer than ``k`` people collapsed, weights
    trimmed); the bootstrap of `estimates` will draw ``replicates`` resamples, raked with the
    sample's categories."""
    people = np.asarray(respondents, dtype=np.float64)
    stratum = np.asarray(strata, dtype=np.intp)
    steps = _codes(profiles, fields, margins, people=people, strata=stratum, k=k)
    weights = _rake_rows(people[None, :], steps, stratum)[0]
    return Sample(people, stratum, weights, steps, replicates, seed)


@dataclass(frozen=True)
class Answers:
    """One question's answers per cell of a `Sample`."""

    picked: Sequence[Sequence[int] | FloatArray] | FloatArray
    """``picked[option][cell]``: people of the cell who picked the option."""
    answered: Sequence[int] | FloatArray
    """People of the cell who answered the question."""
    exclusive: bool
    """Each answer is one option (single choice, scale); otherwise several may be ticked."""


_DRAWS_PER_CHUNK = 2_000_000
"""Resampled people held in memory at once (int64 indexes, weights): about 50 MB."""


def bootstrap(sample: Sample, questions: Sequence[Answers]) -> list[FloatArray]:
    """Per question, the weighted share of each option in each resample: (replicates, options).

    A resample draws the same number of people per stratum with replacement, rakes them
    again, and counts their answers. The data are counts per cell, so people are numbered
    within each cell and given the cell's answers in turn (the first ``picked[0]`` picked
    option 0, …); how the answers of one person to two questions pair up is unknown, but each
    question's own resampling is exactly a resample of people. NaN where nobody answered.
    """
    cells = len(sample.people)
    order = np.argsort(sample.strata, kind="stable")
    counts = sample.people.astype(np.int64)
    person_cell = np.repeat(order, counts[order])
    persons = len(person_cell)
    bounds = []
    start = 0
    for s in np.unique(sample.strata):
        size = int(counts[sample.strata == s].sum())
        bounds.append((start, start + size))
        start += size
    codes = [_person_codes(q, person_cell, counts) for q in questions]
    sums = [np.zeros((sample.replicates, width)) for _, width in codes]
    if persons == 0:
        return [np.full((sample.replicates, len(q.picked)), np.nan) for q in questions]
    rng = np.random.default_rng(sample.seed)
    chunk = max(1, _DRAWS_PER_CHUNK // persons)
    # per question, each person's (cell, answer) as one number: counting those in a resample
    # gives the answers per cell, which its weights then sum
    keys = [person_cell * width + code if code.ndim == 1 else person_cell for code, width in codes]
    for first in range(0, sample.replicates, chunk):
        size = min(chunk, sample.replicates - first)
        drawn = np.empty((size, persons), dtype=np.intp)
        for low, high in bounds:
            if high > low:
                drawn[:, low:high] = rng.integers(low, high, size=(size, high - low))
        row = np.arange(size)[:, None]
        counted = [
            np.bincount(
                (row * (cells * width) + key[drawn]).ravel(), minlength=size * cells * width
            ).reshape(size, cells, width)
            if code.ndim == 1
            else None
            for (code, width), key in zip(codes, keys, strict=True)
        ]
        # every person has one code in an exclusive question: its counts give the people
        first_counted = next((c for c in counted if c is not None), None)
        if first_counted is not None:
            people = first_counted.sum(axis=2)
        else:
            people = np.bincount(
                (row * cells + person_cell[drawn]).ravel(), minlength=size * cells
            ).reshape(size, cells)
        weights = _rake_rows(
            people.astype(np.float64), sample.steps, sample.strata, tolerance=REPLICATE_TOLERANCE
        )
        for (code, width), found, total in zip(codes, counted, sums, strict=True):
            if found is not None:
                total[first : first + size] = np.einsum("rcw,rc->rw", found, weights)
            else:
                person_weight = np.take_along_axis(weights, person_cell[drawn], axis=1)
                for column in range(width):
                    total[first : first + size, column] = (person_weight * code[column][drawn]).sum(
                        axis=1
                    )
    result = []
    for question, (code, _), total in zip(questions, codes, sums, strict=True):
        options = len(question.picked)
        # exclusive: every code but "did not answer"; otherwise the "answered" column
        answered = total[:, : options + 1].sum(axis=1) if code.ndim == 1 else total[:, options]
        with np.errstate(invalid="ignore", divide="ignore"):
            result.append(total[:, :options] / answered[:, None])
    return result


def _person_codes(
    question: Answers, person_cell: npt.NDArray[np.intp], counts: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], int]:
    """Each person's answer, people numbered cell by cell in the order of ``person_cell``.

    Exclusive: one code per person, the option (0…k-1), k for answered but no option shown,
    k + 1 for did not answer; width k + 2. Otherwise a 0/1 row per option then one for
    answered; width k + 1.
    """
    cells = len(counts)
    picked = np.asarray(question.picked, dtype=np.int64).reshape(-1, cells)
    options = len(picked)
    answered = np.minimum(np.asarray(question.answered, dtype=np.int64), counts)
    # position of each person within their cell (people are in the order of `bootstrap`)
    order = np.unique(person_cell, return_index=True)
    starts = np.zeros(cells, dtype=np.int64)
    starts[order[0]] = order[1]
    rank = np.arange(len(person_cell)) - starts[person_cell]
    if question.exclusive:
        upto = np.minimum(np.cumsum(picked, axis=0), answered[None, :])  # options × cells
        code = np.full(len(person_cell), options + 1, dtype=np.int64)
        code[rank < answered[person_cell]] = options
        for option in range(options - 1, -1, -1):
            code[rank < upto[option][person_cell]] = option
        return code, options + 2
    flags = np.zeros((options + 1, len(person_cell)), dtype=np.float64)
    for option in range(options):
        flags[option] = rank < np.minimum(picked[option], answered)[person_cell]
    flags[options] = rank < answered[person_cell]
    return flags, options + 1  # type: ignore[return-value]


def estimates(
    sample: Sample, questions: Sequence[Answers], *, resample: bool = True
) -> list[list[Estimate | None]]:
    """Per question and option, the weighted share among the people who answered and its 95 %
    interval: the wider of the percentile bootstrap (`bootstrap`) and Wilson's on the effective
    n (`wilson`); Wilson's alone without ``resample`` (for trend charts: much faster, and
    close to the bootstrap's where the share is not near 0 or 1). None for a question nobody
    answered."""
    replicated = (
        bootstrap(sample, questions)
        if resample
        else [np.full((0, len(q.picked)), np.nan) for q in questions]
    )
    tail = (1 - CONFIDENCE) / 2 * 100
    result: list[list[Estimate | None]] = []
    w = sample.weights
    for question, shares in zip(questions, replicated, strict=True):
        yes = np.asarray(question.picked, dtype=np.float64).reshape(-1, len(w))
        base = np.asarray(question.answered, dtype=np.float64)
        total = float((base * w).sum())
        if base.sum() == 0 or total == 0:
            result.append([None] * len(yes))
            continue
        effective = effective_sample_size(w, base)
        row: list[Estimate | None] = []
        for option, share in enumerate(((yes * w).sum(axis=1) / total).tolist()):
            found = shares[:, option]
            found = found[~np.isnan(found)]
            low, high = (
                (float(v) for v in np.percentile(found, [tail, 100 - tail]))
                if len(found)
                else (share, share)
            )
            floor_low, floor_high = wilson(share, effective)
            row.append(
                Estimate(
                    share, min(low, floor_low), max(high, floor_high), int(base.sum()), effective
                )
            )
        result.append(row)
    return result


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
    """One option's weighted share and interval (`sample` then `estimates`); None when nobody
    answered."""
    people = sample(
        respondents,
        profiles=profiles,
        strata=strata,
        fields=fields,
        margins=margins,
        replicates=replicates,
        seed=seed,
        k=k,
    )
    return estimates(people, [Answers([picked], answered, exclusive=False)])[0][0]


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


def _rake_rows(
    people: FloatArray,
    steps: _Steps,
    strata: npt.NDArray[np.intp],
    *,
    tolerance: float = RERAKE_TOLERANCE,
) -> FloatArray:
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
            if worst < tolerance:
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
