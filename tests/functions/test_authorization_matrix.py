"""Every HTTP route of the app × every role, over real HTTP on the dev host (issue 8: "a test that walks
every route of the app with every role and asserts who gets in").

The routes come from the app itself (`function_app.build_app().get_functions()`), so a route someone adds
later is walked too. Who should get in is decided here *independently of the table*, from the URL
conventions of DESIGN §3a (public directory and joining, the citizen's ticket with its token,
`/api/clerk/...` for the unit's clerks, `/api/metrics/...` for clerks, managers and administrators,
`/api/admin/...` for managers and administrators); a route that fits none of them fails the test until
someone classifies it here and gives it an entry in functions/authz.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from functions import authz
from tests.support.system import CONFIG_FILE, System, principal_header, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.azurite]

UNIT = "trf1-sjac-01vf"  # court trf1
OTHER_COURT_MANAGER = "gestora.tjac@tjac.jus.br"  # added to the demo staff below

ANONYMOUS = "anonymous"
CITIZEN = "citizen (ticket token)"
CLERK = "clerk of the unit"
OTHER_CLERK = "clerk of another unit"
MANAGER = "manager of the unit's court"
OTHER_MANAGER = "manager of another court"
ADMIN = "admin"
NO_ROLE = "signed in, no role"
ROLES = (ANONYMOUS, CITIZEN, CLERK, OTHER_CLERK, MANAGER, OTHER_MANAGER, ADMIN, NO_ROLE)
STAFF_EMAILS = {
    CLERK: "bruno.lima@trf1.jus.br",  # clerk of trf1-sjac-01vf only
    OTHER_CLERK: "diego.rocha@tjac.jus.br",  # clerk of tjac-rbr-1vce
    MANAGER: "fabio.nunes@trf1.jus.br",  # court_manager of trf1
    OTHER_MANAGER: OTHER_COURT_MANAGER,  # court_manager of tjac
    ADMIN: "gestao@balcao.jus.br",
    NO_ROLE: "visitante@trf1.jus.br",  # signs in with Entra ID, not in the staff list
}
SIGNED_IN = frozenset(STAFF_EMAILS)
EVERYONE = frozenset(ROLES)

# Values for route parameters and the query every request carries (handlers ignore what they do not read).
QUERY = {"unit": UNIT, "court": "trf1", "period": "7", "days": "7"}


def who_gets_in(method: str, route: str) -> frozenset[str]:
    """The oracle, from DESIGN §3a's URL conventions (not from functions/authz.py)."""
    if route in ("health", "units") or route.startswith(("units/{unit}", "openapi")):
        return EVERYONE
    if route.startswith("tickets/{ticket}"):
        return frozenset({CITIZEN})
    if route == "clerk/me":
        return SIGNED_IN
    if route.startswith("clerk/units/{unit}/"):
        return frozenset({CLERK})
    if route.startswith("metrics/"):
        return frozenset({CLERK, MANAGER, ADMIN})
    if route.startswith("admin/"):
        return frozenset({MANAGER, ADMIN})
    raise AssertionError(
        f"{method} {route}: no expectation for this route; classify it in who_gets_in() "
        "and give it an entry in functions/authz.py"
    )


def app_routes() -> set[tuple[str, str]]:
    import function_app

    routes: set[tuple[str, str]] = set()
    for function in function_app.build_app().get_functions():
        trigger = function.get_trigger()
        if trigger is None or trigger.type != "httpTrigger":
            continue
        methods = getattr(trigger, "methods", None)
        assert methods, f"{function.get_function_name()} accepts every method: declare its methods"
        for method in methods:
            routes.add(
                (str(getattr(method, "value", method)).upper(), str(getattr(trigger, "route", "")).strip("/"))
            )
    return routes


