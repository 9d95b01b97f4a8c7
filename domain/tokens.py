"""Citizen tokens: an HMAC of the ticket id, so a poll is verified without any storage read.

Keys are rotatable: `KeyRing` signs with its first key and verifies with any, and each token carries
its key id (`{kid}.{signature}`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

from domain.errors import InvalidInputError, UnauthenticatedError


class KeyRing:
    def __init__(self, keys: Mapping[str, bytes]) -> None:
        if not keys:
            raise InvalidInputError("Nenhuma chave de assinatura configurada.")
        for kid, key in keys.items():
            if not kid.isalnum() or len(key) < 32:
                raise InvalidInputError("Chave de assinatura inválida: use ao menos 32 bytes aleatórios.")
        self._keys = dict(keys)
        self._current = next(iter(keys))

    @staticmethod
    def parse(setting: str) -> KeyRing:
        """`kid:base64key[,kid:base64key...]`, the first one signs."""
        keys: dict[str, bytes] = {}
        for part in filter(None, (p.strip() for p in (setting or "").split(","))):
            kid, _, b64 = part.partition(":")
            try:
                keys[kid] = base64.b64decode(b64, validate=True)
            except ValueError:
                raise InvalidInputError(f"Chave de assinatura '{kid}' não está em base64.") from None
        return KeyRing(keys)

    def _mac(self, kid: str, purpose: str, value: str) -> str:
        digest = hmac.new(self._keys[kid], f"{purpose}\n{value}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def sign(self, value: str, purpose: str = "ticket") -> str:
        return f"{self._current}.{self._mac(self._current, purpose, value)}"

    def verify(self, value: str, token: str, purpose: str = "ticket") -> None:
        kid, _, mac = (token or "").partition(".")
        if kid not in self._keys or not hmac.compare_digest(self._mac(kid, purpose, value), mac):
            raise UnauthenticatedError("Token da senha ausente ou inválido.")

    def fingerprint(self, value: str, length: int = 12) -> str:
        """A keyed, non-reversible short hash (for person keys kept in the queue state)."""
        return self._mac(self._current, "person", value)[:length]
