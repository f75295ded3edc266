"""Typed settings from environment variables (prefix ``PEACEPULSE_``) and a ``.env`` file.

Read once, in the composition root. A missing or malformed setting is reported as one line
naming the variable; secrets are `SecretStr` so they never reach a log or a repr.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from config.errors import ConfigError

__all__ = ["PREFIX", "ConfigError", "Settings", "load_settings"]

PREFIX = "PEACEPULSE_"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(
        default=Path(".peacepulse"),
        description="Where the embedded SQLite database and the generated demo secret live.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default: SQLite in the data folder. "
        "PostgreSQL: postgresql+asyncpg://user:password@host/db",
    )
    deployment: Path | None = Field(
        default=None, description="Folder with deployment.yaml and polls/; default: the demo."
    )
    secret_key: SecretStr | None = Field(
        default=None, description="Key for pseudonyms (HMAC). Required for `peacepulse run`."
    )
    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    bot_framework: Literal["aiogram", "ptb"] = "aiogram"
    webhook_url: str | None = Field(
        default=None, description="Public HTTPS URL Telegram posts to; unset: long polling."
    )
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    webhook_path: str = "/telegram"
    send_rate: float = Field(
        default=25.0,
        gt=0,
        le=1000,
        description="Bulk messages per second at most (Telegram allows about 30).",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # --- the staff workspace in the browser (bots/web), served by `peacepulse web` ---
    web_url: str = Field(
        default="http://127.0.0.1:8090",
        description="The workspace's public address, as sign-in links name it; https:// in "
        "production (its cookies are then sent over HTTPS only).",
    )
    web_listen: str = "127.0.0.1"
    web_port: int = Field(default=8090, ge=1, le=65535)

    # --- SMS (bots/sms): one gateway, its webhook served by `peacepulse run` ---
    sms_provider: Literal["twilio", "africastalking"] | None = Field(
        default=None, description="The SMS gateway; unset: no SMS."
    )
    sms_webhook_url: str | None = Field(
        default=None,
        description="Public URL the gateway posts incoming SMS to, exactly as configured there.",
    )
    sms_listen: str = "127.0.0.1"
    sms_port: int = Field(default=8081, ge=1, le=65535)
    sms_default_region: str | None = Field(
        default=None, description="ISO 3166 region for numbers written without +, e.g. TD."
    )
    sms_twilio_account_sid: str | None = None
    sms_twilio_auth_token: SecretStr | None = None
    sms_twilio_from: str | None = Field(
        default=None, description="Sending number (E.164) or Messaging Service SID (MG…)."
    )
    sms_twilio_api_url: str = "https://api.twilio.com"
    sms_africastalking_username: str | None = None
    sms_africastalking_api_key: SecretStr | None = None
    sms_africastalking_from: str | None = Field(
        default=None, description="Short code or sender id; unset: the account's default."
    )
    sms_africastalking_api_url: str = "https://api.africastalking.com"
    sms_webhook_key: SecretStr | None = Field(
        default=None,
        description="Africa's Talking does not sign callbacks: this key, in the callback URL "
        "(?key=…), is checked instead.",
    )

    # --- WhatsApp Business Cloud API (bots/whatsapp): served when the phone number id is set ---
    whatsapp_phone_number_id: str | None = Field(
        default=None, description="The business phone number's id at Meta; unset: no WhatsApp."
    )
    whatsapp_access_token: SecretStr | None = None
    whatsapp_app_secret: SecretStr | None = Field(
        default=None, description="The Meta app's secret: webhook signatures are checked with it."
    )
    whatsapp_verify_token: SecretStr | None = Field(
        default=None, description="What Meta's webhook verification request must carry."
    )
    whatsapp_api_url: str = "https://graph.facebook.com"
    whatsapp_listen: str = "127.0.0.1"
    whatsapp_port: int = Field(default=8082, ge=1, le=65535)
    whatsapp_path: str = "/whatsapp"
    whatsapp_rate: float = Field(
        default=80.0, gt=0, le=1000, description="Messages per second from the number at most."
    )
    whatsapp_pacing: float = Field(
        default=6.0, ge=0, le=60, description="Seconds between two bulk messages to one person."
    )

    @field_validator(
        "telegram_api_url",
        "webhook_url",
        "sms_twilio_api_url",
        "sms_africastalking_api_url",
        "web_url",
        "whatsapp_api_url",
    )
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/") if value else value

    @field_validator("sms_webhook_url")
    @classmethod
    def _exact_url(cls, value: str | None) -> str | None:
        # kept exactly as written: Twilio signs the URL as it was entered in its console
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("sms_default_region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        if value is not None and not (len(value) == 2 and value.isalpha()):
            raise ValueError("must be a two-letter ISO 3166 region code, e.g. TD or KE")
        return value.upper() if value else value

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters (use a long random value)")
        return value

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'peacepulse.db').as_posix()}"


def load_settings() -> Settings:
    """Read the settings once; raise `ConfigError` with one line naming the bad variable."""
    try:
        return Settings()
    except ValidationError as error:
        first = error.errors()[0]
        name = PREFIX + str(first["loc"][0]).upper() if first["loc"] else PREFIX
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name}: {message}") from None
