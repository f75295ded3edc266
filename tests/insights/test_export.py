"""Export tables: suppression carried through, HXL rows aligned, files that open again."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from openpyxl import load_workbook

from insights.analysis import response_rates
from insights.export import Export, Table, build, to_json, write_csv, write_xlsx
from insights.spreadsheet import spreadsheet_safe
from insights.weighting import wilson
from storage.crosstabs import AnswerRow, ReachRow
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
        "inclusion",
        "dictionary",
    ]
    for table in export.tables:
        assert len(table.hxl) == len(table.columns)
        assert all(tag.startswith("#") for tag in table.hxl)
        assert all(len(row) == len(table.columns) for row in table.rows)
    by_region = export.tables[1]
    assert by_region.hxl[by_region.columns.index("group_id")] == "#adm1 +code"
    by_gender = export.tables[2]
    assert by_gender.hxl[by_gender.columns.index("group_id")] == "#x_gender +code"


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
    assert dictionary.hxl[-2:] == ("#indicator +name +i_en", "#indicator +name +i_fr")
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
    assert table.hxl[:3] == ("#respondee +code", "#x_wave +num", "#adm1 +code")
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
    assert inclusion.hxl[at["population_share"]] == "#population +num +pct"
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
