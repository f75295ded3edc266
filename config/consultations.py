"""Consultations of a deployment: ``folder/consultations/*.yaml``, one per file.

Read and validated like polls (`config.deployment`): every problem is reported as a
``file: path: message`` line, e.g. ``consultations/monitoring.yaml: seeds[1]: no 'ar' text``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from conversations.definitions import Consultation, Deployment

CONSULTATIONS_FOLDER = "consultations"

Problem = tuple[tuple[str | int, ...], str]


def consultation_files(folder: Path) -> list[str]:
    """``consultations/...`` names of the folder's ``.yaml`` files, in name order."""
    where = folder / CONSULTATIONS_FOLDER
    paths = sorted(where.iterdir()) if where.is_dir() else []
    return [
        f"{CONSULTATIONS_FOLDER}/{path.name}"
        for path in paths
        if path.is_file() and path.suffix in (".yaml", ".yml") and not path.name.startswith(".")
    ]


def check_consultation(
    consultation: Consultation, deployment: Deployment | None
) -> Iterator[Problem]:
    """Cross-checks a single file cannot express: audience regions, codebook languages."""
    if deployment is None:
        return
    regions = {region.id for region in deployment.regions}
    for i, region in enumerate(consultation.audience.regions):
        if region not in regions:
            known = ", ".join(sorted(regions)) or "none"
            yield ("audience", "regions", i), f"unknown region '{region}' (regions: {known})"
    profile = {q.id for q in deployment.profile}
    for name in consultation.audience.profile:
        if name not in profile:
            yield ("audience", "profile", name), f"unknown profile question '{name}'"
    seen: dict[str, int] = {}
    for i, theme in enumerate(consultation.codebook):
        if theme.id in seen:
            yield (
                ("codebook", i, "id"),
                f"duplicate theme id '{theme.id}' (also [{seen[theme.id]}])",
            )
        seen.setdefault(theme.id, i)
        for language, words in theme.keywords.items():
            if language not in deployment.languages:
                yield (
                    ("codebook", i, "keywords", language),
                    f"'{language}' is not a language of the deployment "
                    f"({', '.join(deployment.languages)})",
                )
            if not any(word.strip() for word in words):
                yield ("codebook", i, "keywords", language), "needs at least one keyword"


def duplicate_consultations(consultations: Mapping[str, Consultation]) -> Iterator[str]:
    first: dict[str, str] = {}
    for name, consultation in consultations.items():
        if consultation.id in first:
            yield (
                f"{name}: id: duplicate consultation id '{consultation.id}' "
                f"(also in {first[consultation.id]})"
            )
        else:
            first[consultation.id] = name


def without_consultations(header: dict[str, Any], errors: list[str], deployment_file: str) -> None:
    """Consultations are not written in deployment.yaml; say where they go."""
    if "consultations" in header:
        errors.append(
            f"{deployment_file}: consultations: consultations go in "
            f"{CONSULTATIONS_FOLDER}/*.yaml, one per file"
        )
        del header["consultations"]
