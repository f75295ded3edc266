"""Exports for partner organizations: suppressed aggregate tables, a data dictionary and, only
where the deployment allows it, pseudonymous respondent-level rows; as CSV, xlsx or JSON,
optionally with an HXL hashtag row.

Tables are built here (pure) and written by `write_csv` / `write_xlsx` / `to_json`.

**HXL.** With ``hxl=True`` each table gets the hashtag row of the Humanitarian Exchange
Language 1.1 (hxlstandard.org/standard/1-1final/dictionary and …/tagging), right under the
header row. Hashtags and attributes used, and why:

Every column has its own hashtag + attributes combination, and the first column a tool finds
for a plain pattern is the one it would mean: ``#indicator +num`` is the count (nothing else
carries both), ``#indicator +pct`` the unweighted percentage. Each exported table validates
with libhxl's built-in schema without warnings (tests/insights/test_export.py).

- ``#activity +code`` — the poll: HXL's hashtag for "a programme, project, or other activity".
- ``#indicator +code`` / ``#indicator +name`` — the question: "a general hashtag for an
  indicator being tracked", ``+code`` a machine-readable code, ``+name`` a human-readable name.
- ``#indicator +num`` — the count of people who picked the option ("+num: quantitative,
  numeric information"); ``#indicator +pct`` its percentage, ``+weighted`` the weighted one,
  ``+low`` / ``+high`` its interval bounds; ``#indicator +mean`` (``+weighted``) the mean of
  a number question. Custom attributes, which HXL allows freely after a core hashtag.
- ``#x_option +code`` / ``+name`` — the option. Options are not indicators: a scale's options
  are numbers, a choice's are words, and libhxl expects one datatype per indicator column.
- ``#x_respondents +num`` — the base: people who answered the question (not a count of the
  indicator); ``#x_effective_n +num`` — Kish's effective sample size, a number of people's
  worth of information, not of people; ``#x_change +z`` / ``+p`` / ``+q`` / ``+flagged`` —
  the wave-over-wave test, its p-value, its Benjamini–Hochberg q and the flag.
- In the tables by field, ``#indicator +pct +weighted`` (``+low``, ``+high``) is the group's
  weighted share and its Wilson interval, ``#x_effective_n +num`` the group's effective n.
- ``#x_test`` — the test of whether a field's groups answer a question differently (Rao–Scott,
  `insights.differences`): ``+pearson`` Pearson's X² on the weighted table, ``+deff`` the mean
  generalized design effect, ``+chisq`` / ``+df`` / ``+p +first`` the first-order corrected
  χ², its degrees of freedom and p-value, ``+f`` / ``+d0`` / ``+p`` the second-order F, its
  Satterthwaite degrees of freedom and p-value, ``+q`` that p adjusted (Benjamini–Hochberg)
  over every test of the wave, ``+flagged`` q < 0.05, ``+reason`` why a question has no test.
- ``#adm1 +name`` — a group that is a region of the deployment ("#adm1: top-level
  subnational administrative area"); ``#adm1 +code`` only for real P-codes, given in the
  deployment (``regions: [{id, name, pcode}]``), in a ``group_pcode`` column when every region
  has one; the deployment's own region ids are ``#x_region +code``.
- ``#x_<field> +code`` / ``+name`` — a group that is a gender or an age band. HXL 1.1 has no
  hashtag for a column whose *values* are sexes or ages: it expresses them as attributes
  (``+f``, ``+m``, ``+i``, ``+adults``, ``+age18_24``) of count hashtags in wide tables. A
  long table needs a column, so it gets an extension hashtag (``#x_`` prefix), which the
  tagging conventions (section "Extension hashtags") provide for exactly this.
- ``#respondee +code`` and ``#respondee +<field>`` — respondent-level rows: #respondee is
  "descriptive information, such as name, identifier, or traits, for a single respondee … in
  survey-style data" (new in 1.1). The identifier is a number local to the export.
- ``#x_wave +num`` — the round of a repeating poll (no core hashtag; #date is for dates).
- ``#description +i_en``, ``+i_fr``, ``+i_ar`` — the dictionary's texts (prompts and option
  labels) with HXL 1.1's language attributes.
- ``#meta +suppressed`` — whether a cell was hidden (#meta: "metadata about a row").
- ``#population +pct`` — a group's share of the population (#population: "general
  population number for an area"); ``#x_respondents +pct`` its share of respondents and
  ``#x_representation +ratio`` the one over the other; ``#targeted +num`` / ``#reached +num``
  — people invited to a wave and people who completed it: HXL's pair for those a response
  aims at and those it reached; ``#x_response_rate +pct``. ``#x_field`` / ``#x_group`` name
  the profile field and its value (extension hashtags, as above).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conversations.definitions import (
    Deployment,
    FreeText,
    MultipleChoice,
    Number,
    Poll,
    RegionQuestion,
    Scale,
    SingleChoice,
)
from conversations.i18n import CATALOGUE
from insights.analysis import (
    ReachTable,
    Rows,
    WaveEstimates,
    breakdowns,
    estimate,
    inclusion,
    table,
    trends,
)
from insights.differences import Breakdown
from insights.results import PollResults
from insights.spreadsheet import spreadsheet_safe
from storage.crosstabs import AnswerRow

Value = str | int | float | bool | None

DISCLOSURE = CATALOGUE["report_disclosure"]["en"]
"""What every export opens with (``{k}``: the suppression threshold); reports give it in their
language."""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    hxl: tuple[str, ...]
    rows: list[tuple[Value, ...]] = field(default_factory=list)


@dataclass(frozen=True)
class Export:
    poll_id: str
    title: str
    disclosure: str
    tables: tuple[Table, ...]


_OVERALL = (
    ("poll_id", "#activity +code"),
    ("wave", "#x_wave +num"),
    ("question_id", "#indicator +code"),
    ("question", "#indicator +name"),
    ("option_id", "#x_option +code"),
    ("option", "#x_option +name"),
    ("respondents", "#x_respondents +num"),
    ("count", "#indicator +num"),
    ("percent", "#indicator +pct"),
    ("weighted_percent", "#indicator +pct +weighted"),
    ("interval_low", "#indicator +pct +weighted +low"),
    ("interval_high", "#indicator +pct +weighted +high"),
    ("effective_n", "#x_effective_n +num"),
    ("suppressed", "#meta +suppressed"),
    ("mean", "#indicator +mean"),
    ("weighted_mean", "#indicator +mean +weighted"),
    ("change_z", "#x_change +z"),
    ("change_p", "#x_change +p"),
    ("change_q", "#x_change +q"),
    ("change_significant", "#x_change +flagged"),
)
"""The overall table. ``change_z`` compares the weighted share with the previous wave that
has one (two-proportion z-test on effective sample sizes, `insights.weighting.compare`),
``change_p`` is its own two-sided p-value and ``change_q`` the p-value adjusted with the
Benjamini–Hochberg procedure over every change into the same wave (all questions and
options); ``change_significant`` is true when q < 0.05."""


def build(
    deployment: Deployment,
    poll: Poll,
    rows: Rows,
    language: str,
    *,
    respondents: Sequence[AnswerRow] | None = None,
    reach: Sequence[ReachTable] = (),
) -> Export:
    """The tables of an export: overall (with weighted shares), one per profile field,
    inclusion against the population margins, response rates (when ``reach`` is given), the
    data dictionary, and the respondent rows when given (the caller checks the deployment)."""
    waves = rows.waves()
    estimates = {w: estimate(deployment, poll, rows, language, w) for w in waves}
    tables = [_overall(deployment, poll, rows, estimates, language)]
    split = {
        w: {b.field: b for b in breakdowns(deployment, poll, rows, language, w)} for w in waves
    }
    for question in deployment.profile:
        tables.append(
            _by_field(
                deployment,
                poll,
                rows,
                waves=waves,
                question=question,
                language=language,
                weighted={w: found.get(question.id) for w, found in split.items()},
            )
        )
    tables.append(_differences(poll.id, split))
    tables.append(_inclusion(deployment, poll, rows, waves, language))
    if reach:
        tables.append(_reach(reach))
    tables.append(_dictionary(deployment, poll))
    if respondents is not None:
        tables.append(_respondents(deployment, respondents))
    return Export(
        poll_id=poll.id,
        title=deployment.text(poll.title, language),
        disclosure=DISCLOSURE.format(k=deployment.suppression_k),
        tables=tuple(tables),
    )


def _overall(
    deployment: Deployment,
    poll: Poll,
    rows: Rows,
    estimates: dict[int, WaveEstimates],
    language: str,
) -> Table:
    out = Table("results", *_split(_OVERALL))
    changes = {
        (trend.question_id, option.choice_id, point.wave): point.change
        for trend in trends(list(estimates.values()))
        for option in trend.options
        for point in option.points
        if point.change is not None
    }
    for wave, estimated in estimates.items():
        counts = table(deployment, poll, rows.of_wave(wave), None, language)
        for question, result in zip(estimated.questions, counts.questions, strict=True):
            n = result.n[-1].count
            about = (poll.id, wave, question.question_id, question.prompt)
            effective = _round(question.effective_n, 1)
            for option, row in zip(question.options, result.rows, strict=True):
                e = option.estimate
                change = changes.get((question.question_id, option.choice_id, wave))
                out.rows.append(
                    (
                        *about,
                        option.choice_id,
                        option.label,
                        n,
                        option.count,
                        _round(row.cells[-1].percent, 1),
                        _round(100 * e.share, 1) if e else None,
                        _round(100 * e.low, 1) if e else None,
                        _round(100 * e.high, 1) if e else None,
                        effective,
                        option.suppressed,
                        None,
                        None,
                        _round(change.z, 2) if change else None,
                        _round(change.p, 4) if change else None,
                        _round(change.q, 4) if change else None,
                        change.significant if change else None,
                    )
                )
            if question.kind == "number":
                number = result.numbers[-1]
                out.rows.append(
                    (
                        *about,
                        "_mean",
                        "mean",
                        n,
                        *(None,) * 5,
                        effective,
                        number.suppressed,
                        _round(number.mean, 2),
                        _round(question.mean, 2),
                        None,
                        None,
                        None,
                        None,
                    )
                )
    return out


def _by_field(
    deployment: Deployment,
    poll: Poll,
    rows: Rows,
    *,
    waves: Sequence[int],
    question: SingleChoice | RegionQuestion,
    language: str,
    weighted: dict[int, Breakdown | None],
) -> Table:
    if isinstance(question, RegionQuestion):
        group = (("group_id", "#x_region +code"), ("group", "#adm1 +name"))
    else:
        tag = f"#x_{question.id.replace('-', '_').replace('.', '_').lower()}"
        group = (("group_id", f"{tag} +code"), ("group", f"{tag} +name"))
    spec: tuple[tuple[str, str], ...] = (
        *_OVERALL[:6],  # poll, wave, question and option
        *group,
        ("respondents", "#x_respondents +num"),
        ("count", "#indicator +num"),
        ("percent", "#indicator +pct"),
        ("mean", "#indicator +mean"),
        ("suppressed", "#meta +suppressed"),
        ("weighted_percent", "#indicator +pct +weighted"),
        ("interval_low", "#indicator +pct +weighted +low"),
        ("interval_high", "#indicator +pct +weighted +high"),
        ("effective_n", "#x_effective_n +num"),
    )
    pcodes = {r.id: r.pcode for r in deployment.regions}
    with_pcodes = isinstance(question, RegionQuestion) and all(pcodes.values())
    if with_pcodes:
        spec = (*spec, ("group_pcode", "#adm1 +code"))
    out = Table(f"results_by_{question.id}", *_split(spec))
    group_at = spec.index(group[0])
    for wave in waves:
        results = table(deployment, poll, rows.of_wave(wave), question.id, language)
        lines = _group_rows(poll.id, wave, results, weighted.get(wave))
        if with_pcodes:
            lines = [(*line, pcodes.get(str(line[group_at]))) for line in lines]
        out.rows.extend(lines)
    return out


def _group_rows(
    poll_id: str, wave: int, results: PollResults, weighted: Breakdown | None
) -> list[tuple[Value, ...]]:
    lines: list[tuple[Value, ...]] = []
    shares = {
        (q.question_id, g.key): g
        for q in (weighted.questions if weighted is not None else ())
        for g in q.groups
    }
    for q in results.questions:
        about = (poll_id, wave, q.question_id, q.prompt)
        for j, group in enumerate(results.groups):
            if group.is_all:
                continue
            n = q.n[j].count
            found = shares.get((q.question_id, group.key))
            for i, row in enumerate(q.rows):
                cell = row.cells[j]
                e = found.shares[i] if found is not None else None
                lines.append(
                    (
                        *about,
                        row.choice_id,
                        row.label,
                        group.key,
                        group.label,
                        n,
                        cell.count,
                        _round(cell.percent, 1),
                        None,
                        cell.suppressed,
                        _round(100 * e.share, 1) if e else None,
                        _round(100 * e.low, 1) if e else None,
                        _round(100 * e.high, 1) if e else None,
                        _round(found.effective_n, 1) if found is not None else None,
                    )
                )
            if q.numbers:
                number = q.numbers[j]
                lines.append(
                    (
                        *about,
                        "_mean",
                        "mean",
                        group.key,
                        group.label,
                        n,
                        None,
                        None,
                        _round(number.mean, 2),
                        number.suppressed,
                        None,
                        None,
                        None,
                        None,
                    )
                )
    return lines


def _differences(poll_id: str, split: dict[int, dict[str, Breakdown]]) -> Table:
    spec = (
        ("poll_id", "#activity +code"),
        ("wave", "#x_wave +num"),
        ("field", "#x_field +code"),
        ("field_label", "#x_field +name"),
        ("question_id", "#indicator +code"),
        ("question", "#indicator +name"),
        ("pearson", "#x_test +pearson"),
        ("design_effect", "#x_test +deff"),
        ("chisq_first_order", "#x_test +chisq"),
        ("df", "#x_test +df"),
        ("p_first_order", "#x_test +p +first"),
        ("f_second_order", "#x_test +f"),
        ("d0", "#x_test +d0"),
        ("p", "#x_test +p"),
        ("q", "#x_test +q"),
        ("groups_differ", "#x_test +flagged"),
        ("not_tested", "#x_test +reason"),
    )
    out = Table("differences", *_split(spec))
    for wave, found in split.items():
        for b in found.values():
            for q in b.questions:
                t = q.difference.test
                figures: tuple[Value, ...] = (
                    (
                        _round(t.pearson, 3),
                        _round(t.design_effect, 3),
                        _round(t.first_order, 3),
                        t.df,
                        _round(t.p_first_order, 4),
                        _round(t.f, 3),
                        _round(t.d0, 2),
                        _round(t.p, 4),
                        _round(t.q, 4),
                        t.significant,
                        None,
                    )
                    if t is not None
                    else (*(None,) * 10, q.difference.reason)
                )
                out.rows.append(
                    (poll_id, wave, b.field, b.label, q.question_id, q.prompt, *figures)
                )
    return out


def _inclusion(
    deployment: Deployment, poll: Poll, rows: Rows, waves: Sequence[int], language: str
) -> Table:
    spec = (
        ("wave", "#x_wave +num"),
        ("field", "#x_field +code"),
        ("group_id", "#x_group +code"),
        ("group", "#x_group +name"),
        ("respondents", "#x_respondents +num"),
        ("sample_share", "#x_respondents +pct"),
        ("population_share", "#population +pct"),
        ("ratio", "#x_representation +ratio"),
        ("suppressed", "#meta +suppressed"),
    )
    out = Table("inclusion", *_split(spec))
    for wave in waves:
        for field_table in inclusion(deployment, rows, language, wave, poll):
            for r in field_table.rows:
                out.rows.append(
                    (
                        wave,
                        field_table.field,
                        r.value,
                        r.label,
                        r.respondents,
                        _round(100 * r.sample_share, 1) if r.sample_share is not None else None,
                        _round(100 * r.population_share, 1)
                        if r.population_share is not None
                        else None,
                        _round(r.ratio, 2),
                        r.respondents is None,
                    )
                )
    return out


def _reach(tables: Sequence[ReachTable]) -> Table:
    spec = (
        ("wave", "#x_wave +num"),
        ("field", "#x_field +code"),
        ("group_id", "#x_group +code"),
        ("group", "#x_group +name"),
        ("invited", "#targeted +num"),
        ("completed", "#reached +num"),
        ("response_rate", "#x_response_rate +pct"),
        ("suppressed", "#meta +suppressed"),
    )
    out = Table("response_rates", *_split(spec))
    for rates in tables:
        for wave, cells in rates.waves:
            for (key, label), cell in zip(rates.groups, cells, strict=True):
                out.rows.append(
                    (
                        wave,
                        rates.field,
                        key,
                        label,
                        cell.invited,
                        cell.completed,
                        _round(100 * cell.rate, 1) if cell.rate is not None else None,
                        cell.completed is None,
                    )
                )
    return out


def _dictionary(deployment: Deployment, poll: Poll) -> Table:
    languages = deployment.languages
    spec = (
        ("poll_id", "#activity +code"),
        ("question_id", "#indicator +code"),
        ("type", "#indicator +type"),
        ("option_id", "#x_option +code"),
        *((f"text_{lang}", f"#description +i_{lang}") for lang in languages),
    )
    out = Table("dictionary", *_split(spec))
    for question in (*deployment.profile, *poll.questions):
        source = "profile" if question in deployment.profile else poll.id
        out.rows.append(
            (
                source,
                question.id,
                question.type,
                None,
                *(question.prompt.get(lang) for lang in languages),
            )
        )
        for option_id, texts in _options(deployment, question):
            out.rows.append(
                (
                    source,
                    question.id,
                    question.type,
                    option_id,
                    *(texts.get(lang) for lang in languages),
                )
            )
    return out


def _options(deployment: Deployment, question: Any) -> list[tuple[str, dict[str, str]]]:
    match question:
        case SingleChoice() | MultipleChoice():
            return [(c.id, dict(c.label)) for c in question.choices]
        case RegionQuestion():
            return [(r.id, dict(r.name)) for r in deployment.regions]
        case Scale():
            return [
                (
                    str(v),
                    dict(question.min_label)
                    if v == question.min
                    else dict(question.max_label)
                    if v == question.max
                    else {lang: str(v) for lang in deployment.languages},
                )
                for v in range(question.min, question.max + 1)
            ]
        case Number() | FreeText():
            return []
    return []


def _respondents(deployment: Deployment, answers: Sequence[AnswerRow]) -> Table:
    fields = list(deployment.profile)
    spec: list[tuple[str, str]] = [("respondent", "#respondee +code"), ("wave", "#x_wave +num")]
    for q in fields:
        if isinstance(q, RegionQuestion):
            spec.append((q.id, "#respondee +region"))
        else:
            spec.append((q.id, f"#respondee +{q.id.replace('-', '_').replace('.', '_').lower()}"))
    spec += [
        ("question_id", "#indicator +code"),
        ("choice", "#x_option +code"),
        ("number", "#indicator +num"),
    ]
    out = Table("respondents", *_split(spec))
    numbers: dict[str, int] = {}
    for answer in answers:
        # a number local to this export: the pseudonym itself never leaves
        local = numbers.setdefault(answer.respondent, len(numbers) + 1)
        out.rows.append(
            (
                f"R{local:06d}",
                answer.wave,
                *answer.profile,
                answer.question_id,
                answer.choice,
                answer.number,
            )
        )
    return out


def _split(spec: Sequence[tuple[str, str]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(c for c, _ in spec), tuple(t for _, t in spec)


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


# Writers


def _cell(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return spreadsheet_safe(value)
    return str(value)


def _xlsx_cell(value: Value) -> Value:
    return spreadsheet_safe(value) if isinstance(value, str) else value


def write_csv(export: Export, folder: Path, *, hxl: bool) -> list[Path]:
    """One CSV file per table in ``folder`` (created), plus README.txt with the disclosure."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for t in export.tables:
        path = folder / f"{t.name}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow([_cell(c) for c in t.columns])
            if hxl:
                writer.writerow([_cell(c) for c in t.hxl])
            writer.writerows([_cell(v) for v in row] for row in t.rows)
        written.append(path)
    notes = folder / "README.txt"
    notes.write_text(
        f"{export.title} ({export.poll_id})\n\n{export.disclosure}\n", encoding="utf-8"
    )
    return [*written, notes]


