"""Loading a deployment folder: the demo, and the error lines a broken copy yields."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from config.deployment import DeploymentError, demo_folder, load_deployment
from conversations.definitions import Deployment, MultipleChoice, RegionQuestion, SingleChoice

DEPLOYMENT = "deployment.yaml"
AGENDA = "polls/agenda.yaml"
IMPLEMENTATION = "polls/implementation.yaml"
QUESTION_TYPES = "single_choice, multiple_choice, scale, number, free_text, region"
ISSUES = (
    "security, justice_accountability, land_property, basic_services, "
    "political_representation, return_displaced, jobs_economy, other"
)

Change = Callable[[dict[str, Any]], None]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the demo deployment to break."""
    return Path(shutil.copytree(demo_folder(), tmp_path / "deployment"))


def errors_of(folder: Path) -> list[str]:
    with pytest.raises(DeploymentError) as raised:
        load_deployment(folder)
    return raised.value.errors


def edit(folder: Path, name: str, change: Change) -> None:
    path = folder / name
    # through JSON so that YAML anchors (shared choices) become separate copies
    data = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8"))))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _parent(data: Any, path: tuple[str | int, ...]) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


def put(*path: str | int, value: object) -> Change:
    def change(data: dict[str, Any]) -> None:
        _parent(data, path)[path[-1]] = value

    return change


def drop(*path: str | int) -> Change:
    def change(data: dict[str, Any]) -> None:
        del _parent(data, path)[path[-1]]

    return change


def append(*path: str | int, value: object) -> Change:
    def change(data: dict[str, Any]) -> None:
        _parent(data, path)[path[-1]].append(value)

    return change


FOLLOW_UP = {
    "id": "follow_up",
    "type": "free_text",
    "optional": True,
    "show_if": {"question": "comment", "any_of": ["yes"]},
    "prompt": {"en": "Tell us more.", "fr": "Dites-nous en plus.", "ar": "أخبرنا بالمزيد."},
}


# The demo


@pytest.fixture(scope="module")
def demo() -> Deployment:
    return load_deployment(demo_folder())


def test_demo_loads(demo: Deployment) -> None:
    assert demo.languages == ("en", "fr", "ar")
    assert demo.default_language == "en"
    assert demo.timezone == "Africa/Ndjamena"
    assert demo.suppression_k == 5
    assert [poll.id for poll in demo.polls] == ["agenda", "implementation"]
    assert [question.id for question in demo.profile] == ["region", "age_band", "gender"]
    assert 6 <= len(demo.regions) <= 8


def test_demo_agenda_asks_the_displaced_only_when_return_matters(demo: Deployment) -> None:
    agenda = demo.poll("agenda")
    assert agenda is not None
    issues = agenda.question("priority_issues")
    assert isinstance(issues, MultipleChoice)
    assert issues.max_choices == 3
    displaced = agenda.question("displaced")
    assert isinstance(displaced, SingleChoice)
    assert displaced.show_if is not None
    assert displaced.show_if.question == "priority_issues"
    assert displaced.show_if.any_of == ("return_displaced",)
    assert [choice.id for choice in displaced.choices] == ["yes", "no", "prefer_not_to_say"]
    assert isinstance(agenda.question("home_region"), RegionQuestion)


def _texts(value: object, path: str = "") -> list[tuple[str, dict[str, str]]]:
    """Every user-facing text in a deployment, with where it is."""
    if isinstance(value, dict):
        return [(path, value)]
    if isinstance(value, tuple):
        return [t for i, item in enumerate(value) for t in _texts(item, f"{path}[{i}]")]
    fields = getattr(type(value), "model_fields", {})
    not_texts = {"stop_words", "start_words", "help_words", "audience", "population", "whatsapp"}
    return [
        t
        for name in fields
        if name not in not_texts
        for t in _texts(getattr(value, name), f"{path}.{name}")
    ]


def test_demo_texts_fit_a_chat_message(demo: Deployment) -> None:
    texts = _texts(demo)
    assert len(texts) > 50
    for path, text in texts:
        assert set(text) == {"en", "fr", "ar"}, path
        limit = 900 if path == ".privacy_notice" else 300
        assert all(len(value) <= limit for value in text.values()), path


def test_demo_files_are_package_data() -> None:
    # pyproject ships demo/*.yaml, demo/polls/*.yaml and demo/consultations/*.yaml; anything
    # else would be lost on install
    files = {
        p.relative_to(demo_folder()).as_posix() for p in demo_folder().rglob("*") if p.is_file()
    }
    assert files == {
        "deployment.yaml",
        "polls/agenda.yaml",
        "polls/implementation.yaml",
        "consultations/monitoring.yaml",
    }


