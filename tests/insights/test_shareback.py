"""The results shared back with participants: short, in each language, nothing hidden shown."""

from __future__ import annotations

from insights.analysis import table
from insights.shareback import by_group, summaries, with_link
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


def test_each_region_gets_only_the_figures_its_cells_show() -> None:
    """By region: the figures of the results table split by region, exactly the cells it
    shows (the whole poll's protection decides them; nothing is suppressed again here)."""
    d = deployment()
    data = rows(
        {
            (1, ("north", "woman"), "a"): 12,
            (1, ("north", "woman"), "b"): 8,
            (1, ("north", "woman"), "c"): 1,
            (1, ("south", "man"), "a"): 3,
            (1, ("south", "man"), "b"): 1,
            (1, ("east", "man"), "a"): 9,
            (1, ("east", "man"), "b"): 7,
        }
    )
    for language in ("en", "fr"):
        results = table(d, poll(d), data.of_wave(1), "region", language)
        texts = by_group(results, language)
        north = results.groups[[g.key for g in results.groups].index("north")]
        shown = {
            row.choice_id: row.cells[results.groups.index(north)].count
            for row in results.questions[0].rows
        }
        # one person: hidden by the table; B too, else 21 - 12 - 8 gives that person away
        assert shown["c"] is None and shown["b"] is None and shown["a"] == 12
        assert "south" not in texts  # 4 people: every figure of the south hidden
        assert set(texts) <= {"north", "east"} and "north" in texts
        text = texts["north"]
        if language == "en":
            assert text.startswith("In your region, North, among those who answered:")
            assert text.endswith("• Pick one (21 people)\n  A 57 %")
        else:
            assert text.startswith("Dans votre région, Nord,")
        assert "B" not in text.split("\n", 2)[2] and "C" not in text.split("\n", 2)[2]


def test_a_link_closes_the_message_when_there_is_one() -> None:
    assert with_link("Hello", None, "en") == "Hello"
    linked = with_link("Hello", "https://example.org/public/agenda/fr/index.html", "fr")
    assert linked.endswith(
        "Tous les chiffres publiés : https://example.org/public/agenda/fr/index.html"
    )
