"""Export tables: suppression carried through, HXL rows aligned, files that open again."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from insights.analysis import Rows, response_rates
from insights.export import Export, Table, build, to_json, write_csv, write_xlsx
from insights.spreadsheet import spreadsheet_safe
from insights.weighting import wilson
from storage.crosstabs import (
    AnsweredCell,
    AnswerRow,
    ChoiceCell,
    NumberCell,
    ReachRow,
    RespondentCell,
)
from tests.insights.helpers import poll
from tests.insights.test_analysis import DATA, rows, weighted_deployment


def test_every_table_has_one_hashtag_per_column() -> None:
    d = weighted_deployment()
    export = build(d, poll(d), DATA, "en")
    names = [t.name for t in export.tables]
    assert names == [
        "results",
        "results_by_region",
        "results_by_gender",
        "differences",
        "inclusion",
        "dictionary",
    ]
    for table in export.tables:
        assert len(table.hxl) == len(table.columns)
        assert all(tag.startswith("#") for tag in table.hxl)
        assert all(len(row) == len(table.columns) for row in table.rows)
    by_region = export.tables[1]
    # the deployment's own ids are not P-codes
    assert by_region.hxl[by_region.columns.index("group_id")] == "#x_region +code"
    assert by_region.hxl[by_region.columns.index("group")] == "#adm1 +name"
    assert "#adm1 +code" not in by_region.hxl
    by_gender = export.tables[2]
    assert by_gender.hxl[by_gender.columns.index("group_id")] == "#x_gender +code"
    for table in export.tables:
        assert len(set(table.hxl)) == len(table.hxl), table.name
    results = export.tables[0]
    # a tool asking for "#indicator+num" finds the count first, and only the count
    assert [
        c
        for c, tag in zip(results.columns, results.hxl, strict=True)
        if _matches(tag, "#indicator+num")
    ] == ["count"]
    assert results.hxl[results.columns.index("effective_n")] == "#x_effective_n +num"


def _matches(tag: str, pattern: str) -> bool:
    """HXL tag patterns: the hashtag, and every attribute of the pattern on the column."""
    hashtag, *attributes = pattern.split("+")
    parts = tag.split()
    return parts[0] == hashtag and {f"+{a}" for a in attributes} <= set(parts[1:])


def test_regions_with_p_codes_get_an_adm1_code_column() -> None:
    d = weighted_deployment()
    regions = [r.model_copy(update={"pcode": f"MR0{i}"}) for i, r in enumerate(d.regions, 1)]
    d = d.model_copy(update={"regions": regions})
    by_region = build(d, poll(d), DATA, "en").tables[1]
    at = by_region.columns.index("group_pcode")
    assert by_region.hxl[at] == "#adm1 +code"
    north = next(r for r in by_region.rows if r[by_region.columns.index("group_id")] == "north")
    assert north[at] == "MR01"


def test_every_exported_table_validates_with_libhxl(tmp_path: Path) -> None:
    """libhxl's built-in schema (datatypes per column, numbers where HXL expects them,
    whitespace, spelling of repeated values): no error and no warning in any table, with
    hidden cells, a scale, a number question, several waves, response rates and respondent
    rows in it."""
    hxl = pytest.importorskip("hxl")
    d = weighted_deployment()
    data = _every_kind_of_answer()
    answers = [
        AnswerRow("p1", 1, "single", "a", None, ("north", "woman")),
        AnswerRow("p1", 1, "days", None, 4.0, ("north", "woman")),
    ]
    reach = [response_rates(d, "gender", [ReachRow(1, "woman", 40, 30)], "en")]
    export = build(d, poll(d), data, "en", respondents=answers, reach=reach)
    write_csv(export, tmp_path, hxl=True)
    for table in export.tables:
        # read here (libhxl leaves the files it opens open), validated as the rows written
        with (tmp_path / f"{table.name}.csv").open(encoding="utf-8", newline="") as handle:
            written = list(csv.reader(handle))
        report = hxl.validate(hxl.data(written))
        serious = [
            (issue["description"], issue["rule"].get("tag_pattern") if "rule" in issue else None)
            for issue in report["issues"]
            if issue["severity"] in ("warning", "error")
        ]
        assert serious == [], table.name
        assert report["stats"]["error"] == report["stats"]["warning"] == 0


def _every_kind_of_answer() -> Rows:
    cells = [("north", "woman"), ("south", "man"), ("east", "man"), (None, "woman")]
    people = [30, 40, 12, 3]
    respondents, choices, answered, numbers = [], [], [], []
    for wave in (1, 2):
        for cell, n in zip(cells, people, strict=True):
            respondents.append(RespondentCell(wave, cell, n + wave))
            for question, picked in (
                ("single", {"a": n // 2, "b": n - n // 2}),
                ("multi", {"x": n // 2, "y": n // 3}),
                ("safe", {"1": n // 4, "3": n - n // 4}),
                ("home", {"north": n}),
            ):
                answered.append(AnsweredCell(question, wave, cell, n))
                choices += [ChoiceCell(question, wave, c, cell, k) for c, k in picked.items()]
            answered.append(AnsweredCell("days", wave, cell, n))
            numbers.append(NumberCell("days", wave, cell, n, 3.5 * n, 0, 12))
    return Rows(("region", "gender"), respondents, choices, answered, numbers)


def test_weighted_shares_in_the_overall_table() -> None:
    d = weighted_deployment()
    export = build(d, poll(d), DATA, "en")
    results = export.tables[0]
    at = {c: i for i, c in enumerate(results.columns)}
    a_first = next(r for r in results.rows if r[at["wave"]] == 1 and r[at["option_id"]] == "a")
    assert a_first[at["count"]] == 10
    assert a_first[at["percent"]] == 25
    assert a_first[at["weighted_percent"]] == 50
    # option a is exactly the northern women: raked again, every resample gives 50 %; the
    # interval is then Wilson's on the effective n, never a zero width
    low, high = wilson(0.5, a_first[at["effective_n"]])
    assert a_first[at["interval_low"]] == round(100 * low, 1)
    assert a_first[at["interval_high"]] == round(100 * high, 1)
    assert a_first[at["change_z"]] is None  # the first wave has nothing to compare with
    a_second = next(r for r in results.rows if r[at["wave"]] == 2 and r[at["option_id"]] == "a")
    assert a_second[at["weighted_percent"]] == 83.3
    assert a_second[at["change_z"]] == 2.93
    assert a_second[at["change_significant"]] is True
    assert "not margins of error" in export.disclosure


def test_suppressed_cells_are_empty_in_every_format(tmp_path: Path) -> None:
    d = weighted_deployment()
    data = rows(
        {
            (1, ("north", "woman"), "a"): 10,
            (1, ("south", "man"), "b"): 30,
            (1, ("south", "man"), "c"): 2,
        }
    )
    export = build(d, poll(d), data, "en")
    written = write_csv(export, tmp_path / "out", hxl=True)
    with (tmp_path / "out" / "results.csv").open(encoding="utf-8") as handle:
        lines = list(csv.DictReader(handle))
    assert lines[0]["poll_id"] == "#activity +code"  # the hashtag row
    c = next(line for line in lines[1:] if line["option_id"] == "c")
    assert c["suppressed"] == "true"
    assert c["count"] == c["percent"] == c["weighted_percent"] == c["interval_low"] == ""
    assert (tmp_path / "out" / "README.txt") in written

    write_xlsx(export, tmp_path / "out.xlsx", hxl=True)
    sheet = load_workbook(tmp_path / "out.xlsx")["results"]
    header = [cell.value for cell in sheet[1]]
    assert [cell.value for cell in sheet[2]][0] == "#activity +code"
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=3)]
    c_row = next(v for v in values if v[header.index("option_id")] == "c")
    assert c_row[header.index("count")] is None
    assert c_row[header.index("suppressed")] is True

    document = json.loads(to_json(export, hxl=True))
    results = document["tables"]["results"]
    assert len(results["hxl"]) == len(results["columns"])
    at = results["columns"].index("count")
    c_json = next(r for r in results["rows"] if r[results["columns"].index("option_id")] == "c")
    assert c_json[at] is None


def test_the_dictionary_lists_questions_and_options_in_every_language() -> None:
    d = weighted_deployment()
    dictionary = build(d, poll(d), DATA, "en").tables[-1]
    assert dictionary.columns[-2:] == ("text_en", "text_fr")
    assert dictionary.hxl[-2:] == ("#description +i_en", "#description +i_fr")
    assert ("talks", "single", "single_choice", "a", "A", "A (fr)") in dictionary.rows
    assert (
        "profile",
        "gender",
        "single_choice",
        None,
        "Your gender?",
        "Votre genre ?",
    ) in dictionary.rows


def test_respondent_rows_carry_a_local_number_not_the_pseudonym() -> None:
    d = weighted_deployment()
    answers = [
        AnswerRow("9f2c…pseudonym", 1, "single", "a", None, ("north", "woman")),
        AnswerRow("9f2c…pseudonym", 2, "single", "b", None, ("north", "woman")),
        AnswerRow("77aa…other", 1, "single", "b", None, (None, "man")),
    ]
    table = build(d, poll(d), DATA, "en", respondents=answers).tables[-1]
    assert table.name == "respondents"
    assert table.hxl[:3] == ("#respondee +code", "#x_wave +num", "#respondee +region")
    assert [row[0] for row in table.rows] == ["R000001", "R000001", "R000002"]
    assert not any("pseudonym" in str(value) for row in table.rows for value in row)


def test_inclusion_and_response_rates_tables() -> None:
    d = weighted_deployment()
    reach = [response_rates(d, "gender", [ReachRow(1, "woman", 40, 10)], "en")]
    export = build(d, poll(d), DATA, "en", reach=reach)
    tables = {t.name: t for t in export.tables}
    inclusion = tables["inclusion"]
    at = {c: i for i, c in enumerate(inclusion.columns)}
    north = next(r for r in inclusion.rows if r[at["wave"]] == 1 and r[at["group_id"]] == "north")
    assert (north[at["respondents"]], north[at["sample_share"]], north[at["ratio"]]) == (
        10,
        25,
        0.5,
    )
    assert inclusion.hxl[at["population_share"]] == "#population +pct"
    rates = tables["response_rates"]
    assert rates.rows == [(1, "gender", "woman", "Woman", 40, 10, 25, False)]
    assert rates.hxl[4:6] == ("#targeted +num", "#reached +num")


def test_text_cells_that_a_spreadsheet_would_run_are_neutralised(tmp_path: Path) -> None:
    formulas = ['=HYPERLINK("https://evil.example")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"]
    table = Table("t", ("text", "number"), ("#a", "#b"), [(f, -3.5) for f in formulas])
    export = Export("p", "P", "about", (table,))
    write_csv(export, tmp_path / "csv", hxl=False)
    with (tmp_path / "csv" / "t.csv").open(encoding="utf-8", newline="") as handle:
        lines = list(csv.reader(handle))[1:]
    assert [line[0] for line in lines] == ["'" + f for f in formulas]
    assert {line[1] for line in lines} == {"-3.5"}  # numbers stay numbers
    write_xlsx(export, tmp_path / "out.xlsx", hxl=False)
    sheet = load_workbook(tmp_path / "out.xlsx")["t"]
    cells = [row for row in sheet.iter_rows(min_row=2)]
    assert [r[0].value for r in cells] == ["'" + f for f in formulas]
    assert all(r[0].data_type == "s" for r in cells)  # text, not a formula
    assert {r[1].value for r in cells} == {-3.5}
    assert spreadsheet_safe("\r=1") == "'\r=1"
    assert spreadsheet_safe("Kessal") == "Kessal"