def write_xlsx(export: Export, path: Path, *, hxl: bool) -> None:
    """A workbook with one sheet per table and an "about" sheet with the disclosure."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    about = book.active
    about.title = "about"
    about.append([export.title])
    about.append([export.poll_id])
    about.append([export.disclosure])
    about["A1"].font = Font(bold=True)
    for t in export.tables:
        sheet = book.create_sheet(t.name[:31])
        sheet.append([_xlsx_cell(c) for c in t.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        if hxl:
            sheet.append([_xlsx_cell(c) for c in t.hxl])
        for row in t.rows:
            sheet.append([_xlsx_cell(v) for v in row])
        sheet.freeze_panes = "A3" if hxl else "A2"
    book.save(path)


def to_json(export: Export, *, hxl: bool) -> str:
    """``{"poll", "disclosure", "tables": {name: {"columns", ["hxl"], "rows"}}}``.

    Rows are lists in column order (the shape of HXL's JSON array encoding); ``hxl`` holds
    the hashtag of each column.
    """
    document: dict[str, Any] = {
        "poll": {"id": export.poll_id, "title": export.title},
        "disclosure": export.disclosure,
        "tables": {},
    }
    for t in export.tables:
        entry: dict[str, Any] = {"columns": list(t.columns)}
        if hxl:
            entry["hxl"] = list(t.hxl)
        entry["rows"] = [list(row) for row in t.rows]
        document["tables"][t.name] = entry
    return json.dumps(document, ensure_ascii=False, indent=1)
