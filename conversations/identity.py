"""Pseudonyms: a keyed hash of channel and platform user id, the only name stored with answers."""

from __future__ import annotations

import hashlib
import hmac

from conversations.values import ParticipantKey


def pseudonym(secret: bytes, key: ParticipantKey) -> str:
    """HMAC-SHA256 of ``channel:user`` under the deployment's secret, as 64 hex characters."""
    message = f"{key.channel}:{key.user}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()
