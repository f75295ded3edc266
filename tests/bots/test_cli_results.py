"""`peacepulse simulate` then `peacepulse results`: what mediators read matches the database."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import distinct, func, select

from storage.database import create_engine
from storage.models import Answer, ProfileValue
from tests.bots.test_run_process import CLI, clean_env
from tests.demo_clock import WAVE_2_OPEN


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        # in the second wave: the simulation answers the repeating poll too
        env=clean_env(PEACEPULSE_DATA_DIR=str(tmp_path), DEMO_CLOCK=WAVE_2_OPEN.isoformat()),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
    )


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("simulated")
    result = cli(folder, "simulate", "60", "--seed", "7")
    assert result.returncode == 0, result.stderr
    assert "60 of 60 simulated citizens answered the polls" in result.stdout
    return folder


async def _counts(db: Path, question: str, by: str) -> dict[tuple[str | None, str], int]:
    engine = create_engine(f"sqlite+aiosqlite:///{db}")
    try:
        async with engine.connect() as connection:
            group = ProfileValue.value
            rows = await connection.execute(
                select(group, Answer.choice, func.count(distinct(Answer.respondent)))
                .select_from(Answer)
                .outerjoin(
                    ProfileValue,
                    (ProfileValue.participant_id == Answer.respondent) & (ProfileValue.field == by),
                )
                .where(Answer.poll_id == "agenda", Answer.question_id == question)
                .group_by(group, Answer.choice)
            )
            return {(g, c): n for g, c, n in rows}
    finally:
        await engine.dispose()


def test_json_results_match_the_database_and_hide_small_cells(simulated: Path) -> None:
    result = cli(simulated, "results", "agenda", "--by", "gender", "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["k"] == 5
    keys = [g["key"] for g in document["groups"]]
    truth = asyncio.run(_counts(simulated / "peacepulse.db", "top_issue", "gender"))
    question = next(q for q in document["questions"] if q["id"] == "top_issue")
    shown = hidden = 0
    for option in question["options"]:
        for key, cell in zip(keys, option["cells"], strict=True):
            if key == "_all":
                expected = sum(n for (_, c), n in truth.items() if c == option["id"])
            else:
                expected = truth.get((key, option["id"]), 0)
            if cell.get("suppressed"):
                hidden += 1
                assert set(cell) == {"suppressed"}
            else:
                shown += 1
                assert cell["count"] == expected
                assert expected == 0 or expected >= 5  # nothing small is ever shown
    assert shown and hidden


def test_weighted_shares_by_group_follow_the_counts_hiding(simulated: Path) -> None:
    result = cli(simulated, "results", "agenda", "--by", "gender", "--format", "json")
    document = json.loads(result.stdout)
    counts = {q["id"]: q for q in document["questions"]}
    groups = [g for g in document["groups"] if g["key"] != "_all"]
    assert document["weighted"]
    for split in document["weighted"]:
        question = counts[split["question_id"]]
        assert [g["key"] for g in split["groups"]] == [g["key"] for g in groups]
        for i, option in enumerate(question["options"]):
            for j, group in enumerate(split["groups"]):
                share = group["shares"][i]
                if option["cells"][j].get("suppressed") or group["effective_n"] is None:
                    assert share is None
                elif share is not None:
                    assert share["low"] <= share["share"] <= share["high"]
                    assert group["effective_n"] >= 5
        if split["test"] is None:
            assert split["not_tested"]
        else:
            assert 0 <= split["test"]["p"] <= split["test"]["q"] <= 1
    table = cli(simulated, "results", "agenda", "--by", "gender").stdout
    assert "Weighted % (95 % Wilson interval" in table
    assert "Groups differ:" in table


def test_csv_and_table_formats(simulated: Path) -> None:
    rows = list(
        csv.DictReader(io.StringIO(cli(simulated, "results", "agenda", "--format", "csv").stdout))
    )
    assert rows and {r["poll_id"] for r in rows} == {"agenda"}
    assert all(r["count"] == "" for r in rows if r["suppressed"] == "true")
    table = cli(simulated, "results", "agenda", "--by", "region").stdout
    assert "Which issues matter most to you?" in table
    assert "Kessal Highlands" in table


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["results", "nope"], "no poll 'nope' in the deployment (polls: agenda, implementation)"),
        (["results", "agenda", "--by", "age"], "unknown field 'age'; choose one of: region"),
        (["results", "agenda", "--format", "xml"], "Invalid value for '--format'"),
    ],
)
def test_results_errors_are_one_line(simulated: Path, args: list[str], expected: str) -> None:
    result = cli(simulated, *args)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_waves_lists_the_schedule(simulated: Path) -> None:
    result = cli(simulated, "waves")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["poll", "wave", "opens", "closes", "status", "invited", "completed"]
    assert lines[1].startswith("implementation  1 ")
    assert "more to come (--all shows them)" in lines[-1]
    assert len(cli(simulated, "waves", "--all").stdout.splitlines()) == 53  # 52 waves


def test_broadcast_queues_one_message_per_reachable_person(simulated: Path, tmp_path: Path) -> None:
    texts = tmp_path / "news.yaml"
    texts.write_text("en: The talks resume on Monday.\nfr: Les pourparlers reprennent lundi.\n")
    result = cli(
        simulated, "broadcast", "--topic", "all", "--text-file", str(texts), "--yes", "--no-wait"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "60 messages queued as broadcast:1"
    again = cli(simulated, "broadcast", "--topic", "process", "--text-file", str(texts), "--yes")
    assert "nobody to send to" in again.stdout  # nobody subscribed to that topic


def test_a_plain_text_file_is_sent_as_text_whatever_it_looks_like(
    simulated: Path, tmp_path: Path
) -> None:
    """ "Update: ..." is YAML for {Update: ...}: it was read as a language map and refused."""
    texts = tmp_path / "news.txt"
    texts.write_text("Update: the talks resume on Monday.\nen: bring your questions.\n")
    result = cli(
        simulated, "broadcast", "--topic", "all", "--text-file", str(texts), "--yes", "--no-wait"
    )
    assert result.returncode == 0, result.stderr
    assert "60 messages queued" in result.stdout


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("de: Hallo\n", "languages de are not in the deployment"),
        ("fr: Bonjour\n", "needs a text in the default language 'en'"),
        ("", "the file is empty"),
        ("Just one sentence.\n", "a .yaml file holds one text per language"),
        ("en: [unclosed\n", "not valid YAML"),
    ],
)
def test_broadcast_texts_are_checked(
    simulated: Path, tmp_path: Path, content: str, expected: str
) -> None:
    texts = tmp_path / "news.yaml"
    texts.write_text(content)
    result = cli(simulated, "broadcast", "--topic", "all", "--text-file", str(texts), "--yes")
    assert result.returncode == 2
    assert expected in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["agenda", "--by", "wave"], "'agenda' has no waves (it is not a repeating poll)"),
        (["agenda", "--wave", "2"], "'agenda' has no waves (it is not a repeating poll)"),
        (["implementation", "--wave", "99"], "--wave must be 1 to 52"),
    ],
)
def test_waves_a_poll_cannot_have_are_refused(
    simulated: Path, args: list[str], expected: str
) -> None:
    result = cli(simulated, "results", *args)
    assert result.returncode == 2, result.stdout
    assert expected in result.stderr


def test_a_repeating_poll_is_shown_one_wave_at_a_time(simulated: Path) -> None:
    table = cli(simulated, "results", "implementation")
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[1].startswith("Counts: wave ")
    document = json.loads(cli(simulated, "results", "implementation", "--format", "json").stdout)
    assert document["scope"].startswith("wave ")
    by_wave = json.loads(
        cli(simulated, "results", "implementation", "--by", "wave", "--format", "json").stdout
    )
    assert by_wave["scope"].startswith("each wave")
    assert cli(simulated, "results", "agenda").stdout.splitlines()[1] != "Counts:"
