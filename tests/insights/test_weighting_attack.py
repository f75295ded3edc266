"""Regression: weighting must not single one person out (issue 14, finding 1).

Observed on main 4eaf249: 30 men and 1 woman of one region answered; raking to 50/50 gender
margins gave her about half the total weight, so the weighted share of "Yes" read 67 % when she
said yes and 16.5 % when she said no, and the weighted mean of a number solved back to her
answer, while every by-gender column was hidden.
"""

from __future__ import annotations

import pytest

from conversations.definitions import Deployment
from insights.analysis import Rows, WaveEstimates, estimate
from storage.crosstabs import AnsweredCell, ChoiceCell, NumberCell, RespondentCell
from tests.insights.helpers import deployment, poll

FIELDS = ("region", "gender")
MAN, WOMAN = ("north", "man"), ("north", "woman")


def weighted() -> Deployment:
    return deployment().model_copy(update={"population": {"gender": {"woman": 0.5, "man": 0.5}}})


def thirty_men_and_her(her_choice: str, her_days: float) -> Rows:
    """30 men: 5 say a (yes), 25 say b, each answers 3 days; one woman answers as given."""
    return Rows(
        FIELDS,
        respondents=[RespondentCell(1, MAN, 30), RespondentCell(1, WOMAN, 1)],
        choices=[
            ChoiceCell("single", 1, "a", MAN, 5),
            ChoiceCell("single", 1, "b", MAN, 25),
            ChoiceCell("single", 1, her_choice, WOMAN, 1),
        ],
        answered=[
            AnsweredCell("single", 1, MAN, 30),
            AnsweredCell("single", 1, WOMAN, 1),
            AnsweredCell("days", 1, MAN, 30),
            AnsweredCell("days", 1, WOMAN, 1),
        ],
        numbers=[
            NumberCell("days", 1, MAN, 30, 90.0, 3.0, 3.0),
            NumberCell("days", 1, WOMAN, 1, her_days, her_days, her_days),
        ],
    )


def run(her_choice: str, her_days: float) -> WaveEstimates:
    d = weighted()
    return estimate(d, poll(d), thirty_men_and_her(her_choice, her_days), "en", wave=1)


def yes_share(result: WaveEstimates) -> float | None:
    question = result.question("single")
    assert question is not None
    option = question.options[0]
    return option.estimate.share if option.estimate is not None else None


def test_her_answer_moves_the_weighted_share_by_no_more_than_her_count_does() -> None:
    said_yes, said_no = yes_share(run("a", 27)), yes_share(run("b", 27))
    assert said_yes is not None and said_no is not None
    # Unweighted, one person of 31 is 3.2 points; before the fix this was 67 % vs 16.5 %.
    assert abs(said_yes - said_no) <= 1 / 31 + 1e-9


def test_her_number_cannot_be_solved_from_the_weighted_mean() -> None:
    days = {}
    for her_days in (0.0, 27.0):
        question = run("a", her_days).question("days")
        assert question is not None and question.mean is not None
        days[her_days] = question.mean
    # Her 27 days move the mean by 27/31 at most (as unweighted), not by about half of 27.
    assert days[27.0] - days[0.0] == pytest.approx(27 / 31)


def test_the_method_note_says_what_was_collapsed() -> None:
    result = run("a", 27)
    assert result.weighting.collapsed == (("gender", "man"), ("gender", "woman"))
    assert result.weighting.efficiency == pytest.approx(1)


def test_a_weighted_figure_below_k_effective_people_is_not_shown() -> None:
    # 10 men and 5 women: women weigh 1.5, men 0.75. Four men and one woman answered "days":
    # 5 people, but worth (4·0.75 + 1.5)² / (4·0.75² + 1.5²) = 4.5 of equal weight.
    d = weighted()
    rows = Rows(
        FIELDS,
        respondents=[RespondentCell(1, MAN, 10), RespondentCell(1, WOMAN, 5)],
        choices=[ChoiceCell("single", 1, "a", MAN, 10), ChoiceCell("single", 1, "b", WOMAN, 5)],
        answered=[
            AnsweredCell("single", 1, MAN, 10),
            AnsweredCell("single", 1, WOMAN, 5),
            AnsweredCell("days", 1, MAN, 4),
            AnsweredCell("days", 1, WOMAN, 1),
        ],
        numbers=[
            NumberCell("days", 1, MAN, 4, 12.0, 3.0, 3.0),
            NumberCell("days", 1, WOMAN, 1, 9.0, 9.0, 9.0),
        ],
    )
    result = estimate(d, poll(d), rows, "en", wave=1)
    days = result.question("days")
    assert days is not None and days.n == 5
    assert days.effective_n == pytest.approx(4.5)
    assert days.mean is None
    single = result.question("single")
    assert single is not None and all(o.estimate is not None for o in single.options)
