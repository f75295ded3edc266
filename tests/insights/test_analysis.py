"""Weighted estimates, trends and inclusion from cross-tab rows, with known answers."""

from __future__ import annotations

import pytest

from conversations.definitions import Deployment
from insights.analysis import Rows, estimate, inclusion, response_rates, table, trends
from storage.crosstabs import AnsweredCell, ChoiceCell, ReachRow, RespondentCell
from tests.insights.helpers import deployment, poll

FIELDS = ("region", "gender")
NW, SM, EW = ("north", "woman"), ("south", "man"), ("east", "woman")


def weighted_deployment() -> Deployment:
    return deployment().model_copy(
        update={
            "population": {
                "region": {"north": 0.5, "south": 0.5},
                "gender": {"woman": 0.5, "man": 0.5},
            }
        }
    )


def rows(picks: dict[tuple[int, tuple[str, str], str], int]) -> Rows:
    """Rows of the single-choice question from ``{(wave, profile, choice): respondents}``."""
    people: dict[tuple[int, tuple[str, str]], int] = {}
    for (wave, profile, _), n in picks.items():
        people[wave, profile] = people.get((wave, profile), 0) + n
    return Rows(
        FIELDS,
        respondents=[RespondentCell(w, p, n) for (w, p), n in people.items()],
        choices=[ChoiceCell("single", w, c, p, n) for (w, p, c), n in picks.items()],
        answered=[AnsweredCell("single", w, p, n) for (w, p), n in people.items()],
        numbers=[],
    )


# Wave 1: 10 northern women all say a, 30 southern men all say b: the north and women are
# under-represented 1 to 3; raking gives the women weight 2 and the men 2/3, so a is 50 %.
# Wave 2: the men move to a (20 of 30): a = (10·2 + 20·2/3) / 40 = 5/6.
DATA = rows(
    {
        (1, NW, "a"): 10,
        (1, SM, "b"): 30,
        (2, NW, "a"): 10,
        (2, SM, "a"): 20,
        (2, SM, "b"): 10,
    }
)


def test_weighted_shares_undo_the_over_representation() -> None:
    d = weighted_deployment()
    first = estimate(d, poll(d), DATA, "en", wave=1)
    assert first.weighting.respondents == 40
    assert first.weighting.effective_n == pytest.approx(40**2 / (10 * 4 + 30 * 4 / 9))
    assert first.weighting.efficiency == pytest.approx(first.weighting.effective_n / 40)
    question = first.question("single")
    assert question is not None and question.n == 40
    shares = {o.choice_id: o for o in question.options}
    assert shares["a"].count == 10
    assert shares["a"].estimate is not None
    assert shares["a"].estimate.share == pytest.approx(0.5)
    assert shares["b"].estimate is not None
    assert shares["b"].estimate.share == pytest.approx(0.5)
    assert shares["c"].count == 0  # nobody: shown as 0
    assert shares["c"].estimate is not None and shares["c"].estimate.share == 0


def test_without_margins_the_weights_are_all_one() -> None:
    d = deployment()
    first = estimate(d, poll(d), DATA, "en", wave=1)
    assert first.weighting.efficiency == pytest.approx(1)
    question = first.question("single")
    assert question is not None
    assert question.options[0].estimate is not None
    assert question.options[0].estimate.share == pytest.approx(0.25)


def test_a_small_count_has_no_weighted_share_either() -> None:
    d = weighted_deployment()
    data = rows({(1, NW, "a"): 10, (1, SM, "b"): 30, (1, SM, "c"): 2})
    question = estimate(d, poll(d), data, "en", wave=1).question("single")
    assert question is not None
    hidden = [o.choice_id for o in question.options if o.suppressed]
    # and more, or c = n - a - b; which ones depends on every table of the poll together
    assert "c" in hidden and len(hidden) >= 2
    assert all(o.estimate is None for o in question.options if o.suppressed)