# Broken copies: one table row per kind of mistake


@pytest.mark.parametrize(
    ("edits", "expected"),
    [
        pytest.param(
            [(AGENDA, drop("questions", 3, "choices", 1, "label", "ar"))],
            [f"{AGENDA}: questions[3].choices[1].label: no 'ar' text"],
            id="missing-language",
        ),
        pytest.param(
            [(AGENDA, put("questions", 0, "prompt", "fr", value="  "))],
            [f"{AGENDA}: questions[0].prompt: no 'fr' text"],
            id="blank-language",
        ),
        pytest.param(
            [(AGENDA, put("title", value="Agenda"))],
            [
                f"{AGENDA}: title: expected a text for each language "
                "(en: ..., fr: ..., ar: ...), got 'Agenda'"
            ],
            id="text-not-per-language",
        ),
        pytest.param(
            [(AGENDA, put("questions", 2, "type", value="slider"))],
            [
                f"{AGENDA}: questions[2].type: unknown question type 'slider' "
                f"(one of: {QUESTION_TYPES})"
            ],
            id="unknown-question-type",
        ),
        pytest.param(
            [(IMPLEMENTATION, put("schedule", "cron", value="every tuesday"))],
            [f"{IMPLEMENTATION}: schedule: give exactly one of every_days and cron"],
            id="schedule-two-rhythms",
        ),
        pytest.param(
            [
                (IMPLEMENTATION, drop("schedule", "every_days")),
                (IMPLEMENTATION, put("schedule", "cron", value="0 25 * * *")),
            ],
            [
                f"{IMPLEMENTATION}: schedule.cron: not a cron expression (Error validating "
                "expression '25': the last value (25) is higher than the maximum value (23))"
            ],
            id="schedule-bad-cron",
        ),
        pytest.param(
            [(IMPLEMENTATION, put("schedule", "open_days", value=20))],
            [
                f"{IMPLEMENTATION}: schedule.open_days: a wave open 20 days would overlap the "
                "next one (every 14 days)"
            ],
            id="schedule-overlap",
        ),
        pytest.param(
            [
                (
                    IMPLEMENTATION,
                    put(
                        "schedule",
                        "audience",
                        value={"regions": ["atlantis"], "profile": {"gender": ["x"]}},
                    ),
                )
            ],
            [
                f"{IMPLEMENTATION}: schedule.audience.regions[0]: unknown region 'atlantis' "
                "(capital, daroun_plains, kessal_highlands, lake_tiras, noor_valley, "
                "outside_meridia, sarif_borderlands)",
                f"{IMPLEMENTATION}: schedule.audience.profile.gender[0]: 'x' is not an answer of "
                "'gender' (another_identity, man, woman)",
            ],
            id="schedule-audience",
        ),
        pytest.param(
            [(AGENDA, drop("questions", 1, "type"))],
            [f"{AGENDA}: questions[1].type: missing (one of: {QUESTION_TYPES})"],
            id="missing-question-type",
        ),
        pytest.param(
            [(DEPLOYMENT, put("profile", 1, "type", value="multiple_choice"))],
            [
                f"{DEPLOYMENT}: profile[1].type: question type 'multiple_choice' is not allowed "
                "here (one of: single_choice, region)"
            ],
            id="question-type-not-allowed-in-profile",
        ),
        pytest.param(
            [(AGENDA, put("questions", 0, "colour", value="red"))],
            [
                f"{AGENDA}: questions[0].colour: unknown field "
                "(allowed: id, prompt, optional, show_if, label, type, choices, max_choices)"
            ],
            id="unknown-field",
        ),
        pytest.param(
            [(DEPLOYMENT, put("suppresion_k", value=10))],
            [
                f"{DEPLOYMENT}: suppresion_k: unknown field (did you mean 'suppression_k'? "
                "allowed: organization, contact, purpose, privacy_notice, languages, "
                "default_language, timezone, regions, profile, suppression_k, topics, "
                "quiet_hours, stop_words, start_words, help_words, conversation_expiry_days, "
                "initiatives, population, population_source, results_topic, public_results, "
                "exports, whatsapp)"
            ],
            id="misspelt-field",
        ),
        pytest.param(
            [(AGENDA, drop("title"))],
            [f"{AGENDA}: title: missing"],
            id="missing-field",
        ),
        pytest.param(
            [(AGENDA, put("questions", 2, "max", value=20))],
            [f"{AGENDA}: questions[2]: a scale has between 2 and 11 points (min..max)"],
            id="model-rule",
        ),
        pytest.param(
            [(IMPLEMENTATION, put("questions", 3, "max", value="thirty"))],
            [f"{IMPLEMENTATION}: questions[3].max: expected a number, got 'thirty'"],
            id="not-a-number",
        ),
        pytest.param(
            [(AGENDA, put("questions", 0, "id", value=12))],
            [f"{AGENDA}: questions[0].id: expected text, got 12 (put it in quotes)"],
            id="number-for-text",
        ),
        pytest.param(
            [(AGENDA, put("questions", 0, "id", value="priority issues"))],
            [
                f"{AGENDA}: questions[0].id: 'priority issues' is not a valid id "
                "(letters, digits, '_', '.' and '-', starting with a letter or digit)"
            ],
            id="bad-id",
        ),
        pytest.param(
            [(AGENDA, put("questions", 3, "choices", value=[{"id": "x", "label": {}}]))],
            [
                f"{AGENDA}: questions[3].choices[0].label: no 'en' text",
                f"{AGENDA}: questions[3].choices: needs at least 2 items, has 1",
            ],
            id="too-few-choices",
        ),
        pytest.param(
            [(AGENDA, put("questions", 0, "max_choices", value=9))],
            [f"{AGENDA}: questions[0].max_choices: 9 is more than the 8 choices"],
            id="max-choices",
        ),
        pytest.param(
            [(AGENDA, put("questions", 4, "show_if", "question", value="message_to_mediators"))],
            [
                f"{AGENDA}: questions[4].show_if.question: 'message_to_mediators' is a later "
                "question (questions[6]); show_if can only use an earlier question"
            ],
            id="show-if-later-question",
        ),
        pytest.param(
            [(AGENDA, put("questions", 4, "show_if", "question", value="displaced"))],
            [
                f"{AGENDA}: questions[4].show_if.question: 'displaced' is itself; "
                "show_if can only use an earlier question"
            ],
            id="show-if-itself",
        ),
        pytest.param(
            [(AGENDA, put("questions", 4, "show_if", "question", value="nowhere"))],
            [f"{AGENDA}: questions[4].show_if.question: no question 'nowhere' in this poll"],
            id="show-if-unknown-question",
        ),
        pytest.param(
            [(AGENDA, put("questions", 4, "show_if", "any_of", value=["return_displaced", "x"]))],
            [
                f"{AGENDA}: questions[4].show_if.any_of[1]: 'x' is not an answer to "
                f"'priority_issues' (one of: {ISSUES})"
            ],
            id="show-if-unknown-choice",
        ),
        pytest.param(
            [
                (AGENDA, put("questions", 4, "show_if", "question", value="confidence")),
                (AGENDA, put("questions", 4, "show_if", "any_of", value=["1", "6"])),
            ],
            [
                f"{AGENDA}: questions[4].show_if.any_of[1]: '6' is not an answer to "
                "'confidence' (one of: 1, 2, 3, 4, 5)"
            ],
            id="show-if-scale-value",
        ),
        pytest.param(
            [
                (
                    IMPLEMENTATION,
                    put(
                        "questions",
                        4,
                        "show_if",
                        value={
                            "question": "free_movement_days",
                            "any_of": ["0", "30", "31", "2.5", "07", "some"],
                        },
                    ),
                )
            ],
            [
                f"{IMPLEMENTATION}: questions[4].show_if.any_of[2]: 31 is not between 0 and 30",
                f"{IMPLEMENTATION}: questions[4].show_if.any_of[3]: 2.5 is not a whole number",
                f"{IMPLEMENTATION}: questions[4].show_if.any_of[4]: write '07' as '7'",
                f"{IMPLEMENTATION}: questions[4].show_if.any_of[5]: 'some' is not a number",
            ],
            id="show-if-number-values",
        ),
        pytest.param(
            [(IMPLEMENTATION, append("questions", value=FOLLOW_UP))],
            [
                f"{IMPLEMENTATION}: questions[5].show_if.question: 'comment' is a free_text "
                "question; show_if needs a choice, scale, number or region question"
            ],
            id="show-if-free-text-question",
        ),
        pytest.param(
            [(AGENDA, put("questions", 1, "id", value="priority_issues"))],
            [
                f"{AGENDA}: questions[1].id: duplicate question id 'priority_issues' "
                "(also questions[0].id)"
            ],
            id="duplicate-question-id",
        ),
        pytest.param(
            [(IMPLEMENTATION, put("questions", 1, "choices", 1, "id", value="yes"))],
            [
                f"{IMPLEMENTATION}: questions[1].choices[1].id: duplicate choice id 'yes' "
                "(also questions[1].choices[0].id)"
            ],
            id="duplicate-choice-id",
        ),
        pytest.param(
            [(DEPLOYMENT, put("regions", 2, "id", value="capital"))],
            [
                f"{DEPLOYMENT}: regions[2].id: duplicate region id 'capital' (also regions[0].id)",
                f"{DEPLOYMENT}: initiatives[1].region: unknown region 'noor_valley' (capital, "
                "kessal_highlands, capital, lake_tiras, daroun_plains, sarif_borderlands, "
                "outside_meridia)",
            ],
            id="duplicate-region-id",
        ),
        pytest.param(
            [(DEPLOYMENT, put("profile", 2, "id", value="age_band"))],
            [f"{DEPLOYMENT}: profile[2].id: duplicate question id 'age_band' (also profile[1].id)"],
            id="duplicate-profile-id",
        ),
        pytest.param(
            [(IMPLEMENTATION, put("id", value="agenda"))],
            [f"{IMPLEMENTATION}: id: duplicate poll id 'agenda' (also in {AGENDA})"],
            id="duplicate-poll-id",
        ),
        pytest.param(
            [(DEPLOYMENT, put("timezone", value="Mars/Olympus"))],
            [
                f"{DEPLOYMENT}: timezone: unknown time zone 'Mars/Olympus' "
                "(an IANA name such as 'Africa/Nairobi')"
            ],
            id="bad-timezone",
        ),
        pytest.param(
            [(DEPLOYMENT, put("default_language", value="de"))],
            [f"{DEPLOYMENT}: default_language: 'de' is not one of the languages (en, fr, ar)"],
            id="default-language-not-offered",
        ),
        pytest.param(
            [(DEPLOYMENT, put("languages", value=["en", "fr", "ar", "en"]))],
            [f"{DEPLOYMENT}: languages[3]: duplicate language 'en' (also languages[0])"],
            id="duplicate-language",
        ),
        pytest.param(
            [(DEPLOYMENT, put("languages", value=[]))],
            [f"{DEPLOYMENT}: languages: needs at least 1 item, has 0"],
            id="no-languages",
        ),
        pytest.param(
            [(DEPLOYMENT, drop("regions"))],
            [
                f"{DEPLOYMENT}: profile[0].type: a region question needs regions in {DEPLOYMENT}",
                *(
                    f"{DEPLOYMENT}: initiatives[{i}].region: unknown region '{region}' (none)"
                    for i, region in enumerate(
                        ["kessal_highlands", "noor_valley", "capital", "sarif_borderlands"]
                    )
                ),
                f"{AGENDA}: questions[5].type: a region question needs regions in {DEPLOYMENT}",
            ],
            id="region-question-without-regions",
        ),
        pytest.param(
            [(DEPLOYMENT, put("polls", value=[]))],
            [f"{DEPLOYMENT}: polls: polls go in polls/*.yaml, one per file"],
            id="polls-in-deployment-file",
        ),
    ],
)
def test_a_broken_copy_says_exactly_what_is_wrong(
    folder: Path, edits: list[tuple[str, Change]], expected: list[str]
) -> None:
    for name, change in edits:
        edit(folder, name, change)
    assert errors_of(folder) == expected


