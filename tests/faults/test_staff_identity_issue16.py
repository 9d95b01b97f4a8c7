"""Staff identity without fallbacks (issue 16, observation 8), over HTTP against the dev host, with the
issue's exact inputs: a principal whose only claim is an `email` claim with the administrator's address
(upper case, trailing space), and a request with no principal but the name header, are not the
administrator."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest

from tests.support.system import System, principal_header, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.azurite]

ADMIN_ROUTE = "/api/gestao/audit?unit=tjam-tefe-vu&day=20261201"


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    with running_system() as running:
        yield running


def encoded(principal: object) -> str:
    return base64.b64encode(json.dumps(principal).encode()).decode()


def test_the_real_administrator_is_let_in(system: System) -> None:
    """The control: the same route answers the administrator's proper principal."""
    assert system.client.get(ADMIN_ROUTE, headers=principal_header("gestao@balcao.jus.br")).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {
            "X-MS-CLIENT-PRINCIPAL": encoded(
                {"auth_typ": "aad", "claims": [{"typ": "email", "val": "GESTAO@balcao.jus.br "}]}
            )
        },
        {"X-MS-CLIENT-PRINCIPAL-NAME": "gestao@balcao.jus.br"},
    ],
    ids=["only-an-email-claim", "only-the-name-header"],
)
def test_no_fallback_makes_an_administrator(system: System, headers: dict[str, str]) -> None:
    answer = system.client.get(ADMIN_ROUTE, headers=headers)
    assert answer.status_code in (401, 403), answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
