"""What every HTTP handler shares: authorization, error mapping, telemetry, the caller's identity.

`endpoint` is the one place where the authorization table (functions/authz.py) is enforced: it finds the
request's route in the table, resolves the caller (Easy Auth principal + staff configuration, or the
citizen's bearer token) and answers 401/403 problem+json before the handler runs. A route missing from
the table is refused. Before that it applies the abuse limits (functions/limits.py: 429 with
`Retry-After`); after the handler it adds the CORS headers for the site origins of
`BALCAO_SITE_ORIGINS`. Storage that cannot be reached answers 503 problem+json with `Retry-After`
(never a 500 with a trace).

CORS: in Azure the platform answers preflight requests (`OPTIONS`) itself, from the same origins (the
Bicep sets the Function App's `cors.allowedOrigins` and `BALCAO_SITE_ORIGINS` from one parameter), and
its headers take precedence over the app's; the app's headers serve hosts without platform CORS. The
dev host serves the pages from the API's own origin, where no CORS is needed.

`measured` does the same bookkeeping (storage attribution, spans) for queue and timer functions; a queue
message's span continues the trace of the request that sent it.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import azure.functions as func

from adapters import telemetry
from adapters.storage import operation, unavailable
from domain.auth import Principal
from domain.config import UnitConfig
from domain.errors import (
    DomainError,
    ForbiddenError,
    ProofRequiredError,
    RateLimitedError,
    UnauthenticatedError,
)
from domain.tickets import TicketId
from domain.usecases import booking, citizen_notices, citizen_view, joining
from domain.usecases.context import Context
from domain.usecases.unit_day import service_day
from functions import authz, bootstrap, identity, limits, proof
from functions.bodies import WRITE_METHODS, JoinBody, parse_body, require_json
from functions.http_errors import from_error, problem

log = logging.getLogger("balcao.http")

Handler = Callable[[func.HttpRequest], func.HttpResponse]
AUTHORIZED = "__balcao_authorized__"  # set on every handler wrapped by `endpoint` (tests check it)


MediaCheck = Callable[[func.HttpRequest], None]


def endpoint(handler: Handler, media_check: MediaCheck = require_json) -> Handler:
    """Refuse a write that is not JSON (415, `media_check`), authorize by the table, map domain errors
    to problem+json; anything else is logged and answered 500 (no details). Every HTTP route of the app
    goes through here."""

    @functools.wraps(handler)
    def wrapper(req: func.HttpRequest, context: func.Context | None = None) -> func.HttpResponse:
        bootstrap.telemetry()
        found = authz.match(req.method, req.url, req.route_params)
        route = found.template if found else "(fora da tabela)"
        parent = telemetry.invocation_parent(context)
        method = req.method.upper()
        with telemetry.http_span(method, route, req.headers, _ids(req), invocation=parent) as span:
            response = _serve(handler, req, found, media_check)
            telemetry.record_status(span, response.status_code)
            return response

    setattr(wrapper, AUTHORIZED, True)
    _with_context(wrapper, handler)
    return wrapper


def _with_context(wrapper: Callable[..., Any], handler: Callable[..., Any]) -> None:
    """Declare `context: func.Context` on the wrapper: the host passes the invocation context (its trace
    context parents our spans) to a parameter of that name, read from the signature it reports."""
    signature = inspect.signature(handler)
    extra = inspect.Parameter(
        "context", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None, annotation=func.Context
    )
    setattr(wrapper, "__signature__", signature.replace(parameters=[*signature.parameters.values(), extra]))  # noqa: B010
    wrapper.__annotations__ = {**getattr(handler, "__annotations__", {}), "context": func.Context}


def _serve(
    handler: Handler, req: func.HttpRequest, found: authz.RouteMatch | None, media_check: MediaCheck
) -> func.HttpResponse:
    try:
        with operation(handler.__name__):
            if req.method.upper() in WRITE_METHODS:
                media_check(req)  # the cheapest check: nothing is charged or read before it
            kind = limits.KINDS.get((found.method, found.template)) if found else None
            client = limits.client_address(req.headers) if kind else None
            route = (found.method, found.template) if found else ("", "")
            if kind:
                limit(req, kind, client, route)
            authorize(req, found)
            response = handler(req)
            if kind == limits.JOIN and (ticket_id := limits.joined_ticket(response)):
                bootstrap.limiter().accepted(client, ticket_id)
            if route in limits.BOOKED and (made := limits.booked_appointment(response)):
                bootstrap.limiter().booked(client, *made)
            return with_cors(req, response)
    except DomainError as exc:
        return with_cors(req, from_error(exc))
    except Exception as exc:
        if unavailable(exc):
            log.warning("storage unavailable in %s: %s", handler.__name__, type(exc).__name__)
            return with_cors(req, storage_down())
        log.exception("unhandled error in %s", handler.__name__)
        return problem(500, "Erro interno", "Ocorreu um erro inesperado. Tente novamente em instantes.")


def storage_down() -> func.HttpResponse:
    return problem(
        503,
        "Serviço indisponível",
        "O serviço está temporariamente indisponível. Tente novamente em alguns segundos.",
        code="armazenamento-indisponivel",
        headers={"Retry-After": "5"},
    )


def limit(req: func.HttpRequest, kind: str, client: str | None, route: tuple[str, str]) -> None:
    """Raise RateLimitedError when the request is over a limit. A refused poll with a valid token still
    counts as a sign of life (`citizen_view.refused_poll`)."""
    try:
        _charge(req, kind, client, route)
    except RateLimitedError:
        if kind == limits.POLL:
            _sign_of_life(req)
        raise


def _charge(req: func.HttpRequest, kind: str, client: str | None, route: tuple[str, str]) -> None:
    """The client's own bucket first (free); then the unit's and the shared limits, after the cheap
    checks: a join's body and rules (a refused join is answered 400 and charges nothing), a poll's
    token (a made-up token is answered 401 and spends no unit's poll budget); a join's or new
    booking's proof of work when one is required (428, functions/proof.py); a new booking, the count
    of the client's active bookings."""
    bootstrap.limiter().screen(kind, client)
    unit_id = limits.unit_id_of(kind, req.route_params)
    unit = bootstrap.get().config().unit(unit_id) if unit_id else None
    if kind == limits.JOIN and unit is not None:
        ctx = bootstrap.get().context
        offered = citizen_notices.offered_channels(ctx, unit)
        joining.validate_join(unit, parse_body(req, JoinBody).to_input(), offered, ctx.push_hosts)
    if kind == limits.POLL and unit is not None and not _signed(bootstrap.get(), req):
        unit = None
    if route == limits.BOOKING:  # before the shared bucket: a booking refused by the count spends none
        bootstrap.limiter().check_bookings(client, _is_booked)  # and before a proof: solving won't help
    proved = route in proof.GUARDED and unit is not None and proof_given(req, kind, client, unit)
    bootstrap.limiter().charge(kind, client, unit, is_live, proved)


class ConversationJoins:
    """The join limits (`limits.JOIN`) of a join a conversation makes (domain/usecases/conversing.py's
    `JoinGate`): the client of the buckets and of the active-ticket cap is the key the channel gives (the
    widget: the caller's address, "" without one; WhatsApp: the number's key). `req`, the widget's
    request, may carry the proof of work asked near a unit's cap; WhatsApp has none (the number is the
    cost), so a join there is never asked for one."""

    def __init__(self, req: func.HttpRequest | None = None) -> None:
        self.req = req

    def check(self, client: str, unit: UnitConfig) -> None:
        limiter = bootstrap.limiter()
        limiter.screen(limits.JOIN, client or None)
        proved = self.req is not None and proof_given(self.req, limits.JOIN, client or None, unit)
        limiter.charge(limits.JOIN, client or None, unit, is_live, proved)

    def accepted(self, client: str, ticket_id: str) -> None:
        bootstrap.limiter().accepted(client or None, ticket_id)


def proof_given(req: func.HttpRequest, kind: str, client: str | None, unit: UnitConfig) -> bool:
    """Whether the request carries a valid proof of work, spent now (a replay is refused on every
    instance); ProofRequiredError (428) when one is required and missing, or when the one sent is not
    valid (checked even when none is required)."""
    payload = (req.headers.get(proof.HEADER) or "").strip()
    if payload:
        signature, expires = bootstrap.proofs().verify(payload, unit.id)
        if not bootstrap.limiter().spend_proof(signature, expires):
            raise ProofRequiredError(proof.INVALID, proof.challenge_url(unit.id))
        return True
    # a booking's client is bounded by its exact count of active bookings (3), not asked as automated
    level, limiter = pressure(kind, client if kind == limits.JOIN else None, unit), bootstrap.limiter()
    if level.near_cap:
        limiter.keep_asking(unit.id, proof.HOLD_S)
    if level.required or limiter.asking(unit.id):
        raise ProofRequiredError(proof.ASK, proof.challenge_url(unit.id))
    return False


def pressure(kind: str, client: str | None, unit: UnitConfig) -> proof.Pressure:
    """How close `unit` and `client` are to a refusal (functions/proof.py): the waiting line from the
    shared (≤ 1 s) state, the buckets without taking from them."""
    app = bootstrap.get()
    state = app.context.store.peek(unit.id, service_day(unit, app.now()))
    unit_spent, client_spent = bootstrap.limiter().spent(kind, client, unit)
    waiting = state.waiting_count() / max(1, unit.limits.max_waiting)
    return proof.Pressure(waiting, unit_spent, client_spent)


def _sign_of_life(req: func.HttpRequest) -> None:
    app = bootstrap.get()
    try:
        citizen_view.refused_poll(app.context, req.route_params.get("ticket", ""), bearer(req), app.now())
    except DomainError:  # no valid token: not a sign of anyone
        return


def _signed(app: bootstrap.Bootstrap, req: func.HttpRequest) -> bool:
    """Whether the poll carries the ticket's own token (an HMAC: no storage read)."""
    try:
        app.context.keys.verify(req.route_params.get("ticket", ""), bearer(req))
    except DomainError:
        return False
    return True


def is_live(ticket_id: str) -> bool:
    """Whether a ticket is waiting or called, from the shared (≤ 1 s old) state: no storage read of
    its own in the common case (the join being checked peeks the same state)."""
    try:
        tid = TicketId.parse(ticket_id)
    except Exception:
        return False
    state = bootstrap.get().context.store.peek(tid.unit_id, f"{tid.day:%Y%m%d}")
    return state.find(tid.short) is not None or tid.short in state.called


def _is_booked(appointment_id: str) -> bool:
    """Whether an appointment the client was given still holds its place (one read per appointment;
    bookings are rare and a client holds a handful)."""
    return booking.is_booked(bootstrap.get().context, appointment_id)


CORS_EXPOSED = "ETag, Location, Retry-After"


def with_cors(req: func.HttpRequest, response: func.HttpResponse) -> func.HttpResponse:
    """Allow the configured site origins (BALCAO_SITE_ORIGINS) to read the answer; no one else."""
    origin = (req.headers.get("origin") or "").rstrip("/")
    if origin and origin in bootstrap.settings().site_origins:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSED
    response.headers["Vary"] = "Origin"
    return response


def authorize(req: func.HttpRequest, found: authz.RouteMatch | None) -> None:
    """Raise UnauthenticatedError (401) or ForbiddenError (403) unless the table lets the caller in.

    Failed attempts are logged as warnings with the route and the unit in scope, never the person."""
    if found is None:
        log.error("refused: %s %s is not in the authorization table", req.method, req.url.split("?")[0])
        raise ForbiddenError("Esta rota não está liberada.")
    rule = found.rule
    if rule.public:
        return
    if authz.Role.CITIZEN in rule.roles:
        if _has_bearer(req):
            return  # the use case verifies the token against the ticket
        if not rule.roles & authz.STAFF_ROLES:
            _refused(found, "no ticket token")
            raise UnauthenticatedError(BEARER_MISSING)
    try:
        who = principal(req)
    except UnauthenticatedError:
        _refused(found, "not signed in")
        raise
    config = bootstrap.get().config()
    scope = authz.scope_of(rule, req.route_params, req.params, config)
    if not authz.allows(rule, who, scope, config):
        _refused(found, "no role for the scope", scope.unit_id or scope.court_id)
        raise ForbiddenError(
            _FORBIDDEN.get(found.template.split("/")[0], "Você não tem acesso a este recurso.")
        )


BEARER_MISSING = (
    "Envie o token da senha no cabeçalho X-Balcao-Authorization (ou Authorization): Bearer <token>."
)
_FORBIDDEN = {
    "clerk": "Você não está designado(a) para atender nesta unidade.",
    "metrics": "Você não tem acesso a estes indicadores.",
    "gestao": "Acesso restrito à gestão do tribunal e à administração.",
}


def _refused(found: authz.RouteMatch, why: str, scope: str = "") -> None:
    log.warning(
        "authorization refused: %s %s (%s)%s",
        found.method,
        found.template,
        why,
        f" [{scope}]" if scope else "",
    )


def _has_bearer(req: func.HttpRequest) -> bool:
    return _bearer_of(req) is not None


# Where a citizen's ticket token travels: `X-Balcao-Authorization` first, because a Static Web App
# replaces `Authorization` on its way to its linked Function App (it uses that header itself:
# Azure/static-web-apps#34, "by design"), so the pages send the token there; `Authorization` still
# counts for a client that calls the Function App directly. When the first is present it decides alone.
TOKEN_HEADERS = ("x-balcao-authorization", "authorization")


def _bearer_of(req: func.HttpRequest) -> str | None:
    for name in TOKEN_HEADERS:
        value = req.headers.get(name)
        if value is None:
            continue
        scheme, _, token = value.partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None
    return None


def _ids(req: func.HttpRequest) -> dict[str, str]:
    """Span attributes of a request: the unit and ticket it names (ids, never personal data)."""
    p = req.route_params
    ids = telemetry.ids_of({"ticketId": p.get("ticket", ""), "unitId": p.get("unit", "")})
    if "balcao.unit_id" not in ids and req.params.get("unit"):
        ids["balcao.unit_id"] = req.params["unit"][:64]
    return ids


def principal(req: func.HttpRequest) -> Principal:
    """The staff member behind the request (functions/identity.py: a Teams SSO token, or the principal
    header the platform sets, in the Static Web Apps or App Service format), with the roles the
    configuration gives them."""
    email = identity.staff_email_of(req.headers, bootstrap.settings().env, bootstrap.teams())
    return bootstrap.get().context.principal(email)


def bearer(req: func.HttpRequest) -> str:
    """The ticket token of a citizen's request (TOKEN_HEADERS), or 401."""
    token = _bearer_of(req)
    if token is None:
        raise UnauthenticatedError(BEARER_MISSING)
    return token


T = TypeVar("T")
A = TypeVar("A")


def for_holder(req: func.HttpRequest, use_case: Callable[[Context, str, str, datetime], T]) -> T:
    """`use_case` for the holder of the request's ticket: (context, ticket id, its token, now)."""
    app = bootstrap.get()
    return use_case(app.context, req.route_params["ticket"], bearer(req), app.now())


def for_clerk(req: func.HttpRequest, use_case: Callable[[Context, str, Principal, datetime], T]) -> T:
    """`use_case` for the staff member at the request's unit: (context, unit id, who, now)."""
    app = bootstrap.get()
    return use_case(app.context, req.route_params["unit"], principal(req), app.now())


def for_attendance(
    req: func.HttpRequest, use_case: Callable[[Context, str, str, Principal, A, datetime], T], value: A
) -> T:
    """`use_case` for the staff member in the request's attendance: (context, unit id, ticket id, who,
    `value`, now)."""
    app, p = bootstrap.get(), req.route_params
    return use_case(app.context, p["unit"], p["ticket"], principal(req), value, app.now())


F = TypeVar("F", bound=Callable[..., None])


def measured(handler: F) -> F:
    """Queue and timer handlers: attribute their storage requests to the function's name, and run them
    in a span; a queue message's span is the child of the span that sent the message."""

    @functools.wraps(handler)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        bootstrap.telemetry()
        parent = telemetry.invocation_parent(kwargs.pop("context", None))
        msg = next((a for a in (*args, *kwargs.values()) if isinstance(a, func.QueueMessage)), None)
        payload = _payload(msg) if msg is not None else None
        delivery = msg.dequeue_count if msg is not None else None
        with (
            telemetry.function_span(handler.__name__, payload, delivery_count=delivery, invocation=parent),
            operation(handler.__name__),
        ):
            handler(*args, **kwargs)

    _with_context(wrapper, handler)
    return wrapper  # type: ignore[return-value]


def _payload(msg: func.QueueMessage) -> dict[str, Any]:
    try:
        data = json.loads(msg.get_body())
    except (ValueError, TypeError):
        return {}  # the handler fails on it and the message goes to the poison queue
    return data if isinstance(data, dict) else {}
