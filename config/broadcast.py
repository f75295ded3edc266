"""The texts of a broadcast, read from the file an organizer writes."""

from __future__ import annotations

from pathlib import Path

import yaml

from config.errors import ConfigError
from conversations.definitions import Deployment

YAML_SUFFIXES = (".yaml", ".yml")


def load_broadcast_texts(deployment: Deployment, path: Path) -> dict[str, str]:
    """A broadcast's texts from a file: with a ``.yaml`` or ``.yml`` name, a mapping language →
    text; any other file is one plain text for everyone, whatever it looks like ("Update: the
    talks resume" is a sentence, not a language map)."""
    raw = path.read_text(encoding="utf-8")
    if path.suffix.lower() not in YAML_SUFFIXES:
        if not raw.strip():
            raise ConfigError(f"{path}: the file is empty")
        return {deployment.default_language: raw.strip()}
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML ({_first_line(error)})") from None
    if data is None:
        raise ConfigError(f"{path}: the file is empty")
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}: a .yaml file holds one text per language ({{en: ..., fr: ...}}); "
            "for one text in every language, use a file not named .yaml (e.g. .txt)"
        )
    texts = {str(k): str(v).strip() for k, v in data.items() if str(v).strip()}
    unknown = sorted(set(texts) - set(deployment.languages))
    if unknown:
        raise ConfigError(
            f"{path}: languages {', '.join(unknown)} are not in the deployment "
            f"({', '.join(deployment.languages)})"
        )
    if deployment.default_language not in texts:
        raise ConfigError(
            f"{path}: needs a text in the default language '{deployment.default_language}'"
        )
    return texts


def _first_line(error: yaml.YAMLError) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
