"""The OpenAPI 3.1 description of the HTTP API, generated from the routes the app registers.

Each HTTP route has one `Operation`: a summary, the pydantic model of its body and of its answer
(functions/schemas.py), its query parameters and any answer it gives beyond the usual ones. The rest is
derived, so that it cannot drift:

- the paths, methods and route parameters come from the app's own route declarations (`spec(routes)` is
  given what `app.get_functions()` registers; nothing is documented that the app does not serve);
- who may call it (security schemes and the 401/403 answers) comes from the authorization table
  (functions/authz.py);
- every error is `application/problem+json` (`Problem`); 400 for parameters, 413/415 for bodies, 429
  where rate limits apply (functions/limits.py), 503 when storage is unreachable.

**Adding a route**: declare it in `OPERATIONS` below, or call `document(method, route, Operation(...))` in
the route's own module. tests/contract/test_openapi.py fails, naming the route, for any route of the app
without a declaration (and for any declaration without a route).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from functions import authz, limits
from functions import scheduling_schemas as sched
from functions import schemas as s

VERSION = "1.0.0"
PROBLEM = "application/problem+json"
JSON = "application/json"


@dataclass(frozen=True)
class Param:
    """A query parameter (or the allowed values of a route parameter, in `Operation.path`)."""

    name: str
    description: str
    enum: tuple[str, ...] = ()
    pattern: str = ""
    required: bool = False

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "string"}
        if self.enum:
            out = {"type": "string", "enum": list(self.enum)}
        if self.pattern:
            out["pattern"] = self.pattern
        return out


@dataclass(frozen=True)
class Operation:
    """What a route's declaration says; see the module docstring for what is derived."""

    summary: str
    tag: str
    description: str = ""
    body: type[BaseModel] | None = None
    body_required: bool = True
    status: int = 200
    answer: type[BaseModel] | None = None  # JSON answer; None: a free-form JSON object
    media: str = JSON  # of the success answer ("text/html", "text/csv", ...)
    csv: bool = False  # `format=csv` gives text/csv as well
    empty: bool = False  # the success answer has no body (204)
    query: tuple[Param, ...] = ()
    path: tuple[Param, ...] = ()  # constraints on route parameters ({action}), by name
    errors: tuple[int, ...] = ()  # error statuses beyond the derived ones
    headers: Mapping[str, str] = field(default_factory=dict)  # success answer header → description
    not_modified: bool = False  # honours If-None-Match (304)


_REGISTRY: dict[tuple[str, str], Operation] = {}


def document(method: str, route: str, operation: Operation) -> None:
    """Declare a route (from the module that defines it). `route` is exactly the decorator's route."""
    _REGISTRY[(method.upper(), route.strip("/"))] = operation


def operations() -> dict[tuple[str, str], Operation]:
    return {**OPERATIONS, **_REGISTRY}


# --- the declarations -----------------------------------------------------------------------------

_PERIOD = Param("period", "Período: hoje ou os últimos 7, 30 ou 60 dias", ("today", "7", "30", "60"))
_COURT = Param("court", "Tribunal (id)")
_UNIT = Param("unit", "Unidade (id)")
_FORMAT = Param("format", "json (padrão) ou csv", ("json", "csv"))
_FORMAT_JSON = Param("format", "json (padrão)", ("json",))
_METRICS = (_PERIOD, _COURT, _UNIT)
_FROM = Param("from", "Primeiro dia AAAA-MM-DD (padrão: hoje)")
_DAYS = Param("days", "Quantos dias (padrão: os da unidade)")
_TICKET_HEADERS = {"ETag": "Versão da visão da senha (use If-None-Match)"}

