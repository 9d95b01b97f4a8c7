"""The authorization table and its enforcement in `endpoint`, without a host: route matching, fail
closed for routes missing from the table, and the scope rules of each role."""

from __future__ import annotations

import json
import logging

import azure.functions as func
import pytest

from domain.auth import Principal
from domain.config import parse_configuration
from functions import authz
from functions.http_common import AUTHORIZED, endpoint
from tests.support.system import CONFIG_FILE

CONFIG = parse_configuration(CONFIG_FILE.read_text("utf-8"))
UNIT = "trf1-sjac-01vf"  # court trf1


def request(method: str, path: str, route_params: dict[str, str] | None = None) -> func.HttpRequest:
    return func.HttpRequest(
        method,
        f"http://127.0.0.1:7071{path}",
        headers={} if method in ("GET", "HEAD") else {"Content-Type": "application/json"},
        params={},
        route_params=route_params or {},
        body=b"",
    )


@endpoint
def handler(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("served", status_code=200)


@pytest.mark.parametrize(
    ("method", "path", "route_params"),
    [
        ("GET", "/api/units/trf1-sjac-01vf/secret", {"unit": "trf1-sjac-01vf"}),  # a new route, no entry
        ("GET", "/api/units/special", {}),  # looks like units/{unit}, but the host bound no parameter
        ("POST", "/api/units", {}),  # a listed route with a method it does not declare
        ("GET", "/api/admin/everything", {}),
        ("GET", "/other/units", {}),  # outside the route prefix
    ],
)
def test_a_route_missing_from_the_table_is_refused(
    method: str, path: str, route_params: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    assert authz.match(method, f"http://h{path}", route_params) is None
    with caplog.at_level(logging.WARNING, logger="balcao"):
        answer = handler(request(method, path, route_params))
    assert answer.status_code == 403
    assert answer.mimetype == "application/problem+json"
    body = json.loads(answer.get_body())
    assert body["title"] == "Acesso negado" and body["detail"] == "Esta rota não está liberada."
    assert any("not in the authorization table" in r.getMessage() for r in caplog.records)


def test_a_public_route_is_served_without_credentials() -> None:
    answer = handler(request("GET", "/api/units/trf1-sjac-01vf", {"unit": "trf1-sjac-01vf"}))
    assert answer.status_code == 200 and answer.get_body() == b"served"


def test_citizen_routes_want_the_token_before_the_handler() -> None:
    answer = handler(request("GET", "/api/tickets/x.20260302.abc", {"ticket": "x.20260302.abc"}))
    assert answer.status_code == 401
    assert "X-Balcao-Authorization" in json.loads(answer.get_body())["detail"]  # the header the pages use
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("method", "url", "params", "template"),
    [
        ("GET", "http://h/api/units", {}, "units"),
        ("get", "http://h/API/Units/", {}, "units"),  # the host matches literals without case
        ("GET", "http://h/api/units/a-b", {"unit": "a-b"}, "units/{unit}"),
        ("POST", "http://h/api/units/a-b/tickets?x=1", {"unit": "a-b"}, "units/{unit}/tickets"),
        (
            "POST",
            "http://h/api/clerk/units/u/tickets/u.20260302.abc/no-show",
            {"unit": "u", "ticket": "u.20260302.abc", "action": "no-show"},
            "clerk/units/{unit}/tickets/{ticket}/{action}",
        ),
        ("GET", "http://h/api/gestao/audit?unit=u", {}, "gestao/audit"),
    ],
)
def test_requests_find_their_route(method: str, url: str, params: dict[str, str], template: str) -> None:
    found = authz.match(method, url, params)
    assert found is not None and found.template == template


def test_templates_with_constraints_and_optional_parameters_bind() -> None:
    assert authz._bind("items/{id:int}/{rest?}", ["items", "7", "x"]) == {"id": "7", "rest": "x"}
    assert authz._bind("items/{id:int}", ["things", "7"]) is None


WHO = {
    "clerk of the unit": Principal("b@x", "B", clerk_units=frozenset({UNIT})),
    "clerk of another unit": Principal("d@x", "D", clerk_units=frozenset({"tjac-rbr-1vce"})),
    "manager of the court": Principal("f@x", "F", manager_courts=frozenset({"trf1"})),
    "manager of another court": Principal("g@x", "G", manager_courts=frozenset({"tjac"})),
    "admin": Principal("a@x", "A", admin=True),
    "no role": Principal("n@x", "N"),
}


@pytest.mark.parametrize(
    ("rule", "route_params", "params", "allowed"),
    [
        (authz.CLERK_OF_UNIT, {"unit": UNIT}, {}, {"clerk of the unit"}),
        (authz.CLERK_OF_UNIT, {"unit": "nao-existe"}, {}, set()),
        (authz.AUDIT, {}, {"unit": UNIT}, {"manager of the court", "admin"}),
        (authz.AUDIT, {}, {"unit": "nao-existe"}, {"admin"}),
        (authz.AUDIT, {}, {}, {"manager of the court", "manager of another court", "admin"}),
        (authz.INDICATORS, {}, {"unit": UNIT}, {"clerk of the unit", "manager of the court", "admin"}),
        (authz.INDICATORS, {}, {"court": "trf1"}, {"clerk of the unit", "manager of the court", "admin"}),
        (
            authz.INDICATORS,
            {},
            {},
            {
                "clerk of the unit",
                "clerk of another unit",
                "manager of the court",
                "manager of another court",
                "admin",
            },
        ),
        (authz.ROUTES[("GET", "clerk/me")], {}, {}, set(WHO)),
    ],
)
def test_roles_hold_for_their_scope_only(
    rule: authz.Rule, route_params: dict[str, str], params: dict[str, str], allowed: set[str]
) -> None:
    scope = authz.scope_of(rule, route_params, params, CONFIG)
    assert {name for name, who in WHO.items() if authz.allows(rule, who, scope, CONFIG)} == allowed


def test_every_handler_of_the_app_goes_through_the_enforcement() -> None:
    import function_app

    http = [
        f
        for f in function_app.build_app().get_functions()
        if (t := f.get_trigger()) is not None and t.type == "httpTrigger"
    ]
    assert http
    unenforced = [
        f.get_function_name() for f in http if not getattr(f.get_user_function(), AUTHORIZED, False)
    ]
    assert not unenforced, f"HTTP functions without @endpoint (no authorization): {unenforced}"
