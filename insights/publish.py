"""A poll's public results as a static site: a page per question and wave, in every language
of the deployment, with SVG charts and the method note. Pure: results in, files out.

Nothing here counts or hides anything: every figure comes from `insights.results.PollResults`
(the cells of `peacepulse results`, suppressed by `insights.suppression`), so a hidden cell has
no count to show and is drawn as "–". Pages are self-contained (inline CSS and SVG, no
script, no request elsewhere) and small (the test holds each under 200 KB).

Layout, each path a permalink::

    index.html                      links to each language
    LANG/index.html                 the poll: method note, questions, waves
    LANG/wave-N.html                the poll in wave N: its questions (repeating polls)
    LANG/QUESTION/wave-N.html       one question in wave N (repeating polls)
    LANG/QUESTION/all.html          one question, every answer (polls without waves)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from conversations.definitions import Deployment, Poll
from conversations.i18n import LANGUAGE_NAMES, translate
from insights.results import PollResults, QuestionResult

RIGHT_TO_LEFT = frozenset({"ar", "fa", "ps", "ur", "he", "ku"})
ALL = "all"


@dataclass(frozen=True)
class Edition:
    """The results of one wave (``wave`` None: a poll without waves) in one language."""

    language: str
    wave: int | None
    results: PollResults


def slug(wave: int | None) -> str:
    return ALL if wave is None else f"wave-{wave}"


def site(deployment: Deployment, poll: Poll, editions: Sequence[Edition]) -> dict[str, str]:
    """Every page of the site, by relative path."""
    pages: dict[str, str] = {}
    languages = [lang for lang in deployment.languages if any(e.language == lang for e in editions)]
    waves = sorted({e.wave for e in editions}, key=lambda w: -1 if w is None else w)
    by_key = {(e.language, e.wave): e for e in editions}
    default = deployment.default_language
    links = "".join(
        f'<li><a href="{lang}/index.html" lang="{lang}">{escape(LANGUAGE_NAMES.get(lang, lang))}'
        "</a></li>"
        for lang in languages
    )
    title = escape(deployment.text(poll.title, default))
    pages["index.html"] = _page(default, title, f"<h1>{title}</h1><ul>{links}</ul>", "", "")
    for language in languages:
        switch = _switcher(languages, language, "index.html", depth=1)
        pages[f"{language}/index.html"] = _poll_page(
            deployment, poll, language, waves=waves, editions=by_key, switch=switch
        )
        for wave in waves:
            edition = by_key.get((language, wave))
            if edition is None:
                continue
            if wave is not None:
                path = f"{slug(wave)}.html"
                pages[f"{language}/{path}"] = _poll_page(
                    deployment,
                    poll,
                    language,
                    waves=waves,
                    editions=by_key,
                    switch=_switcher(languages, language, path, depth=1),
                    wave=wave,
                )
            for question in edition.results.questions:
                path = f"{question.question_id}/{slug(wave)}.html"
                switch = _switcher(languages, language, path, depth=2)
                pages[f"{language}/{path}"] = _question_page(
                    deployment, poll, edition, question=question, waves=waves, switch=switch
                )
    return pages


def _poll_page(
    deployment: Deployment,
    poll: Poll,
    language: str,
    *,
    waves: Sequence[int | None],
    editions: Mapping[tuple[str, int | None], Edition],
    switch: str,
    wave: int | None = None,
) -> str:
    """The poll's page: its questions in ``wave`` (default: the latest), and every wave."""
    title = escape(deployment.text(poll.title, language))
    parts = [f"<h1>{title}</h1>"]
    if wave is not None:
        parts.append(f"<p>{escape(_wave_label(language, wave))}</p>")
    parts.append(_method(deployment, language))
    latest = wave if wave is not None else (waves[-1] if waves else None)
    edition = editions.get((language, latest))
    if edition is not None:
        items = "".join(
            f'<li><a href="{q.question_id}/{slug(latest)}.html">{escape(q.prompt)}</a></li>'
            for q in edition.results.questions
        )
        parts.append(f"<ul>{items}</ul>")
    numbered = [w for w in waves if w is not None]
    if numbered:
        items = "".join(
            f'<li><a href="{slug(w)}.html"'
            + (' aria-current="page"' if w == wave else "")
            + f">{escape(_wave_label(language, w))}</a></li>"
            for w in numbered
        )
        parts.append(f"<h2>{escape(translate('pub_waves', language))}</h2><ul>{items}</ul>")
    return _page(language, title, "\n".join(parts), switch, "")


