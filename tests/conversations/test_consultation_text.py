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


def test_the_block_list_ignores_case_and_accents() -> None:
    assert screen("Ces TRAITRES au comité", ["traîtres"]).blocked == ("traîtres",)
    assert screen("Ils sont partis", ["traîtres"]).blocked == ()
    assert screen("هؤلاء خائن", ["خائن"]).blocked == ("خائن",)