@pytest.mark.parametrize(
    "edits",
    [
        pytest.param(
            [
                (AGENDA, put("questions", 4, "show_if", "question", value="confidence")),
                (AGENDA, put("questions", 4, "show_if", "any_of", value=["1", "5"])),
            ],
            id="scale-values",
        ),
        pytest.param(
            [
                (
                    IMPLEMENTATION,
                    put(
                        "questions",
                        4,
                        "show_if",
                        value={"question": "free_movement_days", "any_of": ["0", "30"]},
                    ),
                )
            ],
            id="numbers",
        ),
        pytest.param(
            [
                (
                    AGENDA,
                    put(
                        "questions",
                        6,
                        "show_if",
                        value={"question": "home_region", "any_of": ["capital", "lake_tiras"]},
                    ),
                )
            ],
            id="region-ids",
        ),
    ],
)
def test_show_if_can_use_answers_of_earlier_questions(
    folder: Path, edits: list[tuple[str, Change]]
) -> None:
    for name, change in edits:
        edit(folder, name, change)
    assert load_deployment(folder).polls


@pytest.mark.parametrize("code", ["eng", "EN", "e"])
def test_a_language_code_looks_like_iso_639_1(tmp_path: Path, code: str) -> None:
    text = {"en": "In English", code: "In another language"}
    minimal = {
        "organization": text,
        "contact": "team@example.org",
        "purpose": text,
        "privacy_notice": text,
        "languages": ["en", code],
        "default_language": "en",
    }
    (tmp_path / DEPLOYMENT).write_text(yaml.safe_dump(minimal), encoding="utf-8")
    assert errors_of(tmp_path) == [
        f"{DEPLOYMENT}: languages[1]: '{code}' is not a two-letter ISO 639-1 code "
        "(such as en, fr, ar, sw)"
    ]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        pytest.param(
            DEPLOYMENT,
            "organization: {en: A, fr: B, ar: C}\ncontact: a@example.org\npurpose: Why: because\n",
            [
                f"{DEPLOYMENT}: line 3: a ':' inside a text? put the text in quotes "
                "(mapping values are not allowed here)"
            ],
            id="colon-in-text",
        ),
        pytest.param(
            "polls/zz.yaml",
            "id: zz\ntitle:\n  en: Broken\n fr: Cassé\n",
            [
                "polls/zz.yaml: line 4: the indentation does not line up with the lines above "
                "(expected <block end>, but found '<block mapping start>')"
            ],
            id="indentation",
        ),
        pytest.param(
            "polls/zz.yaml",
            "id: zz\ntitle:\n\ten: Broken\n",
            [
                "polls/zz.yaml: line 3: indent with spaces, not tabs "
                "(found character '\\t' that cannot start any token)"
            ],
            id="tab",
        ),
        pytest.param(
            "polls/zz.yaml",
            "id: zz\ntitle: [en, fr\nintro: x\n",
            [
                "polls/zz.yaml: line 3: expected ',' or ']', but got ':' "
                "(while parsing a flow sequence at line 2)"
            ],
            id="unclosed-bracket",
        ),
        pytest.param(
            "polls/zz.yaml",
            "id: zz\ntitle:\n  en: One\n  fr: Un\n  en: Two\n",
            ["polls/zz.yaml: line 5: duplicate key 'en'"],
            id="duplicate-key",
        ),
        pytest.param("polls/zz.yaml", "", ["polls/zz.yaml: the file is empty"], id="empty"),
        pytest.param(
            "polls/zz.yaml",
            "- id: zz\n",
            ["polls/zz.yaml: expected fields (name: value), got a list"],
            id="not-a-mapping",
        ),
        pytest.param(
            "polls/zz.yml",
            "id: zz\n",
            ["polls/zz.yml: poll files end in .yaml; this one is not read"],
            id="yml-extension",
        ),
    ],
)
def test_a_file_that_is_not_good_yaml(
    folder: Path, name: str, text: str, expected: list[str]
) -> None:
    (folder / name).write_text(text, encoding="utf-8")
    assert errors_of(folder) == expected


