"""The mediators' report and export of a poll with many waves, from its cross-tab rows.

    python -m benchmarks.insights_report [--waves 26] [--respondents 2000] [--repeat 3]

Setup, not measured: the demo deployment's ``implementation`` poll (a scale, two single
choices, a number and a free-text question), ``--waves`` waves of ``--respondents`` people
each, skewed as an opt-in sample is (a tenth leave each profile field unstated), turned into
the rows `storage.crosstabs` would return (every profile cell of every wave). The database
reads are measured by `benchmarks.aggregate`; this measures what comes after them.

Measured (the median of ``--repeat`` runs): `insights.report.render` (every figure and chart
of the HTML report, latest wave plus the trends over all waves), and `insights.export.build`
with `write_csv` (every table of ``peacepulse export``, HXL row included). Target: each
<= 3 s with 26 waves.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from config.deployment import demo_folder, load_deployment
from conversations.definitions import Deployment, Number, Poll, Scale, SingleChoice
from insights import export
from insights.analysis import Rows, response_rates
from insights.report import ReportInput, render
from storage.crosstabs import AnsweredCell, ChoiceCell, NumberCell, ReachRow, RespondentCell


def synthetic_rows(
    deployment: Deployment, poll: Poll, waves: int, respondents: int, seed: int = 1
) -> Rows:
    """Cross-tab rows of ``waves`` waves, a slow drift in the answers from wave to wave."""
    rng = np.random.default_rng(seed)
    fields = tuple(q.id for q in deployment.profile)
    values: list[list[str | None]] = []
    for question in deployment.profile:
        if isinstance(question, SingleChoice):
            values.append([c.id for c in question.choices])
        else:
            values.append([r.id for r in deployment.regions])
    people_rows: list[RespondentCell] = []
    choice_rows: list[ChoiceCell] = []
    answered_rows: list[AnsweredCell] = []
    number_rows: list[NumberCell] = []
    for wave in range(1, waves + 1):
        profiles = []
        for options in values:
            p = np.arange(len(options), 0, -1, dtype=float)
            picked = rng.choice(len(options), size=respondents, p=p / p.sum())
            unstated = rng.random(respondents) < 0.1
            profiles.append(
                [None if u else options[i] for i, u in zip(picked, unstated, strict=True)]
            )
        people = list(zip(*profiles, strict=True))
        cells = Counter(people)
        people_rows += [RespondentCell(wave, profile, n) for profile, n in cells.items()]
        for question in poll.questions:
            answered: Counter[tuple[str | None, ...]] = Counter()
            picks: Counter[tuple[tuple[str | None, ...], str]] = Counter()
            sums: dict[tuple[str | None, ...], list[float]] = {}
            if isinstance(question, Scale | SingleChoice):
                options = (
                    [str(v) for v in range(question.min, question.max + 1)]
                    if isinstance(question, Scale)
                    else [c.id for c in question.choices]
                )
                drift = 1 + 0.02 * wave * np.arange(len(options))
                p = drift / drift.sum()
                for person in people:
                    if rng.random() < 0.95:
                        answered[person] += 1
                        picks[person, options[rng.choice(len(options), p=p)]] += 1
            elif isinstance(question, Number):
                for person in people:
                    if rng.random() < 0.9:
                        answered[person] += 1
                        value = float(rng.integers(int(question.min), int(question.max) + 1))
                        sums.setdefault(person, []).append(value)
            answered_rows += [
                AnsweredCell(question.id, wave, profile, n) for profile, n in answered.items()
            ]
            choice_rows += [
                ChoiceCell(question.id, wave, choice, profile, n)
                for (profile, choice), n in picks.items()
            ]
            number_rows += [
                NumberCell(question.id, wave, profile, len(v), sum(v), min(v), max(v))
                for profile, v in sums.items()
            ]
    return Rows(fields, people_rows, choice_rows, answered_rows, number_rows)


def reach_rows(rows: Rows, field: str) -> list[ReachRow]:
    index = rows.fields.index(field)
    done: Counter[tuple[int, str | None]] = Counter()
    for r in rows.respondents:
        done[r.wave, r.profile[index]] += r.respondents
    return [ReachRow(w, g, int(n * 1.6), n) for (w, g), n in sorted(done.items(), key=str)]


def timed(function: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Median wall and CPU seconds (CPU moves less with the machine's load)."""
    times, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(times), statistics.median(cpu)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--waves", type=int, default=26)
    parser.add_argument("--respondents", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args(argv)
    deployment = load_deployment(demo_folder())
    poll = deployment.poll("implementation")
    assert poll is not None
    rows = synthetic_rows(deployment, poll, options.waves, options.respondents)
    language = deployment.default_language
    reach = [
        response_rates(deployment, field, reach_rows(rows, field), language)
        for field in rows.fields
    ]
    generated = datetime(2027, 12, 1, 9, 0, tzinfo=UTC)

    def report() -> None:
        render(ReportInput(deployment, poll, rows, None, language, generated, reach))

    def exported() -> None:
        with tempfile.TemporaryDirectory() as folder:
            document = export.build(deployment, poll, rows, language, reach=reach)
            export.write_csv(document, Path(folder), hxl=True)

    report(), exported()  # imports (matplotlib) and caches are not what is measured
    report_s, report_cpu = timed(report, options.repeat)
    export_s, export_cpu = timed(exported, options.repeat)
    load = os.getloadavg()
    print(
        f"{options.waves} waves x {options.respondents} respondents "
        f"({len(rows.respondents)} respondent cells, {len(rows.choices)} choice cells); "
        f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {os.cpu_count()} CPUs"
    )
    print(
        f"report: {report_s:.2f} s (CPU {report_cpu:.2f} s)   "
        f"export: {export_s:.2f} s (CPU {export_cpu:.2f} s)   (median of {options.repeat})"
    )
    return 0 if max(report_s, export_s) <= 3.0 else 1


if __name__ == "__main__":
    sys.exit(main())
