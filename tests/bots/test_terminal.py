"""`peacepulse chat` driven through stdin, in a real subprocess, on the demo deployment."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from config.deployment import demo_folder
from storage.aggregates import choice_counts, number_stats
from storage.database import create_engine
from storage.models import Answer
from tests.demo_clock import PINNED_CLI

AGENDA_SCRIPT = [
    "1",  # I agree
    "1",  # English
    "2",  # region: Kessal Highlands
    "6",  # age: prefer not to say
    "1",  # gender: woman
    "1",  # poll: agenda
    "hello",  # not an option: re-prompted
    "1",  # toggle: security
    "6",  # toggle: return of displaced people
    "9",  # done
    "1",  # top issue: security
    "3",  # confidence 3
    "3",  # who at the table: third option
    "1",  # displaced: yes
    "4",  # home region: Lake Tiras
    "We need water and schools before anything else.",
]


def run_chat(data_dir: Path, lines: list[str], *extra: str, deployment: Path | None = None) -> str:
    env = {
        **os.environ,
        "PEACEPULSE_DATA_DIR": str(data_dir),
        "PEACEPULSE_DATABASE_URL": "",
        "PEACEPULSE_SECRET_KEY": "",
        "PEACEPULSE_DEPLOYMENT": "",
    }
    for name in ("PEACEPULSE_DATABASE_URL", "PEACEPULSE_SECRET_KEY", "PEACEPULSE_DEPLOYMENT"):
        env.pop(name)
    if deployment is not None:
        env["PEACEPULSE_DEPLOYMENT"] = str(deployment)
    result = subprocess.run(
        [sys.executable, PINNED_CLI, "chat", "--user", "amina", *extra],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
        cwd=data_dir,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


async def _answers(db: Path) -> tuple[list[tuple[str, str | None]], list[object], list[object]]:
    engine = create_engine(f"sqlite+aiosqlite:///{db}")
    try:
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    select(Answer.question_id, Answer.choice).order_by(Answer.id)
                )
            ).all()
        counts = await choice_counts(engine, "agenda", by="region")
        numbers = await number_stats(engine, "agenda", by=None)
    finally:
        await engine.dispose()
    return [(q, c) for q, c in rows], list(counts), list(numbers)


def test_a_citizen_completes_the_agenda_poll_in_the_terminal(tmp_path: Path) -> None:
    output = run_chat(tmp_path, AGENDA_SCRIPT)
    assert "Do you agree to take part?" in output
    assert "  1) I agree" in output
    assert "Please choose one of the options below." in output
    assert "Your answers to “Agenda for the peace talks” are saved." in output
    db = tmp_path / "peacepulse.db"
    assert db.exists()
    assert (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600

    rows, counts, _ = asyncio.run(_answers(db))
    assert rows == [
        ("priority_issues", "security"),
        ("priority_issues", "return_displaced"),
        ("top_issue", "security"),
        ("confidence", "3"),
        ("who_at_table", "with_civil_society_women_youth"),
        ("displaced", "yes"),
        ("home_region", "lake_tiras"),
        ("message_to_mediators", None),
    ]
    assert {(c.question_id, c.group, c.choice) for c in counts} >= {
        ("top_issue", "kessal_highlands", "security")
    }


def test_the_terminal_resumes_where_the_person_stopped(tmp_path: Path) -> None:
    run_chat(tmp_path, AGENDA_SCRIPT[:8])  # leaves in the middle of the multiple choice
    output = run_chat(tmp_path, ["/mydata"])
    assert output.count("Welcome back!") == 1
    assert "Which issues matter most to you?" in output
    assert "☑ Security and protection of civilians" in output
    assert "Which region do you live in now? → Kessal Highlands" in output


def test_typing_the_consultations_number_in_the_menu_opens_it(tmp_path: Path) -> None:
    """`make demo` died with a traceback (MissingView) when the consultation's number was
    typed in the poll menu; in Arabic digits too."""
    for digits, name in (("0123456789", "western"), ("٠١٢٣٤٥٦٧٨٩", "arabic")):
        folder = tmp_path / name
        folder.mkdir()
        output = run_chat(folder, [*AGENDA_SCRIPT[:5], "/polls"])
        line = next(x for x in output.splitlines() if "Who should monitor the ceasefire?" in x)
        number = int(line.strip().split(")")[0])
        output = run_chat(folder, [digits[number]])
        assert "Who should sit on the ceasefire monitoring committee, and why?" in output
        assert "Traceback" not in output


def test_a_multiple_choice_is_typed_at_once_in_the_terminal(tmp_path: Path) -> None:
    """ "1 6" answers the multiple choice with both options, as by SMS (it was refused)."""
    output = run_chat(tmp_path, [*AGENDA_SCRIPT[:6], "1 6"])
    assert "And which one issue is the most important to you?" in output
    rows, _, _ = asyncio.run(_answers(tmp_path / "peacepulse.db"))
    assert rows == [("priority_issues", "security"), ("priority_issues", "return_displaced")]


def test_the_terminal_speaks_the_locale(tmp_path: Path) -> None:
    output = run_chat(tmp_path, ["/quit"], "--locale", "ar")
    assert "هل توافق على المشاركة؟" in output


def test_volunteering_in_the_terminal(tmp_path: Path) -> None:
    # the terminal runs on the real clock: the demo's initiatives, moved to a year to come
    folder = tmp_path / "deployment"
    shutil.copytree(demo_folder(), folder)
    path = folder / "deployment.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace('"2026-12-', '"2099-12-'), encoding="utf-8"
    )
    output = run_chat(
        tmp_path,
        [
            *AGENDA_SCRIPT[:5],  # consent, language and profile: Kessal Highlands
            "/initiatives",
            "1",  # the Kessal dialogue, listed first for her region
            "2",  # sign up and share a contact
            "Cancel",  # typed label of the Cancel button: nothing shared
            "/initiatives",
            "1",
            "1",  # sign up
            "/my_signups",
        ],
        deployment=folder,
    )
    assert "Initiatives you can join (page 1 of 2):" in output
    assert "  1) Community dialogue on the return of displaced families" in output
    assert "Cancelled: nothing was sent or saved." in output
    assert "You are signed up for “Community dialogue on the return of displaced families”" in (
        output
    )
    assert "• Community dialogue on the return of displaced families – 2099-12-05 09:00 " in (
        output
    )