def test_yes_and_no_stay_text(folder: Path) -> None:
    # YAML 1.1 would read these as booleans; a content author means the words
    path = folder / IMPLEMENTATION
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('id: "yes"', "id: yes").replace('id: "no"', "id: no"))
    implementation = load_deployment(folder).poll("implementation")
    assert implementation is not None
    violations = implementation.question("ceasefire_violations")
    assert isinstance(violations, SingleChoice)
    assert [choice.id for choice in violations.choices] == ["yes", "no", "dont_know"]


def test_every_problem_is_reported_at_once_file_by_file(folder: Path) -> None:
    edit(folder, IMPLEMENTATION, put("questions", 0, "type", value="slider"))
    edit(folder, AGENDA, drop("questions", 3, "choices", 1, "label", "ar"))
    edit(folder, AGENDA, put("questions", 0, "colour", value="red"))
    edit(folder, DEPLOYMENT, put("timezone", value="Mars/Olympus"))
    edit(folder, DEPLOYMENT, put("regions", 2, "id", value="capital"))
    (folder / "polls/broken.yaml").write_text("id: broken\ntitle: [\n", encoding="utf-8")

    with pytest.raises(DeploymentError) as raised:
        load_deployment(folder)

    assert raised.value.errors == [
        f"{DEPLOYMENT}: timezone: unknown time zone 'Mars/Olympus' "
        "(an IANA name such as 'Africa/Nairobi')",
        f"{DEPLOYMENT}: regions[2].id: duplicate region id 'capital' (also regions[0].id)",
        f"{DEPLOYMENT}: initiatives[1].region: unknown region 'noor_valley' (capital, "
        "kessal_highlands, capital, lake_tiras, daroun_plains, sarif_borderlands, "
        "outside_meridia)",
        f"{AGENDA}: questions[0].colour: unknown field "
        "(allowed: id, prompt, optional, show_if, label, type, choices, max_choices)",
        f"{AGENDA}: questions[3].choices[1].label: no 'ar' text",
        "polls/broken.yaml: line 3: expected the node content, but found '<stream end>' "
        "(while parsing a flow node at line 3)",
        f"{IMPLEMENTATION}: questions[0].type: unknown question type 'slider' "
        f"(one of: {QUESTION_TYPES})",
    ]
    assert str(raised.value).startswith(f"7 problems in deployment {folder}:\n")
    assert str(raised.value).endswith("\n  " + raised.value.errors[-1])


