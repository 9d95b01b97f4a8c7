"""base64url without padding (RFC 4648 §5, as JWTs, JWKs, VAPID keys and Web Push subscriptions write it),
for the fakes and tests that build such values."""

from __future__ import annotations

import base64


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
