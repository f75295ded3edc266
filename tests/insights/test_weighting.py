"""Raking, Kish effective sample size, bootstrap intervals and the wave-to-wave test."""

from __future__ import annotations

import numpy as np
import pytest

from insights.weighting import (
    REPLICATES,
    Answers,
    Estimate,
    adjust,
    benjamini_hochberg,
    bootstrap,
    compare,
    effective_sample_size,
    estimates,
    rake,
    raked_share,
    sample,
    wilson,
)

FIELDS = ("region", "gender")
MARGINS = {"region": {"north": 0.5, "south": 0.5}, "gender": {"woman": 0.5, "man": 0.5}}


def test_raking_recovers_the_margins_exactly() -> None:
    # 60 north men, 20 north women, 15 south men, 5 south women: men and the north over-represented
    profiles = [("north", "man"), ("north", "woman"), ("south", "man"), ("south", "woman")]
    counts = [60, 20, 15, 5]
    raking = rake(profiles, counts, FIELDS, MARGINS)
    weighted = np.asarray(counts) * raking.weights
    assert raking.converged
    assert weighted.sum() == pytest.approx(100)  # mean weight 1
    assert weighted[0] + weighted[1] == pytest.approx(50)  # north
    assert weighted[0] + weighted[2] == pytest.approx(50)  # men
    # The sample is independent (north 80 %, men 75 % in both), so raking lands on 25 each
    assert weighted == pytest.approx([25, 25, 25, 25])


def test_raking_three_margins_on_individual_people() -> None:
    rng = np.random.default_rng(3)
    regions = rng.choice(["a", "b", "c"], size=2000, p=[0.6, 0.3, 0.1])
    genders = rng.choice(["w", "m"], size=2000, p=[0.3, 0.7])
    ages = rng.choice(["young", "old"], size=2000, p=[0.8, 0.2])
    # Margins the sample can reach without any weight beyond the trimming bound (5x the mean)
    margins = {
        "region": {"a": 0.5, "b": 0.3, "c": 0.2},
        "gender": {"w": 0.4, "m": 0.6},
        "age": {"young": 0.7, "old": 0.3},
    }
    profiles = list(zip(regions, genders, ages, strict=True))
    raking = rake(profiles, [1] * 2000, ("region", "gender", "age"), margins)
    assert raking.converged
    assert raking.trimmed == 0
    for index, field in enumerate(("region", "gender", "age")):
        for value, share in margins[field].items():
            mine = [p[index] == value for p in profiles]
            assert raking.weights[mine].sum() / 2000 == pytest.approx(share, abs=1e-8)


def test_people_without_a_value_keep_their_weight_and_the_rest_match_the_margins() -> None:
    profiles = [("north",), ("south",), (None,), ("abroad",)]
    counts = [30, 10, 10, 10]
    raking = rake(profiles, counts, ("region",), {"region": {"north": 0.5, "south": 0.5}})
    weighted = np.asarray(counts) * raking.weights
    assert weighted[0] == pytest.approx(weighted[1])  # the stated ones split evenly
    # the unstated and the value outside the margins keep the same weight as each other: 1
    # before the final normalization, which keeps the mean weight at 1
    assert raking.weights[2] == pytest.approx(raking.weights[3])
    assert weighted.sum() == pytest.approx(60)
    assert weighted[0] + weighted[1] == pytest.approx(40)


def test_a_margin_nobody_is_in_is_reported_and_the_others_rescaled() -> None:
    raking = rake(
        [("north",), ("south",)],
        [10, 30],
        ("region",),
        {"region": {"north": 0.25, "south": 0.25, "east": 0.5}},
    )
    assert raking.missing_categories == (("region", "east"),)
    assert raking.weights * np.array([10, 30]) == pytest.approx([20, 20])


