"""Consultations in a deployment folder: the demo's, and the lines a broken one yields."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from config.deployment import demo_folder, load_deployment
from tests.config.test_deployment import Change, append, drop, edit, errors_of, put

MONITORING = "consultations/monitoring.yaml"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return Path(shutil.copytree(demo_folder(), tmp_path / "deployment"))


def test_the_demo_consultation() -> None:
    demo = load_deployment(demo_folder())
    (monitoring,) = demo.consultations
    assert demo.consultation("monitoring") is monitoring
    assert monitoring.moderation == "strict"  # strict by default, and in the demo
    assert len(monitoring.seeds) == 4 and all(
        set(s) == {"en", "fr", "ar"} for s in monitoring.seeds
    )
    assert [t.id for t in monitoring.codebook] == ["women", "international", "traditional", "youth"]


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (put("seeds", 1, "ar", value=""), f"{MONITORING}: seeds[1]: no 'ar' text"),
        (drop("question"), f"{MONITORING}: question: missing"),
        (
            put("closes", value="2026-10-01T00:00:00"),
            f"{MONITORING}: closes must be after opens",
        ),
        (
            put("audience", value={"regions": ["atlantis"]}),
            f"{MONITORING}: audience.regions[0]: unknown region 'atlantis' (regions: capital, "
            "daroun_plains, kessal_highlands, lake_tiras, noor_valley, outside_meridia, "
            "sarif_borderlands)",
        ),
        (
            put("moderation", value="none"),
            f"{MONITORING}: moderation: Input should be 'strict' or 'post'",
        ),
        (
            put("codebook", 0, "keywords", "de", value=["Frauen"]),
            f"{MONITORING}: codebook[0].keywords.de: 'de' is not a language of the deployment "
            "(en, fr, ar)",
        ),
        (
            append(
                "codebook",
                value={
                    "id": "women",
                    "label": {"en": "a", "fr": "b", "ar": "c"},
                    "keywords": {"en": ["x"]},
                },
            ),
            f"{MONITORING}: codebook[4].id: duplicate theme id 'women' (also [0])",
        ),
        (
            put("statment_max_length", value=10),
            f"{MONITORING}: statment_max_length: unknown field (did you mean "
            "'statement_max_length'?",
        ),
        (put("max_length", value=5), f"{MONITORING}: max_length: must be at least 20, got 5"),
    ],
)
def test_a_broken_consultation_says_what_is_wrong(folder: Path, change: Change, line: str) -> None:
    edit(folder, MONITORING, change)
    errors = errors_of(folder)
    assert any(e.startswith(line) for e in errors), errors


def test_consultations_do_not_go_in_deployment_yaml(folder: Path) -> None:
    edit(folder, "deployment.yaml", put("consultations", value=[]))
    assert errors_of(folder) == [
        "deployment.yaml: consultations: consultations go in consultations/*.yaml, one per file"
    ]


def test_duplicate_ids_across_files(folder: Path) -> None:
    shutil.copy(folder / MONITORING, folder / "consultations/other.yaml")
    assert errors_of(folder) == [
        "consultations/other.yaml: id: duplicate consultation id 'monitoring' "
        "(also in consultations/monitoring.yaml)"
    ]
