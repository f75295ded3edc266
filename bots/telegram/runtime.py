"""How to reach Telegram, as the composition root hands it to an adapter."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Webhook:
    url: str
    secret: str = field(repr=False)
    listen: str = "127.0.0.1"
    port: int = 8080
    path: str = "/telegram"


@dataclass(frozen=True, slots=True)
class TelegramRuntime:
    token: str = field(repr=False)
    api_url: str = "https://api.telegram.org"
    webhook: Webhook | None = None
