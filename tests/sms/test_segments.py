"""Segment counts of GSM-7 and UCS-2 texts, and where long texts are cut."""

from __future__ import annotations

import pytest

from bots.sms.segments import encoding, plain, segments, split, units


@pytest.mark.parametrize(
    ("text", "coding", "length", "count"),
    [
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),  # 153 + 8
        ("a" * 306, "GSM-7", 306, 2),  # 2 × 153
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),  # extension characters count double
        ("€" * 81, "GSM-7", 162, 2),
        ("[x]" * 32, "GSM-7", 160, 1),  # 96 characters, 160 septets
        ("[x]" * 32 + "a", "GSM-7", 161, 2),
        ("Ça coûte", "UCS-2", 8, 1),  # û is not in GSM-7
        ("ب" * 70, "UCS-2", 70, 1),
        ("ب" * 71, "UCS-2", 71, 2),  # 67 + 4
        ("ب" * 134, "UCS-2", 134, 2),
        ("ب" * 135, "UCS-2", 135, 3),
        ("😀" * 35, "UCS-2", 70, 1),  # outside the BMP: two code units each
        ("😀" * 36, "UCS-2", 72, 2),
    ],
)
def test_known_counts(text: str, coding: str, length: int, count: int) -> None:
    assert encoding(text) == coding
    assert units(text) == length
    assert segments(text) == count
    parts = split(text)
    assert "".join(p.text for p in parts) == text
    limit = {"GSM-7": 160, "UCS-2": 70} if count == 1 else {"GSM-7": 153, "UCS-2": 67}
    assert all(p.units <= limit[p.encoding] for p in parts)


def test_words_are_never_cut() -> None:
    words = [f"word{i}" for i in range(80)]
    text = " ".join(words)
    parts = split(text)
    assert len(parts) == 4  # 469 septets: the fewest parts of 153 holding whole words
    assert " ".join(p.text for p in parts) == text
    assert all(p.units <= 153 for p in parts)


def test_option_lines_stay_whole() -> None:
    options = [f"{n}) " + "Option with a fairly long label number " + str(n) for n in range(1, 7)]
    text = "Which one?\n" + "\n".join(options)
    assert "\n" not in text[148:155]  # cut at 153 septets, a line would be broken
    parts = split(text)
    assert len(parts) == 2
    lines = [line for part in parts for line in part.text.split("\n")]
    assert lines == ["Which one?", *options]


def test_arabic_question_in_ucs2_parts() -> None:
    text = "ما هي القضايا الأهم بالنسبة لك؟\n" + "\n".join(
        f"{n}) خيار رقم {n} في القائمة" for n in range(1, 6)
    )
    assert encoding(text) == "UCS-2"
    parts = split(text)
    assert len(parts) == 3
    assert all(p.encoding == "UCS-2" and p.units <= 67 for p in parts)
    assert "\n".join(p.text for p in parts) == text


def test_each_part_is_encoded_on_its_own() -> None:
    text = "ب" * 60 + "\n" + "Latin only text " * 5
    parts = split(text)
    assert [p.encoding for p in parts] == ["UCS-2", "GSM-7"]


def test_typography_is_made_plain() -> None:
    text = "1 = not at all … 5 = very “sure” – • ✓"
    assert encoding(text) == "UCS-2"
    assert encoding(plain(text)) == "GSM-7"
    assert plain(text) == '1 = not at all ... 5 = very "sure" - - (v)'


def test_french_quotes_marks_and_pins_are_made_plain() -> None:
    text = "par exemple « Le comité doit inclure des femmes. »\n📍 Kessal · 12 places\nSuivant ▶"
    assert plain(text) == (
        'par exemple "Le comité doit inclure des femmes."\nKessal - 12 places\nSuivant >'
    )
    assert encoding(plain(text)) == "GSM-7"
