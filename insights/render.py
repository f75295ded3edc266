"""Poll results as a terminal table, CSV and JSON.

These only lay out `PollResults`: a suppressed cell there carries no count, so none can appear
here. Every hidden cell gets the same marker, whether hidden for being small or for protecting
another, so that nobody can tell which is which.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from insights.differences import QuestionBreakdown
from insights.results import Cell, Group, NumberCell, PollResults, QuestionResult

MARK = "*"

CSV_FIELDS = (
    "poll_id",
    "question_id",
    "question",
    "option_id",
    "option",
    "group_id",
    "group",
    "count",
    "percent",
    "value",
    "suppressed",
)
"""The CSV columns, one row per cell. ``option_id`` is ``_n`` for respondents and ``_mean``,
``_min``, ``_max`` for number summaries (in ``value``); ``group_id`` is empty for not stated and
``_all`` for all respondents."""

_NUMBER_ROWS = (("_mean", "mean"), ("_min", "minimum"), ("_max", "maximum"))


def to_table(results: PollResults) -> str:
    """Aligned plain text: per question, one line per option and a column per group."""
    lines = [results.title]
    if results.scope is not None:
        lines.append(f"Counts: {results.scope}")
    if results.by_label is not None:
        lines.append(f"By: {results.by_label}")
    for question in results.questions:
        lines += ["", f"{question.prompt}  [{_kind(question.kind)}]"]
        header = ["", *(group.label for group in results.groups)]
        body = [[label, *cells] for label, cells in _table_rows(question)]
        lines += _aligned([header, *body])
        split = _split_of(results, question.question_id)
        if split is not None:
            lines += ["", "Weighted % (95 % Wilson interval on the group's effective n)"]
            lines += _aligned(_weighted_rows(split))
            lines.append(_verdict(split, results.k))
    if _any_hidden(results):
        lines += ["", f"{MARK} hidden: fewer than {results.k} people, or would reveal such a group"]
    if results.weighted is not None:
        lines += [
            "",
            "Groups differ: Rao–Scott test on the weighted table (second-order F, design "
            "effects from the weights by linearization); q: p adjusted (Benjamini–Hochberg) "
            "over every test of this wave.",
        ]
    return "\n".join(lines) + "\n"


def _split_of(results: PollResults, question_id: str) -> QuestionBreakdown | None:
    if results.weighted is None:
        return None
    return next((q for q in results.weighted.questions if q.question_id == question_id), None)


def _weighted_rows(split: QuestionBreakdown) -> list[list[str]]:
    header = ["", *(g.label for g in split.groups)]
    rows = [
        [
            label,
            *(
                MARK
                if (e := g.shares[i]) is None
                else f"{100 * e.share:.0f}% ({100 * e.low:.0f}-{100 * e.high:.0f})"
                for g in split.groups
            ),
        ]
        for i, (_, label) in enumerate(split.options)
    ]
    effective = [MARK if g.effective_n is None else f"{g.effective_n:.0f}" for g in split.groups]
    return [header, *rows, ["effective n", *effective]]


_NOT_TESTED = {
    "not_a_table": "not tested (several answers per person)",
    "one_group": "not tested (fewer than two groups or answers)",
    "small_cells": "not tested (some group has fewer than {k} people for some answer)",
    "small_effective_n": "not tested (some group's effective n is below {k})",
}


def _verdict(split: QuestionBreakdown, k: int) -> str:
    test = split.difference.test
    if test is None:
        reason = split.difference.reason or "one_group"
        return "Groups differ: " + _NOT_TESTED[reason].format(k=k)
    answer = "yes" if test.significant else "no clear difference"
    return (
        f"Groups differ: {answer} (Rao-Scott F = {test.f:.2f} on {test.d0:.2f} and "
        f"{test.d0 * (test.n - 1):.0f} df, p = {_p(test.p)}, q = {_p(test.q)})"
    )


def _p(value: float | None) -> str:
    if value is None:
        return "-"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def to_csv(results: PollResults) -> str:
    """Long format: one row per question, option (or ``_n``) and group."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for question in results.questions:
        about = {
            "poll_id": results.poll_id,
            "question_id": question.question_id,
            "question": question.prompt,
        }
        writer.writerows({**about, **row} for row in _csv_rows(results, question))
    return out.getvalue()


def _csv_rows(results: PollResults, question: QuestionResult) -> Iterator[dict[str, str]]:
    """The question's cells, each with its option and group."""
    groups = results.groups
    for row in question.rows:
        for group, cell in zip(groups, row.cells, strict=True):
            yield _csv_cell(row.choice_id, row.label, group, cell)
    for option_id, label in _NUMBER_ROWS if question.numbers else ():
        for group, number in zip(groups, question.numbers, strict=True):
            yield {
                "option_id": option_id,
                "option": label,
                "group_id": group.key or "",
                "group": group.label,
                "value": "" if number.suppressed else _text(_statistic(number, option_id), 2),
                "suppressed": _flag(number.suppressed),
            }
    for group, cell in zip(groups, question.n, strict=True):
        yield _csv_cell("_n", "n", group, cell)


def _csv_cell(option_id: str, option: str, group: Group, cell: Cell) -> dict[str, str]:
    return {
        "option_id": option_id,
        "option": option,
        "group_id": group.key or "",
        "group": group.label,
        "count": _text(cell.count),
        "percent": _text(cell.percent, 1),
        "suppressed": _flag(cell.suppressed),
    }