def test_trend_flags_a_significant_change() -> None:
    d = weighted_deployment()
    waves = [estimate(d, poll(d), DATA, "en", wave=w) for w in DATA.waves()]
    trend = next(t for t in trends(waves) if t.question_id == "single")
    a = trend.options[0]
    assert [p.wave for p in a.points] == [1, 2]
    assert a.points[1].estimate is not None
    assert a.points[1].estimate.share == pytest.approx(5 / 6)
    change = a.points[1].change
    assert change is not None and change.significant
    # effective n is 30 in both waves: z = (5/6 − 1/2) / √(.25/30 + (5/36)/30)
    assert change.z == pytest.approx((1 / 3) / ((0.25 + 5 / 36) / 30) ** 0.5)
    assert [o.choice_id for o, _ in trend.flagged] == ["a", "b"]


def test_inclusion_ratios_against_the_margins() -> None:
    d = weighted_deployment()
    data = rows({(1, NW, "a"): 10, (1, SM, "b"): 30})
    by_field = {i.field: i for i in inclusion(d, data, "en", wave=1, poll=poll(d))}
    region = {r.value: r for r in by_field["region"].rows}
    assert region["north"].respondents == 10
    assert region["north"].sample_share == pytest.approx(0.25)
    assert region["north"].ratio == pytest.approx(0.5)
    assert region["south"].ratio == pytest.approx(1.5)
    gender = {r.value: r for r in by_field["gender"].rows}
    assert gender["woman"].ratio == pytest.approx(0.5)


def test_inclusion_hides_small_groups_and_one_more() -> None:
    d = weighted_deployment()
    data = rows({(1, NW, "a"): 10, (1, SM, "b"): 30, (1, EW, "a"): 2})
    region = {r.value: r for r in inclusion(d, data, "en", wave=1, poll=poll(d))[0].rows}
    assert region["east"].respondents is None and region["east"].ratio is None
    assert region["north"].respondents is None  # else east = total − north − south


def test_response_rates_per_wave_and_group() -> None:
    d = weighted_deployment()
    reach = [
        ReachRow(1, "woman", 40, 10),
        ReachRow(1, "man", 50, 30),
        ReachRow(2, "woman", 40, 3),
        ReachRow(2, "man", 50, 25),
    ]
    rates = response_rates(d, "gender", reach, "en")
    assert [label for _, label in rates.groups] == ["Woman", "Man"]
    first = dict(rates.waves)[1]
    assert first[0].rate == pytest.approx(0.25)
    assert first[1].rate == pytest.approx(0.6)
    second = dict(rates.waves)[2]
    assert second[0].completed is None and second[0].rate is None  # 3 people


def test_tables_by_field_come_from_the_same_rows() -> None:
    d = weighted_deployment()
    results = table(d, poll(d), DATA.of_wave(1), "gender", "en")
    single = results.questions[0]
    assert [g.key for g in results.groups] == ["woman", "man", "_all"]
    assert [c.count for c in single.rows[0].cells] == [10, 0, 10]


def test_inclusion_ratios_use_the_categories_of_the_margins() -> None:
    """East is not in the margins: as in the weighting, north and south share out the people
    whose region the margins cover (observed before: 0.40 here instead of 0.50)."""
    d = weighted_deployment()
    data = rows({(1, NW, "a"): 10, (1, SM, "b"): 30, (1, ("east", "man"), "b"): 10})
    region = {r.value: r for r in inclusion(d, data, "en", wave=1)[0].rows}
    assert region["north"].sample_share == pytest.approx(0.25)
    assert region["north"].ratio == pytest.approx(0.5)
    assert region["south"].ratio == pytest.approx(1.5)
    assert region["east"].respondents == 10
    assert region["east"].sample_share is None and region["east"].ratio is None


def test_waves_nobody_was_invited_to_have_no_response_rate() -> None:
    d = weighted_deployment()
    reach = [ReachRow(1, "woman", 0, 12), ReachRow(1, "man", 0, 30), ReachRow(2, "man", 50, 25)]
    rates = response_rates(d, "gender", reach, "en")
    assert rates.not_invited == (1,)
    assert [wave for wave, _ in rates.waves] == [2]
