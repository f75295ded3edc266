"""SMS credentials never reach a log line."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from pathlib import Path

import pytest

from bots import cli_support, logs

TWILIO_TOKEN = "twilio-auth-token-0123456789abcdef"
AT_KEY = "atsk_0123456789abcdef0123456789abcdef"
WEBHOOK_KEY = "webhook-key-0123456789abcdef"


def test_sms_credentials_are_scrubbed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the working directory
    monkeypatch.setenv("PEACEPULSE_SMS_TWILIO_AUTH_TOKEN", TWILIO_TOKEN)
    monkeypatch.setenv("PEACEPULSE_SMS_AFRICASTALKING_API_KEY", AT_KEY)
    monkeypatch.setenv("PEACEPULSE_SMS_WEBHOOK_KEY", WEBHOOK_KEY)
    configured: list[str] = []

    def configure(level: str, secrets: Iterable[str]) -> None:  # the real one is global
        configured.extend(secrets)

    monkeypatch.setattr(logs, "configure", configure)
    cli_support.read_settings()

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.Redact(configured))
    logger = logging.getLogger("tests.sms.secrets")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("POST /sms?key=%s failed: %s / %s", WEBHOOK_KEY, AT_KEY, TWILIO_TOKEN)
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue() == "POST /sms?key=*** failed: *** / ***\n"