def _flag(value: bool) -> str:
    return "true" if value else "false"


def to_json(results: PollResults) -> str:
    """A document with the poll, the split, k, the groups and per question its cells.

    Cell lists follow ``groups``; a hidden cell is ``{"suppressed": true}`` and nothing else.
    """
    document = {
        "poll": {"id": results.poll_id, "title": results.title},
        "by": results.by,
        "by_label": results.by_label,
        "scope": results.scope,
        "k": results.k,
        "groups": [{"key": group.key, "label": group.label} for group in results.groups],
        "questions": [_json_question(question) for question in results.questions],
    }
    if results.weighted is not None:
        document["weighted"] = [_json_split(q) for q in results.weighted.questions]
    return json.dumps(document, ensure_ascii=False, indent=2)


def _json_question(question: QuestionResult) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": question.question_id,
        "prompt": question.prompt,
        "kind": question.kind,
        "n": [_json_cell(cell, percent=False) for cell in question.n],
    }
    if question.rows:
        entry["options"] = [
            {
                "id": row.choice_id,
                "label": row.label,
                "cells": [_json_cell(cell, percent=True) for cell in row.cells],
            }
            for row in question.rows
        ]
    if question.numbers:
        entry["numbers"] = [_json_number(cell) for cell in question.numbers]
    return entry


def _json_split(split: QuestionBreakdown) -> dict[str, Any]:
    """A question's weighted shares by group (hidden: null) and the test of difference."""
    test = split.difference.test
    return {
        "question_id": split.question_id,
        "options": [choice_id for choice_id, _ in split.options],
        "groups": [
            {
                "key": g.key,
                "label": g.label,
                "effective_n": _rounded(g.effective_n, 1),
                "shares": [
                    None
                    if e is None
                    else {
                        "share": _rounded(100 * e.share, 1),
                        "low": _rounded(100 * e.low, 1),
                        "high": _rounded(100 * e.high, 1),
                    }
                    for e in g.shares
                ],
            }
            for g in split.groups
        ],
        "test": None
        if test is None
        else {
            "method": "Rao-Scott second-order F (survey::svychisq statistic='F')",
            "f": _rounded(test.f, 3),
            "d0": _rounded(test.d0, 3),
            "p": _rounded(test.p, 4),
            "q": _rounded(test.q, 4),
            "chisq_first_order": _rounded(test.first_order, 3),
            "df": test.df,
            "p_first_order": _rounded(test.p_first_order, 4),
            "design_effect": _rounded(test.design_effect, 3),
            "groups_differ": test.significant,
        },
        "not_tested": split.difference.reason,
    }


def _json_cell(cell: Cell, *, percent: bool) -> dict[str, Any]:
    if cell.suppressed:
        return {"suppressed": True}
    if not percent:
        return {"count": cell.count}
    return {"count": cell.count, "percent": _rounded(cell.percent, 1)}


def _json_number(cell: NumberCell) -> dict[str, Any]:
    if cell.suppressed:
        return {"suppressed": True}
    return {
        "n": cell.n,
        "mean": _rounded(cell.mean, 2),
        "min": cell.minimum,
        "max": cell.maximum,
    }


def _table_rows(question: QuestionResult) -> list[tuple[str, list[str]]]:
    rows = [(row.label, [_count(cell) for cell in row.cells]) for row in question.rows]
    if question.numbers:
        rows += [
            (label, [_number(cell, option_id) for cell in question.numbers])
            for option_id, label in _NUMBER_ROWS
        ]
    rows.append(("n", [MARK if cell.suppressed else _text(cell.count) for cell in question.n]))
    return rows


def _aligned(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            [
                row[0].ljust(widths[0]),
                *(text.rjust(w) for text, w in zip(row[1:], widths[1:], strict=True)),
            ]
        ).rstrip()
        for row in rows
    ]


def _count(cell: Cell) -> str:
    if cell.suppressed:
        return MARK
    if cell.percent is None:
        return str(cell.count)
    return f"{cell.count} ({cell.percent:.0f}%)"


def _number(cell: NumberCell, option_id: str) -> str:
    if cell.suppressed:
        return MARK
    return _text(_statistic(cell, option_id), 2) or "-"


def _statistic(cell: NumberCell, option_id: str) -> float | None:
    return {"_mean": cell.mean, "_min": cell.minimum, "_max": cell.maximum}[option_id]


def _kind(kind: str) -> str:
    if kind == "multiple_choice":
        return "multiple choice: % of respondents, several answers each"
    return kind.replace("_", " ")


def _any_hidden(results: PollResults) -> bool:
    return any(
        any(cell.suppressed for cell in question.n)
        or any(cell.suppressed for cell in question.numbers)
        or any(cell.suppressed for row in question.rows for cell in row.cells)
        for question in results.questions
    )


def _rounded(value: float | None, digits: int) -> float | None:
    return round(value, digits) if value is not None else None


def _text(value: float | None, digits: int = 0) -> str:
    """A figure as text: whole numbers without decimals, others rounded; empty for None."""
    if value is None:
        return ""
    if float(value).is_integer():
        return str(int(value))
    return str(round(value, digits))
