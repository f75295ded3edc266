"""requirements.lock is current: every dependency of pyproject.toml pinned, with hashes, at a
version its minimum allows (regenerate with `make lock`)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def _pins() -> dict[str, list[str]]:
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pins: dict[str, list[str]] = {}
    for entry in re.split(r"\n(?=[A-Za-z])", text):
        head = re.match(r"([A-Za-z0-9_.-]+)==([^\s;\\]+)", entry)
        if head is None:
            continue
        assert "--hash=sha256:" in entry, f"{head[1]} has no hash"
        pins.setdefault(canonicalize_name(head[1]), []).append(head[2])
    return pins


def test_every_dependency_is_pinned_with_hashes_at_an_allowed_version() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = _pins()
    for line in project["dependencies"]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock: run `make lock`"
        for version in pins[name]:
            assert requirement.specifier.contains(version, prereleases=True), (
                f"{name}=={version} in requirements.lock does not meet {requirement.specifier}: "
                "run `make lock`"
            )
    assert "tornado" not in pins  # python-telegram-bot's webhook server is not installed
