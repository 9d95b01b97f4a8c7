"""Teams SSO: the staff member behind an Entra ID access token that a Teams tab obtained with TeamsJS
`authentication.getAuthToken` (DESIGN §3b).

The tabs send the token as `Authorization: Bearer <token>` and again as `X-Balcao-Authorization:
Bearer <token>`: a Static Web App replaces `Authorization` on its way to its linked Function App (it
uses that header itself), a custom header passes unchanged. `X-Balcao-Authorization` therefore wins.

A token is accepted only when all of these hold (anything else is a 401, never a 500):

- it is a JWS signed with RS256 (Entra ID's algorithm) by a key of the court's tenant, found by its
  `kid` in the tenant's key set (`{authority}/{tenant}/discovery/v2.0/keys`): `alg: none`, unsigned
  tokens, HMAC algorithms (a public key used as a shared secret) and unknown keys are refused;
- `iss` is the tenant's v2.0 issuer (`{authority}/{tenant}/v2.0`) and `tid` the tenant;
- `aud` is the Teams app's registration: its Application ID URI (`api://<site host>/<client id>`, what
  the manifest's `webApplicationInfo.resource` names) or its client id (what Entra ID writes in the
  `aud` of v2.0 tokens);
- `exp`, `nbf` and `iat` are present and `exp`/`nbf` hold now (60 s of clock skew);
- `preferred_username` is an e-mail: it is lower-cased and matched to the staff of the configuration,
  as `userDetails` is for the Static Web Apps principal. v1.0 tokens have no `preferred_username`, so
  the registration must issue v2.0 tokens (`accessTokenAcceptedVersion: 2`; README).

The key set is fetched when first needed and kept for `KEYS_TTL_S`; a token naming an unknown key
refetches it at most once per `REFETCH_MIN_S` (keys rotate; a flood of invented kids must not turn
into a flood of requests to Entra ID). It is a cache of public keys per process, not a decision.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
from jwt import PyJWK, PyJWKSet

from domain.errors import UnauthenticatedError

TEAMS_HEADER = "x-balcao-authorization"
ALGORITHMS = ("RS256",)
LEEWAY_S = 60
KEYS_TTL_S = 6 * 3600
REFETCH_MIN_S = 60
MAX_TOKEN_CHARS = 16_384
DEFAULT_AUTHORITY = "https://login.microsoftonline.com"

INVALID = "Não foi possível confirmar a sua conta do Teams. Feche e abra a aba do Balcão Virtual novamente."
EXPIRED = "A sua entrada pelo Teams expirou. Feche e abra a aba do Balcão Virtual novamente."
NOT_CONFIGURED = (
    "A entrada pelo Teams não está configurada neste Balcão Virtual. Avise a equipe de TI do tribunal."
)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
log = logging.getLogger("balcao.identity")


@dataclass(frozen=True)
class SsoSettings:
    """What a token must say: the tenant, the app registration, and where the tenant's keys are."""

    tenant_id: str
    client_id: str
    app_id_uri: str = ""
    authority: str = DEFAULT_AUTHORITY

    @staticmethod
    def from_env(env: Mapping[str, str]) -> SsoSettings | None:
        """From the app settings; None when Teams SSO is not configured (no tenant or client id)."""
        tenant = (env.get("BALCAO_ENTRA_TENANT_ID") or "").strip()
        client = (env.get("BALCAO_ENTRA_CLIENT_ID") or "").strip()
        if not tenant or not client:
            return None
        authority = (env.get("BALCAO_ENTRA_AUTHORITY") or DEFAULT_AUTHORITY).strip().rstrip("/")
        parts = urlsplit(authority)
        loopback = parts.hostname in ("127.0.0.1", "localhost")
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise ValueError("BALCAO_ENTRA_AUTHORITY must be an https URL")
        if not _GUID.match(client):
            raise ValueError("BALCAO_ENTRA_CLIENT_ID must be the client id (GUID) of the app registration")
        return SsoSettings(
            tenant, client.lower(), (env.get("BALCAO_TEAMS_APP_ID_URI") or "").strip(), authority
        )

    @property
    def issuer(self) -> str:
        return f"{self.authority}/{self.tenant_id}/v2.0"

    @property
    def jwks_url(self) -> str:
        return f"{self.authority}/{self.tenant_id}/discovery/v2.0/keys"

    @property
    def audiences(self) -> list[str]:
        return [a for a in (self.app_id_uri, self.client_id) if a]


