"""The automatic screen of free text before a mediator reads it: personal data out, blocked
words caught.

What people write in a consultation may be shown to others (statements) or quoted in reports
(answers), so contact details are removed before anything is stored. The patterns are
deliberately broad: a lost digit in a redacted statement costs little, a published phone
number can cost a life.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

REDACTED = "[…]"

_AT = r"(?:\s*[(\[{<]\s*(?:at|arobase)\s*[)\]}>]\s*|\s+(?:at|arobase)\s+)"
_DOT = r"(?:\s*[(\[{<]\s*(?:dot|point)\s*[)\]}>]\s*|\s+(?:dot|point)\s+)"

_PATTERNS = (
    # e-mail addresses
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE),
    # e-mail addresses spelled out: "amina at example dot org", "amina [at] example [dot] org"
    re.compile(rf"[\w.+-]+{_AT}[\w-]+(?:(?:{_DOT}|\.)[\w-]+)*(?:{_DOT})[a-z]{{2,}}\b", re.I),
    # web addresses and links to people's profiles
    re.compile(r"(?:https?://|www\.)\S+|\bt\.me/\S+", re.IGNORECASE),
    # short links and other addresses without a scheme: bit.ly/x, wa.me/235..., example.org
    re.compile(
        r"\b(?:[a-z0-9-]+\.)+(?:[a-z]{2,}/\S*|(?:com|org|net|info|io|me|ly|gl|gd|co|to|cc|app"
        r"|link|page|site|xyz|biz|tk)\b)",
        re.IGNORECASE,
    ),
    # @handles (Telegram, X, Instagram ...)
    re.compile(r"(?<![\w@])@[A-Za-z0-9_]{4,}"),
    # phone numbers and other long numbers (ids, accounts): 7 or more digits, possibly
    # separated by spaces, dots, dashes or brackets; Arabic-Indic digits too
    re.compile(r"\+?\(?\d(?:[\s().-]{0,2}\d){6,}"),
)


@dataclass(frozen=True, slots=True)
class Screened:
    """``text`` with personal data replaced by ``[…]``; ``redactions`` how many were;
    ``blocked`` the words of the block list found in it (empty: none)."""

    text: str
    redactions: int
    blocked: tuple[str, ...] = ()


def screen(text: str, block_list: Iterable[str] = ()) -> Screened:
    """Redact contact details and numbers from ``text`` and look for blocked words.

    The text is first brought to its NFKC form, so that look-alike characters (a fullwidth
    ``＠`` or ``ｅｘａｍｐｌｅ．ｏｒｇ``, a small ``﹫``, circled or superscript digits) are
    caught like the plain ones; that form is what is kept.
    """
    redactions = 0
    cleaned = unicodedata.normalize("NFKC", text)
    for pattern in _PATTERNS:
        cleaned, count = pattern.subn(REDACTED, cleaned)
        redactions += count
    folded = _fold(cleaned)
    words = set(re.findall(r"\w+", folded))
    blocked = tuple(
        word
        for word in block_list
        if (term := _fold(word).strip())
        and (term in words if re.fullmatch(r"\w+", term) else term in folded)
    )
    return Screened(cleaned, redactions, blocked)


def _fold(text: str) -> str:
    """Case- and accent-insensitive form for matching (``Traître`` → ``traitre``)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
