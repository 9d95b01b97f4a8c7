"""Teams SSO over real HTTP on the dev host (DESIGN §3b, issue 15): a local Entra ID stand-in publishes the
test's own keys; a token it signs for the Teams app opens the clerk's routes as the person it names
(`preferred_username`, matched to the staff by e-mail); wrong audience, wrong issuer, expired,
unsigned or `alg: none` tokens are a 401 problem+json in pt-BR and change nothing."""

from __future__ import annotations

import pytest

from tests.e2e.pages_support import join, wait_status
from tests.fakes.fake_entra import FakeEntra, SigningKey
from tests.support.system import System

pytestmark = [pytest.mark.e2e, pytest.mark.azurite]

UNIT = "trf1-sjac-01vf"
ANA = "Ana.Souza@trf1.jus.br"  # as Entra ID may write it; the staff list has it lower-cased


@pytest.fixture(scope="module")
def system(entra_system: System) -> System:
    return entra_system


def teams(token: str, header: str = "X-Balcao-Authorization") -> dict[str, str]:
    return {header: f"Bearer {token}"}


def test_a_valid_token_opens_the_clerks_routes(system: System, entra: FakeEntra) -> None:
    token = entra.token(ANA)
    for header in ("X-Balcao-Authorization", "Authorization"):
        me = system.client.get("/api/clerk/me", headers=teams(token, header))
        assert me.status_code == 200, me.text
        assert me.json()["email"] == "ana.souza@trf1.jus.br"
        assert UNIT in [u["id"] for u in me.json()["units"]]
    ticket = join(system, UNIT, "Pessoa Chamada Pelo Teams", category="partes")
    wait_status(system, ticket, "waiting")
    called = system.client.post(f"/api/clerk/units/{UNIT}/call", json={}, headers=teams(token))
    assert called.status_code == 200, called.text
    assert called.json()["ticketId"] == ticket["ticketId"]
    queue = system.client.get(f"/api/clerk/units/{UNIT}/queue", headers=teams(token)).json()
    assert queue["called"][0]["calledBy"] == "ana.souza@trf1.jus.br"
    # The same person, another unit: the role still comes from the configuration.
    other = system.client.get("/api/clerk/units/tjac-rbr-1vce/queue", headers=teams(token))
    assert other.status_code == 403


def test_every_bad_token_is_a_401_and_changes_nothing(system: System, entra: FakeEntra) -> None:
    good = entra.token(ANA)
    bad = {
        "wrong audience": entra.token(ANA, claims={"aud": "api://outro.example/123"}),
        "wrong issuer": entra.token(ANA, claims={"iss": "https://login.microsoftonline.com/outro/v2.0"}),
        "expired": entra.token(
            ANA, claims={"iat": 1_700_000_000, "nbf": 1_700_000_000, "exp": 1_700_003_600}
        ),
        "unsigned": good.rsplit(".", 1)[0] + ".",
        "alg none": FakeEntra.unsigned(good),
        "another key": entra.token(ANA, key=SigningKey()),
    }
    ticket = join(system, UNIT, "Pessoa Que Espera", category="partes")
    wait_status(system, ticket, "waiting")
    for case, token in bad.items():
        for header in ("X-Balcao-Authorization", "Authorization"):
            answer = system.client.post(
                f"/api/clerk/units/{UNIT}/call", json={}, headers=teams(token, header)
            )
            assert answer.status_code == 401, (case, header, answer.text)
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert "Teams" in answer.json()["detail"], case
    assert wait_status(system, ticket, "waiting")["status"] == "waiting"


def test_the_teams_header_wins_over_a_principal_header(system: System, entra: FakeEntra) -> None:
    from tests.support.system import principal_header

    headers = {**principal_header("gestao@balcao.jus.br"), **teams(entra.token("diego.rocha@tjac.jus.br"))}
    me = system.client.get("/api/clerk/me", headers=headers)
    assert me.json()["email"] == "diego.rocha@tjac.jus.br"
    refused = {**principal_header("gestao@balcao.jus.br"), **teams("a.b.c")}
    assert system.client.get("/api/clerk/me", headers=refused).status_code == 401
