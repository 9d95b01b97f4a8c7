"""Every HTTP route of the app × every role, over real HTTP on the dev host (issue 8: "a test that walks
every route of the app with every role and asserts who gets in"; issue 20: permitted cells checked).

The routes come from the app itself (`function_app.build_app().get_functions()`), so a route someone adds
later is walked too. Who should get in is decided here *independently of the table*, from the URL
conventions of DESIGN §3a (public directory and joining, the citizen's ticket with its token,
`/api/clerk/...` for the unit's clerks, `/api/metrics/...` for clerks, managers and administrators,
`/api/gestao/...` for managers and administrators); a route that fits none of them fails the test until
someone classifies it here and gives it an entry in functions/authz.py.

- **A permitted cell** must answer its route's success status (`SUCCESS`, a table written here) to a
  request that is valid for it: `TARGETS` sets up what the route acts on (a waiting ticket, a called one
  whose meeting is ready, an appointment, a message, a free slot...) and sends a valid body. A route that
  needs a target nobody set up answers 4xx and fails the test, naming it.
- **A refused cell** must answer 401/403 problem+json with a detail. The refused roles are sent first,
  at the same target as the first permitted role: that one succeeding afterwards shows the refusals
  changed nothing it depends on (a ticket not left, not started, a message not answered).
- **A citizen holding another ticket's token** (a real ticket of the same unit) is refused on every
  citizen route of a ticket that is not theirs.
- **The unit comes from the route.** Routes that name their unit are sent `?unit=` and `?court=` of
  *another* court's unit (the other clerk's), so that an authorization reading the unit from the query
  would let the wrong clerk in and keep the rightful one out.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from devhost.clock import FakeClock
from functions import authz
from tests.support.system import CONFIG_FILE, System, principal_header, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.azurite]

NOW = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # a Tuesday, 09:00 in Rio Branco (the clock stands still)
DAY = f"{NOW:%Y%m%d}"
UNIT = "trf1-sjac-01vf"  # court trf1
OTHER_UNIT, OTHER_COURT = "tjac-rbr-1vce", "tjac"  # the other clerk's unit and court
OTHER_COURT_MANAGER = "gestora.tjac@tjac.jus.br"  # added to the demo staff below
COLLEAGUE = "ana.souza@trf1.jus.br"  # another clerk of UNIT (invited to an attendance)
PERSON = {"role": "parte", "reason": "orientacao", "consent": True, "category": "partes"}

ANONYMOUS = "anonymous"
CITIZEN = "citizen (ticket token)"
OTHER_CITIZEN = "citizen holding another ticket's token"
CLERK = "clerk of the unit"
OTHER_CLERK = "clerk of another unit"
MANAGER = "manager of the unit's court"
OTHER_MANAGER = "manager of another court"
ADMIN = "admin"
NO_ROLE = "signed in, no role"
ROLES = (ANONYMOUS, CITIZEN, OTHER_CITIZEN, CLERK, OTHER_CLERK, MANAGER, OTHER_MANAGER, ADMIN, NO_ROLE)
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

# The query of routes that name their unit: another court's unit, never the route's.
ROUTE_UNIT_QUERY = {"unit": OTHER_UNIT, "court": OTHER_COURT}
# The query of routes whose scope *is* the query (indicators, audit trail).
SCOPE_QUERY = {"unit": UNIT, "court": "trf1", "period": "7", "days": "7", "day": DAY}


def who_gets_in(method: str, route: str) -> frozenset[str]:
    """The oracle, from DESIGN §3a's URL conventions (not from functions/authz.py)."""
    # the widget's conversation is the public join's (issue 18): anyone, as joining
    if route in ("health", "units", "conversa") or route.startswith(("units/{unit}", "openapi")):
        return EVERYONE
    if route.startswith("tickets/{ticket}"):
        return frozenset({CITIZEN})
    if route == "clerk/me" or route.startswith("clerk/favorites"):  # one's own identity and stars
        return SIGNED_IN
    if route.startswith("clerk/units/{unit}/"):
        return frozenset({CLERK})
    if route.startswith("metrics/"):
        return frozenset({CLERK, MANAGER, ADMIN})
    if route.startswith("gestao/units/{unit}/"):  # a unit's configuration, read-only: its people
        return frozenset({CLERK, MANAGER, ADMIN})
    if route.startswith("gestao/"):
        return frozenset({MANAGER, ADMIN})
    raise AssertionError(
        f"{method} {route}: no expectation for this route; classify it in who_gets_in() "
        "and give it an entry in functions/authz.py"
    )


