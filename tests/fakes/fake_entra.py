"""A local stand-in for the court's Entra ID tenant, for Teams SSO tests, over real HTTP on 127.0.0.1.

It serves the tenant's signing keys where Entra ID does (`/{tenant}/discovery/v2.0/keys`, a JWKS with
the public halves of keys the test made) and records every request, and it mints access tokens the way
Entra ID v2.0 does for a Teams tab (RS256, `kid`, `iss` = `{authority}/{tenant}/v2.0`, `tid`, `aud`,
`preferred_username`, `iat`/`nbf`/`exp`). Each claim and header can be overridden, so a test can build
the tokens that must be refused (wrong audience or issuer, expired, `alg: none`, signed by a key the
tenant does not publish, HMAC with the public key as the secret...).
"""

from __future__ import annotations

import json
import time
import uuid
from http.server import BaseHTTPRequestHandler
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fakes.local_server import LocalServer
from tests.support.encoding import b64url

TENANT = "8a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
CLIENT_ID = "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f"
APP_ID_URI = f"api://balcao-virtual.example/{CLIENT_ID}"


class SigningKey:
    def __init__(self, kid: str | None = None) -> None:
        self.kid = kid or uuid.uuid4().hex
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self) -> dict[str, str]:
        numbers = self.private.public_key().public_numbers()
        return {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "n": b64url(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
            "e": b64url(numbers.e.to_bytes(3, "big")),
        }

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


class FakeEntra(LocalServer):
    def __init__(self, tenant: str = TENANT) -> None:
        self.tenant = tenant
        self.keys = [SigningKey()]
        self.requests: list[str] = []
        super().__init__()

    @property
    def authority(self) -> str:
        return self.base_url

    @property
    def issuer(self) -> str:
        return f"{self.authority}/{self.tenant}/v2.0"

    def settings(self) -> dict[str, str]:
        """The app settings that point the app at this tenant."""
        return {
            "BALCAO_ENTRA_TENANT_ID": self.tenant,
            "BALCAO_ENTRA_CLIENT_ID": CLIENT_ID,
            "BALCAO_TEAMS_APP_ID_URI": APP_ID_URI,
            "BALCAO_ENTRA_AUTHORITY": self.authority,
        }

    def token(
        self,
        email: str,
        *,
        key: SigningKey | None = None,
        lifetime_s: int = 3600,
        claims: dict[str, Any] | None = None,
        headers: dict[str, Any] | None = None,
    ) -> str:
        """An access token as Entra ID issues it to the Teams tab; `claims`/`headers` override."""
        signer = key or self.keys[0]
        now = int(time.time())
        body: dict[str, Any] = {
            "aud": APP_ID_URI,
            "iss": self.issuer,
            "tid": self.tenant,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime_s,
            "preferred_username": email,
            "name": email.split("@")[0],
            "oid": str(uuid.uuid4()),
            "scp": "access_as_user",
            "ver": "2.0",
        }
        body.update(claims or {})
        for name, value in list(body.items()):
            if value is None:
                del body[name]
        return jwt.encode(
            body, signer.private, algorithm="RS256", headers={"kid": signer.kid, **(headers or {})}
        )

    @staticmethod
    def unsigned(token: str, alg: str = "none") -> str:
        """The same claims with `alg` replaced and no signature (an `alg: none` token)."""
        _, payload, _ = token.split(".")
        header = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
        return f"{header}.{payload}."

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake.requests.append(self.path)
                if self.path != f"/{fake.tenant}/discovery/v2.0/keys":
                    self.send_response(404)
                    self.end_headers()
                    return
                body = json.dumps({"keys": [k.jwk() for k in fake.keys]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler
