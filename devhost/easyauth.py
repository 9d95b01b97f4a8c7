"""Easy Auth (App Service authentication) emulation for local development.

In Azure, the platform signs the user in and forwards `X-MS-CLIENT-PRINCIPAL` (base64 JSON of the
user's claims) and `X-MS-CLIENT-PRINCIPAL-NAME` to the app. Locally:

- a request that already carries `X-MS-CLIENT-PRINCIPAL` is passed through unchanged (tests use this);
- `/.auth/login/aad` shows a small pt-BR form asking an e-mail and optional roles; posting it sets the
  HttpOnly cookie `devhost_principal`;
- requests under the routePrefix that carry the cookie get both principal headers injected;
- `/.auth/me` answers like App Service (a list with one identity, or `[]`); `/.auth/logout` clears it.

Nothing here is a security boundary: the cookie is not signed, on purpose, as in any dev login.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

COOKIE_NAME = "devhost_principal"
PRINCIPAL_HEADER = "X-MS-CLIENT-PRINCIPAL"
PRINCIPAL_NAME_HEADER = "X-MS-CLIENT-PRINCIPAL-NAME"
PRINCIPAL_ID_HEADER = "X-MS-CLIENT-PRINCIPAL-ID"
PRINCIPAL_IDP_HEADER = "X-MS-CLIENT-PRINCIPAL-IDP"

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_OBJECT_ID_CLAIM = "http://schemas.microsoft.com/identity/claims/objectidentifier"
_NAMESPACE = uuid.UUID("8f0a4b8e-6a1d-4f5e-9d57-3f1a3c0de5b1")


@dataclass(frozen=True)
class DevPrincipal:
    """The signed-in dev user."""

    email: str
    name: str
    roles: tuple[str, ...] = ()

    @property
    def object_id(self) -> str:
        """A stable stand-in for the Entra ID object id."""
        return str(uuid.uuid5(_NAMESPACE, self.email.lower()))

    def claims(self) -> list[dict[str, str]]:
        claims = [
            {"typ": "preferred_username", "val": self.email},
            {"typ": "name", "val": self.name},
            {"typ": _OBJECT_ID_CLAIM, "val": self.object_id},
        ]
        claims += [{"typ": "roles", "val": role} for role in self.roles]
        return claims

    def client_principal(self) -> dict[str, Any]:
        """The JSON App Service encodes into `X-MS-CLIENT-PRINCIPAL`."""
        return {"auth_typ": "aad", "name_typ": "name", "role_typ": "roles", "claims": self.claims()}

    def client_principal_header(self) -> str:
        raw = json.dumps(self.client_principal(), ensure_ascii=False, separators=(",", ":"))
        return base64.b64encode(raw.encode("utf-8")).decode("ascii")

    def headers(self) -> dict[str, str]:
        """The headers App Service adds to every authenticated request."""
        return {
            PRINCIPAL_HEADER: self.client_principal_header(),
            PRINCIPAL_NAME_HEADER: self.email,
            PRINCIPAL_ID_HEADER: self.object_id,
            PRINCIPAL_IDP_HEADER: "aad",
        }

    def me(self) -> list[dict[str, Any]]:
        """The body of `/.auth/me`."""
        return [
            {
                "provider_name": "aad",
                "user_id": self.email,
                "user_claims": self.claims(),
                "access_token": "",
                "id_token": "",
                "expires_on": "",
            }
        ]

    def to_cookie(self) -> str:
        raw = json.dumps({"email": self.email, "name": self.name, "roles": list(self.roles)})
        return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")

    @classmethod
    def from_cookie(cls, value: str) -> DevPrincipal | None:
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
            data = json.loads(raw)
            email, name, roles = data["email"], data["name"], data.get("roles", [])
        except (binascii.Error, ValueError, KeyError, TypeError):
            return None
        if not (isinstance(email, str) and isinstance(name, str) and isinstance(roles, list)):
            return None
        if not _EMAIL.match(email):
            return None
        return cls(email, name, tuple(str(r) for r in roles))


def principal_from_form(body: bytes) -> tuple[DevPrincipal | None, str]:
    """Read the login form; returns the principal (or None and a pt-BR error) and the redirect."""
    form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    email = (form.get("email") or [""])[0].strip()
    name = (form.get("name") or [""])[0].strip()
    roles_text = (form.get("roles") or [""])[0]
    redirect = safe_redirect((form.get("post_login_redirect_uri") or ["/"])[0])
    if not _EMAIL.match(email):
        return None, redirect
    roles = tuple(dict.fromkeys(r for r in re.split(r"[\s,;]+", roles_text) if r))
    return DevPrincipal(email, name or email.split("@")[0], roles), redirect


def safe_redirect(target: str | None) -> str:
    """Only same-site paths: a dev login must not become an open redirect."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def login_page(redirect: str, *, error: str | None = None, email: str = "") -> str:
    """The dev login form (pt-BR)."""
    message = f'<p role="alert" class="erro">{html.escape(error)}</p>' if error else ""
    return f"""<!doctype html>
<html lang="pt-BR">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Entrar (desenvolvimento)</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 28rem; margin: 3rem auto; padding: 0 1rem; }}
label {{ display: block; margin-top: 1rem; }}
input {{ width: 100%; padding: .5rem; box-sizing: border-box; }}
button {{ margin-top: 1.5rem; padding: .5rem 1.5rem; }}
.erro {{ color: #a00; }}
</style>
</head>
<body>
<main>
<h1>Entrar (ambiente de desenvolvimento)</h1>
<p>Este formulário simula o login do Microsoft Entra ID. Não há verificação de senha.</p>
{message}
<form method="post" action="/.auth/login/aad">
<input type="hidden" name="post_login_redirect_uri" value="{html.escape(redirect)}">
<label for="email">E-mail</label>
<input id="email" name="email" type="email" required autocomplete="email" value="{html.escape(email)}">
<label for="name">Nome (opcional)</label>
<input id="name" name="name" type="text" autocomplete="name">
<label for="roles">Papéis (opcional, separados por vírgula)</label>
<input id="roles" name="roles" type="text" placeholder="clerk:vara-1, admin">
<button type="submit">Entrar</button>
</form>
</main>
</body>
</html>
"""
