"""Language detection of free-text answers, with langdetect (deterministic: fixed seed)."""

from __future__ import annotations

from langdetect import DetectorFactory, LangDetectException, detect_langs


def detect_language(text: str) -> tuple[str | None, float | None]:
    """The most probable language of ``text`` and its probability; (None, None) if unknown."""
    DetectorFactory.seed = 0  # langdetect is random by default; answers must not change on re-run
    try:
        candidates = detect_langs(text)
    except LangDetectException:
        return None, None
    if not candidates:
        return None, None
    best = candidates[0]
    return str(best.lang), round(float(best.prob), 4)
