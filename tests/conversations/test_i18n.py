"""The bot's own words: every text in English, French and Arabic, with the same placeholders."""

from __future__ import annotations

import string

import pytest

from conversations.i18n import CATALOGUE


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_text_is_in_every_language_with_the_same_placeholders(key: str) -> None:
    texts = CATALOGUE[key]
    assert {"en", "fr", "ar"} <= set(texts), key
    if key.endswith("_words"):  # word lists, not templates
        return
    assert all(text.strip() for text in texts.values()), key
    assert len({frozenset(_fields(text)) for text in texts.values()}) == 1, texts