@dataclass(eq=False)
class TenantKeys:
    """The tenant's signing keys at `url`, fetched with `fetch(url) -> JWKS dict` and cached (module
    docstring); thread-safe."""

    url: str
    fetch: Callable[[str], dict[str, Any]]
    clock: Callable[[], float] = time.monotonic
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)
    _keys: dict[str, PyJWK] = field(init=False, repr=False, default_factory=dict)
    _fetched_at: float | None = field(init=False, repr=False, default=None)

    def key(self, kid: str) -> PyJWK | None:
        with self._lock:
            now = self.clock()
            stale = self._fetched_at is None or now - self._fetched_at > KEYS_TTL_S
            may_refetch = self._fetched_at is None or now - self._fetched_at >= REFETCH_MIN_S
            if stale or (kid not in self._keys and may_refetch):
                self._load(now)
            return self._keys.get(kid)

    def _load(self, now: float) -> None:
        self._fetched_at = now  # also after a failure: the next try waits REFETCH_MIN_S
        try:
            jwks = PyJWKSet.from_dict(self.fetch(self.url))
        except Exception as exc:  # unreachable, not JSON, no usable key: refuse tokens for now
            log.warning("tenant signing keys could not be read: %s", type(exc).__name__)
            return
        self._keys = {k.key_id: k for k in jwks.keys if k.key_id}


def http_jwks(url: str) -> dict[str, Any]:
    response = httpx.get(url, timeout=5.0, follow_redirects=False)
    response.raise_for_status()
    data: dict[str, Any] = response.json()
    return data


class TeamsSignIn:
    """Teams SSO for one process: the settings read on first use (None: not configured), the tenant's
    keys cached (`TenantKeys`). `email_of(headers)` is what functions/identity.py asks."""

    def __init__(self, env: Mapping[str, str], fetch: Callable[[str], dict[str, Any]] = http_jwks) -> None:
        self._env = env
        self._fetch = fetch
        self._lock = threading.Lock()
        self._built: tuple[SsoSettings, TenantKeys] | None = None
        self._read = False

    def _sso(self) -> tuple[SsoSettings, TenantKeys] | None:
        with self._lock:
            if not self._read:
                sso = SsoSettings.from_env(self._env)
                self._built = (sso, TenantKeys(sso.jwks_url, self._fetch)) if sso is not None else None
                self._read = True
            return self._built

    def email_of(self, headers: Mapping[str, str]) -> str | None:
        """The e-mail of the request's Teams SSO token; None when it carries none. `X-Balcao-Authorization`
        is always a Teams token (401 when it is not a valid one, or Teams SSO is not configured); a JWT
        in `Authorization` is one only where Teams SSO is configured (a Static Web App puts its own
        there), and then it must be valid too."""
        own = headers.get(TEAMS_HEADER)
        token = token_of(headers)
        if own is not None and token is None:
            raise UnauthenticatedError(INVALID)
        if token is None:
            return None
        built = self._sso()
        if built is None:
            if own is not None:
                raise UnauthenticatedError(NOT_CONFIGURED)
            return None
        return email_from_token(token, *built)


def token_of(headers: Mapping[str, str]) -> str | None:
    """The Teams SSO token of a request: `X-Balcao-Authorization`, else an `Authorization` bearer that
    is a JWT (three dot-separated parts); None when the request carries neither."""
    for name in (TEAMS_HEADER, "authorization"):
        scheme, _, token = (headers.get(name) or "").partition(" ")
        token = token.strip()
        if scheme.lower() == "bearer" and token and (name == TEAMS_HEADER or token.count(".") == 2):
            return token
        if name == TEAMS_HEADER and name in headers:
            return None  # the Teams header, malformed: never the next source (TeamsSignIn.email_of)
    return None


def email_from_token(token: str, sso: SsoSettings, keys: TenantKeys) -> str:
    """The lower-cased e-mail (`preferred_username`) of a valid token, or UnauthenticatedError."""
    if len(token) > MAX_TOKEN_CHARS:
        raise UnauthenticatedError(INVALID)
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise UnauthenticatedError(INVALID) from None
    alg, kid = header.get("alg"), header.get("kid")
    if alg not in ALGORITHMS or not isinstance(kid, str) or not kid:
        _refused(f"algorithm {alg!r} or no key id")
        raise UnauthenticatedError(INVALID)
    key = keys.key(kid)
    if key is None:
        _refused("unknown signing key")
        raise UnauthenticatedError(INVALID)
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key=key.key,
            algorithms=list(ALGORITHMS),
            audience=sso.audiences,
            issuer=sso.issuer,
            leeway=LEEWAY_S,
            options={"require": ["exp", "nbf", "iat", "iss", "aud"]},
        )
    except jwt.ExpiredSignatureError:
        _refused("expired")
        raise UnauthenticatedError(EXPIRED) from None
    except jwt.PyJWTError as exc:
        _refused(type(exc).__name__)
        raise UnauthenticatedError(INVALID) from None
    if claims.get("tid") != sso.tenant_id:
        _refused("another tenant")
        raise UnauthenticatedError(INVALID)
    email = claims.get("preferred_username")
    if not isinstance(email, str) or not _EMAIL.match(email.strip()):
        _refused("no preferred_username")
        raise UnauthenticatedError(INVALID)
    return email.strip().lower()


def _refused(why: str) -> None:
    log.warning("Teams SSO token refused: %s", why)
