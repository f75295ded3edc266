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
    if _any_hidden(results):
        lines += ["", f"{MARK} hidden: fewer than {results.k} people, or would reveal such a group"]
    return "\n".join(lines) + "\n"


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