OPERATIONS: dict[tuple[str, str], Operation] = {
    ("GET", "health"): Operation("Situação do serviço", "público", answer=s.Health),
    ("GET", "openapi.json"): Operation("Esta descrição OpenAPI 3.1", "público"),
    ("GET", "units"): Operation(
        "Lista as unidades com horário, situação e fila",
        "público",
        answer=s.UnitList,
        query=(Param("court", "Tribunal (id)"), Param("section", "Seção ou comarca"), Param("q", "Busca")),
    ),
    ("GET", "units/{unit}"): Operation("Uma unidade", "público", answer=s.UnitSummary),
    ("GET", "units/{unit}/embed"): Operation(
        "Cartão HTML da unidade para o site do tribunal (iframe)", "público", media="text/html"
    ),
    ("POST", "units/{unit}/tickets"): Operation(
        "Entrar na fila da unidade",
        "cidadão",
        description="Aceita o pedido (202) e o envia à fila de admissão; o número da senha aparece na "
        "primeira consulta. Limites por cliente e por unidade (429 com Retry-After).",
        body=s.JoinBody,
        status=202,
        answer=s.JoinAccepted,
        errors=(409,),
        headers={"Location": "URL da senha"},
    ),
    ("GET", "tickets/{ticket}"): Operation(
        "Acompanhar a senha (posição, espera, link da reunião)",
        "cidadão",
        answer=s.TicketView,
        headers=_TICKET_HEADERS,
        not_modified=True,
    ),
    ("DELETE", "tickets/{ticket}"): Operation("Sair da fila", "cidadão", empty=True, errors=(409,)),
    ("DELETE", "tickets/{ticket}/data"): Operation(
        "Apagar os dados pessoais da senha (LGPD)",
        "cidadão",
        description="Sai da fila se a senha ainda estiver ativa e apaga nome, OAB, processo e comentários.",
        empty=True,
        errors=(409,),
    ),
    ("POST", "tickets/{ticket}/survey"): Operation(
        "Responder a pesquisa de satisfação",
        "cidadão",
        body=s.SurveyBody,
        status=201,
        answer=s.SurveyAccepted,
        errors=(409,),
    ),
    ("GET", "clerk/me"): Operation("Quem sou e onde atendo", "servidor"),
    ("GET", "clerk/units/{unit}/queue"): Operation("Fila da unidade", "servidor"),
    ("POST", "clerk/units/{unit}/call"): Operation(
        "Chamar a próxima senha (ou uma senha, com motivo)",
        "servidor",
        body=s.CallBody,
        body_required=False,
        answer=s.CallAnswer,
        errors=(409,),
    ),
    ("POST", "clerk/units/{unit}/tickets/{ticket}/{action}"): Operation(
        "Ação sobre uma senha chamada",
        "servidor",
        body=s.ActionBody,
        body_required=False,
        answer=s.StatusAnswer,
        path=(
            Param(
                "action",
                "Ação",
                ("start", "finish", "no-show", "requeue", "transfer", "retry-meeting"),
            ),
        ),
        errors=(409, 502),
    ),
    ("PUT", "clerk/units/{unit}/presence"): Operation(
        "Disponibilidade do(a) servidor(a)", "servidor", body=s.PresenceBody, answer=s.StatusAnswer
    ),
    ("GET", "metrics/summary"): Operation(
        "Indicadores do período", "indicadores", query=(*_METRICS, _FORMAT_JSON)
    ),
    ("GET", "metrics/daily"): Operation(
        "Série diária",
        "indicadores",
        query=(Param("days", "Dias", ("7", "30", "60")), _COURT, _UNIT, _FORMAT),
        csv=True,
    ),
    ("GET", "metrics/units"): Operation("Por unidade", "indicadores", query=(*_METRICS, _FORMAT), csv=True),
    ("GET", "metrics/heatmap"): Operation(
        "Dia da semana × hora", "indicadores", query=(*_METRICS, _FORMAT), csv=True
    ),
    ("GET", "metrics/dropoff"): Operation("Desistências", "indicadores", query=(*_METRICS, _FORMAT_JSON)),
    ("GET", "metrics/compliance"): Operation(
        "Cumprimento do horário (Res. 372 art. 1º)", "indicadores", query=(*_METRICS, _FORMAT), csv=True
    ),
    ("GET", "metrics/breakdown"): Operation(
        "Por assunto e perfil", "indicadores", query=(*_METRICS, _FORMAT_JSON)
    ),
    # scheduling, the asynchronous channel (Res. 372 art. 2 §1, art. 4), calling in a colleague
    ("GET", "units/{unit}/slots"): Operation(
        "Horários livres para agendamento",
        "agendamento",
        query=(_FROM, _DAYS),
    ),
    ("POST", "units/{unit}/appointments"): Operation(
        "Agendar um atendimento", "agendamento", body=sched.BookBody, status=201, errors=(409,)
    ),
    ("GET", "tickets/{ticket}/appointment"): Operation("O agendamento", "agendamento"),
    ("DELETE", "tickets/{ticket}/appointment"): Operation(
        "Cancelar o agendamento", "agendamento", empty=True, errors=(409,)
    ),
    ("POST", "tickets/{ticket}/appointment/reschedule"): Operation(
        "Remarcar o agendamento", "agendamento", body=sched.SlotBody, status=201, errors=(409,)
    ),
    ("GET", "tickets/{ticket}/follow-up"): Operation("Retorno marcado pelo(a) servidor(a)", "agendamento"),
    ("GET", "clerk/units/{unit}/slots"): Operation("Agenda da unidade", "servidor", query=(_FROM, _DAYS)),
    ("GET", "clerk/units/{unit}/appointments"): Operation(
        "Agendamentos de um dia", "servidor", query=(Param("day", "Dia AAAA-MM-DD"),)
    ),
    ("POST", "clerk/units/{unit}/attendances/{ticket}/follow-up"): Operation(
        "Marcar retorno para o(a) cidadão(ã)", "servidor", body=sched.SlotBody, status=201, errors=(409,)
    ),
    ("GET", "units/{unit}/async-channel"): Operation("Canal assíncrono da unidade", "canal assíncrono"),
    ("POST", "units/{unit}/messages"): Operation(
        "Enviar mensagem pelo canal assíncrono",
        "canal assíncrono",
        body=sched.MessageBody,
        status=201,
        errors=(409,),
    ),
    ("GET", "tickets/{ticket}/message"): Operation("A mensagem e a resposta", "canal assíncrono"),
    ("GET", "clerk/units/{unit}/messages"): Operation("Mensagens da unidade", "servidor"),
    ("POST", "clerk/units/{unit}/messages/{message}/reply"): Operation(
        "Responder uma mensagem", "servidor", body=sched.ReplyBody, errors=(409,)
    ),
    ("GET", "clerk/units/{unit}/colleagues"): Operation("Colegas que podem ser chamados", "servidor"),
    ("POST", "clerk/units/{unit}/attendances/{ticket}/invitations"): Operation(
        "Chamar um(a) colega para o atendimento", "servidor", body=sched.InviteBody, status=201, errors=(409,)
    ),
    ("GET", "metrics/async"): Operation(
        "Indicadores do canal assíncrono",
        "indicadores",
        query=(Param("days", "Dias (1 a 366)"), _COURT, _UNIT),
    ),
    ("GET", "gestao/audit"): Operation(
        "Trilha de auditoria de uma unidade-dia",
        "administração",
        query=(
            Param("unit", "Unidade (id)", required=True),
            Param("day", "Dia AAAAMMDD (padrão: hoje no fuso da unidade)", pattern=r"^\d{8}$"),
            _FORMAT,
        ),
        csv=True,
    ),
}