def test_polls_are_read_in_file_name_order(folder: Path) -> None:
    edit(folder, IMPLEMENTATION, put("id", value="wave_1"))
    edit(folder, DEPLOYMENT, put("public_results", value=["agenda", "wave_1"]))
    shutil.move(folder / IMPLEMENTATION, folder / "polls/0_wave_1.yaml")
    deployment = load_deployment(folder)
    assert [poll.id for poll in deployment.polls] == ["wave_1", "agenda"]


def test_a_folder_without_polls_is_a_deployment_without_polls(folder: Path) -> None:
    shutil.rmtree(folder / "polls")
    edit(folder, DEPLOYMENT, drop("public_results"))
    assert load_deployment(folder).polls == ()


def test_only_polls_of_the_deployment_can_be_public(folder: Path) -> None:
    edit(folder, DEPLOYMENT, put("public_results", value=["agenda", "census"]))
    assert errors_of(folder) == [
        f"{DEPLOYMENT}: public_results[1]: unknown poll 'census' (polls: agenda, implementation)"
    ]


def test_a_missing_folder(tmp_path: Path) -> None:
    assert errors_of(tmp_path / "nowhere") == [f"{tmp_path / 'nowhere'}: no such folder"]


def test_a_folder_without_deployment_yaml_still_checks_its_polls(folder: Path) -> None:
    (folder / DEPLOYMENT).unlink()
    edit(folder, AGENDA, drop("title"))
    assert errors_of(folder) == [
        f"{DEPLOYMENT}: not found in {folder}",
        f"{AGENDA}: title: missing",
    ]


