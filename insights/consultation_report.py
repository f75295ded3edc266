"""A consultation's report for mediators: participation, opinion groups, consensus, themes and
languages, as Markdown, JSON or HTML. Pure: the caller reads the rows.

Small cells are suppressed everywhere (`insights.suppression`): participation counts under
``k`` (and what would give them away), opinion groups under ``k`` people (their size and
statements are not shown), themes with fewer than ``k`` answers. Quotes are never attributed.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from conversations.definitions import Consultation, Deployment
from conversations.i18n import LANGUAGE_NAMES, translate
from insights.opinion_groups import OpinionGroups
from insights.suppression import suppress
from insights.themes import Suggestion

HIDDEN = "*"


@dataclass(frozen=True, slots=True)
class Versions:
    """A statement in every language it has: ``texts`` (language → text) and the language its
    author wrote in (None for the deployment's own statements, written in every language)."""

    original: str | None
    texts: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class ReportInput:
    deployment: Deployment
    consultation: Consultation
    participation: Sequence[tuple[str | None, int]]  # by a profile field (None: not stated)
    groups: OpinionGroups
    statements: Mapping[int, str]  # id → text in the report's language
    codebook_counts: Mapping[str, int]  # theme id → answers
    codebook_quotes: Mapping[str, Sequence[str]]
    suggestions: Sequence[Suggestion]
    languages: Mapping[str, int]
    answers: int
    language: str
    field_name: str = "region"
    value_names: Mapping[str, str] = field(default_factory=dict)  # value id → label
    rounds: Mapping[int, tuple[str, int]] = field(default_factory=dict)  # n → (question, answers)
    extra: Mapping[str, object] = field(default_factory=dict)
    versions: Mapping[int, Versions] = field(default_factory=dict)
    """Each statement's original and translations (moderators translate them), by id: the
    report shows every version beside the one in its language."""


def build(data: ReportInput) -> dict[str, object]:
    """The report as plain data (what the JSON format prints)."""
    d, k, lang = data.deployment, data.deployment.suppression_k, data.language
    names = data.value_names
    rows = list(data.participation)
    total = sum(n for _, n in rows)
    pattern = suppress([[n] for _, n in rows], [total], k, additive=True)
    participation = [
        {
            "group": names.get(value, value) if value else "not stated",
            "participants": HIDDEN if pattern.hides(i, 0) else n,
        }
        for i, (value, n) in enumerate(rows)
    ]
    # Group sizes add up to the participants clustered, languages and rounds to their totals:
    # each list is suppressed as a column with its total, so no small one is the rest.
    sizes = _hidden([g.size for g in data.groups.groups], k)
    groups = []
    for index, group in enumerate(data.groups.groups):
        if group.size < k:
            groups.append({"group": group.id + 1, "size": HIDDEN, "representative": []})
            continue
        groups.append(
            {
                "group": group.id + 1,
                "size": HIDDEN if sizes[index] else group.size,
                "representative": [
                    {
                        **_statement(data, r.statement),
                        "direction": r.direction,
                        "share": round(r.probability, 2),
                        "votes": r.n_trials,
                    }
                    for r in group.representative
                ],
            }
        )
    consensus = [
        {
            **_statement(data, c.statement),
            "direction": c.direction,
            "share": round(c.probability, 2),
            "group_aware_consensus": round(c.group_aware, 3),
        }
        for c in data.groups.consensus
    ]
    theme_names = {t.id: d.text(t.label, lang) for t in data.consultation.codebook}
    themes = [
        {
            "theme": theme_names.get(theme, theme),
            "answers": n if n >= k else HIDDEN,
            "quotes": list(data.codebook_quotes.get(theme, ()))[:3] if n >= k else [],
        }
        for theme, n in data.codebook_counts.items()
    ]
    suggested = [
        {
            "words": list(s.words),
            "answers": len(s.answers) if len(s.answers) >= k else HIDDEN,
            "quotes": list(s.quotes) if len(s.answers) >= k else [],
        }
        for s in data.suggestions
    ]
    by_language = _hidden(list(data.languages.values()), k)
    languages = {
        language: HIDDEN if hidden else n
        for (language, n), hidden in zip(data.languages.items(), by_language, strict=True)
    }
    ordered_rounds = sorted(data.rounds.items())
    by_round = _hidden([count for _, (_, count) in ordered_rounds], k)
    return {
        "consultation": data.consultation.id,
        "title": d.text(data.consultation.title, lang),
        "element": d.text(data.consultation.element, lang),
        "question": d.text(data.consultation.question, lang),
        "participants": total if total >= k else HIDDEN,
        "answers": data.answers if data.answers >= k else HIDDEN,
        "participation": {
            "by": data.field_name,
            "label": d.field_label(data.field_name, lang),
            "rows": participation,
        },
        "opinion_groups": {
            "clustered": data.groups.participants_clustered,
            "silhouette": None
            if data.groups.silhouette is None
            else round(data.groups.silhouette, 3),
            "groups": groups,
        },
        "consensus": consensus,
        "themes": themes,
        "suggested_themes": suggested,
        "languages": languages,
        "rounds": [
            {"round": n, "question": question, "answers": HIDDEN if hidden else count}
            for (n, (question, count)), hidden in zip(ordered_rounds, by_round, strict=True)
        ],
        "suppression_k": k,
        "language": lang,
    }


def _statement(data: ReportInput, statement: int) -> dict[str, object]:
    """A statement in the report's language, with its other versions (``original``: the
    language its author wrote in, if any; ``translations``: language → text)."""
    entry: dict[str, object] = {"statement": data.statements.get(statement, str(statement))}
    versions = data.versions.get(statement)
    if versions is not None:
        entry["original"] = versions.original
        entry["translations"] = dict(versions.texts)
    return entry


def _others(item: Mapping[str, object], language: str) -> list[tuple[str, str, bool]]:
    """(language, text, is the original) of each version but the one the report shows; the
    original first."""
    texts = item.get("translations")
    if not isinstance(texts, dict):
        return []
    original = item.get("original")
    shown = language if language in texts else None
    listed = [(code, str(text), code == original) for code, text in texts.items() if code != shown]
    return sorted(listed, key=lambda version: not version[2])


def _hidden(counts: Sequence[int], k: int) -> list[bool]:
    """Which of counts that add up to a shown total to hide: those under k, and complements."""
    pattern = suppress([[n] for n in counts], [sum(counts)], k, additive=True)
    return [pattern.hides(i, 0) for i in range(len(counts))]


def render(report: Mapping[str, object], output_format: str) -> str:
    if output_format == "json":
        return json.dumps(report, ensure_ascii=False, indent=2)
    markdown = _markdown(report)
    if output_format == "md":
        return markdown
    return _html(report)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|#!~])")


def _md(value: object) -> str:
    """A value as literal Markdown text: HTML escaped (a renderer passes raw HTML through, so
    a statement could carry a script or a tracking image), Markdown's own marks escaped (no
    links, images or table cells made up by a participant), one line."""
    text = html.escape(" ".join(str(value).split()), quote=False)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _md_versions(item: Mapping[str, object], language: str) -> list[str]:
    lines = []
    for code, text, original in _others(item, language):
        label = f"{code}, original" if original else code
        lines.append(f"  - *{_md(label)}:* {_md(text)}")
    return lines


def _markdown(r: Mapping[str, object]) -> str:
    m = _md
    language = str(r.get("language", "en"))
    lines = [f"# {m(r['title'])}", "", f"*{m(r['element'])}*", ""]
    lines += [f"**Question:** {m(r['question'])}", ""]
    lines += [f"Participants: {r['participants']} · free-text answers: {r['answers']}", ""]
    participation = r["participation"]
    assert isinstance(participation, dict)
    lines += [f"## Participation by {m(participation['by'])}", "", "| group | participants |"]
    lines += ["| --- | --: |"]
    lines += [f"| {m(row['group'])} | {row['participants']} |" for row in participation["rows"]]
    groups = r["opinion_groups"]
    assert isinstance(groups, dict)
    lines += ["", "## Opinion groups", ""]
    if not groups["groups"]:
        lines.append("Not enough votes yet to find opinion groups.")
    for group in groups["groups"]:
        lines.append(f"### Group {group['group']} ({group['size']} people)")
        for rep in group["representative"]:
            lines.append(f"- {rep['direction']} {rep['share']:.0%}: {m(rep['statement'])}")
            lines += _md_versions(rep, language)
        lines.append("")
    lines += ["", "## Common ground (all groups)", ""]
    consensus = r["consensus"]
    assert isinstance(consensus, list)
    for c in consensus:
        lines.append(f"- {c['direction']} {c['share']:.0%}: {m(c['statement'])}")
        lines += _md_versions(c, language)
    if not consensus:
        lines.append("None yet.")
    lines += ["", "## Themes", ""]
    themes = r["themes"]
    assert isinstance(themes, list)
    for theme in themes:
        lines.append(f"- **{m(theme['theme'])}**: {theme['answers']} answers")
        lines += [f"  > {m(quote)}" for quote in theme["quotes"]]
    suggested = r["suggested_themes"]
    assert isinstance(suggested, list)
    if suggested:
        lines += ["", "### Suggested themes (not yet confirmed)", ""]
        for s in suggested:
            lines.append(f"- {m(', '.join(s['words']))}: {s['answers']} answers")
            lines += [f"  > {m(quote)}" for quote in s["quotes"]]
    languages = r["languages"]
    assert isinstance(languages, dict)
    rounds = r["rounds"]
    assert isinstance(rounds, list)
    if len(rounds) > 1:
        lines += ["", "## Rounds", "", "| round | question | answers |", "| --: | --- | --: |"]
        lines += [f"| {x['round']} | {m(x['question'])} | {x['answers']} |" for x in rounds]
    lines += ["", "## Languages", "", "| language | answers |", "| --- | --: |"]
    lines += [f"| {m(language)} | {n} |" for language, n in languages.items()]
    lines += ["", f"Cells under {r['suppression_k']} people are shown as {HIDDEN}.", ""]
    return "\n".join(lines)


class _Built(str):
    """HTML this module built itself from escaped parts (a table cell not to escape again)."""

    __slots__ = ()


DIRECTIONS = frozenset({"agree", "disagree"})
RIGHT_TO_LEFT = frozenset({"ar", "fa", "ps", "ku", "ur", "he"})


def direction_of(language: str) -> str:
    return "rtl" if language in RIGHT_TO_LEFT else "ltr"


def _said(item: Mapping[str, object], language: str) -> _Built:
    """A statement's cell: its text in the report's language, then its original and
    translations, each marked with its language and direction."""
    e = html.escape
    versions = []
    for code, text, original in _others(item, language):
        name = LANGUAGE_NAMES.get(code, code)
        label = translate("consultation_original", language, name=name) if original else name
        versions.append(
            f"<li lang='{e(code)}' dir='{direction_of(code)}'><span class='label' "
            f"lang='{e(language)}' dir='{direction_of(language)}'>{e(label)}</span> "
            f"{e(text)}</li>"
        )
    shown = e(str(item["statement"]))
    return _Built(shown + (f"<ul class='versions'>{''.join(versions)}</ul>" if versions else ""))


def _html(r: Mapping[str, object]) -> str:
    """A self-contained page (no scripts, no external assets) that prints well."""
    e = html.escape

    def table(head: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
        cells = "".join(f"<th>{e(h)}</th>" for h in head)
        body = "".join(
            "<tr>"
            + "".join(f"<td>{c if isinstance(c, _Built) else e(str(c))}</td>" for c in row)
            + "</tr>"
            for row in rows
        )
        return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"

    def quotes(items: Sequence[str]) -> str:
        return "".join(f"<blockquote>{e(q)}</blockquote>" for q in items)

    participation = r["participation"]
    groups = r["opinion_groups"]
    consensus = r["consensus"]
    themes = r["themes"]
    suggested = r["suggested_themes"]
    languages = r["languages"]
    assert isinstance(participation, dict) and isinstance(groups, dict)
    assert isinstance(consensus, list) and isinstance(themes, list)
    assert isinstance(suggested, list) and isinstance(languages, dict)
    language = str(r.get("language", "en"))

    def w(key: str, **values: object) -> str:
        return e(translate(key, language, **values))

    def direction(value: object) -> str:
        return translate(f"consultation_{value}", language) if value in DIRECTIONS else str(value)

    share, statement = translate("consultation_share", language), w("consultation_statement")
    parts = [
        f"<h1>{e(str(r['title']))}</h1><p><em>{e(str(r['element']))}</em></p>",
        f"<p><strong>{w('consultation_question')}</strong> {e(str(r['question']))}</p>",
        f"<p>{w('consultation_participants', n=r['participants'], answers=r['answers'])}</p>",
        f"<h2>{w('consultation_participation_by', field=participation.get('label', ''))}</h2>",
        table(
            [translate(k, language) for k in ("consultation_group", "consultation_people")],
            [(p["group"], p["participants"]) for p in participation["rows"]],
        ),
        f"<h2>{w('consultation_opinion_groups')}</h2>",
    ]
    if not groups["groups"]:
        parts.append(f"<p>{w('consultation_no_groups')}</p>")
    else:
        clustered, k = groups.get("clustered"), r["suppression_k"]
        enough = isinstance(clustered, int) and isinstance(k, int) and clustered >= k
        shown = clustered if enough else HIDDEN
        parts.append(f"<p>{w('consultation_rest_on', n=shown)}</p>")
    for group in groups["groups"]:
        heading = w("consultation_group_heading", group=group["group"], size=group["size"])
        parts.append(f"<h3>{heading}</h3>")
        parts.append(
            table(
                ["", share, statement],
                [
                    (direction(g["direction"]), f"{g['share']:.0%}", _said(g, language))
                    for g in group["representative"]
                ],
            )
        )
    parts.append(f"<h2>{w('consultation_common_ground')}</h2>")
    parts.append(
        table(
            ["", share, statement],
            [
                (direction(c["direction"]), f"{c['share']:.0%}", _said(c, language))
                for c in consensus
            ],
        )
        if consensus
        else f"<p>{w('consultation_none_yet')}</p>"
    )
    parts.append(f"<h2>{w('consultation_themes')}</h2>")
    for theme in themes:
        parts.append(
            f"<h3>{w('consultation_answers', name=theme['theme'], n=theme['answers'])}</h3>"
        )
        parts.append(quotes(theme["quotes"]))
    if suggested:
        parts.append(f"<h2>{w('consultation_suggested')}</h2>")
        for item in suggested:
            words = ", ".join(item["words"])
            parts.append(f"<h3>{w('consultation_answers', name=words, n=item['answers'])}</h3>")
            parts.append(quotes(item["quotes"]))
    rounds = r["rounds"]
    assert isinstance(rounds, list)
    if len(rounds) > 1:
        parts.append(f"<h2>{w('consultation_rounds')}</h2>")
        parts.append(
            table(
                [
                    translate(k, language)
                    for k in (
                        "consultation_round",
                        "consultation_round_question",
                        "consultation_answer_count",
                    )
                ],
                [(x["round"], x["question"], x["answers"]) for x in rounds],
            )
        )
    parts.append(f"<h2>{w('consultation_languages')}</h2>")
    parts.append(
        table(
            [
                translate(k, language)
                for k in ("consultation_language", "consultation_answer_count")
            ],
            list(languages.items()),
        )
    )
    parts.append(f"<p>{w('consultation_hidden', k=r['suppression_k'], mark=HIDDEN)}</p>")
    style = (
        "body{font-family:sans-serif;max-width:50em;margin:auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .5em}"
        "blockquote{border-left:3px solid #999;margin:.3em 0;padding-left:.6em}"
        ".versions{margin:.2em 0;padding-inline-start:1.2em;color:#444;font-size:.9em}"
        ".label{font-style:italic}"
    )
    return (
        f"<!doctype html>\n<html lang='{e(language)}' dir='{direction_of(language)}'><head>"
        f"<meta charset='utf-8'><title>{e(str(r['title']))}</title>"
        f"<style>{style}</style></head>\n<body>\n" + "\n".join(parts) + "\n</body></html>\n"
    )
