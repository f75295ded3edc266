"""Free text in consultations: languages detected right, personal data screened out."""

from __future__ import annotations

import pytest

from conversations.language import detect_language
from conversations.screening import REDACTED, screen


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Women from every village should sit on the committee, with observers we trust.", "en"),
        ("Il faut des femmes de chaque village dans le comité, et des observateurs neutres.", "fr"),
        ("يجب أن تضم اللجنة نساء من كل قرية ومراقبين محايدين نثق بهم.", "ar"),
        (
            "Kamati inapaswa kuwa na wanawake kutoka kila kijiji na waangalizi wasioegemea upande.",
            "sw",
        ),
    ],
)
def test_answers_in_four_languages_are_detected(text: str, language: str) -> None:
    detected, probability = detect_language(text)
    assert detected == language
    assert probability is not None and probability > 0.8


def test_contact_details_are_redacted() -> None:
    screened = screen(
        "Call +235 66 12 34 56 or ٠٦٦١٢٣٤٥٦, write to amina.k@example.org, see t.me/aminak "
        "or @amina_k; the committee needs 12 members."
    )
    assert "66 12" not in screened.text and "٠٦٦" not in screened.text
    assert "example.org" not in screened.text and "t.me" not in screened.text
    assert "@amina_k" not in screened.text
    assert "12 members" in screened.text  # short numbers are not personal data
    assert screened.text.count(REDACTED) == 5 and screened.redactions == 5


@pytest.mark.parametrize(
    "text",
    [
        "amina＠example.org",  # fullwidth @
        "ａｍｉｎａ＠ｅｘａｍｐｌｅ．ｏｒｇ",  # fullwidth everything
        "amina﹫example.org",  # small @
        "bit.ly/3xYz9",
        "wa.me/23566",
        "amina.kessal.org",
        "amina at example dot org",
        "amina [at] example [dot] org",
        "amina (at) mail (dot) co (dot) uk",
        "amina arobase exemple point fr",
    ],
)
def test_look_alike_and_spelled_out_contacts_are_redacted(text: str) -> None:
    screened = screen(f"Write to {text} please")
    assert screened.text == "Write to […] please", screened.text


@pytest.mark.parametrize(
    "text",
    [
        "We meet at the market. The point is peace.",
        "Le comité doit inclure les femmes. Point final.",
        "e.g. the committee at noon, i.e. before the vote",
    ],
)
def test_ordinary_sentences_are_not_redacted(text: str) -> None:
    assert screen(text).text == text


def test_the_block_list_ignores_case_and_accents() -> None:
    assert screen("Ces TRAITRES au comité", ["traîtres"]).blocked == ("traîtres",)
    assert screen("Ils sont partis", ["traîtres"]).blocked == ()
    assert screen("هؤلاء خائن", ["خائن"]).blocked == ("خائن",)
