"""Themes of free-text answers: the codebook per language, and suggested themes."""

from __future__ import annotations

from conversations.definitions import Theme
from insights.themes import Text, classify, languages, suggest

CODEBOOK = (
    Theme(
        id="women",
        label={"en": "Women"},
        keywords={"en": ("women", "mothers"), "fr": ("femmes",), "ar": ("النساء",)},
    ),
    Theme(
        id="international",
        label={"en": "International"},
        keywords={"en": ("united nations", "observers"), "fr": ("observateurs",)},
    ),
)


def test_the_codebook_reads_each_answer_in_its_language() -> None:
    answers = [
        Text(1, "Women and elders should sit on it.", "en"),
        Text(2, "Des femmes et des Observateurs étrangers.", "fr"),
        Text(3, "يجب أن تشارك النساء في اللجنة", "ar"),
        Text(4, "The United Nations, please.", "en"),
        Text(5, "Womenfolk? no: soldiers.", "en"),  # whole words only
        Text(6, "femmes", None),  # language unknown: every language's keywords
    ]
    assert classify(answers, CODEBOOK) == {
        1: ("women",),
        2: ("women", "international"),
        3: ("women",),
        4: ("international",),
        5: (),
        6: ("women",),
    }
    assert languages(answers) == {"en": 3, "fr": 1, "ar": 1, "?": 1}


def test_suggestions_separate_two_subjects_with_quotes() -> None:
    water = [f"The wells in village {n} are dry and water is scarce" for n in range(6)]
    roads = [f"Roads to market {n} are closed by checkpoints and mines" for n in range(6)]
    texts = [Text(i, text, "en") for i, text in enumerate(water + roads)]
    suggestions = suggest(texts, themes=2)
    assert len(suggestions) == 2
    groups = sorted(sorted(s.answers) for s in suggestions)
    assert groups == [list(range(6)), list(range(6, 12))]
    for s in suggestions:
        assert s.quotes and all(q in water + roads for q in s.quotes)
        assert set(s.words) & {"water", "wells", "dry", "scarce", "roads", "checkpoints", "mines"}


def test_too_few_answers_suggest_nothing() -> None:
    assert suggest([Text(1, "water", "en")]) == ()
