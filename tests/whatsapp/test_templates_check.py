"""`peacepulse check` and the loader: a deployment served on WhatsApp names a template for
everything the service sends on its own, in every language."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from config.deployment import DeploymentError, demo_folder, load_deployment, whatsapp_problems
from tests.bots.test_cli_results import cli


def copy_demo(tmp_path: Path, edit: tuple[str, str] | None = None) -> Path:
    folder = tmp_path / "deployment"
    shutil.copytree(demo_folder(), folder)
    if edit is not None:
        header = folder / "deployment.yaml"
        content = header.read_text(encoding="utf-8")
        assert edit[0] in content
        header.write_text(content.replace(edit[0], edit[1]), encoding="utf-8")
    return folder


def test_the_demo_names_every_template_it_needs() -> None:
    assert whatsapp_problems(load_deployment(demo_folder())) == []


def test_a_missing_purpose_or_language_is_named(tmp_path: Path) -> None:
    folder = copy_demo(
        tmp_path,
        (
            "    broadcast:\n      name: peacepulse_message\n"
            "      languages: {en: en, fr: fr, ar: ar}\n",
            "    broadcast:\n      name: peacepulse_message\n      languages: {en: en, fr: fr}\n",
        ),
    )
    with pytest.raises(DeploymentError) as raised:
        load_deployment(folder)
    assert raised.value.errors == [
        "deployment.yaml: whatsapp: templates: broadcast: languages: no template language for 'ar'"
    ]
    section = "\n# WhatsApp: a message the service sends on its own"
    without = copy_demo(tmp_path / "other", (section, "\nwhatsapp_removed:" + section))
    content = (without / "deployment.yaml").read_text(encoding="utf-8")
    cut = content.index("\nwhatsapp_removed:")
    (without / "deployment.yaml").write_text(content[:cut] + "\n", encoding="utf-8")
    deployment = load_deployment(without)  # without WhatsApp, nothing is required
    problems = whatsapp_problems(deployment)
    purposes = [line.split(": ")[3] for line in problems]
    assert purposes == ["invite", "remind", "broadcast", "followup", "initiative"]


def test_peacepulse_check_reports_them_when_whatsapp_is_configured(tmp_path: Path) -> None:
    folder = copy_demo(tmp_path)
    content = (folder / "deployment.yaml").read_text(encoding="utf-8")
    cut = content.index("\n# WhatsApp: a message the service sends on its own")
    (folder / "deployment.yaml").write_text(content[:cut] + "\n", encoding="utf-8")
    (tmp_path / ".env").write_text(
        f"PEACEPULSE_DEPLOYMENT={folder}\nPEACEPULSE_WHATSAPP_PHONE_NUMBER_ID=106540352242922\n",
        encoding="utf-8",
    )
    result = cli(tmp_path, "check")
    assert result.returncode != 0
    assert "5 problems serving the deployment on WhatsApp" in result.stderr
    assert "whatsapp: templates: invite: no template named" in result.stderr
