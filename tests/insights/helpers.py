"""A small deployment and its aggregate rows, built by hand."""

from __future__ import annotations

from typing import Any

from conversations.definitions import Deployment, Poll
from storage.aggregates import ChoiceCount, NumberStats, QuestionTotal

LANGUAGES = ["en", "fr"]


def t(en: str, fr: str | None = None) -> dict[str, str]:
    return {"en": en, "fr": fr or f"{en} (fr)"}


def choices(*ids: str) -> list[dict[str, Any]]:
    return [{"id": id_, "label": t(id_.title(), f"{id_.title()} (fr)")} for id_ in ids]


def deployment(k: int = 5) -> Deployment:
    data: dict[str, Any] = {
        "organization": t("Test Mediation Unit"),
        "contact": "team@example.org",
        "purpose": t("We ask to hear you."),
        "privacy_notice": t("Answers are shared only as totals."),
        "languages": LANGUAGES,
        "default_language": "en",
        "suppression_k": k,
        "regions": [
            {"id": "north", "name": t("North", "Nord")},
            {"id": "south", "name": t("South", "Sud")},
            {"id": "east", "name": t("East", "Est")},
        ],
        "profile": [
            {"id": "region", "type": "region", "prompt": t("Where do you live?")},
            {
                "id": "gender",
                "type": "single_choice",
                "prompt": t("Your gender?", "Votre genre ?"),
                "choices": choices("woman", "man"),
            },
        ],
        "polls": [
            {
                "id": "talks",
                "title": t("Talks", "Pourparlers"),
                "intro": t("A few questions."),
                "questions": [
                    {
                        "id": "single",
                        "type": "single_choice",
                        "prompt": t("Pick one"),
                        "choices": choices("a", "b", "c"),
                    },
                    {
                        "id": "multi",
                        "type": "multiple_choice",
                        "prompt": t("Pick several"),
                        "choices": choices("x", "y", "z"),
                    },
                    {
                        "id": "safe",
                        "type": "scale",
                        "min": 1,
                        "max": 4,
                        "prompt": t("How safe?"),
                        "min_label": t("Not safe", "Pas sûr"),
                        "max_label": t("Safe", "Sûr"),
                    },
                    {"id": "home", "type": "region", "prompt": t("Region of origin?")},
                    {
                        "id": "days",
                        "type": "number",
                        "min": 0,
                        "max": 30,
                        "prompt": t("How many days?"),
                    },
                    {"id": "note", "type": "free_text", "prompt": t("Anything else?")},
                ],
            }
        ],
    }
    return Deployment.model_validate(data, context={"languages": LANGUAGES})


def poll(d: Deployment) -> Poll:
    found = d.poll("talks")
    assert found is not None
    return found


def picks(question: str, rows: dict[str | None, dict[str, int]]) -> list[ChoiceCount]:
    """Choice counts: ``{group: {choice: count}}``."""
    return [
        ChoiceCount(question, group, choice, count)
        for group, counts in rows.items()
        for choice, count in counts.items()
    ]


def answered(question: str, rows: dict[str | None, int]) -> list[QuestionTotal]:
    """Respondents per group: ``{group: respondents}``."""
    return [QuestionTotal(question, group, n) for group, n in rows.items()]


def stats(
    question: str, rows: dict[str | None, tuple[int, float, float, float]]
) -> list[NumberStats]:
    """Number summaries: ``{group: (n, mean, minimum, maximum)}``."""
    return [NumberStats(question, group, *values) for group, values in rows.items()]
