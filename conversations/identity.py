"""Pseudonyms: a keyed hash of channel and platform user id, the only name stored with answers."""

from __future__ import annotations

import hashlib
import hmac

import phonenumbers

from conversations.values import ConversationError, ParticipantKey


def pseudonym(secret: bytes, key: ParticipantKey) -> str:
    """HMAC-SHA256 of ``channel:user`` under the deployment's secret, as 64 hex characters."""
    message = f"{key.channel}:{key.user}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


class InvalidPhoneNumber(ConversationError):
    def __init__(self, raw: str) -> None:
        super().__init__(f"not a valid phone number: {raw!r}")
        self.raw = raw


def phone_number(raw: str, default_region: str | None = None) -> str:
    """A phone number in E.164 (``+23566123456``), whatever way the gateway wrote it.

    Gateways send E.164 already; a number without ``+`` is read in ``default_region`` (ISO
    3166 code, e.g. ``TD``). The same person always gets the same text, hence the same
    pseudonym. Raises `InvalidPhoneNumber` for anything that is not a possible number.
    """
    try:
        parsed = phonenumbers.parse(raw.strip(), default_region)
    except phonenumbers.NumberParseException:
        raise InvalidPhoneNumber(raw) from None
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidPhoneNumber(raw)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
