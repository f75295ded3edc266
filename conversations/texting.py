"""Conversation by text alone (SMS): numbered options out, typed answers in.

Pure and shared by every channel. `numbered_text` renders a `Reply` with its options numbered
("1) Security"); `choose` reads what a person typed back: an option's number, or its words in
any of the deployment's languages, forgiving case, accents and small typos, and for a
multiple choice several of them ("1 3", "1,3", "security, land").

Small typos are forgiven with `difflib.SequenceMatcher` from the standard library: the
candidates are a handful of short labels per question, so speed does not matter, and a
similarity ratio with a high threshold and a required margin over the runner-up is all the
matching needed here (rapidfuzz would add a compiled dependency for no gain at this size).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence

from conversations.values import Reply

ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

_TICKS = ("☐ ", "☑ ")
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه", "ـ": None})
_SEPARATORS = re.compile(r"[\s,;/+&]+")
_PUNCTUATION = re.compile(r"[^\w\s]")
# How alike a typed word must be to an option (0..1), and how much less alike the next best.
FUZZY_THRESHOLD = 0.8
FUZZY_MARGIN = 0.1


def clean_label(label: str) -> str:
    """A button label without the tick marks of toggle buttons."""
    for tick in _TICKS:
        label = label.removeprefix(tick)
    return label


def normalize(text: str) -> str:
    """Case, accents, Arabic letter variants and punctuation folded: "Sécurité!" → "securite"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(ARABIC_DIGITS))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = bare.casefold().translate(_ARABIC_FOLD)
    return " ".join(_PUNCTUATION.sub(" ", folded).split())


_SLASH_COMMAND = re.compile(r"(?<![\w/])/([a-z]+(?:_[a-z]+)*)(?![\w/])")


def typed_commands(text: str) -> str:
    """Commands as they are typed without buttons: ``/my_signups`` → ``MY SIGNUPS``.

    A slash is hard to type on many basic phones, and the engine reads a command's words
    without it (`Engine.interpret`), so text sent by SMS never asks for one.
    """
    return _SLASH_COMMAND.sub(lambda found: found[1].replace("_", " ").upper(), text)


def numbered_text(reply: Reply) -> str:
    """A reply as plain text: its text, then one line per option, "1) Label".

    Commands are written as typed, without their slash (`typed_commands`).
    Options are numbered in the order of ``reply.flat_buttons``, the numbers `choose` reads.
    Buttons whose label is itself a number (scale points) are not listed: the text says what
    the numbers mean. When the person is expected to type (a number, free text), the buttons
    are extras such as "Skip" and are shown by name, unnumbered.
    """
    buttons = reply.flat_buttons
    text = typed_commands(reply.text)
    if not buttons:
        return text
    if reply.expects_text:
        return text + "\n(" + " | ".join(clean_label(b.label) for b in buttons) + ")"
    lines = [text]
    for number, button in enumerate(buttons, 1):
        label = clean_label(button.label)
        if not label.strip().isdigit():
            lines.append(f"{number}) {label}")
    return "\n".join(lines)


def choose(
    typed: str,
    options: Sequence[Sequence[str]],
    *,
    many: bool = False,
    joining: Collection[str] = (),
) -> list[int] | None:
    """The options (0-based, in order of mention, without repeats) named by typed text.

    ``options[i]`` holds every label of option i+1 (one per language). Returns None when the
    text does not name options clearly; with ``many`` False, when it names more than one.
    ``joining`` words ("and", "et", "و") may stand between numbers: "1 and 3".
    """
    text = normalize(typed)
    if not text:
        return None
    whole = _by_label(text, options)
    if whole is not None:
        return [whole]
    if not many:
        return _by_number(text, len(options))
    joins = {normalize(word) for word in joining}
    tokens = [
        t
        for t in _SEPARATORS.split(typed.translate(ARABIC_DIGITS).strip())
        if t and normalize(t) not in joins
    ]
    if tokens and all(t.isdigit() for t in tokens):
        return _dedup(_by_number(t, len(options)) for t in tokens)
    parts = [normalize(p) for p in re.split(r"[,;\n]+", typed) if normalize(p)]
    if len(parts) > 1:
        return _dedup(_single(p, options) for p in parts)
    return None


def _single(text: str, options: Sequence[Sequence[str]]) -> list[int] | None:
    found = _by_label(text, options)
    return [found] if found is not None else _by_number(text, len(options))


def _by_number(text: str, count: int) -> list[int] | None:
    if text.isdigit() and 1 <= int(text) <= count:
        return [int(text) - 1]
    return None


def _by_label(text: str, options: Sequence[Sequence[str]]) -> int | None:
    """The option with a label equal to ``text``, else the one clearly closest to it."""
    labels = [
        (i, normalize(clean_label(label))) for i, names in enumerate(options) for label in names
    ]
    exact = {i for i, label in labels if label == text}
    if len(exact) == 1:
        return exact.pop()
    if exact or len(text) < 3 or text.isdigit():
        return None
    # the first words of one label alone: "kessal" for "Kessal Highlands"
    starting = {i for i, label in labels if label.startswith(text + " ")}
    if len(starting) == 1:
        return starting.pop()
    best: dict[int, float] = {}
    for i, label in labels:
        if label.isdigit():
            continue
        ratio = difflib.SequenceMatcher(None, text, label).ratio()
        best[i] = max(best.get(i, 0.0), ratio)
    ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)
    if not ranked or ranked[0][1] < FUZZY_THRESHOLD:
        return None
    if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < FUZZY_MARGIN:
        return None
    return ranked[0][0]


def _dedup(found: Iterable[list[int] | None]) -> list[int] | None:
    chosen: list[int] = []
    for item in found:
        if item is None:
            return None
        chosen.extend(i for i in item if i not in chosen)
    return chosen or None
