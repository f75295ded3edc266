"""Synthetic consultations with known camps: the analysis finds the camps, what sets each
apart, and the common ground they share."""

from __future__ import annotations

import random

import numpy as np
import pytest

from insights.opinion_groups import analyse, prop_test, two_prop_test, vote_matrix

CAMP_STATEMENTS = 8  # statements 0-7 camp 0's, 8-15 camp 1's, 16-23 camp 2's
COMMON = (100, 101, 102)  # every camp agrees with these
REJECTED = (200,)  # every camp disagrees with this


def synthetic(camps: int, people: int, seed: int, seen: float = 0.8, noise: float = 0.1):  # type: ignore[no-untyped-def]
    """``camps`` camps of ``people`` each: a camp agrees with its own statements and disagrees
    with the other camps' ones; everybody agrees with COMMON and disagrees with REJECTED;
    each person sees a statement with probability ``seen`` and votes against their camp with
    probability ``noise`` (or passes)."""
    rng = random.Random(seed)
    votes = []
    truth = {}
    for camp in range(camps):
        for n in range(people):
            person = f"p{camp}-{n:03d}"
            truth[person] = camp
            for statement in range(camps * CAMP_STATEMENTS):
                intended = 1 if statement // CAMP_STATEMENTS == camp else -1
                if rng.random() < seen:
                    votes.append((person, statement, _noisy(rng, intended, noise)))
            for statement in COMMON:
                if rng.random() < seen:
                    votes.append((person, statement, _noisy(rng, 1, noise)))
            for statement in REJECTED:
                if rng.random() < seen:
                    votes.append((person, statement, _noisy(rng, -1, noise)))
    return votes, truth


def _noisy(rng: random.Random, vote: int, noise: float) -> int:
    draw = rng.random()
    if draw < noise / 2:
        return -vote
    if draw < noise:
        return 0
    return vote


# Four or more camps of equal standing need more than the two dimensions Pol.is projects on;
# in two, symmetric camps beyond three overlap (see insights/opinion_groups.py).
@pytest.mark.parametrize(("camps", "seed"), [(2, 1), (3, 2), (3, 5)])
def test_the_camps_are_recovered(camps: int, seed: int) -> None:
    votes, truth = synthetic(camps, 40, seed)
    result = analyse(vote_matrix(votes))
    assert len(result.groups) == camps
    for group in result.groups:
        found = {truth[p] for p in group.members}
        assert len(found) == 1, f"group {group.id} mixes camps {found}"
        camp = found.pop()
        own = {s for s in range(camp * CAMP_STATEMENTS, (camp + 1) * CAMP_STATEMENTS)}
        agreed = {r.statement for r in group.representative if r.direction == "agree"}
        assert agreed and agreed <= own, (camp, group.representative)
    assert sum(g.size for g in result.groups) == camps * 40


def test_common_ground_is_the_consensus_and_nothing_else() -> None:
    votes, _ = synthetic(3, 40, 7)
    result = analyse(vote_matrix(votes))
    agreed = {c.statement for c in result.consensus if c.direction == "agree"}
    rejected = {c.statement for c in result.consensus if c.direction == "disagree"}
    assert agreed == set(COMMON)
    assert rejected == set(REJECTED)


def test_people_with_too_few_votes_are_left_out() -> None:
    votes, _ = synthetic(2, 20, 3)
    votes += [("lurker", 0, 1), ("lurker", 1, -1)]
    result = analyse(vote_matrix(votes), min_votes=7)
    assert result.participants_total == 41
    assert result.participants_clustered == 40
    assert all("lurker" not in g.members for g in result.groups)


def test_too_little_data_gives_no_groups() -> None:
    result = analyse(vote_matrix([("a", 1, 1), ("b", 1, -1)]))
    assert result.groups == () and result.consensus == ()


def test_the_tests_are_polis_formulas() -> None:
    # prop-test(s, n) = 2·sqrt(n+1)·((s+1)/(n+1) − 1/2)
    assert prop_test(np.array([9.0]), np.array([10.0]))[0] == pytest.approx(
        2 * np.sqrt(11) * (10 / 11 - 0.5)
    )
    # equal proportions: z = 0; more successes inside than outside: positive
    assert two_prop_test(*(np.array([x]) for x in (4.0, 4.0, 9.0, 9.0)))[0] == pytest.approx(0)
    assert two_prop_test(*(np.array([x]) for x in (9.0, 1.0, 10.0, 10.0)))[0] > 1.2816