# --- generation ------------------------------------------------------------------------------------

_PARAM = re.compile(r"\{\*?([A-Za-z_][A-Za-z0-9_]*)(?::[^}?]*)?\??\}")
_SECURITY = {
    "ticketToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "O token devolvido ao entrar na fila (HMAC do id da senha).",
    },
    "easyAuth": {
        "type": "apiKey",
        "in": "header",
        "name": "X-MS-CLIENT-PRINCIPAL",
        "description": "Principal do Easy Auth (Entra ID), definido pelo App Service; papel pelo `staff` "
        "da configuração.",
    },
}
_ERROR_TEXT = {
    400: "Dados ou parâmetros inválidos",
    401: "Sem credencial válida",
    403: "Sem papel para o recurso",
    404: "Não encontrado",
    409: "Conflito com o estado atual",
    413: "Corpo grande demais",
    415: "Corpo que não é JSON em UTF-8",
    429: "Limite de requisições (veja Retry-After)",
    502: "Falha em serviço externo",
    503: "Armazenamento ou serviço externo indisponível (veja Retry-After)",
}


class UndocumentedRouteError(LookupError):
    """A route of the app has no declaration here."""


def undocumented(routes: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    known = operations()
    return sorted({(m.upper(), r.strip("/")) for m, r in routes} - set(known), key=lambda mr: (mr[1], mr[0]))


def spec(
    routes: Iterable[tuple[str, str]], server_url: str = "/api", *, strict: bool = True
) -> dict[str, Any]:
    """The OpenAPI document for exactly `routes` ((METHOD, route template) as the app registers them).

    `strict`: a route without a declaration raises UndocumentedRouteError (the tests); otherwise it is
    described from what can be derived (parameters, security, errors), so that the served document
    never fails and never omits a route."""
    routes = list(routes)
    missing = undocumented(routes)
    if missing and strict:
        raise UndocumentedRouteError(
            "routes without an OpenAPI declaration (functions/openapi.py OPERATIONS or document()): "
            + ", ".join(f"{m} {r}" for m, r in missing)
        )
    known = {**operations(), **{mr: Operation("(sem descrição)", mr[1].split("/")[0]) for mr in missing}}
    wanted = sorted({(m.upper(), r.strip("/")) for m, r in routes}, key=lambda mr: (mr[1], mr[0]))
    models = _models([known[mr] for mr in wanted])
    paths: dict[str, dict[str, Any]] = {}
    for method, route in wanted:
        path = "/" + _PARAM.sub(lambda m: "{" + m.group(1) + "}", route)
        paths.setdefault(path, {})[method.lower()] = _operation(method, route, known[(method, route)])
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Balcão Virtual",
            "version": VERSION,
            "description": "API do Balcão Virtual (CNJ Res. 372/2021). JSON em camelCase, horários ISO 8601 "
            "com fuso, erros em application/problem+json (RFC 9457) em português.",
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"schemas": models, "securitySchemes": _SECURITY},
    }


