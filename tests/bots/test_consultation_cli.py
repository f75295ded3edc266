"""`peacepulse consultation moderate | followup | report` against a real database, with
click's runner (moderation is typed key by key, as at the keyboard)."""

from __future__ import annotations

import asyncio
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner
from sqlalchemy import func, select

from bots.cli import main
from bots.cli_support import escaped_controls
from config.deployment import demo_folder, load_deployment
from conversations.consultation_values import (
    ConsultationAnswered,
    ConsultationRecord,
    StatementSubmitted,
    StatementVoted,
)
from conversations.values import ConversationState
from storage import consultations
from storage.database import create_engine, upgrade
from storage.models import OutboxRow, Statement
from storage.unit_of_work import unit_of_work_factory
from tests.storage.helpers import NOW


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'peacepulse.db'}"
    for name in ("PEACEPULSE_DEPLOYMENT", "PEACEPULSE_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PEACEPULSE_DATABASE_URL", url)
    monkeypatch.setenv("PEACEPULSE_DATA_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    return url


async def _people(url: str, people: dict[str, list[ConsultationRecord]], region: str = "") -> None:
    """Participants (consented, reachable) with their consultation records."""
    database = create_engine(url)
    try:
        await upgrade(database)
        await consultations.sync_seeds(database, load_deployment(demo_folder()), NOW)
        uow = unit_of_work_factory(database)()
        async with uow:
            for n, (person, records) in enumerate(people.items()):
                state = ConversationState(stage="menu", language=("en", "fr", "ar")[n % 3])
                await uow.save_state(person, state, NOW)
                await uow.record_consent(person, NOW)
                await uow.save_address(person, "telegram", str(1000 + n))
                if region:
                    await uow.record_profile(person, "region", region)
                for item in records:
                    await uow.record_consultation(person, item, NOW)
            await uow.commit()
    finally:
        await database.dispose()


async def _scalar(url: str, query):  # type: ignore[no-untyped-def]
    database = create_engine(url)
    try:
        async with database.connect() as connection:
            return (await connection.execute(query)).all()
    finally:
        await database.dispose()


def test_moderation_by_keyboard(env: str) -> None:
    asyncio.run(
        _people(
            env,
            {
                "a" * 64: [
                    StatementSubmitted("monitoring", "Elders must sit on it.", "en", "pending")
                ],
                "b" * 64: [StatementSubmitted("monitoring", "Only soldiers.", "en", "pending")],
                "c" * 64: [StatementSubmitted("monitoring", "Ces traîtres.", "fr", "blocked")],
            },
        )
    )
    result = CliRunner().invoke(main, ["consultation", "moderate", "monitoring"], input="xar")
    assert result.exit_code == 0, result.output
    assert "Elders must sit on it." in result.output and "Ces traîtres" not in result.output
    assert "1 approved, 1 rejected" in result.output
    rows = asyncio.run(_scalar(env, select(Statement.status).where(Statement.author.is_not(None))))
    assert sorted(s for (s,) in rows) == ["approved", "blocked", "rejected"]
    caught = CliRunner().invoke(
        main, ["consultation", "moderate", "monitoring", "--blocked"], input="s"
    )
    assert "Ces traîtres." in caught.output and "(caught by the block list)" in caught.output

    again = CliRunner().invoke(main, ["consultation", "moderate", "monitoring"])
    assert "nothing to moderate" in again.output
    withdrawn = CliRunner().invoke(
        main, ["consultation", "moderate", "monitoring", "--published"], input="r"
    )
    assert "Elders must sit on it." in withdrawn.output  # the seeds are not offered
    assert "0 approved, 1 rejected" in withdrawn.output
    unknown = CliRunner().invoke(main, ["consultation", "moderate", "nope"])
    assert unknown.exit_code == 2 and "no consultation 'nope'" in unknown.output


def test_control_characters_are_shown_escaped_to_moderators(env: str) -> None:
    """A statement cannot clear the moderator's screen, fake a line or reverse its text."""
    sneaky = "Fine\x1b[2J\x1b[1A\rApproved by all\nsecond line \u202eesrever"
    asyncio.run(
        _people(env, {"a" * 64: [StatementSubmitted("monitoring", sneaky, "en", "pending")]})
    )
    result = CliRunner().invoke(main, ["consultation", "moderate", "monitoring"], input="s")
    assert result.exit_code == 0, result.output
    assert "Fine\\x1b[2J\\x1b[1A\\rApproved by all\\nsecond line \\u202eesrever" in result.output
    assert not {"\x1b", "\r", "\u202e"} & set(result.output)
    assert escaped_controls("سلام عليكم\té") == "سلام عليكم\\té"


def test_a_followup_reaches_every_participant_once(env: str, tmp_path: Path) -> None:
    seed_id = 1
    asyncio.run(
        _people(
            env,
            {
                # answered, wrote and voted: still one message
                "a" * 64: [
                    ConsultationAnswered("monitoring", "Women and elders.", "en", 0.99),
                    StatementSubmitted("monitoring", "Elders must sit on it.", "en", "pending"),
                    StatementVoted("monitoring", seed_id, 1),
                ],
                "b" * 64: [StatementVoted("monitoring", seed_id, -1)],
                "c" * 64: [ConsultationAnswered("monitoring", "Des observateurs.", "fr", 0.99)],
                "d" * 64: [],  # did not take part
            },
        )
    )
    text = tmp_path / "heard.yaml"
    text.write_text("en: We heard you.\nfr: Nous vous avons entendus.\nar: لقد سمعناكم.\n")
    question = tmp_path / "question.yaml"
    question.write_text("en: How often?\nfr: À quelle fréquence ?\nar: كم مرة؟\n")
    args = ["consultation", "followup", "monitoring", "--text-file", str(text), "--yes"]
    first = CliRunner().invoke(main, [*args, "--question-file", str(question)])
    assert first.exit_code == 0, first.output
    assert "3 messages queued" in first.output and "round 1 is open" in first.output
    rows = asyncio.run(
        _scalar(env, select(OutboxRow.participant_id, OutboxRow.job, OutboxRow.payload))
    )
    assert sorted(p[0] for p, *_ in rows) == ["a", "b", "c"]
    assert all(payload["consultation"] == "monitoring" for *_, payload in rows)
    report = json.loads(
        CliRunner()
        .invoke(main, ["consultation", "report", "monitoring", "--format", "json"])
        .output
    )
    assert report["rounds"] == [
        {
            "round": 0,
            "question": "Who should sit on the ceasefire monitoring committee, and why?",
            "answers": "*",
        },
        {"round": 1, "question": "How often?", "answers": "*"},
    ]
    counted = asyncio.run(
        _scalar(env, select(func.count()).select_from(OutboxRow).group_by(OutboxRow.participant_id))
    )
    assert [n for (n,) in counted] == [1, 1, 1]


def test_report_hides_small_cells(env: str) -> None:
    people: dict[str, list[ConsultationRecord]] = {}
    for n in range(12):
        camp = n % 2
        votes: list[ConsultationRecord] = [
            StatementVoted("monitoring", s, 1 if (s % 2 == camp) else -1) for s in (1, 2, 3)
        ]
        votes.append(StatementVoted("monitoring", 4, 1))  # common ground
        votes.append(ConsultationAnswered("monitoring", "Women from every village.", "en", 0.9))
        people[f"{n:064d}"] = votes
    asyncio.run(_people(env, people, region="noor_valley"))
    result = CliRunner().invoke(
        main, ["consultation", "report", "monitoring", "--format", "json", "--min-votes", "3"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["participants"] == 12
    assert report["participation"]["rows"] == [{"group": "Noor Valley", "participants": 12}]
    assert sorted(g["size"] for g in report["opinion_groups"]["groups"]) == [6, 6]
    assert [c["statement"] for c in report["consensus"]] == [
        "Committee reports must be published within a week, in every language of the country."
    ]
    women = next(t for t in report["themes"] if t["theme"] == "Women's participation")
    assert women["answers"] == 12
    assert report["languages"] == {"en": 12}
    markdown = CliRunner().invoke(main, ["consultation", "report", "monitoring"])
    assert "## Common ground (all groups)" in markdown.output
    page = CliRunner().invoke(main, ["consultation", "report", "monitoring", "--format", "html"])
    assert "<h2>Common ground (all groups)</h2>" in page.output
    assert "<td>Noor Valley</td><td>12</td>" in page.output


def test_simulated_camps_moderated_and_reported(env: str, request: pytest.FixtureRequest) -> None:
    """The demonstration path: simulate, moderate the new statements, simulate more, report."""
    traveller = time_machine.travel(datetime(2026, 11, 23, 11, 0, tzinfo=UTC), tick=True)
    traveller.start()  # the demo consultation is open then
    request.addfinalizer(traveller.stop)
    runner = CliRunner()
    first = runner.invoke(main, ["consultation", "simulate", "monitoring", "30", "--camps", "2"])
    assert first.exit_code == 0, first.output
    listed = runner.invoke(main, ["consultation", "list"])
    waiting = int(listed.output.split("\t")[-1].split()[0])
    assert waiting > 0  # simulated statements wait for a mediator
    moderated = runner.invoke(main, ["consultation", "moderate", "monitoring"], input="a" * waiting)
    assert f"{waiting} approved, 0 rejected" in moderated.output
    more = ["consultation", "simulate", "monitoring", "30", "--camps", "2", "--seed", "2"]
    assert runner.invoke(main, more).exit_code == 0
    result = runner.invoke(main, ["consultation", "report", "monitoring", "--format", "json"])
    report = json.loads(result.output)
    assert report["participants"] == 60
    groups = report["opinion_groups"]
    # the first 30 voted on the four seeds only: under the 7 votes that count someone in
    assert groups["clustered"] == 30
    assert len(groups["groups"]) == 2
    assert sum(g["size"] for g in groups["groups"]) == 30


def test_themes_are_confirmed_or_relabelled(env: str) -> None:
    water = [f"The wells in village {n} are dry and water is scarce" for n in range(6)]
    roads = [f"Roads to market {n} are closed by checkpoints and mines" for n in range(6)]
    people: dict[str, list[ConsultationRecord]] = {
        f"{n:064d}": [ConsultationAnswered("monitoring", text, "en", 0.9)]
        for n, text in enumerate([*water, *roads, "Women must sit on it."])
    }
    asyncio.run(_people(env, people))
    runner = CliRunner()
    shown = runner.invoke(main, ["consultation", "themes", "monitoring"])
    assert shown.exit_code == 0, shown.output
    assert "codebook women (Women's participation): 1 answers" in shown.output
    assert "suggested 1:" in shown.output and "suggested 2:" in shown.output
    number = next(
        line.split(":")[0].split()[-1]
        for line in shown.output.splitlines()
        if line.startswith("suggested") and "water" in line
    )
    accepted = runner.invoke(
        main,
        [
            "consultation",
            "themes",
            "monitoring",
            "--codebook",
            "--accept",
            number,
            "--label",
            "water",
        ],
    )
    assert "7 answers given a confirmed theme" in accepted.output
    report = json.loads(
        runner.invoke(
            main, ["consultation", "report", "monitoring", "--format", "json", "--by", "gender"]
        ).output
    )
    themes = {t["theme"]: t["answers"] for t in report["themes"]}
    assert themes["water"] == 6 and themes["Women's participation"] == "*"  # 1 < k: hidden
    assert report["participation"] == {
        "by": "gender",
        "label": "Gender",
        "rows": [{"group": "not stated", "participants": 13}],
    }
    wrong = runner.invoke(main, ["consultation", "report", "monitoring", "--by", "shoe_size"])
    assert wrong.exit_code == 2 and "unknown field 'shoe_size'" in wrong.output
    missing = runner.invoke(main, ["consultation", "themes", "monitoring", "--accept", "9"])
    assert missing.exit_code == 2 and "no suggested theme 9" in missing.output


def test_a_consultation_defined_at_the_prompt(
    env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = Path(shutil.copytree(demo_folder(), tmp_path / "deployment"))
    monkeypatch.setenv("PEACEPULSE_DEPLOYMENT", str(folder))
    texts = [f"{what} {lang}" for what in ("Element", "Title", "Context", "Q?") for lang in "abc"]

    def answers(opens: str) -> str:
        return "\n".join([*texts, opens, "2027-01-31 18:00", "noor_valley, lake_tiras", ""]) + "\n"

    bad = CliRunner().invoke(main, ["consultation", "new", "roads"], input=answers("2027-02-01"))
    assert bad.exit_code == 2 and "closes must be after opens" in bad.output
    assert not (folder / "consultations/roads.yaml").exists()

    good = CliRunner().invoke(
        main, ["consultation", "new", "roads"], input=answers("2027-01-02 08:00")
    )
    assert good.exit_code == 0, good.output
    roads = load_deployment(folder).consultation("roads")
    assert roads is not None
    assert roads.title == {"en": "Title a", "fr": "Title b", "ar": "Title c"}
    assert roads.audience.regions == ("noor_valley", "lake_tiras")
    assert roads.moderation == "strict"
    again = CliRunner().invoke(main, ["consultation", "new", "roads"])
    assert again.exit_code == 2 and "exists already" in again.output
