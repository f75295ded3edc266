"""Rendering results: a table, CSV and JSON, none of which may show a hidden count."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from insights.render import CSV_FIELDS, to_csv, to_json, to_table
from insights.results import PollResults, summarize
from tests.insights.helpers import answered, deployment, picks, poll, stats

PLANTED = 3  # north picked "a" 3 times, under k = 5


@pytest.fixture
def results() -> PollResults:
    d = deployment(k=5)
    return summarize(
        d,
        poll(d),
        by="region",
        language="en",
        choices=[
            *picks(
                "single",
                {
                    "north": {"a": PLANTED, "b": 17},
                    "south": {"a": 12, "b": 10},
                    None: {"a": 8, "b": 8},
                },
            ),
            *picks("multi", {"north": {"x": 20, "y": 11}, "south": {"x": 22, "z": 6}}),
        ],
        totals=[
            *answered("single", {"north": 20, "south": 22, None: 16}),
            *answered("multi", {"north": 20, "south": 22}),
            *answered("days", {"north": 2, "south": 30}),
            *answered("note", {"north": 7, "south": 9}),
        ],
        numbers=stats("days", {"north": (2, 4.0, 1, 7), "south": (30, 12.5, 2, 28)}),
    )


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def cells(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every cell of the JSON document: n, options and number summaries."""
    found = []
    for question in document["questions"]:
        found += question["n"] + question.get("numbers", [])
        found += [cell for option in question.get("options", []) for cell in option["cells"]]
    return found


def test_the_planted_count_is_in_no_output(results: PollResults) -> None:
    (row,) = [
        r
        for r in csv_rows(to_csv(results))
        if (r["question_id"], r["option_id"], r["group_id"]) == ("single", "a", "north")
    ]
    assert row["suppressed"] == "true"
    assert str(PLANTED) not in (row["count"], row["percent"], row["value"])
    assert row["count"] == row["percent"] == row["value"] == ""

    document = json.loads(to_json(results))
    single = next(q for q in document["questions"] if q["id"] == "single")
    assert single["options"][0]["cells"][0] == {"suppressed": True}

    table = to_table(results)
    line = next(line for line in table.splitlines() if line.startswith("A "))
    assert line.split()[1] == "*"
    assert f" {PLANTED} " not in line


def test_no_hidden_cell_carries_a_figure(results: PollResults) -> None:
    rows = csv_rows(to_csv(results))
    hidden = [r for r in rows if r["suppressed"] == "true"]
    assert hidden  # the fixture does hide something
    assert all(r["count"] == r["percent"] == r["value"] == "" for r in hidden)
    assert {r["suppressed"] for r in rows} == {"true", "false"}

    document = json.loads(to_json(results))
    assert all(cell == {"suppressed": True} for cell in cells(document) if cell.get("suppressed"))


def test_csv_is_long_and_parses_back(results: PollResults) -> None:
    text = to_csv(results)
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    assert tuple(reader.fieldnames or ()) == CSV_FIELDS
    columns = len(results.groups)  # north, south, not stated, all
    # Per question: an entry per option and column, an n per column, 3 summaries for numbers.
    assert len(rows) == columns * (4 + 4 + 5 + 4 + 4 + 1)
    by_key = {(r["question_id"], r["option_id"], r["group_id"]): r for r in rows}
    assert by_key["single", "b", "south"] == {
        "poll_id": "talks",
        "question_id": "single",
        "question": "Pick one",
        "option_id": "b",
        "option": "B",
        "group_id": "south",
        "group": "South",
        "count": "10",
        "percent": "45.5",
        "value": "",
        "suppressed": "false",
    }
    assert by_key["single", "_n", "_all"]["count"] == "58"
    assert by_key["single", "_n", ""]["group"] == "Not stated"
    assert by_key["days", "_mean", "_all"]["value"] == str(round((8 + 375) / 32, 2))
    assert by_key["days", "_mean", "south"]["suppressed"] == "true"


def test_json_has_the_poll_the_split_and_cells_per_group(results: PollResults) -> None:
    document = json.loads(to_json(results))
    assert document["poll"] == {"id": "talks", "title": "Talks"}
    assert (document["by"], document["by_label"], document["k"]) == (
        "region",
        "Where do you live?",
        5,
    )
    assert document["groups"] == [
        {"key": "north", "label": "North"},
        {"key": "south", "label": "South"},
        {"key": None, "label": "Not stated"},
        {"key": "_all", "label": "All"},
    ]
    multi = next(q for q in document["questions"] if q["id"] == "multi")
    assert multi["kind"] == "multiple_choice"
    assert multi["options"][0]["cells"][-1] == {"count": 42, "percent": 100.0}
    assert multi["n"][-1] == {"count": 42}
    days = next(q for q in document["questions"] if q["id"] == "days")
    assert days["numbers"][-1] == {"n": 32, "mean": round(383 / 32, 2), "min": 1, "max": 28}
    assert "options" not in days


def test_table_lays_out_each_question(results: PollResults) -> None:
    table = to_table(results)
    assert table.startswith("Talks\nBy: Where do you live?\n")
    block = table.split("\n\n")[1].splitlines()
    assert block[0] == "Pick one  [single choice]"
    assert block[1].split() == ["North", "South", "Not", "stated", "All"]
    assert block[3].split() == ["B", "*", "10", "(45%)", "*", "35", "(60%)"]
    assert block[-1].split() == ["n", "20", "22", "16", "58"]
    # Right-aligned columns: every line of the grid ends at the same place.
    assert len({len(line) for line in block[1:]}) == 1
    assert "multiple choice: % of respondents" in table
    assert table.endswith("* hidden: fewer than 5 people, or would reveal such a group\n")


def test_table_without_hidden_cells_has_no_footnote() -> None:
    d = deployment(k=5)
    results = summarize(
        d,
        poll(d),
        by=None,
        language="en",
        choices=picks("single", {None: {"a": 10, "b": 30}}),
        totals=answered("single", {None: 40}),
        numbers=[],
    )
    table = to_table(results)
    assert "hidden" not in table
    assert "A  10 (25%)" in table
