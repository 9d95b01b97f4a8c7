"""The principal header, in a table: both formats the platform sends, every malformed shape (401, never
500), and a header that no platform vouches for (Azure without App Service authentication).

Formats as documented: Static Web Apps sends identityProvider/userId/userDetails/userRoles and no claims
to an API; App Service authentication sends auth_typ and claims. Staff are matched by the lower-cased
e-mail: `userDetails`, or the `preferred_username` claim, and nothing else.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import azure.functions as func
import pytest

from domain.errors import UnauthenticatedError
from functions import bootstrap
from functions.clerk_http import clerk_me
from functions.identity import staff_email, staff_email_of

ANA = "ana.souza@trf1.jus.br"


def b64(value: Any) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode("utf-8")
    return base64.b64encode(raw).decode("ascii")


def swa(**fields: Any) -> str:
    principal = {
        "identityProvider": "aad",
        "userId": "d6c1",
        "userDetails": ANA,
        "userRoles": ["authenticated"],
    }
    return b64({**principal, **fields})


def app_service(claims: Any, **fields: Any) -> str:
    return b64({"auth_typ": "aad", "name_typ": "name", "role_typ": "roles", "claims": claims, **fields})


VALID = [
    ("SWA format", swa(), ANA),
    ("SWA format, e-mail lower-cased", swa(userDetails="Ana.Souza@TRF1.jus.br"), ANA),
    ("SWA format without roles", b64({"identityProvider": "aad", "userId": "x", "userDetails": ANA}), ANA),
    ("App Service format", app_service([{"typ": "preferred_username", "val": ANA}]), ANA),
    (
        "App Service format, other claims ignored",
        app_service(
            [{"typ": "name", "val": "Ana"}, {"typ": "preferred_username", "val": "ANA.souza@trf1.jus.br"}]
        ),
        ANA,
    ),
]

MALFORMED = [
    ("not base64", "%%%not-base64%%%"),
    ("base64 of bytes that are not UTF-8", b64(b"\xff\xfe\xfa")),
    ("base64 of text that is not JSON", b64(b"hello")),
    ("a JSON list", b64([1, 2])),
    ("a JSON string", b64("x")),
    ("JSON null", b64(None)),
    ("a JSON number", b64(5)),
    ("an object of neither format", b64({"user": ANA})),
    ("SWA: userDetails a number", swa(userDetails=5)),
    ("SWA: userDetails a list", swa(userDetails=[ANA])),
    ("SWA: userDetails missing", b64({"identityProvider": "aad", "userId": "x"})),
    ("SWA: identityProvider not a string", swa(identityProvider=None)),
    ("SWA: userRoles not a list", swa(userRoles="authenticated")),
    ("SWA: userRoles with a non-string", swa(userRoles=["authenticated", 1])),
    ("SWA: userId not a string", swa(userId={"id": 1})),
    ("SWA: userDetails not an e-mail", swa(userDetails="ana")),
    ("SWA: another provider", swa(identityProvider="github", userDetails="ana@github.example")),
    ("App Service: claims not a list", app_service({"typ": "preferred_username", "val": ANA})),
    ("App Service: a claim not an object", app_service(["preferred_username", ANA])),
    ("App Service: val not a string", app_service([{"typ": "preferred_username", "val": 7}])),
    ("App Service: typ not a string", app_service([{"typ": None, "val": ANA}])),
    ("App Service: no preferred_username", app_service([{"typ": "name", "val": "Ana"}])),
    (
        "App Service: only unverified e-mail claims",
        app_service(
            [
                {"typ": "email", "val": ANA},
                {"typ": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", "val": ANA},
            ]
        ),
    ),
    (
        "App Service: two preferred_username claims",
        app_service(
            [{"typ": "preferred_username", "val": ANA}, {"typ": "preferred_username", "val": "x@y.z"}]
        ),
    ),
    (
        "App Service: auth_typ not a string",
        app_service([{"typ": "preferred_username", "val": ANA}], auth_typ=1),
    ),
    ("empty header", ""),
    ("no header", None),
    ("a header too big to be a principal", swa(userDetails="a" * 20_000 + "@x.y")),
]


@pytest.mark.parametrize(("case", "header", "email"), VALID, ids=[c[0] for c in VALID])
def test_both_formats_give_the_lower_cased_email(case: str, header: str, email: str) -> None:
    assert staff_email(header) == email


@pytest.mark.parametrize(("case", "header"), MALFORMED, ids=[c[0] for c in MALFORMED])
def test_every_malformed_shape_is_a_401(case: str, header: str | None) -> None:
    with pytest.raises(UnauthenticatedError):
        staff_email(header)


AZURE = {"WEBSITE_INSTANCE_ID": "a1b2c3", "WEBSITE_SITE_NAME": "func-balcao"}


@pytest.mark.parametrize(
    ("env", "accepted"),
    [
        ({}, True),  # dev host, Core Tools, tests: sign-in is emulated
        ({**AZURE, "WEBSITE_AUTH_ENABLED": "True"}, True),  # the platform strips and sets the header
        ({**AZURE, "WEBSITE_AUTH_ENABLED": "False"}, False),  # anybody could have sent it
        (AZURE, False),
        ({"WEBSITE_SITE_NAME": "func-balcao"}, False),
    ],
)
def test_in_azure_a_principal_counts_only_with_app_service_authentication(
    env: dict[str, str], accepted: bool
) -> None:
    headers = {"x-ms-client-principal": swa(), "x-ms-client-principal-name": ANA}
    if accepted:
        assert staff_email_of(headers, env) == ANA
    else:
        with pytest.raises(UnauthenticatedError):
            staff_email_of(headers, env)


def test_the_name_header_alone_identifies_nobody() -> None:
    with pytest.raises(UnauthenticatedError):
        staff_email_of({"x-ms-client-principal-name": ANA}, {})


@pytest.fixture
def no_storage(monkeypatch: pytest.MonkeyPatch) -> Any:
    """No storage configured: a refused principal must be answered before anything is read."""
    monkeypatch.delenv("AzureWebJobsStorage", raising=False)
    bootstrap.reset()
    yield
    bootstrap.reset()


@pytest.mark.parametrize(("case", "header"), MALFORMED[:8], ids=[c[0] for c in MALFORMED[:8]])
def test_the_api_answers_problem_json_401_never_500(no_storage: Any, case: str, header: str | None) -> None:
    headers = {"x-ms-client-principal": header} if header is not None else {}
    req = func.HttpRequest("GET", "http://localhost/api/clerk/me", headers=headers, body=b"")
    answer = clerk_me(req)
    assert answer.status_code == 401
    assert answer.mimetype == "application/problem+json"
    problem = json.loads(answer.get_body())
    assert problem["status"] == 401 and problem["detail"]
