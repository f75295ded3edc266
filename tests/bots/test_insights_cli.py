"""`peacepulse export`, `report` and `shareback` on simulated citizens, as a mediator runs them."""

from __future__ import annotations

import asyncio
import csv
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select

from config.deployment import demo_folder
from storage.database import create_engine
from storage.models import Broadcast, OutboxRow, Participant, ProfileValue, Subscription
from tests.bots.test_run_process import CLI, clean_env


def cli(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        env=clean_env(PEACEPULSE_DATA_DIR=str(folder), **env),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=folder,
    )


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("insights")
    result = cli(folder, "simulate", "60", "--seed", "11")
    assert result.returncode == 0, result.stderr
    return folder


def test_export_csv_with_hxl_matches_the_results_command(simulated: Path) -> None:
    result = cli(simulated, "export", "agenda", "--hxl", "-o", "out")
    assert result.returncode == 0, result.stderr
    folder = simulated / "out"
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "README.txt",
        "dictionary.csv",
        "differences.csv",
        "inclusion.csv",
        "response_rates.csv",
        "results.csv",
        "results_by_age_band.csv",
        "results_by_gender.csv",
        "results_by_region.csv",
    ]
    with (folder / "results_by_region.csv").open(encoding="utf-8") as handle:
        lines = list(csv.DictReader(handle))
    assert lines[0]["group_id"] == "#x_region +code"  # the demo gives no P-codes
    assert lines[0]["group"] == "#adm1 +name"
    data = lines[1:]
    assert all(line["count"] == "" for line in data if line["suppressed"] == "true")
    assert all(
        int(line["count"]) == 0 or int(line["count"]) >= 5
        for line in data
        if line["suppressed"] == "false" and line["count"]
    )
    # the same suppressed counts as `peacepulse results --by region`
    document = json.loads(
        cli(simulated, "results", "agenda", "--by", "region", "--format", "json").stdout
    )
    keys = [g["key"] for g in document["groups"]]
    question = next(q for q in document["questions"] if q["id"] == "top_issue")
    for option in question["options"]:
        for key, cell in zip(keys, option["cells"], strict=True):
            if key in (None, "_all"):
                continue
            line = next(
                line
                for line in data
                if line["question_id"] == "top_issue"
                and line["option_id"] == option["id"]
                and line["group_id"] == key
            )
            assert line["count"] == ("" if cell.get("suppressed") else str(cell["count"]))
    assert "not margins of error" in (folder / "README.txt").read_text(encoding="utf-8")


def test_export_xlsx_and_json(simulated: Path) -> None:
    assert cli(simulated, "export", "agenda", "--format", "xlsx", "--hxl").returncode == 0
    book = load_workbook(simulated / "agenda.xlsx")
    assert book.sheetnames[:3] == ["about", "results", "results_by_region"]
    assert book["results"]["A2"].value == "#activity +code"
    result = cli(simulated, "export", "agenda", "--format", "json")
    document = json.loads(result.stdout)
    assert "hxl" not in document["tables"]["results"]
    dictionary = document["tables"]["dictionary"]
    assert dictionary["columns"][-3:] == ["text_en", "text_fr", "text_ar"]


def test_respondent_rows_need_the_deployment_s_permission(simulated: Path) -> None:
    result = cli(simulated, "export", "agenda", "--respondents")
    assert result.returncode == 2
    assert "does not allow respondent-level exports" in result.stderr
    assert "Traceback" not in result.stderr


def test_report_is_one_html_file(simulated: Path) -> None:
    result = cli(simulated, "report", "agenda", "-o", "agenda.html")
    assert result.returncode == 0, result.stderr
    page = (simulated / "agenda.html").read_text(encoding="utf-8")
    assert 'id="respondents">60<' in page
    assert "Whom we reach" in page and "How to read these numbers" in page
    wrong = cli(simulated, "report", "agenda", "--wave", "4")
    assert wrong.returncode == 2
    assert "no answers in wave 4 of agenda" in wrong.stderr


def test_report_in_another_of_the_deployment_s_languages(simulated: Path) -> None:
    result = cli(simulated, "report", "agenda", "--language", "ar", "-o", "agenda-ar.html")
    assert result.returncode == 0, result.stderr
    page = (simulated / "agenda-ar.html").read_text(encoding="utf-8")
    assert '<html lang="ar" dir="rtl">' in page
    assert "كيف تُقرأ هذه الأرقام" in page and 'id="respondents">60<' in page
    unknown = cli(simulated, "report", "agenda", "--language", "sw")
    assert unknown.returncode == 2
    assert "the deployment has no language 'sw' (it has: en, fr, ar)" in unknown.stderr
    assert "Traceback" not in unknown.stderr


async def _subscribe(database: Path, topic: str, count: int) -> list[str]:
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with engine.begin() as connection:
            people = (
                (
                    await connection.execute(
                        select(Participant.id).order_by(Participant.id).limit(count)
                    )
                )
                .scalars()
                .all()
            )
            await connection.execute(
                insert(Subscription), [{"participant_id": p, "topic": topic} for p in people]
            )
        return list(people)
    finally:
        await engine.dispose()


async def _queued(database: Path) -> tuple[dict[str, str], set[str]]:
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with engine.connect() as connection:
            texts = (await connection.execute(select(Broadcast.texts))).scalar_one()
            recipients = (await connection.execute(select(OutboxRow.participant_id))).scalars()
            return texts, set(recipients)
    finally:
        await engine.dispose()