def _question_page(
    deployment: Deployment,
    poll: Poll,
    edition: Edition,
    *,
    question: QuestionResult,
    waves: Sequence[int | None],
    switch: str,
) -> str:
    language = edition.language
    poll_title = escape(deployment.text(poll.title, language))
    prompt = escape(question.prompt)
    back = "index" if edition.wave is None else slug(edition.wave)
    parts = [
        f'<p><a href="../{back}.html">{poll_title}</a></p>',
        f"<h1>{prompt}</h1>",
    ]
    if edition.wave is not None:
        parts.append(f"<p>{escape(_wave_label(language, edition.wave))}</p>")
    answered = question.n[-1].count if question.n else None
    parts.append(
        "<p>"
        + escape(translate("pub_answered", language, n="–" if answered is None else answered))
        + "</p>"
    )
    if question.rows:
        parts.append(_chart(question, language))
        rows = "".join(
            f"<tr><th scope='row'>{escape(row.label)}</th><td>{_figure(row.cells[-1])}</td></tr>"
            for row in question.rows
        )
        parts.append(
            f"<table><thead><tr><th scope='col'>{escape(translate('web_option', language))}</th>"
            f"<th scope='col'>{escape(translate('pub_share', language))}</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )
    elif question.numbers:
        cell = question.numbers[-1]
        mean = "–" if cell.mean is None else f"{cell.mean:.1f}"
        parts.append(f"<p>{escape(translate('web_mean', language))}: {mean}</p>")
    others = [w for w in waves if w is not None and w != edition.wave]
    if others:
        items = "".join(
            f'<li><a href="{slug(w)}.html">{escape(_wave_label(language, w))}</a></li>'
            for w in others
        )
        parts.append(f"<h2>{escape(translate('pub_waves', language))}</h2><ul>{items}</ul>")
    parts.append(_method(deployment, language))
    return _page(language, f"{prompt} · {poll_title}", "\n".join(parts), switch, "../")


def _figure(cell: object) -> str:
    count = getattr(cell, "count", None)
    percent = getattr(cell, "percent", None)
    if count is None:
        return "–"
    return f"{percent:.0f} % ({count})" if percent is not None else str(count)


def _chart(question: QuestionResult, language: str) -> str:
    """Horizontal bars of each option's share of everybody; hidden shares drawn as "–"."""
    rtl = language in RIGHT_TO_LEFT
    width, label_width, bar_height, gap = 640, 260, 22, 8
    height = len(question.rows) * (bar_height + gap) + gap
    shapes = []
    for index, row in enumerate(question.rows):
        y = gap + index * (bar_height + gap)
        cell = row.cells[-1]
        share = 0.0 if cell.percent is None else cell.percent
        length = (width - label_width - 70) * share / 100
        label = escape(_short(row.label))
        value = "–" if cell.count is None else f"{share:.0f} %"
        if rtl:
            bar_x = width - label_width - length
            shapes.append(
                f'<text x="{width}" y="{y + 16}" text-anchor="end">{label}</text>'
                f'<rect x="{bar_x:.1f}" y="{y}" width="{length:.1f}" height="{bar_height}"/>'
                f'<text x="{bar_x - 6:.1f}" y="{y + 16}" text-anchor="end">{value}</text>'
            )
        else:
            shapes.append(
                f'<text x="0" y="{y + 16}">{label}</text>'
                f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}"/>'
                f'<text x="{label_width + length + 6:.1f}" y="{y + 16}">{value}</text>'
            )
    alt = escape(question.prompt)
    return (
        f'<svg role="img" aria-label="{alt}" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg" direction="ltr" class="chart">{"".join(shapes)}</svg>'
    )


def _short(text: str, width: int = 34) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _wave_label(language: str, wave: int) -> str:
    return translate("report_wave", language, wave=wave)


def _method(deployment: Deployment, language: str) -> str:
    heading = escape(translate("report_how_to_read", language))
    note = escape(translate("pub_method", language, k=deployment.suppression_k))
    organization = escape(deployment.text(deployment.organization, language))
    return f"<h2>{heading}</h2><p class='note'>{note}</p><p class='note'>{organization}</p>"


def _switcher(languages: Sequence[str], current: str, path: str, *, depth: int) -> str:
    up = "../" * depth
    items = "".join(
        f'<li><a href="{up}{lang}/{path}" lang="{lang}"'
        + (' aria-current="page"' if lang == current else "")
        + f">{escape(LANGUAGE_NAMES.get(lang, lang))}</a></li>"
        for lang in languages
    )
    label = escape(translate("web_language", current))
    return f'<nav aria-label="{label}"><ul class="languages">{items}</ul></nav>'


_STYLE = (
    "body{margin:0 auto;max-width:46rem;padding:1rem;font:16px/1.5 system-ui,sans-serif;"
    "color:#1a1a1a}a{color:#0b5394}.languages{list-style:none;padding:0;display:flex;"
    "gap:.8rem;flex-wrap:wrap}a[aria-current]{font-weight:700;color:#1a1a1a}"
    ".chart{width:100%;height:auto;font:13px system-ui,sans-serif}.chart rect{fill:#0b5394}"
    "table{border-collapse:collapse}th,td{border-bottom:1px solid #ccc;padding:.3rem .6rem;"
    'text-align:start}.note{color:#555;font-size:.9rem}[dir="rtl"] td{direction:ltr;'
    "text-align:right}h1{font-size:1.4rem}h2{font-size:1.1rem}"
)


def _page(language: str, title: str, body: str, switch: str, _root: str) -> str:
    direction = "rtl" if language in RIGHT_TO_LEFT else "ltr"
    return (
        f'<!doctype html>\n<html lang="{escape(language)}" dir="{direction}"><head>'
        '<meta charset="utf-8"><meta name="viewport" content="width=device-width, '
        f'initial-scale=1"><title>{title}</title><style>{_STYLE}</style></head>'
        f"<body><header>{switch}</header><main>{body}</main></body></html>\n"
    )
