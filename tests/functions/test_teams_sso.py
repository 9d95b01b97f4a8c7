"""Teams SSO tokens (DESIGN §3b), checked against a local Entra ID stand-in with the test's own keys: a
token signed by the tenant, for the app, in time, gives the lower-cased `preferred_username`; every
other token is a 401 with a pt-BR message, and the tenant's keys are not fetched once per request."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import jwt
import pytest

from domain.errors import UnauthenticatedError
from functions.identity import staff_email_of
from functions.teams_sso import (
    REFETCH_MIN_S,
    TEAMS_HEADER,
    SsoSettings,
    TeamsSignIn,
    TenantKeys,
    email_from_token,
    http_jwks,
    token_of,
)
from tests.fakes.fake_entra import APP_ID_URI, CLIENT_ID, FakeEntra, SigningKey

EMAIL = "Ana.Souza@TRF1.jus.br"
GRAPH = "00000003-0000-0000-c000-000000000000"
LONG_AGO = 1_700_000_000


@pytest.fixture(scope="module")
def entra() -> Iterator[FakeEntra]:
    with FakeEntra() as fake:
        yield fake


@pytest.fixture
def sso(entra: FakeEntra) -> SsoSettings:
    settings = SsoSettings.from_env(entra.settings())
    assert settings is not None
    return settings


@pytest.fixture
def keys(sso: SsoSettings) -> TenantKeys:
    return TenantKeys(sso.jwks_url, http_jwks)


def test_a_valid_token_gives_the_lower_cased_email(
    entra: FakeEntra, sso: SsoSettings, keys: TenantKeys
) -> None:
    assert email_from_token(entra.token(EMAIL), sso, keys) == "ana.souza@trf1.jus.br"
    # v2.0 tokens carry the client id as their audience: the same registration.
    assert (
        email_from_token(entra.token(EMAIL, claims={"aud": CLIENT_ID}), sso, keys) == "ana.souza@trf1.jus.br"
    )


def refused(entra: FakeEntra) -> dict[str, str]:
    good = entra.token(EMAIL)
    unsigned_part = good.rsplit(".", 1)[0]
    stranger = SigningKey()
    impostor = SigningKey(kid=entra.keys[0].kid)  # the tenant's key id, someone else's key
    return {
        "wrong audience": entra.token(EMAIL, claims={"aud": "api://outro.example/123"}),
        "another app of the tenant": entra.token(
            EMAIL, claims={"aud": "00000003-0000-0000-c000-000000000000"}
        ),
        "wrong issuer": entra.token(EMAIL, claims={"iss": "https://login.microsoftonline.com/outro/v2.0"}),
        "v1 issuer": entra.token(EMAIL, claims={"iss": f"https://sts.windows.net/{entra.tenant}/"}),
        "another tenant": entra.token(EMAIL, claims={"tid": "11111111-1111-4111-8111-111111111111"}),
        "expired": entra.token(
            EMAIL, claims={"iat": 1_700_000_000, "nbf": 1_700_000_000, "exp": 1_700_003_600}
        ),
        "not yet valid": entra.token(EMAIL, claims={"nbf": 4_000_000_000, "exp": 4_000_003_600}),
        "no expiry": entra.token(EMAIL, claims={"exp": None}),
        "alg none": FakeEntra.unsigned(good),
        "alg none, upper case": FakeEntra.unsigned(good, "NONE"),
        "signature removed": f"{unsigned_part}.",
        "signature of another token": good.rsplit(".", 1)[0]
        + "."
        + entra.token("x@y.jus.br").rsplit(".", 1)[1],
        "HS256 with the public key as secret": _hs256_with_public_key(entra),
        "unknown key": entra.token(EMAIL, key=stranger),
        "impostor key with the tenant's kid": entra.token(EMAIL, key=impostor),
        "no preferred_username": entra.token(EMAIL, claims={"preferred_username": None}),
        "preferred_username not an e-mail": entra.token(EMAIL, claims={"preferred_username": "ana souza"}),
        "garbage": "isto.nao.e-um-token",
        "empty parts": "..",
    }


def _hs256_with_public_key(entra: FakeEntra) -> str:
    """The classic algorithm confusion: HMAC keyed with the published public key (PyJWT refuses to sign
    that, so the token is built by hand)."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    claims = jwt.decode(entra.token(EMAIL), options={"verify_signature": False})
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": entra.keys[0].kid}).encode())
    body = b64(json.dumps(claims).encode())
    mac = hmac.new(entra.keys[0].public_pem(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(mac)}"


def test_every_other_token_is_refused_with_a_portuguese_message(
    entra: FakeEntra, sso: SsoSettings, keys: TenantKeys
) -> None:
    for case, token in refused(entra).items():
        with pytest.raises(UnauthenticatedError) as caught:
            email_from_token(token, sso, keys)
        assert "Teams" in str(caught.value), case


def test_keys_are_fetched_once_and_an_unknown_kid_refetches_at_most_once_a_minute(
    entra: FakeEntra, sso: SsoSettings
) -> None:
    clock = [1000.0]
    keys = TenantKeys(sso.jwks_url, http_jwks, clock=lambda: clock[0])
    before = len(entra.requests)
    for _ in range(5):
        email_from_token(entra.token(EMAIL), sso, keys)
    assert len(entra.requests) - before == 1
    stranger = SigningKey()
    for _ in range(5):
        with pytest.raises(UnauthenticatedError):
            email_from_token(entra.token(EMAIL, key=stranger), sso, keys)
    assert len(entra.requests) - before == 1, "invented key ids do not hammer the tenant"
    # The tenant rotates its keys: after REFETCH_MIN_S a token with the new key is accepted.
    rotated = SigningKey()
    entra.keys.append(rotated)
    try:
        clock[0] += REFETCH_MIN_S
        assert email_from_token(entra.token(EMAIL, key=rotated), sso, keys) == EMAIL.lower()
        assert len(entra.requests) - before == 2
    finally:
        entra.keys.remove(rotated)


def test_an_unreachable_tenant_refuses_tokens(entra: FakeEntra, sso: SsoSettings) -> None:
    def down(url: str) -> dict[str, Any]:
        raise OSError("connection refused")

    with pytest.raises(UnauthenticatedError):
        email_from_token(entra.token(EMAIL), sso, TenantKeys(sso.jwks_url, down))


def test_token_of_reads_the_teams_header_first_and_only_jwts_from_authorization() -> None:
    assert token_of({"x-balcao-authorization": "Bearer a.b.c", "authorization": "Bearer x.y.z"}) == "a.b.c"
    assert token_of({"authorization": "Bearer x.y.z"}) == "x.y.z"
    assert token_of({"authorization": "Bearer ticket-token-without-dots"}) is None
    assert token_of({"authorization": "Basic x.y.z"}) is None
    assert token_of({}) is None


def test_settings_come_from_the_app_settings() -> None:
    assert SsoSettings.from_env({}) is None
    sso = SsoSettings.from_env(
        {
            "BALCAO_ENTRA_TENANT_ID": "t",
            "BALCAO_ENTRA_CLIENT_ID": CLIENT_ID,
            "BALCAO_TEAMS_APP_ID_URI": APP_ID_URI,
        }
    )
    assert sso is not None
    assert sso.issuer == "https://login.microsoftonline.com/t/v2.0"
    assert sso.jwks_url == "https://login.microsoftonline.com/t/discovery/v2.0/keys"
    assert sso.audiences == [APP_ID_URI, CLIENT_ID]
    with pytest.raises(ValueError, match="https"):
        SsoSettings.from_env(
            {
                "BALCAO_ENTRA_TENANT_ID": "t",
                "BALCAO_ENTRA_CLIENT_ID": CLIENT_ID,
                "BALCAO_ENTRA_AUTHORITY": "http://x",
            }
        )


def _principal(email: str) -> dict[str, str]:
    claims = [{"typ": "preferred_username", "val": email}]
    blob = base64.b64encode(json.dumps({"auth_typ": "aad", "claims": claims}).encode()).decode()
    return {"x-ms-client-principal": blob}


def test_a_teams_token_decides_alone_over_the_principal_header(entra: FakeEntra) -> None:
    """functions/identity.py's third source: a valid token gives its person, an invalid or malformed one
    is a 401; the principal header is never the fallback."""
    teams = TeamsSignIn(entra.settings())
    boss = _principal("gestao@balcao.jus.br")
    env: dict[str, str] = {}
    token = entra.token(EMAIL)
    assert staff_email_of({**boss, TEAMS_HEADER: f"Bearer {token}"}, env, teams) == EMAIL.lower()
    assert staff_email_of({**boss, "authorization": f"Bearer {token}"}, env, teams) == EMAIL.lower()
    for bad in ("Bearer a.b.c", "Bearer ", "Basic " + token, token):
        with pytest.raises(UnauthenticatedError):
            staff_email_of({**boss, TEAMS_HEADER: bad}, env, teams)
    assert staff_email_of(boss, env, teams) == "gestao@balcao.jus.br"  # no token: the platform's header


def test_without_teams_sso_configured_the_teams_header_is_refused(entra: FakeEntra) -> None:
    teams = TeamsSignIn({})
    boss = _principal("gestao@balcao.jus.br")
    with pytest.raises(UnauthenticatedError, match="não está configurada"):
        staff_email_of({**boss, TEAMS_HEADER: f"Bearer {entra.token(EMAIL)}"}, {}, teams)
    # A JWT in Authorization is some other party's (a Static Web App's) where Teams SSO is not set up.
    jwt_elsewhere = {**boss, "authorization": f"Bearer {entra.token(EMAIL)}"}
    assert staff_email_of(jwt_elsewhere, {}, teams) == "gestao@balcao.jus.br"