def test_shareback_goes_to_the_results_topic_in_every_language(simulated: Path) -> None:
    nobody = cli(simulated, "shareback", "agenda", "--yes", "--no-wait")
    assert nobody.returncode == 0, nobody.stderr
    assert "nobody to send to: no reachable subscriber of the topic 'results'" in nobody.stdout
    subscribers = asyncio.run(_subscribe(simulated / "peacepulse.db", "results", 12))
    result = cli(simulated, "shareback", "agenda", "--yes", "--no-wait")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Results of “Agenda for the peace talks”, as promised: 60")
    assert result.stdout.strip().endswith("12 messages queued as broadcast:1")
    texts, recipients = asyncio.run(_queued(simulated / "peacepulse.db"))
    assert set(texts) == {"en", "fr", "ar"}
    assert texts["fr"].startswith("Résultats de")
    assert recipients == set(subscribers)


def test_respondent_rows_where_the_deployment_allows_them(simulated: Path) -> None:
    deployment = simulated / "allowing"
    shutil.copytree(demo_folder(), deployment)
    header = deployment / "deployment.yaml"
    text = header.read_text(encoding="utf-8")
    header.write_text(
        text.replace("respondent_rows: false", "respondent_rows: true"), encoding="utf-8"
    )
    result = cli(
        simulated,
        "export",
        "agenda",
        "--respondents",
        "--hxl",
        "-o",
        "allowed",
        PEACEPULSE_DEPLOYMENT=str(deployment),
    )
    assert result.returncode == 0, result.stderr
    with (simulated / "allowed" / "respondents.csv").open(encoding="utf-8") as handle:
        lines = list(csv.DictReader(handle))
    assert lines[0]["respondent"] == "#respondee +code"
    people = {line["respondent"] for line in lines[1:]}
    assert len(people) == 60
    assert all(p.startswith("R0000") for p in people)
    assert {line["question_id"] for line in lines[1:]} >= {"priority_issues", "top_issue"}
    assert "message_to_mediators" not in {line["question_id"] for line in lines[1:]}  # free text


async def _subscribe_everyone(database: Path, topic: str) -> dict[str, str | None]:
    """Subscribe every participant not yet subscribed; everyone's region, by pseudonym."""
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with engine.begin() as connection:
            subscribed = set(
                (
                    await connection.execute(
                        select(Subscription.participant_id).where(Subscription.topic == topic)
                    )
                ).scalars()
            )
            people = set((await connection.execute(select(Participant.id))).scalars())
            await connection.execute(
                insert(Subscription),
                [{"participant_id": p, "topic": topic} for p in sorted(people - subscribed)],
            )
            regions = dict(
                (
                    await connection.execute(
                        select(ProfileValue.participant_id, ProfileValue.value).where(
                            ProfileValue.field == "region"
                        )
                    )
                ).all()
            )
        return {p: regions.get(p) for p in people}
    finally:
        await engine.dispose()


async def _received(database: Path, jobs: list[str]) -> dict[str, dict[str, str]]:
    """The texts each participant was queued, by pseudonym, for the given jobs."""
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with engine.connect() as connection:
            texts_of = {
                f"broadcast:{number}": texts
                for number, texts in await connection.execute(select(Broadcast.id, Broadcast.texts))
            }
            rows = [
                (participant, texts_of[job])
                for participant, job in await connection.execute(
                    select(OutboxRow.participant_id, OutboxRow.job).where(OutboxRow.job.in_(jobs))
                )
            ]
            found: dict[str, dict[str, str]] = {}
            for participant, texts in rows:
                assert participant not in found, "one message per person"
                found[participant] = texts
            return found
    finally:
        await engine.dispose()


def test_shareback_by_region_shows_only_cells_the_results_show(
    simulated: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(simulated, folder)
    database = folder / "peacepulse.db"
    regions = asyncio.run(_subscribe_everyone(database, "results"))
    site = "https://peace.example.org"
    result = cli(
        folder, "shareback", "agenda", "--by-region", "--yes", "--no-wait", PEACEPULSE_WEB_URL=site
    )
    assert result.returncode == 0, result.stderr
    jobs = re.findall(r"messages queued as (broadcast:\d+)", result.stdout)
    received = asyncio.run(_received(database, jobs))
    assert set(received) == set(regions)  # every subscriber, once
    table = json.loads(
        cli(folder, "results", "agenda", "--by", "region", "--format", "json").stdout
    )
    columns = {group["key"]: i for i, group in enumerate(table["groups"])}
    names = {group["key"]: group["label"] for group in table["groups"]}
    sectioned = 0
    for participant, texts in received.items():
        english = texts["en"]
        assert english.endswith(f"All the published figures: {site}/public/agenda/en/index.html")
        assert texts["ar"].endswith(f"{site}/public/agenda/ar/index.html")
        if "In your region" not in english:
            continue
        sectioned += 1
        region = regions[participant]
        assert f"In your region, {names[region]}," in english
        section = english.split("In your region", 1)[1]
        column = columns[region]
        for question in table["questions"]:
            if f"• {question['prompt']} (" not in section:
                continue
            line = section.split(f"• {question['prompt']} (", 1)[1].split("\n")[1]
            said = dict(re.findall(r"(?:^|· )(.+?) (\d+) %", line.strip()))
            assert said, line
            for option in question.get("options", []):
                cell = option["cells"][column]
                if cell.get("suppressed") or not cell.get("count"):
                    assert option["label"] not in said  # a hidden cell stays hidden
                elif option["label"] in said:
                    # the JSON's percent is rounded to one decimal, the text's to none
                    assert abs(int(said[option["label"]]) - cell["percent"]) <= 0.55
    assert sectioned > 0