# The status a permitted request with a valid body gets, per route (DESIGN §3a and the README).
SUCCESS: dict[tuple[str, str], int] = {
    ("GET", "health"): 200,
    ("GET", "openapi.json"): 200,
    ("GET", "units"): 200,
    ("GET", "units/{unit}"): 200,
    ("GET", "units/{unit}/embed"): 200,
    ("GET", "units/{unit}/challenge"): 200,
    ("POST", "units/{unit}/tickets"): 202,
    ("POST", "conversa"): 200,
    ("GET", "units/{unit}/slots"): 200,
    ("POST", "units/{unit}/appointments"): 201,
    ("GET", "units/{unit}/async-channel"): 200,
    ("POST", "units/{unit}/messages"): 201,
    ("GET", "tickets/{ticket}"): 200,
    ("DELETE", "tickets/{ticket}"): 204,
    ("POST", "tickets/{ticket}/survey"): 201,
    ("DELETE", "tickets/{ticket}/data"): 204,
    ("GET", "tickets/{ticket}/appointment"): 200,
    ("DELETE", "tickets/{ticket}/appointment"): 204,
    ("POST", "tickets/{ticket}/appointment/reschedule"): 201,
    ("GET", "tickets/{ticket}/follow-up"): 200,
    ("GET", "tickets/{ticket}/message"): 200,
    ("GET", "clerk/me"): 200,
    ("GET", "clerk/units/{unit}/queue"): 200,
    ("POST", "clerk/units/{unit}/call"): 200,
    ("POST", "clerk/units/{unit}/tickets/{ticket}/{action}"): 200,
    ("PUT", "clerk/units/{unit}/presence"): 200,
    ("GET", "clerk/units/{unit}/slots"): 200,
    ("GET", "clerk/units/{unit}/appointments"): 200,
    ("POST", "clerk/units/{unit}/attendances/{ticket}/follow-up"): 201,
    ("GET", "clerk/units/{unit}/colleagues"): 200,
    ("POST", "clerk/units/{unit}/attendances/{ticket}/invitations"): 201,
    ("GET", "clerk/units/{unit}/messages"): 200,
    ("POST", "clerk/units/{unit}/messages/{message}/reply"): 200,
    ("GET", "tickets/{ticket}/chat"): 200,
    ("POST", "tickets/{ticket}/chat"): 201,
    ("GET", "clerk/units/{unit}/attendances/{ticket}/chat"): 200,
    ("POST", "clerk/units/{unit}/attendances/{ticket}/chat"): 201,
    ("PUT", "clerk/units/{unit}/attendances/{ticket}/mode"): 200,
    ("GET", "metrics/summary"): 200,
    ("GET", "metrics/daily"): 200,
    ("GET", "metrics/units"): 200,
    ("GET", "metrics/heatmap"): 200,
    ("GET", "metrics/dropoff"): 200,
    ("GET", "metrics/compliance"): 200,
    ("GET", "metrics/breakdown"): 200,
    ("GET", "metrics/async"): 200,
    ("GET", "gestao/audit"): 200,
    ("GET", "clerk/favorites"): 200,
    ("PUT", "clerk/favorites/{unit}"): 200,
    ("DELETE", "clerk/favorites/{unit}"): 200,
    ("GET", "clerk/units/{unit}/rooms/{ticket}"): 200,
    ("POST", "tickets/{ticket}/room"): 204,
    ("PUT", "tickets/{ticket}/notices"): 200,  # issue 13
    ("POST", "tickets/{ticket}/here"): 204,
    ("GET", "gestao/units/{unit}/configuration"): 200,
}


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


