"""Phone numbers are normalized to E.164 before they are pseudonymized."""

from __future__ import annotations

import pytest

from conversations.identity import InvalidPhoneNumber, phone_number, pseudonym
from conversations.values import ParticipantKey


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+235 66 12 34 56", None, "+23566123456"),
        ("+23566123456", "KE", "+23566123456"),
        ("66 12 34 56", "TD", "+23566123456"),
        ("0712 345678", "KE", "+254712345678"),
        ("254712345678", None, None),
        ("hello", "TD", None),
        ("+1", None, None),
    ],
)
def test_e164(raw: str, region: str | None, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(InvalidPhoneNumber):
            phone_number(raw, region)
    else:
        assert phone_number(raw, region) == expected


def test_one_person_one_pseudonym_however_the_number_is_written() -> None:
    secret = b"s" * 32
    written = ["+235 66 12 34 56", "66123456", "+23566123456"]
    names = {pseudonym(secret, ParticipantKey("sms", phone_number(w, "TD"))) for w in written}
    assert len(names) == 1
    assert next(iter(names)) != pseudonym(secret, ParticipantKey("telegram", "+23566123456"))
