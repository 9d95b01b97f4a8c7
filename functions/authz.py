"""The one authorization table: every HTTP route of the app → the roles that may call it.

`ROUTES` is keyed by (method, route template) exactly as the route decorators declare them. The `endpoint`
decorator (functions/http_common.py) finds the entry for each request *before* the handler runs and
answers 401/403 problem+json in pt-BR; a request to a route that is not in the table is refused (fail
closed), and tests/functions/test_authorization_matrix.py fails for any route of the app missing here.

Roles:

    anonymous       anyone, no credential (public directory, joining, health)
    citizen         the holder of the ticket's token (Authorization: Bearer); the token itself is
                    verified by the use case, here only its presence is required
    signed_in       any account Easy Auth signed in, even one with no role (the console's "who am I")
    clerk           clerk of the unit in scope (in the route, or `?unit=`); with no unit in scope, a
                    clerk of any unit (the use case narrows what they see)
    court_manager   manager of the court of the unit in scope (or of `?court=`); any court when neither
    admin           administrator of the Balcão Virtual

Staff roles come from the Easy Auth principal (`X-MS-CLIENT-PRINCIPAL`) matched against the staff of the
configuration (`domain.auth.Principal.from_staff`). Use cases keep their own checks (`require_clerk`,
metrics and audit scopes) as defence in depth.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from domain.auth import Principal
from domain.config import Configuration


class Role(StrEnum):
    ANONYMOUS = "anonymous"
    CITIZEN = "citizen"
    SIGNED_IN = "signed_in"
    CLERK = "clerk"
    COURT_MANAGER = "court_manager"
    ADMIN = "admin"


STAFF_ROLES = frozenset({Role.SIGNED_IN, Role.CLERK, Role.COURT_MANAGER, Role.ADMIN})


@dataclass(frozen=True)
class Rule:
    """Who may call a route, and where the unit (and court) in scope come from.

    `unit`: "route" (the `{unit}` route parameter), "query" (`?unit=`) or "" (no unit in scope).
    `court_query`: `?court=` names the court in scope when no unit does.
    """

    roles: frozenset[Role]
    unit: str = ""
    court_query: bool = False

    @property
    def public(self) -> bool:
        return Role.ANONYMOUS in self.roles


def _rule(*roles: Role, unit: str = "", court_query: bool = False) -> Rule:
    return Rule(frozenset(roles), unit, court_query)


PUBLIC = _rule(Role.ANONYMOUS)
CITIZEN = _rule(Role.CITIZEN)
CLERK_OF_UNIT = _rule(Role.CLERK, unit="route")
INDICATORS = _rule(Role.CLERK, Role.COURT_MANAGER, Role.ADMIN, unit="query", court_query=True)
AUDIT = _rule(Role.COURT_MANAGER, Role.ADMIN, unit="query")

ROUTES: Mapping[tuple[str, str], Rule] = {
    # public (DESIGN §3a)
    ("GET", "health"): PUBLIC,
    ("GET", "openapi.json"): PUBLIC,
    ("GET", "units"): PUBLIC,
    ("GET", "units/{unit}"): PUBLIC,
    ("GET", "units/{unit}/embed"): PUBLIC,
    ("GET", "units/{unit}/challenge"): PUBLIC,  # a proof-of-work challenge (functions/proof.py)
    ("POST", "units/{unit}/tickets"): PUBLIC,
    ("POST", "conversa"): PUBLIC,  # the widget's conversation (functions/conversation_http.py)
    # the citizen's ticket, with its token
    ("GET", "tickets/{ticket}"): CITIZEN,
    ("DELETE", "tickets/{ticket}"): CITIZEN,
    ("POST", "tickets/{ticket}/survey"): CITIZEN,
    ("DELETE", "tickets/{ticket}/data"): CITIZEN,
    ("POST", "tickets/{ticket}/room"): CITIZEN,  # the local simulated room (domain/usecases/rooms.py)
    ("PUT", "tickets/{ticket}/notices"): CITIZEN,  # how to be told off the page (issue 13)
    ("POST", "tickets/{ticket}/here"): CITIZEN,  # "Estou aqui" near the front
    # scheduling, the asynchronous channel (the appointment's or message's token), calling in a colleague
    ("GET", "units/{unit}/slots"): PUBLIC,
    ("POST", "units/{unit}/appointments"): PUBLIC,
    ("GET", "units/{unit}/async-channel"): PUBLIC,
    ("POST", "units/{unit}/messages"): PUBLIC,
    ("GET", "tickets/{ticket}/appointment"): CITIZEN,
    ("DELETE", "tickets/{ticket}/appointment"): CITIZEN,
    ("POST", "tickets/{ticket}/appointment/reschedule"): CITIZEN,
    ("GET", "tickets/{ticket}/follow-up"): CITIZEN,
    ("GET", "tickets/{ticket}/message"): CITIZEN,
    ("GET", "clerk/units/{unit}/slots"): CLERK_OF_UNIT,
    ("GET", "clerk/units/{unit}/appointments"): CLERK_OF_UNIT,
    ("POST", "clerk/units/{unit}/attendances/{ticket}/follow-up"): CLERK_OF_UNIT,
    ("GET", "clerk/units/{unit}/colleagues"): CLERK_OF_UNIT,
    ("POST", "clerk/units/{unit}/attendances/{ticket}/invitations"): CLERK_OF_UNIT,
    # attendance by chat
    ("GET", "tickets/{ticket}/chat"): CITIZEN,
    ("POST", "tickets/{ticket}/chat"): CITIZEN,
    ("GET", "clerk/units/{unit}/attendances/{ticket}/chat"): CLERK_OF_UNIT,
    ("POST", "clerk/units/{unit}/attendances/{ticket}/chat"): CLERK_OF_UNIT,
    ("PUT", "clerk/units/{unit}/attendances/{ticket}/mode"): CLERK_OF_UNIT,
    ("GET", "clerk/units/{unit}/messages"): CLERK_OF_UNIT,
    ("POST", "clerk/units/{unit}/messages/{message}/reply"): CLERK_OF_UNIT,
    ("GET", "metrics/async"): INDICATORS,
    # the clerk console
    ("GET", "clerk/me"): _rule(Role.SIGNED_IN),
    # the staff member's own favourite units (★), any unit of the configuration
    ("GET", "clerk/favorites"): _rule(Role.SIGNED_IN),
    ("PUT", "clerk/favorites/{unit}"): _rule(Role.SIGNED_IN),
    ("DELETE", "clerk/favorites/{unit}"): _rule(Role.SIGNED_IN),
    ("GET", "clerk/units/{unit}/queue"): CLERK_OF_UNIT,
    ("POST", "clerk/units/{unit}/call"): CLERK_OF_UNIT,
    ("POST", "clerk/units/{unit}/tickets/{ticket}/{action}"): CLERK_OF_UNIT,
    ("PUT", "clerk/units/{unit}/presence"): CLERK_OF_UNIT,
    ("GET", "clerk/units/{unit}/rooms/{ticket}"): CLERK_OF_UNIT,
    # indicators: a unit's clerks, the court's managers, administrators
    ("GET", "metrics/summary"): INDICATORS,
    ("GET", "metrics/daily"): INDICATORS,
    ("GET", "metrics/units"): INDICATORS,
    ("GET", "metrics/heatmap"): INDICATORS,
    ("GET", "metrics/dropoff"): INDICATORS,
    ("GET", "metrics/compliance"): INDICATORS,
    ("GET", "metrics/breakdown"): INDICATORS,
    # management (never `admin/...`: the Functions host reserves routes that start with "admin")
    ("GET", "gestao/audit"): AUDIT,
    # a unit's configuration, read-only (the Serventias tab): its clerks, its court's managers, admins
    ("GET", "gestao/units/{unit}/configuration"): _rule(
        Role.CLERK, Role.COURT_MANAGER, Role.ADMIN, unit="route"
    ),
}


# --- finding the route of a request ----------------------------------------------------------------

_PARAM = re.compile(r"^\{\*?([A-Za-z_][A-Za-z0-9_]*)(?::[^}?]*)?\??\}$")


@dataclass(frozen=True)
class RouteMatch:
    method: str
    template: str
    rule: Rule


HOST_JSON = Path(__file__).resolve().parents[1] / "host.json"


@cache
def route_prefix() -> str:
    """`extensions.http.routePrefix` of host.json ("api" when absent), as the host routes requests."""
    try:
        data = json.loads(HOST_JSON.read_text(encoding="utf-8"))
        prefix = data.get("extensions", {}).get("http", {}).get("routePrefix", "api")
    except (OSError, ValueError, AttributeError):
        prefix = "api"
    return str(prefix).strip("/")


@cache
def _segments(template: str) -> tuple[tuple[str, bool], ...]:
    """(literal or parameter name, is_parameter) per segment of a route template."""
    out = []
    for part in template.strip("/").split("/"):
        param = _PARAM.match(part)
        out.append((param.group(1), True) if param else (part.lower(), False))
    return tuple(out)


def _bind(template: str, parts: list[str]) -> dict[str, str] | None:
    segments = _segments(template)
    if len(segments) != len(parts):
        return None
    bound: dict[str, str] = {}
    for (name, is_param), part in zip(segments, parts, strict=True):
        if is_param:
            bound[name] = part
        elif name != part.lower():
            return None
    return bound


def match(method: str, url: str, route_params: Mapping[str, str]) -> RouteMatch | None:
    """The table entry of a request, or None (refused). The host already chose the function; the
    request must match an entry's template *and* bind exactly the parameters the host bound, so that
    a route added without an entry is never mistaken for a neighbour (`units/x` for `units/{unit}`)."""
    path = unquote(urlsplit(url).path).strip("/")
    prefix = route_prefix()
    if prefix:
        head, _, rest = path.partition("/")
        if head.lower() != prefix.lower():
            return None
        path = rest
    parts = path.split("/") if path else []
    given = {k: unquote(v) for k, v in route_params.items()}
    method = method.upper()
    for (rule_method, template), rule in ROUTES.items():
        if rule_method != method:
            continue
        bound = _bind(template, parts)
        if bound is not None and bound == given:
            return RouteMatch(method, template, rule)
    return None


# --- deciding ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The unit and court a request is about ("" when it names none)."""

    unit_id: str = ""
    court_id: str = ""
    unit_known: bool = False