def matrix_config() -> bytes:
    """The demo configuration plus a manager of another court; the unit offers self-booking and the
    asynchronous channel, so that every route of those flows has something to act on."""
    raw = json.loads(CONFIG_FILE.read_text("utf-8"))
    raw["staff"].append(
        {
            "email": OTHER_COURT_MANAGER,
            "name": "Gestora TJAC",
            "roles": [{"role": "court_manager", "court": OTHER_COURT}],
        }
    )
    unit = next(u for u in raw["units"] if u["id"] == UNIT)
    unit["scheduling"] = {**unit["scheduling"], "selfBooking": "always"}
    unit["asyncChannel"] = {"enabled": True, "responseHours": 24, "maxLength": 2000}
    return json.dumps(raw, ensure_ascii=False).encode()


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    with running_system(config=matrix_config(), clock=FakeClock(NOW)) as running:
        yield running


# --- what each route acts on ------------------------------------------------------------------------


@dataclass
class Target:
    """A request's route values, body and (for citizen routes) the token of what it acts on."""

    values: dict[str, str] = field(default_factory=lambda: {"unit": UNIT})
    body: dict[str, Any] | None = None
    token: str = ""
    check: Callable[[httpx.Response], str] | None = None  # "" when the success answer is right


def same(key: str, expected: str) -> Callable[[httpx.Response], str]:
    def check(answer: httpx.Response) -> str:
        got = answer.json().get(key)
        return "" if got == expected else f"answer's {key} is {got!r}, expected {expected!r}"

    return check


class World:
    """Sets up the tickets, appointments and messages the routes act on, through the API itself."""

    def __init__(self, system: System) -> None:
        self.system = system
        self.client = system.client
        self.names = (f"Pessoa Matriz {n}" for n in itertools.count(1))
        self.clerk = principal_header(STAFF_EMAILS[CLERK])
        self.other = self.waiting()  # whose token OTHER_CITIZEN holds
        self.own = self.waiting()  # whose token CITIZEN sends on routes that are not a ticket's

    def body(self, **extra: Any) -> dict[str, Any]:
        return {"name": next(self.names), **PERSON, **extra}

    def message_body(self) -> dict[str, Any]:
        body = self.body(text="Gostaria de saber como acompanhar o meu processo.")
        del body["category"]  # the channel has no service categories
        return body

    def joined(self) -> dict[str, Any]:
        answer = self.client.post(f"/api/units/{UNIT}/tickets", json=self.body())
        assert answer.status_code == 202, answer.text
        ticket: dict[str, Any] = answer.json()
        return ticket

    def view(self, ticket: dict[str, Any]) -> dict[str, Any]:
        answer = self.client.get(
            f"/api/tickets/{ticket['ticketId']}", headers={"Authorization": f"Bearer {ticket['token']}"}
        )
        result: dict[str, Any] = answer.json()
        return result

    def waiting(self) -> dict[str, Any]:
        ticket = self.joined()
        self.system.wait(lambda: self.view(ticket).get("status") == "waiting")
        return ticket

    def clerk_post(self, path: str, body: dict[str, Any] | None = None, expect: int = 200) -> Any:
        answer = self.client.post(f"/api/clerk/units/{UNIT}/{path}", json=body or {}, headers=self.clerk)
        assert answer.status_code == expect, f"setting up: POST {path}: {answer.status_code} {answer.text}"
        return answer.json()

    def called(self) -> dict[str, Any]:
        ticket = self.waiting()
        self.clerk_post("call", {"ticketId": ticket["ticketId"], "reason": "teste da matriz"})
        return ticket

    def ready(self) -> dict[str, Any]:
        """Called, with its meeting created (the meeting-requests queue has run)."""
        ticket = self.called()
        self.system.wait(lambda: (self.view(ticket).get("meeting") or {}).get("joinUrl"), timeout=15)
        return ticket

    def done(self) -> dict[str, Any]:
        ticket = self.called()
        self.clerk_post(f"tickets/{ticket['ticketId']}/finish")
        return ticket

    def chatting(self) -> dict[str, Any]:
        """Called, and the clerk chose to attend by chat."""
        ticket = self.called()
        answer = self.client.put(
            f"/api/clerk/units/{UNIT}/attendances/{ticket['ticketId']}/mode",
            json={"mode": "chat"},
            headers=self.clerk,
        )
        assert answer.status_code == 200, f"setting up: chat mode: {answer.status_code} {answer.text}"
        return ticket

    def free_slot(self, besides: str = "") -> str:
        offered = self.client.get(f"/api/units/{UNIT}/slots").json()
        for day in offered["days"]:
            for slot in day["slots"]:
                if slot["free"] > 0 and slot["startsAt"] != besides:
                    return str(slot["startsAt"])
        raise AssertionError(f"setting up: no free slot left: {offered}")

    def appointment(self) -> dict[str, Any]:
        answer = self.client.post(
            f"/api/units/{UNIT}/appointments", json=self.body(startsAt=self.free_slot())
        )
        assert answer.status_code == 201, f"setting up: booking: {answer.text}"
        booked: dict[str, Any] = answer.json()
        return booked

    def message(self) -> dict[str, Any]:
        answer = self.client.post(f"/api/units/{UNIT}/messages", json=self.message_body())
        assert answer.status_code == 201, f"setting up: message: {answer.text}"
        sent: dict[str, Any] = answer.json()
        return sent


