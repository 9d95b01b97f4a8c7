"""The staff member behind a request: the e-mail in the principal header that the platform sets.

Two formats reach the app in `X-MS-CLIENT-PRINCIPAL` (base64 of a JSON object):

- **Static Web Apps** (requests proxied by the linked Static Web App, and the SWA CLI locally):
  `{"identityProvider": "aad", "userId": "...", "userDetails": "<e-mail>", "userRoles": [...]}` and no
  `claims` (SWA gives claims only to `/.auth/me`). The e-mail is `userDetails`, and only for the
  `aad` provider (the site admits no other; a GitHub handle is not an institutional account).
- **App Service** (a request that reached the Function App through its own authentication, e.g. a
  bearer token of the court's tenant): `{"auth_typ": "aad", "claims": [{"typ": ..., "val": ...}], ...}`.
  The e-mail is the `preferred_username` claim: the Entra ID v2.0 tokens the Bicep configures always
  carry it, and for the court's work accounts it is the sign-in name, which the tenant controls. The
  `email` claim is optional and, for guests, can hold an address nobody verified; so there is no
  fallback to it, to other claims or to `X-MS-CLIENT-PRINCIPAL-NAME`.

`staff_email(header)` is a pure parser: it returns the lower-cased e-mail or raises
`UnauthenticatedError` (401 problem+json, never a 500) for a missing or malformed header: not base64,
not UTF-8, not JSON, not an object, values that are not strings, claims that are not a list of objects,
no e-mail. Staff are then matched to the configuration by that e-mail (`domain.auth.Principal`).

**Where the header is trusted.** In Azure (`WEBSITE_INSTANCE_ID` or `WEBSITE_SITE_NAME` is set, as the
platform sets them in every instance) App Service authentication removes a client-sent
`X-MS-CLIENT-PRINCIPAL` and sets its own, but only when it is enabled (`WEBSITE_AUTH_ENABLED=True`):
without it anybody could send the header, so principals are refused (`principal_trusted`). Outside
Azure (the dev host, Core Tools, tests) the header is accepted, as the local hosts emulate sign-in.

**Teams SSO** (functions/teams_sso.py) is the third source: inside the Teams app's tabs, an Entra ID
token that this app checks itself (signature with the tenant's keys, issuer, audience, expiry), sent
in `X-Balcao-Authorization`. When a request carries one, it decides alone: a valid token gives its
`preferred_username`, an invalid one is a 401, and the principal header is not looked at (no fallback
from one source to the other). A token that this app verified needs no platform to vouch for it, so
`principal_trusted` does not apply to it.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
from collections.abc import Mapping
from typing import Any, Protocol

from domain.errors import UnauthenticatedError
from functions.platform import running_in_azure

PRINCIPAL_HEADER = "x-ms-client-principal"
EMAIL_CLAIM = "preferred_username"
MAX_HEADER_CHARS = 16_384  # far above a real principal; a bigger one is not parsed

SIGN_IN = "Entre com sua conta institucional para continuar."
MALFORMED = "Não foi possível ler a sua identificação. Entre novamente com sua conta institucional."
UNTRUSTED = "Não foi possível confirmar a sua identidade neste servidor. Avise a equipe de TI do tribunal."

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
log = logging.getLogger("balcao.identity")


def principal_trusted(env: Mapping[str, str]) -> bool:
    """Whether a principal header can be believed: outside Azure always (local hosts emulate sign-in);
    in Azure only when App Service authentication is on, since only then the platform sets the header."""
    if not running_in_azure(env):
        return True
    return (env.get("WEBSITE_AUTH_ENABLED") or "").strip().lower() == "true"


class TeamsTokens(Protocol):
    """The Teams SSO source: the e-mail of the request's token, None when it carries none."""

    def email_of(self, headers: Mapping[str, str]) -> str | None: ...


def staff_email_of(
    headers: Mapping[str, str], env: Mapping[str, str], teams: TeamsTokens | None = None
) -> str:
    """The lower-cased e-mail of the signed-in staff member, or UnauthenticatedError."""
    if teams is not None:
        email = teams.email_of(headers)
        if email is not None:
            return email
    header = headers.get(PRINCIPAL_HEADER)
    if header and not principal_trusted(env):
        log.error("principal header refused: App Service authentication is not enabled in Azure")
        raise UnauthenticatedError(UNTRUSTED)
    return staff_email(header)


def staff_email(header: str | None) -> str:
    """Parse `X-MS-CLIENT-PRINCIPAL` (SWA or App Service format) into the lower-cased e-mail."""
    if not header or not header.strip():
        raise UnauthenticatedError(SIGN_IN)
    data = _decode(header)
    if "userDetails" in data or "identityProvider" in data:
        email = _swa_email(data)
    elif "claims" in data or "auth_typ" in data:
        email = _app_service_email(data)
    else:
        raise UnauthenticatedError(MALFORMED)
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise UnauthenticatedError(MALFORMED)
    return email


def _decode(header: str) -> dict[str, Any]:
    if len(header) > MAX_HEADER_CHARS:
        raise UnauthenticatedError(MALFORMED)
    try:
        raw = base64.b64decode(header.strip(), validate=True)
        data = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError):  # not base64, not UTF-8 (a ValueError) or not JSON
        raise UnauthenticatedError(MALFORMED) from None
    if not isinstance(data, dict):
        raise UnauthenticatedError(MALFORMED)
    return data


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise UnauthenticatedError(MALFORMED)
    return value


def _swa_email(data: dict[str, Any]) -> str:
    provider = _text(data.get("identityProvider"))
    email = _text(data.get("userDetails"))
    roles = data.get("userRoles", [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise UnauthenticatedError(MALFORMED)
    if "userId" in data:
        _text(data["userId"])
    if provider.lower() != "aad":
        raise UnauthenticatedError(SIGN_IN)
    return email


def _app_service_email(data: dict[str, Any]) -> str:
    if _text(data.get("auth_typ", "aad")).lower() != "aad":
        raise UnauthenticatedError(SIGN_IN)
    claims = data.get("claims")
    if not isinstance(claims, list):
        raise UnauthenticatedError(MALFORMED)
    emails = []
    for claim in claims:
        if not isinstance(claim, dict):
            raise UnauthenticatedError(MALFORMED)
        typ, val = _text(claim.get("typ")), _text(claim.get("val"))
        if typ == EMAIL_CLAIM:
            emails.append(val)
    if len(emails) != 1:  # none, or two that could disagree
        raise UnauthenticatedError(MALFORMED if emails else SIGN_IN)
    return emails[0]