def scope_of(
    rule: Rule, route_params: Mapping[str, str], params: Mapping[str, str], config: Configuration
) -> Scope:
    unit_id = ""
    if rule.unit == "route":
        unit_id = route_params.get("unit", "")
    elif rule.unit == "query":
        unit_id = params.get("unit", "")
    if unit_id:
        unit = config.unit(unit_id)
        return Scope(unit_id, unit.court if unit else "", unit is not None)
    if rule.court_query:
        return Scope("", params.get("court", ""))
    return Scope()


def holds(role: Role, who: Principal, scope: Scope, config: Configuration) -> bool:
    """Whether `who` holds `role` for `scope` (staff roles only)."""
    if role == Role.SIGNED_IN:
        return True
    if role == Role.ADMIN:
        return who.admin
    if role == Role.COURT_MANAGER:
        if scope.unit_id:
            return scope.unit_known and scope.court_id in who.manager_courts
        if scope.court_id:
            return scope.court_id in who.manager_courts
        return bool(who.manager_courts)
    if role == Role.CLERK:
        if scope.unit_id:
            return scope.unit_id in who.clerk_units
        if scope.court_id:
            return any(
                (u := config.unit(uid)) is not None and u.court == scope.court_id for uid in who.clerk_units
            )
        return bool(who.clerk_units)
    return False


def allows(rule: Rule, who: Principal, scope: Scope, config: Configuration) -> bool:
    return any(holds(role, who, scope, config) for role in rule.roles & STAFF_ROLES)