def ticket_target(ticket: dict[str, Any], **extra: Any) -> Target:
    return Target({"unit": UNIT, "ticket": ticket["ticketId"]}, token=ticket["token"], **extra)


def join_target(w: World) -> Target:
    return Target(
        body=w.body(), check=lambda a: "" if a.json()["ticketId"].startswith(UNIT + ".") else a.text
    )


def book_target(w: World) -> Target:
    return Target(
        body=w.body(startsAt=w.free_slot()), check=lambda a: "" if a.json().get("token") else a.text
    )


def message_target(w: World) -> Target:
    return Target(body=w.message_body(), check=lambda a: "" if a.json().get("protocol") else a.text)


def appointment_target(w: World, **extra: Any) -> Target:
    booked = w.appointment()
    return Target({"unit": UNIT, "ticket": booked["appointmentId"]}, token=booked["token"], **extra)


def reschedule_target(w: World) -> Target:
    booked = w.appointment()
    return Target(
        {"unit": UNIT, "ticket": booked["appointmentId"]},
        body={"startsAt": w.free_slot(besides=booked["startsAt"])},
        token=booked["token"],
    )


def follow_up_view_target(w: World) -> Target:
    ticket = w.done()
    w.clerk_post(f"attendances/{ticket['ticketId']}/follow-up", {"startsAt": w.free_slot()}, expect=201)
    return ticket_target(ticket, check=lambda a: "" if a.json().get("appointmentId") else a.text)


def message_view_target(w: World) -> Target:
    sent = w.message()
    return Target(
        {"unit": UNIT, "ticket": sent["messageId"]},
        token=sent["token"],
        check=same("messageId", sent["messageId"]),
    )


def call_target(w: World) -> Target:
    ticket = w.waiting()
    return Target(
        body={"ticketId": ticket["ticketId"], "reason": "teste da matriz"},
        check=same("ticketId", ticket["ticketId"]),
    )


def start_target(w: World) -> Target:
    ticket = w.called()
    return Target(
        {"unit": UNIT, "ticket": ticket["ticketId"], "action": "start"}, check=same("status", "in_service")
    )


def follow_up_target(w: World) -> Target:
    ticket = w.called()
    return Target(
        {"unit": UNIT, "ticket": ticket["ticketId"]},
        body={"startsAt": w.free_slot()},
        check=lambda a: "" if a.json().get("appointmentId") else a.text,
    )


def invitation_target(w: World) -> Target:
    ticket = w.ready()
    return Target(
        {"unit": UNIT, "ticket": ticket["ticketId"]},
        body={"email": COLLEAGUE},
        check=same("ticketId", ticket["ticketId"]),
    )


def reply_target(w: World) -> Target:
    sent = w.message()
    return Target(
        {"unit": UNIT, "message": sent["messageId"]},
        body={"text": "Acompanhe pelo número do processo no site do tribunal."},
        check=same("status", "answered"),
    )


def last_line(author: str, text: str) -> Callable[[httpx.Response], str]:
    def check(answer: httpx.Response) -> str:
        lines = answer.json().get("lines") or [{}]
        got = (lines[-1].get("author"), lines[-1].get("text"))
        return "" if got == (author, text) else f"last line is {got!r}, expected {(author, text)!r}"

    return check


CITIZEN_SAYS = "Bom dia. Quero saber se o meu processo já foi julgado."
CLERK_SAYS = "Bom dia. Ainda não; o prazo termina na sexta-feira."