@pytest.mark.parametrize(
    ("weights", "counts", "expected"),
    [
        ([1.0], [10], 10.0),  # equal weights: n_eff = n
        ([2.0, 2.0], [3, 7], 10.0),  # scale does not matter
        ([1.0, 3.0], [1, 1], 16 / 10),  # (1+3)² / (1+9)
        ([0.5, 2.0], [4, 1], 16 / 5),  # (4·0.5 + 2)² / (4·0.25 + 4) = 16 / 5
    ],
)
def test_kish_effective_sample_size(
    weights: list[float], counts: list[int], expected: float
) -> None:
    assert effective_sample_size(weights, counts) == pytest.approx(expected)


def test_raked_share_and_a_bootstrap_interval_around_it() -> None:
    # north: 10 of 20 said yes; south: 2 of 20. Margins north 20 %, south 80 %:
    # weights 0.4 and 1.6, so the share is (10·0.4 + 2·1.6) / 40 = 0.18
    cells = {"profiles": [("north",), ("south",)], "strata": [0, 0], "fields": ("region",)}
    margins = {"region": {"north": 0.2, "south": 0.8}}
    estimate = raked_share([10, 2], [20, 20], [20, 20], **cells, margins=margins)
    assert estimate is not None
    assert estimate.share == pytest.approx(0.18)
    assert estimate.n == 40
    assert estimate.effective_n == pytest.approx(40**2 / (20 * 0.16 + 20 * 2.56))
    assert estimate.low < 0.18 < estimate.high
    assert estimate.high - estimate.low < 0.4
    again = raked_share([10, 2], [20, 20], [20, 20], **cells, margins=margins)
    assert again == estimate  # fixed seed
    assert (
        raked_share(
            [0], [0], [5], **{**cells, "profiles": [("north",)], "strata": [0]}, margins=margins
        )
        is None
    )


def test_resamples_are_raked_again() -> None:
    """Option = region: once raked, its share is the margin in every resample (enough people
    in each region that no resample needs a weight beyond the trimming bound)."""
    people = sample(
        [40, 60],
        profiles=[("north",), ("south",)],
        strata=[0, 0],
        fields=("region",),
        margins={"region": {"north": 0.5, "south": 0.5}},
    )
    (shares,) = bootstrap(people, [Answers([[40, 0]], [40, 60], exclusive=True)])
    assert shares.shape == (REPLICATES, 1)
    assert shares == pytest.approx(np.full((REPLICATES, 1), 0.5))
    # the bootstrap has no width there; the interval shown is Wilson's on the effective n
    ((estimate,),) = estimates(people, [Answers([[40, 0]], [40, 60], exclusive=True)])
    assert estimate is not None
    assert estimate.share == pytest.approx(0.5)
    assert (estimate.low, estimate.high) == pytest.approx(wilson(0.5, estimate.effective_n))


@pytest.mark.parametrize(
    ("share", "n", "low", "high"),
    [
        # Wilson (1927); the upper bound for 0 of n is z² / (n + z²)
        (0.0, 100, 0.0, 1.959963984540054**2 / (100 + 1.959963984540054**2)),
        (1.0, 100, 1 - 1.959963984540054**2 / (100 + 1.959963984540054**2), 1.0),
        # 50 of 100: 0.4038 to 0.5962 (Newcombe 1998, table I, method 3)
        (0.5, 100, 0.4038, 0.5962),
        (0.3, 0, 0.0, 1.0),
    ],
)
def test_wilson_interval(share: float, n: float, low: float, high: float) -> None:
    assert wilson(share, n) == pytest.approx((low, high), abs=1e-4)


def test_nobody_picking_an_option_still_has_an_interval() -> None:
    people = sample(
        [50, 50], profiles=[("north",), ("south",)], strata=[0, 0], fields=("region",), margins={}
    )
    ((nobody, everybody),) = estimates(
        people, [Answers([[0, 0], [50, 50]], [50, 50], exclusive=True)]
    )
    assert nobody is not None and everybody is not None
    assert nobody.share == 0 and nobody.low == 0
    assert nobody.high == pytest.approx(wilson(0, 100)[1]) and nobody.high > 0.03
    assert everybody.low == pytest.approx(1 - nobody.high) and everybody.high == 1


