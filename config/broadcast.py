"""The texts of a broadcast, read from the file an organizer writes."""

from __future__ import annotations

from pathlib import Path

import yaml

from config.errors import ConfigError
from conversations.definitions import Deployment


def load_broadcast_texts(deployment: Deployment, path: Path) -> dict[str, str]:
    """A broadcast's texts from a file: a YAML mapping language → text, or one plain text."""
    raw = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError:
        data = None
    if isinstance(data, dict):
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
    if not raw.strip():
        raise ConfigError(f"{path}: the file is empty")
    return {deployment.default_language: raw.strip()}