def config_with_another_court_manager() -> bytes:
    raw = json.loads(CONFIG_FILE.read_text("utf-8"))
    raw["staff"].append(
        {
            "email": OTHER_COURT_MANAGER,
            "name": "Gestora TJAC",
            "roles": [{"role": "court_manager", "court": "tjac"}],
        }
    )
    return json.dumps(raw, ensure_ascii=False).encode()


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    with running_system(config=config_with_another_court_manager()) as running:
        yield running


def headers_for(role: str, token: str) -> dict[str, str]:
    if role == ANONYMOUS:
        return {}
    if role == CITIZEN:
        return {"Authorization": f"Bearer {token}"}
    return principal_header(STAFF_EMAILS[role])


def fill(route: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"route {route}: give the matrix a value for {{{name}}}"
        return values[name]

    return re.sub(r"\{\*?([A-Za-z_]\w*)(?::[^}?]*)?\??\}", value, route)


def test_every_route_with_every_role(system: System) -> None:
    routes = app_routes()
    table = set(authz.ROUTES)
    assert not routes - table, f"routes of the app missing from functions/authz.py: {sorted(routes - table)}"
    assert not table - routes, (
        f"entries of functions/authz.py for no route of the app: {sorted(table - routes)}"
    )

    joined = system.client.post(
        f"/api/units/{UNIT}/tickets",
        json={
            "name": "Pessoa da Matriz",
            "role": "parte",
            "reason": "orientacao",
            "consent": True,
            "category": "partes",
        },
    )
    assert joined.status_code == 202, joined.text
    ticket = joined.json()
    values = {"unit": UNIT, "ticket": ticket["ticketId"], "action": "start", "message": ticket["ticketId"]}
    day = datetime.now(UTC).strftime("%Y%m%d")

    walked: set[tuple[str, str]] = set()
    failures: list[str] = []
    grid: dict[tuple[str, str], dict[str, int]] = {}
    for method, route in sorted(routes, key=lambda r: (r[1], r[0])):
        expected = who_gets_in(method, route)
        url = "/api/" + fill(route, values)
        for role in ROLES:
            answer = system.client.request(
                method,
                url,
                params={**QUERY, "day": day},
                headers=headers_for(role, ticket["token"]),
                json={} if method in ("POST", "PUT", "PATCH") else None,
            )
            grid.setdefault((method, route), {})[role] = answer.status_code
            failures += check(method, route, role, role in expected, answer)
        walked.add((method, route))

    print_grid(grid)
    covered_by_table = len(routes & table) / len(routes)
    covered_by_test = len(walked & routes) / len(routes)
    print(
        f"\nauthorization matrix: {len(routes)} routes x {len(ROLES)} roles = {len(routes) * len(ROLES)} "
        f"requests; routes in the table {covered_by_table:.0%}, routes walked {covered_by_test:.0%}"
    )
    assert not failures, "\n".join(failures)
    assert walked == routes == table


def check(method: str, route: str, role: str, may_enter: bool, answer: httpx.Response) -> list[str]:
    where = f"{method} {route} as {role}: {answer.status_code}"
    if answer.status_code >= 500:
        return [f"{where} (server error: {answer.text[:200]})"]
    if may_enter:
        return [f"{where}, expected to get in"] if answer.status_code in (401, 403) else []
    if answer.status_code not in (401, 403):
        return [f"{where}, expected 401/403"]
    problem: dict[str, Any] = answer.json()
    if not answer.headers["content-type"].startswith("application/problem+json") or not problem.get("detail"):
        return [f"{where}: refusal is not problem+json with a detail"]
    return []


def print_grid(grid: dict[tuple[str, str], dict[str, int]]) -> None:
    short = ("anon", "citizen", "clerk", "o.clerk", "manager", "o.mgr", "admin", "no role")
    print("\n" + f"{'route':<52}" + "".join(f"{s:>9}" for s in short))
    for (method, route), by_role in grid.items():
        print(f"{method + ' ' + route:<52}" + "".join(f"{by_role[r]:>9}" for r in ROLES))