# Routes not listed act on nothing but their unit (reads, the directory, indicators).
TARGETS: dict[tuple[str, str], Callable[[World], Target]] = {
    ("POST", "units/{unit}/tickets"): join_target,
    ("POST", "units/{unit}/appointments"): book_target,
    ("POST", "units/{unit}/messages"): message_target,
    ("GET", "tickets/{ticket}"): lambda w: ticket_target(
        t := w.waiting(), check=same("ticketId", t["ticketId"])
    ),
    ("DELETE", "tickets/{ticket}"): lambda w: ticket_target(w.waiting()),
    ("POST", "tickets/{ticket}/survey"): lambda w: ticket_target(
        w.done(), body={"score": 5, "comment": "Fui bem atendida."}, check=same("status", "recebida")
    ),
    ("DELETE", "tickets/{ticket}/data"): lambda w: ticket_target(w.waiting()),
    ("GET", "tickets/{ticket}/appointment"): appointment_target,
    ("DELETE", "tickets/{ticket}/appointment"): appointment_target,
    ("POST", "tickets/{ticket}/appointment/reschedule"): reschedule_target,
    ("GET", "tickets/{ticket}/follow-up"): follow_up_view_target,
    ("GET", "tickets/{ticket}/message"): message_view_target,
    ("POST", "clerk/units/{unit}/call"): call_target,
    ("POST", "clerk/units/{unit}/tickets/{ticket}/{action}"): start_target,
    ("PUT", "clerk/units/{unit}/presence"): lambda w: Target(
        body={"status": "online"}, check=same("status", "online")
    ),
    ("POST", "clerk/units/{unit}/attendances/{ticket}/follow-up"): follow_up_target,
    ("POST", "clerk/units/{unit}/attendances/{ticket}/invitations"): invitation_target,
    ("POST", "clerk/units/{unit}/messages/{message}/reply"): reply_target,
    ("GET", "tickets/{ticket}/chat"): lambda w: ticket_target(
        t := w.called(), check=same("ticketId", t["ticketId"])
    ),
    ("POST", "tickets/{ticket}/chat"): lambda w: ticket_target(
        w.chatting(), body={"text": CITIZEN_SAYS}, check=last_line("citizen", CITIZEN_SAYS)
    ),
    ("GET", "clerk/units/{unit}/attendances/{ticket}/chat"): lambda w: ticket_target(
        t := w.called(), check=same("ticketId", t["ticketId"])
    ),
    ("POST", "clerk/units/{unit}/attendances/{ticket}/chat"): lambda w: ticket_target(
        w.chatting(), body={"text": CLERK_SAYS}, check=last_line("clerk", CLERK_SAYS)
    ),
    ("PUT", "clerk/units/{unit}/attendances/{ticket}/mode"): lambda w: ticket_target(
        w.called(), body={"mode": "chat"}, check=same("mode", "chat")
    ),
    ("GET", "units/{unit}"): lambda w: Target(check=same("id", UNIT)),
    ("POST", "conversa"): lambda w: Target(body={"unit": UNIT}, check=same("step", "ask")),
    # issue 15: one's own stars; whether the citizen is in the room (a called ticket; the local room
    # reports with the ticket's token); the unit's configuration, read-only
    ("PUT", "clerk/favorites/{unit}"): lambda w: Target(
        {"unit": UNIT}, check=lambda a: "" if UNIT in a.json()["units"] else a.text
    ),
    ("DELETE", "clerk/favorites/{unit}"): lambda w: Target(
        {"unit": UNIT}, check=lambda a: "" if UNIT not in a.json()["units"] else a.text
    ),
    ("GET", "clerk/units/{unit}/rooms/{ticket}"): lambda w: ticket_target(
        w.called(), check=same("provider", "local")
    ),
    ("POST", "tickets/{ticket}/room"): lambda w: ticket_target(w.called()),
    # issue 13: the ticket's notice channels (none set up here: an empty choice), "Estou aqui"
    ("PUT", "tickets/{ticket}/notices"): lambda w: ticket_target(
        w.waiting(), body={"notices": []}, check=same("reachable", False)
    ),
    ("POST", "tickets/{ticket}/here"): lambda w: ticket_target(w.waiting()),
    ("GET", "gestao/units/{unit}/configuration"): lambda w: Target({"unit": UNIT}, check=same("id", UNIT)),
    ("GET", "health"): lambda w: Target(check=same("status", "ok")),
}


def nothing(world: World) -> Target:
    return Target()