def test_demo_population_margins(demo: Deployment) -> None:
    assert set(demo.population) == {"region", "gender", "age_band"}
    for shares in demo.population.values():
        assert sum(shares.values()) == pytest.approx(1)
    assert demo.results_topic == "results"
    assert not demo.exports.respondent_rows


def test_population_margins_are_checked(folder: Path) -> None:
    edit(
        folder,
        DEPLOYMENT,
        put("population", value={"region": {"north_pole": 0.5, "capital": 0.2}, "shoe": {}}),
    )
    edit(folder, DEPLOYMENT, put("results_topic", value="gossip"))
    errors = errors_of(folder)
    assert any("population.region.north_pole: not an answer of region" in e for e in errors)
    assert any("population.region: shares add up to 0.700, not 1" in e for e in errors)
    assert any("population.shoe: not a profile question" in e for e in errors)
    assert any("results_topic: unknown topic 'gossip'" in e for e in errors)


def test_initiatives_are_checked_like_polls(folder: Path) -> None:
    edit(folder, DEPLOYMENT, drop("initiatives", 0, "title", "ar"))
    edit(folder, DEPLOYMENT, put("initiatives", 1, "ends", value="2026-12-12T08:00:00"))
    edit(folder, DEPLOYMENT, put("initiatives", 2, "id", value="kessal_dialogue"))
    assert errors_of(folder) == [
        f"{DEPLOYMENT}: initiatives[0].title: no 'ar' text",
        f"{DEPLOYMENT}: initiatives[1]: ends must be after starts",
    ]
    edit(folder, DEPLOYMENT, put("initiatives", 0, "title", "ar", value="حوار"))
    edit(folder, DEPLOYMENT, put("initiatives", 1, "ends", value="2026-12-12T15:00:00"))
    assert errors_of(folder) == [
        f"{DEPLOYMENT}: initiatives[2].id: duplicate initiative id 'kessal_dialogue' "
        "(also initiatives[0].id)"
    ]