def _models(ops: Iterable[Operation]) -> dict[str, Any]:
    used: list[type[BaseModel]] = [s.Problem]
    for op in ops:
        used += [m for m in (op.body, op.answer) if m is not None and m not in used]
    _, top = models_json_schema(
        [(m, "validation" if issubclass(m, s.Body) else "serialization") for m in used],
        ref_template="#/components/schemas/{model}",
    )
    defs: dict[str, Any] = top.get("$defs", {})
    return defs


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _problem(status: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "description": _ERROR_TEXT.get(status, "Erro"),
        "content": {PROBLEM: {"schema": _ref(s.Problem)}},
    }
    if status in (429, 503):
        out["headers"] = {"Retry-After": {"schema": {"type": "string"}, "description": "Segundos"}}
    if status == 401:
        out["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
    return out


def _operation(method: str, route: str, op: Operation) -> dict[str, Any]:
    rule = authz.ROUTES.get((method, route))
    constraints = {p.name: p for p in op.path}
    params: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": constraints[name].schema()
            if name in constraints
            else {"type": "string", "minLength": 1, "maxLength": 200},
        }
        for name in _PARAM.findall(route)
    ]
    params += [
        {
            "name": p.name,
            "in": "query",
            "required": p.required,
            "description": p.description,
            "schema": p.schema(),
        }
        for p in op.query
    ]
    errors = {400, 404, 503, *op.errors}
    security: list[dict[str, list[str]]] = []
    if rule is not None and not rule.public:
        if authz.Role.CITIZEN in rule.roles:
            security.append({"ticketToken": []})
            errors |= {401}
        if rule.roles & authz.STAFF_ROLES:
            security.append({"easyAuth": []})
            errors |= {401, 403}
    if limits.applies(method, route):
        errors.add(429)
    if op.body is not None:
        errors |= {413, 415}
    out: dict[str, Any] = {
        "operationId": f"{method.lower()}_{re.sub(r'[^A-Za-z0-9]+', '_', route).strip('_')}",
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": params,
        "responses": {str(code): _problem(code) for code in sorted(errors)},
    }
    if op.description:
        out["description"] = op.description
    if rule is not None:
        out["security"] = security if security else [{}]
    if op.body is not None:
        out["requestBody"] = {
            "required": op.body_required,
            "content": {JSON: {"schema": _ref(op.body)}},
        }
    out["responses"][str(op.status if not op.empty else 204)] = _success(op)
    if op.not_modified:
        out["responses"]["304"] = {"description": "Sem mudança desde o ETag enviado"}
    return out


def _success(op: Operation) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": "Sucesso"}
    if op.empty:
        answer["description"] = "Feito"
        return answer
    content: dict[str, Any] = {}
    if op.media == JSON:
        content[JSON] = {"schema": _ref(op.answer) if op.answer is not None else {"type": "object"}}
    else:
        content[op.media] = {"schema": {"type": "string"}}
    if op.csv:
        content["text/csv"] = {"schema": {"type": "string"}}
    answer["content"] = content
    if op.headers:
        answer["headers"] = {
            k: {"schema": {"type": "string"}, "description": v} for k, v in op.headers.items()
        }
    return answer