# --- the walk --------------------------------------------------------------------------------------


def headers_for(role: str, target: Target, world: World) -> dict[str, str]:
    if role == ANONYMOUS:
        return {}
    if role == CITIZEN:
        return {"Authorization": f"Bearer {target.token or world.own['token']}"}
    if role == OTHER_CITIZEN:
        return {"Authorization": f"Bearer {world.other['token']}"}
    return principal_header(STAFF_EMAILS[role])


def fill(route: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"route {route}: give the matrix a target with a value for {{{name}}}"
        return values[name]

    return re.sub(r"\{\*?([A-Za-z_]\w*)(?::[^}?]*)?\??\}", value, route)


def send(system: System, world: World, method: str, route: str, role: str, target: Target) -> httpx.Response:
    query = ROUTE_UNIT_QUERY if "{unit}" in route else SCOPE_QUERY
    return system.client.request(
        method,
        "/api/" + fill(route, target.values),
        params=query,
        headers=headers_for(role, target, world),
        json=target.body,
    )


def test_every_route_with_every_role(system: System) -> None:
    started = time.monotonic()
    routes = app_routes()
    table = set(authz.ROUTES)
    assert not routes - table, f"routes of the app missing from functions/authz.py: {sorted(routes - table)}"
    assert not table - routes, (
        f"entries of functions/authz.py for no route of the app: {sorted(table - routes)}"
    )
    assert not routes - set(SUCCESS), (
        f"give these routes their success status in SUCCESS: {sorted(routes - set(SUCCESS))}"
    )

    world = World(system)
    walked: set[tuple[str, str]] = set()
    failures: list[str] = []
    grid: dict[tuple[str, str], dict[str, int]] = {}
    permitted_cells = 0
    for method, route in sorted(routes, key=lambda r: (r[1], r[0])):
        expected = who_gets_in(method, route)
        prepare = TARGETS.get((method, route), nothing)
        shared = prepare(world)
        # refused roles first, then the permitted ones (the first at the target the refused ones tried)
        order = [r for r in ROLES if r not in expected] + [r for r in ROLES if r in expected]
        first_permitted = True
        for role in order:
            may_enter = role in expected
            target = shared if not may_enter or first_permitted else prepare(world)
            if may_enter:
                first_permitted = False
                permitted_cells += 1
            answer = send(system, world, method, route, role, target)
            grid.setdefault((method, route), {})[role] = answer.status_code
            failures += check(method, route, role, may_enter, answer, SUCCESS[(method, route)], target)
        walked.add((method, route))

    print_grid(grid)
    took = time.monotonic() - started
    print(
        f"\nauthorization matrix: {len(routes)} routes x {len(ROLES)} roles = {len(routes) * len(ROLES)} "
        f"requests, {permitted_cells} permitted cells answered their success status with a valid body, "
        f"routes walked {len(walked & routes) / len(routes):.0%}, {took:.1f} s"
    )
    assert not failures, "\n".join(failures)
    assert walked == routes == table


def check(
    method: str, route: str, role: str, may_enter: bool, answer: httpx.Response, success: int, target: Target
) -> list[str]:
    where = f"{method} {route} as {role}: {answer.status_code}"
    if answer.status_code >= 500:
        return [f"{where} (server error: {answer.text[:200]})"]
    if may_enter:
        if answer.status_code != success:
            return [f"{where}, expected {success} ({answer.text[:200]})"]
        wrong = target.check(answer) if target.check else ""
        return [f"{where}: {wrong[:200]}"] if wrong else []
    if answer.status_code not in (401, 403):
        return [f"{where}, expected 401/403"]
    problem: dict[str, Any] = answer.json()
    if not answer.headers["content-type"].startswith("application/problem+json") or not problem.get("detail"):
        return [f"{where}: refusal is not problem+json with a detail"]
    return []


def print_grid(grid: dict[tuple[str, str], dict[str, int]]) -> None:
    short = ("anon", "citizen", "o.token", "clerk", "o.clerk", "manager", "o.mgr", "admin", "no role")
    print("\n" + f"{'route':<60}" + "".join(f"{s:>8}" for s in short))
    for (method, route), by_role in grid.items():
        print(f"{method + ' ' + route:<60}" + "".join(f"{by_role[r]:>8}" for r in ROLES))
