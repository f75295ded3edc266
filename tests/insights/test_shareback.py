"""The results shared back with participants: short, in each language, nothing hidden shown."""

from __future__ import annotations

from insights.shareback import summaries
from tests.insights.helpers import deployment, poll
from tests.insights.test_analysis import DATA, rows, weighted_deployment


def test_a_summary_per_language_with_weighted_top_shares() -> None:
    d = weighted_deployment()
    texts = summaries(d, poll(d), DATA, 1)
    assert set(texts) == {"en", "fr"}
    assert texts["en"].startswith("Results of “Talks” (round 1), as promised: 40 people answered.")
    assert "C 0 %" not in texts["en"]  # nobody picked C
    # 50 % and 50 %: their intervals overlap, so they are not ranked, and the text says why
    assert "• Pick one\n  A 50 % ≈ B 50 %" in texts["en"]
    assert "≈: too close to tell which is ahead." in texts["en"]
    assert "the views of the people who chose to answer, not of everybody" in texts["en"]
    assert "weighted to match the population" in texts["en"]
    assert texts["fr"].startswith("Résultats de « Pourpar")
    assert "• Pick one (fr)\n  A (fr) 50 % ≈ B (fr) 50 %" in texts["fr"]
    assert len(texts["en"]) < 1000


def test_without_margins_it_does_not_claim_weighting() -> None:
    d = deployment()
    text = summaries(d, poll(d), DATA, 2)["en"]
    assert "weighted" not in text
    assert "A 75 % · B 25 %" in text  # 30 of 40 unweighted: intervals apart, ranked
    assert "≈" not in text


def test_hidden_options_are_left_out_and_too_few_people_share_nothing() -> None:
    d = weighted_deployment()
    data = rows(
        {
            (1, ("north", "woman"), "a"): 10,
            (1, ("north", "woman"), "b"): 12,
            (1, ("south", "man"), "a"): 10,
            (1, ("south", "man"), "b"): 30,
            (1, ("south", "man"), "c"): 2,
        }
    )
    text = summaries(d, poll(d), data, 1)["en"]
    shown = text.split("• Pick one\n")[1].split("\n")[0]
    assert "C " not in shown and "B " in shown
    few = rows({(1, ("north", "woman"), "a"): 3})
    assert summaries(d, poll(d), few, 1) == {}


def test_options_whose_intervals_overlap_are_not_ranked() -> None:
    d = deployment()
    # 22 against 18 of 40: far from a real difference; 22 + 18 against nobody for C
    data = rows({(1, ("north", "woman"), "a"): 18, (1, ("south", "man"), "b"): 22})
    text = summaries(d, poll(d), data, 1)["en"]
    assert "• Pick one\n  A 45 % ≈ B 55 %" in text  # in the poll's order, not by share
