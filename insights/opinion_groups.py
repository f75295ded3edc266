"""Opinion groups, representative statements and consensus from a consultation's votes. Pure.

The method follows Pol.is (compdemocracy/polis, ``math/src/polismath/math/``), with
scikit-learn doing the linear algebra:

1. **Vote matrix** participants × statements: 1 agree, -1 disagree, 0 pass, NaN not seen.
   Participants with fewer than ``min(min_votes, statements)`` votes are left out of the
   clustering (Pol.is: 7), and so are statements with fewer than ``min_statement_votes``.
2. **PCA** to two components on the matrix with unseen entries replaced by the statement's
   mean vote (``pca.clj``); each participant's projection is scaled by
   sqrt(statements / votes cast), Pol.is's sparsity-aware scaling, so that people who voted on
   little are not pulled to the centre.
3. **k-means** on the projections for k = 2..5, keeping the k with the best silhouette.
   Two dimensions separate up to three camps of equal standing; a fourth symmetric camp
   overlaps with others in the plane (as it does in Pol.is's own map).
4. **Representativeness** of each statement for each group (``repness.clj``), with n_a, n_d,
   n_s the agrees, disagrees and votes in the group::

       pa = (1 + n_a) / (2 + n_s)                 (pd likewise)
       pat = prop-test(n_a, n_s)                  one-proportion z against 1/2
       ra = pa / ((1 + n_a,rest) / (2 + n_s,rest))  ratio to everybody else
       rat = two-prop-test(n_a, n_a,rest, n_s, n_s,rest)

   with ``stats.clj``: prop-test(s, n) = 2·sqrt(n+1)·((s+1)/(n+1) − 1/2) and two-prop-test
   the pooled two-proportion z-test on counts each plus one. A statement represents a group
   when pat and rat (or pdt and rdt) are both significant at 90 % (z > 1.2816); they are
   ranked by ra·rat·pa·pat, at most five per group, agrees before disagrees; when none passes,
   the best by rat/rdt stands in.
5. **Consensus** (``select-consensus-comments``): over everybody, pa > 1/2 with pat
   significant, ranked by pa·pat. We also require that every opinion group agrees more
   likely than not (its pa > 1/2), and report Pol.is's group-aware consensus, the product
   over groups of (1 + n_a) / (2 + n_s): a statement is common ground only if all sides
   share it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

Z90 = 1.2816
"""One-sided 90 % significance of a z statistic (Pol.is ``z-sig-90?``)."""

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class VoteMatrix:
    participants: tuple[str, ...]
    statements: tuple[int, ...]
    values: Floats  # participants × statements; NaN where not seen


def vote_matrix(votes: Iterable[tuple[str, int, int]]) -> VoteMatrix:
    """From (participant, statement, vote) rows."""
    rows = list(votes)
    participants = tuple(sorted({p for p, _, _ in rows}))
    statements = tuple(sorted({s for _, s, _ in rows}))
    p_index = {p: i for i, p in enumerate(participants)}
    s_index = {s: j for j, s in enumerate(statements)}
    values = np.full((len(participants), len(statements)), np.nan)
    if rows:
        i = np.fromiter((p_index[p] for p, _, _ in rows), dtype=np.int64, count=len(rows))
        j = np.fromiter((s_index[s] for _, s, _ in rows), dtype=np.int64, count=len(rows))
        v = np.fromiter((v for _, _, v in rows), dtype=np.float64, count=len(rows))
        values[i, j] = v
    return VoteMatrix(participants, statements, values)


def prop_test(successes: Floats, n: Floats) -> Floats:
    """Pol.is ``prop-test``: 2·sqrt(n+1)·((s+1)/(n+1) − 1/2)."""
    return 2 * np.sqrt(n + 1) * ((successes + 1) / (n + 1) - 0.5)


def two_prop_test(s_in: Floats, s_out: Floats, n_in: Floats, n_out: Floats) -> Floats:
    """Pol.is ``two-prop-test``: pooled z of (s_in+1)/(n_in+1) against (s_out+1)/(n_out+1)."""
    s_in, s_out, n_in, n_out = s_in + 1, s_out + 1, n_in + 1, n_out + 1
    pooled = (s_in + s_out) / (n_in + n_out)
    spread = np.sqrt(pooled * (1 - pooled) * (1 / n_in + 1 / n_out))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (s_in / n_in - s_out / n_out) / spread
    return np.where(pooled >= 1, 0.0, np.nan_to_num(z))


@dataclass(frozen=True, slots=True)
class Representative:
    statement: int
    direction: Literal["agree", "disagree"]
    n_success: int
    n_trials: int
    probability: float  # pa or pd
    test: float  # pat or pdt
    ratio: float  # ra or rd
    ratio_test: float  # rat or rdt


@dataclass(frozen=True, slots=True)
class Group:
    id: int
    members: tuple[str, ...]
    representative: tuple[Representative, ...]

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass(frozen=True, slots=True)
class Consensus:
    statement: int
    direction: Literal["agree", "disagree"]
    probability: float
    test: float
    group_aware: float  # product over groups of (1 + n)/(2 + n_s)


@dataclass(frozen=True, slots=True)
class OpinionGroups:
    groups: tuple[Group, ...]
    consensus: tuple[Consensus, ...]
    participants_clustered: int
    participants_total: int
    statements_used: tuple[int, ...]
    silhouette: float | None


def analyse(
    matrix: VoteMatrix,
    *,
    min_votes: int = 7,
    min_statement_votes: int = 3,
    max_groups: int = 5,
    seed: int = 0,
    min_group: int = 1,
) -> OpinionGroups:
    """Opinion groups, their representative statements and the consensus statements.

    Consensus leaves out the votes of groups with fewer than ``min_group`` people (the
    deployment's k): a group too small to show must not decide, by its votes, whether a
    statement is common ground, or the statement would tell how those few voted."""
    values = matrix.values
    seen = ~np.isnan(values)
    keep_statements = seen.sum(axis=0) >= min_statement_votes
    values, seen = values[:, keep_statements], seen[:, keep_statements]
    statements = tuple(s for s, k in zip(matrix.statements, keep_statements, strict=True) if k)
    needed = min(min_votes, len(statements))
    keep = seen.sum(axis=1) >= max(needed, 1)
    values, seen = values[keep], seen[keep]
    participants = tuple(p for p, k in zip(matrix.participants, keep, strict=True) if k)
    empty = OpinionGroups((), (), len(participants), len(matrix.participants), statements, None)
    if len(participants) < 4 or len(statements) < 2:
        return empty
    labels, score = _cluster(values, seen, max_groups, seed)
    if labels is None:
        return empty
    agree = (values == 1).astype(np.float64)
    disagree = (values == -1).astype(np.float64)
    counted = seen.astype(np.float64)
    groups_count = int(labels.max()) + 1
    onehot = np.zeros((len(participants), groups_count))
    onehot[np.arange(len(participants)), labels] = 1.0
    na, nd, ns = onehot.T @ agree, onehot.T @ disagree, onehot.T @ counted  # groups × statements
    groups = []
    order = np.argsort(-onehot.sum(axis=0), kind="stable")  # biggest group first
    for new_id, g in enumerate(order):
        members = tuple(p for p, label in zip(participants, labels, strict=True) if label == g)
        reps = _representative(na, nd, ns, int(g), statements)
        groups.append(Group(new_id, members, reps))
    shown = onehot.sum(axis=0) >= min_group
    consensus = _consensus(na[shown], nd[shown], ns[shown], statements)
    return OpinionGroups(
        tuple(groups), consensus, len(participants), len(matrix.participants), statements, score
    )


def _cluster(
    values: Floats, seen: npt.NDArray[np.bool_], max_groups: int, seed: int
) -> tuple[npt.NDArray[np.int64] | None, float | None]:
    # Imported here: scikit-learn takes 1.7 s to import, and every CLI command would pay it.
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA
    from sklearn.metrics import silhouette_score

    means = np.nanmean(np.where(seen, values, np.nan), axis=0)
    filled = np.where(seen, values, means)
    components = min(2, filled.shape[1], filled.shape[0])
    projected = PCA(n_components=components, random_state=seed).fit_transform(filled)
    scale = np.sqrt(seen.shape[1] / seen.sum(axis=1))
    projected = projected * scale[:, None]
    best: tuple[float, npt.NDArray[np.int64]] | None = None
    distinct = len(np.unique(projected.round(9), axis=0))  # k-means needs k distinct points
    for k in range(2, max_groups + 1):
        if k >= len(projected) or k > distinct:
            break
        labels = KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(projected)
        if len(set(labels.tolist())) < 2:
            continue
        score = float(
            silhouette_score(
                projected, labels, sample_size=min(len(projected), 2000), random_state=seed
            )
        )
        if best is None or score > best[0] + 1e-9:
            best = (score, labels.astype(np.int64))
    if best is None:
        return None, None
    return best[1], best[0]


def _representative(
    na: Floats, nd: Floats, ns: Floats, g: int, statements: Sequence[int]
) -> tuple[Representative, ...]:
    rest_na, rest_nd, rest_ns = na.sum(0) - na[g], nd.sum(0) - nd[g], ns.sum(0) - ns[g]
    pa, pd = (1 + na[g]) / (2 + ns[g]), (1 + nd[g]) / (2 + ns[g])
    pat, pdt = prop_test(na[g], ns[g]), prop_test(nd[g], ns[g])
    ra = pa / ((1 + rest_na) / (2 + rest_ns))
    rd = pd / ((1 + rest_nd) / (2 + rest_ns))
    rat = two_prop_test(na[g], rest_na, ns[g], rest_ns)
    rdt = two_prop_test(nd[g], rest_nd, ns[g], rest_ns)

    def finalize(j: int) -> Representative:
        if rat[j] > rdt[j]:
            return Representative(
                statements[j], "agree", int(na[g][j]), int(ns[g][j]), pa[j], pat[j], ra[j], rat[j]
            )
        return Representative(
            statements[j], "disagree", int(nd[g][j]), int(ns[g][j]), pd[j], pdt[j], rd[j], rdt[j]
        )

    passing = [
        j
        for j in range(len(statements))
        if (rat[j] > Z90 and pat[j] > Z90) or (rdt[j] > Z90 and pdt[j] > Z90)
    ]
    if not passing:
        voted = [j for j in range(len(statements)) if ns[g][j] > 0]
        if not voted:
            return ()
        return (finalize(max(voted, key=lambda j: max(rat[j], rdt[j]))),)
    chosen = sorted(
        (finalize(j) for j in passing),
        key=lambda r: -(r.ratio * r.ratio_test * r.probability * r.test),
    )[:5]
    return tuple(sorted(chosen, key=lambda r: r.direction != "agree"))


def _consensus(
    na: Floats, nd: Floats, ns: Floats, statements: Sequence[int]
) -> tuple[Consensus, ...]:
    total_a, total_d, total_s = na.sum(0), nd.sum(0), ns.sum(0)
    found: list[Consensus] = []
    for direction, counts, total in (("agree", na, total_a), ("disagree", nd, total_d)):
        p = (1 + total) / (2 + total_s)
        test = prop_test(total, total_s)
        per_group = (1 + counts) / (2 + ns)
        group_aware = per_group.prod(axis=0)
        for j in range(len(statements)):
            if p[j] > 0.5 and test[j] > Z90 and bool((per_group[:, j] > 0.5).all()):
                found.append(
                    Consensus(
                        statements[j],
                        "agree" if direction == "agree" else "disagree",
                        float(p[j]),
                        float(test[j]),
                        float(group_aware[j]),
                    )
                )
    found.sort(key=lambda c: (c.direction != "agree", -c.group_aware))
    return tuple(found)
