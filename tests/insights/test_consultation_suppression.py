"""The consultation report hides small languages, rounds and opinion groups together with what
would give them back, and small groups do not decide consensus (issue 14, finding 4)."""

from __future__ import annotations

from config.deployment import demo_folder, load_deployment
from insights.consultation_report import HIDDEN, ReportInput, build
from insights.opinion_groups import Group, OpinionGroups, analyse, vote_matrix


def report(
    sizes: list[int], languages: dict[str, int], rounds: dict[int, int]
) -> dict[str, object]:
    deployment = load_deployment(demo_folder())
    groups = OpinionGroups(
        tuple(Group(i, tuple(f"p{i}-{m}" for m in range(n)), ()) for i, n in enumerate(sizes)),
        (),
        sum(sizes),
        sum(sizes),
        (),
        0.5,
    )
    return build(
        ReportInput(
            deployment=deployment,
            consultation=deployment.consultations[0],
            participation=[("north", 20), ("south", 9)],
            groups=groups,
            statements={},
            codebook_counts={},
            codebook_quotes={},
            suggestions=(),
            languages=languages,
            answers=sum(languages.values()),
            language="en",
            rounds={n: (f"question {n}", count) for n, count in rounds.items()},
        )
    )


def test_one_german_answer_is_not_the_total_minus_the_rest() -> None:
    # Observed: en 20, de hidden, fr 8 with 29 answers gave de = 1.
    languages = report([29], {"en": 20, "de": 1, "fr": 8}, {})["languages"]
    assert languages == {"en": 20, "de": HIDDEN, "fr": HIDDEN}


def test_one_round_two_answer_is_not_the_total_minus_round_one() -> None:
    rounds = report([29], {"en": 29}, {1: 28, 2: 1})["rounds"]
    assert isinstance(rounds, list)
    assert [r["answers"] for r in rounds] == [HIDDEN, HIDDEN]


def test_a_one_person_group_is_not_the_clustered_total_minus_the_others() -> None:
    result = report([12, 9, 1], {"en": 22}, {})["opinion_groups"]
    assert isinstance(result, dict)
    assert [g["size"] for g in result["groups"]] == [12, HIDDEN, HIDDEN]
    assert result["groups"][1]["representative"] == []


def test_consensus_does_not_count_a_group_too_small_to_show() -> None:
    # Two large camps agree on statement 0 and split on 1-3; two people reject statement 0.
    votes = []
    for person in range(12):
        votes += [
            (f"a{person}", 0, 1),
            (f"a{person}", 1, 1),
            (f"a{person}", 2, 1),
            (f"a{person}", 3, -1),
        ]
        votes += [
            (f"b{person}", 0, 1),
            (f"b{person}", 1, -1),
            (f"b{person}", 2, -1),
            (f"b{person}", 3, 1),
        ]
    for person in range(2):
        votes += [
            (f"c{person}", 0, -1),
            (f"c{person}", 1, 0),
            (f"c{person}", 2, 1),
            (f"c{person}", 3, 1),
        ]
    small = analyse(vote_matrix(votes), min_votes=3, max_groups=3, min_group=1)
    sizes = sorted(g.size for g in small.groups)
    assert sizes[0] < 5  # the two who reject it form a group of their own
    assert 0 not in {c.statement for c in small.consensus}  # their votes decide: it tells
    hidden = analyse(vote_matrix(votes), min_votes=3, max_groups=3, min_group=5)
    assert 0 in {c.statement for c in hidden.consensus}