def test_the_bootstrap_of_each_question_matches_a_resample_of_people() -> None:
    """Each question's resampled shares spread as a share of n people does: a mean of p and
    a variance of about p(1-p)/n, here with equal weights."""
    people = sample([200], profiles=[("north",)], strata=[0], fields=("region",), margins={})
    single, several = bootstrap(
        people,
        [
            Answers([[60], [140]], [200], exclusive=True),
            Answers([[60], [150]], [200], exclusive=False),
        ],
    )
    assert single[:, 0] + single[:, 1] == pytest.approx(np.ones(REPLICATES))
    for shares, p in ((single[:, 0], 0.3), (several[:, 0], 0.3), (several[:, 1], 0.75)):
        assert shares.mean() == pytest.approx(p, abs=0.01)
        assert shares.var() == pytest.approx(p * (1 - p) / 200, rel=0.15)


def test_changes_are_held_to_a_false_discovery_rate() -> None:
    # Benjamini and Hochberg (1995): q = min over larger ranks of m·p / rank
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert benjamini_hochberg([0.5, 0.9]) == pytest.approx([0.9, 0.9])
    assert benjamini_hochberg([]) == []
    alone = compare(Estimate(0.40, 0, 0, 400, 400.0), Estimate(0.47, 0, 0, 400, 400.0))
    assert alone.significant and alone.p == pytest.approx(0.0453, abs=1e-4)  # z = 2.0018
    nothing = compare(Estimate(0.40, 0, 0, 400, 400.0), Estimate(0.40, 0, 0, 400, 400.0))
    adjusted = adjust([alone, *[nothing] * 11])
    assert adjusted[0].p == alone.p and adjusted[0].q == pytest.approx(min(1, 12 * alone.p))
    assert not any(c.significant for c in adjusted)


def test_people_who_skipped_the_question_count_in_the_weighting() -> None:
    # 20 in the north, of whom 10 answered (5 yes); 20 in the south, all answered (15 yes)
    cells = {"profiles": [("north",), ("south",)], "strata": [0, 0], "fields": ("region",)}
    margins = {"region": {"north": 0.5, "south": 0.5}}
    estimate = raked_share([5, 15], [10, 20], [20, 20], **cells, margins=margins)
    assert estimate is not None
    assert estimate.share == pytest.approx(20 / 30)  # weights are 1: the sample fits already


def test_interval_narrows_with_more_people() -> None:
    one = {"profiles": [("north",)], "strata": [0], "fields": ("region",), "margins": {}}
    small = raked_share([5], [10], [10], **one)
    large = raked_share([500], [1000], [1000], **one)
    assert small is not None and large is not None
    assert (large.high - large.low) < (small.high - small.low) / 5


def test_strata_are_raked_each_on_their_own() -> None:
    # two waves with the same people per region but different answers
    cells = {
        "profiles": [("north",), ("south",), ("north",), ("south",)],
        "strata": [0, 0, 1, 1],
        "fields": ("region",),
    }
    margins = {"region": {"north": 0.5, "south": 0.5}}
    estimate = raked_share(
        [10, 0, 0, 30], [10, 30, 10, 30], [10, 30, 10, 30], **cells, margins=margins
    )
    assert estimate is not None
    # each wave raked to 50/50 gives 50 % yes (all of one region), and so do both together
    assert estimate.share == pytest.approx(0.5)


def test_change_between_waves_on_effective_sample_sizes() -> None:
    before = Estimate(0.40, 0.0, 0.0, 400, 400.0)
    # z = 0.1 / sqrt(.24/400 + .25/400) = 2.857: significant
    after = Estimate(0.50, 0.0, 0.0, 400, 400.0)
    change = compare(before, after)
    assert change.z == pytest.approx(0.1 / (0.49 / 400) ** 0.5)
    assert change.significant
    # the same shares on 100 effective respondents each: z = 1.43, not significant
    assert not compare(
        Estimate(0.40, 0, 0, 400, 100.0), Estimate(0.50, 0, 0, 400, 100.0)
    ).significant
