"""SMS segments: how a text is encoded and cut so that it costs as few segments as possible.

A text made only of GSM-7 characters (3GPP TS 23.038: the basic table, where each character is
one 7-bit septet, and its extension table, ``^{}\\[~]|€`` and form feed, two septets each) fits
160 septets in one SMS. Anything else forces UCS-2: 70 UTF-16 code units (a character outside
the Basic Multilingual Plane takes two). A longer text is sent in parts; a part of a
concatenated SMS carries a 6-byte header and holds 153 septets or 67 code units.

PeacePulse cuts long replies itself and sends each part as its own message of one segment, so
that a part never ends inside a word or an option line, even on phones that do not reassemble
concatenated SMS: option lines are kept whole, other text is cut between words; only a single
word longer than a part (a long link) is ever cut. Pieces are packed greedily, in order, which
for pieces kept in order gives the fewest parts. Each part is encoded on its own: an English
part of an otherwise Arabic message still goes as GSM-7.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")

SINGLE = {"GSM-7": 160, "UCS-2": 70}
PART = {"GSM-7": 153, "UCS-2": 67}

Encoding = Literal["GSM-7", "UCS-2"]

_OPTION = re.compile(r"\d+\) ")  # a numbered option line, as conversations.texting writes it

# Typography that would force UCS-2 on an otherwise GSM-7 text, and its plain equivalent.
_PLAIN = str.maketrans(
    {
        "…": "...",
        "“": '"',
        "”": '"',
        "«": '"',
        "»": '"',
        "‘": "'",
        "’": "'",
        "–": "-",
        "—": "-",
        "•": "-",
        "→": "->",
        "✓": "(v)",
        "✔": "",
        "✅": "",
        "·": "-",
        "◀": "<",
        "▶": ">",
        "✉": "",
        "📍": "",
        "🗓": "",
        "\u00a0": " ",
        "\u202f": " ",
    }
)


_GUILLEMETS = re.compile(r"«\s*|\s*»")  # French quotes hold a (no-break) space inside


def plain(text: str) -> str:
    """Typographic marks replaced by plain ones, so that Latin text can stay in GSM-7."""
    unquoted = _GUILLEMETS.sub('"', text)
    return "\n".join(line.strip(" ") for line in unquoted.translate(_PLAIN).split("\n"))


def encoding(text: str) -> Encoding:
    return "GSM-7" if all(c in GSM_BASIC or c in GSM_EXTENSION for c in text) else "UCS-2"


def units(text: str, coding: Encoding | None = None) -> int:
    """Length in septets (GSM-7) or UTF-16 code units (UCS-2)."""
    if (coding or encoding(text)) == "GSM-7":
        return sum(2 if c in GSM_EXTENSION else 1 for c in text)
    return sum(2 if ord(c) > 0xFFFF else 1 for c in text)


@dataclass(frozen=True, slots=True)
class Part:
    text: str
    encoding: Encoding
    units: int


def _fits(text: str, limit: dict[str, int]) -> bool:
    coding = encoding(text)
    return units(text, coding) <= limit[coding]


def split(text: str) -> list[Part]:
    """The text in as few one-segment parts as possible, cut between lines, then words."""
    text = text.strip()
    if _fits(text, SINGLE):
        return [_part(text)]
    pieces: list[str] = []
    current = ""
    for separator, chunk in _chunks(text):
        joined = f"{current}{separator}{chunk}" if current else chunk
        if _fits(joined, PART):
            current = joined
            continue
        if current:
            pieces.append(current)
        current = chunk
        while not _fits(current, PART):  # one word longer than a part: cut it
            cut = _longest_prefix(current)
            pieces.append(current[:cut])
            current = current[cut:]
    if current:
        pieces.append(current)
    return [_part(p.strip()) for p in pieces if p.strip()]


def _chunks(text: str) -> list[tuple[str, str]]:
    """What may not be cut, with what joins it to the previous: option lines ("2) Land and
    property") whole, other lines word by word."""
    chunks: list[tuple[str, str]] = []
    for line in text.split("\n"):
        if _OPTION.match(line) or not line:
            chunks.append(("\n", line))
            continue
        words = line.split(" ")
        chunks.append(("\n", words[0]))
        chunks.extend((" ", word) for word in words[1:])
    return chunks


def segments(text: str) -> int:
    """How many SMS segments a text costs as PeacePulse sends it."""
    return len(split(text))


def _part(text: str) -> Part:
    coding = encoding(text)
    return Part(text, coding, units(text, coding))


def _longest_prefix(word: str) -> int:
    cut = len(word)
    while cut > 1 and not _fits(word[:cut], PART):
        cut -= 1
    return cut
