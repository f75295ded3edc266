"""Themes of a consultation's free-text answers. Pure.

Two passes: the mediators' **codebook** (theme → keywords per language) classifies each answer
by the keywords of its language (all languages' keywords when the language is unknown); then an
**unsupervised** pass, TF-IDF and non-negative matrix factorisation (scikit-learn), suggests
further themes, each with its top words and the answers that load most on it as quotes. A
mediator confirms or relabels suggestions (``peacepulse consultation themes``); confirmed themes
are stored per answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from conversations.definitions import Theme


@dataclass(frozen=True, slots=True)
class Text:
    id: int
    text: str
    language: str | None


_WORD = re.compile(r"\w+")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def classify(answers: Sequence[Text], codebook: Sequence[Theme]) -> dict[int, tuple[str, ...]]:
    """Answer id → the codebook themes whose keywords (whole words or phrases) it contains."""
    found: dict[int, tuple[str, ...]] = {}
    for answer in answers:
        folded = " " + " ".join(_WORD.findall(_fold(answer.text))) + " "
        themes = []
        for theme in codebook:
            keywords: list[str] = []
            if answer.language in theme.keywords:
                keywords = list(theme.keywords[answer.language])
            else:
                keywords = [w for words in theme.keywords.values() for w in words]
            words = (" ".join(_WORD.findall(_fold(k))) for k in keywords)
            if any(w and f" {w} " in folded for w in words):
                themes.append(theme.id)
        found[answer.id] = tuple(themes)
    return found


@dataclass(frozen=True, slots=True)
class Suggestion:
    number: int
    words: tuple[str, ...]
    answers: tuple[int, ...]  # answers whose strongest suggested theme this is
    quotes: tuple[str, ...]  # the answers that load most on it


def suggest(answers: Sequence[Text], themes: int = 5, seed: int = 0) -> tuple[Suggestion, ...]:
    """Themes found in the texts themselves (TF-IDF + NMF); none with fewer than 6 answers."""
    if len(answers) < 6:
        return ()
    # Imported here: scikit-learn takes 1.7 s to import, and every CLI command would pay it.
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [a.text for a in answers]
    vectorizer = TfidfVectorizer(
        token_pattern=r"(?u)\b\w\w\w+\b", max_df=0.9, min_df=1, sublinear_tf=True
    )
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # no usable words at all
        return ()
    count = max(1, min(themes, len(answers) // 3, matrix.shape[1]))
    model = NMF(n_components=count, init="nndsvda", random_state=seed, max_iter=400)
    # a near-perfect fit makes sklearn take the root of a tiny negative number (harmless)
    with np.errstate(invalid="ignore"):
        weights = model.fit_transform(matrix)
    vocabulary = vectorizer.get_feature_names_out()
    strongest = weights.argmax(axis=1)
    suggestions: list[Suggestion] = []
    for topic in range(count):
        top = np.argsort(-model.components_[topic])[:6]
        members = tuple(answers[int(i)].id for i in np.flatnonzero(strongest == topic))
        if not members:
            continue
        best = np.argsort(-weights[:, topic])[:3]
        suggestions.append(
            Suggestion(
                len(suggestions) + 1,
                tuple(str(vocabulary[i]) for i in top),
                members,
                tuple(texts[int(i)] for i in best if weights[i, topic] > 0),
            )
        )
    return tuple(suggestions)


def languages(answers: Sequence[Text]) -> Mapping[str, int]:
    """How many answers were detected in each language (``?`` when it could not be told)."""
    return dict(Counter(a.language or "?" for a in answers).most_common())
