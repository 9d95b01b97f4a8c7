"""The OpenAPI 3.1 description of the HTTP API, generated from the routes the app registers.

Each HTTP route has one `Operation`: a summary, the pydantic model of its body and of its answer
(functions/bodies.py, functions/answers/), its query parameters and any answer it gives beyond the usual
ones. The rest is derived, so that it cannot drift:

- the paths, methods and route parameters come from the app's own route declarations (`spec(routes)` is
  given what `app.get_functions()` registers; nothing is documented that the app does not serve);
- who may call it (security schemes and the 401/403 answers) comes from the authorization table
  (functions/authz.py);
- every error is `application/problem+json` (`Problem`); 400 for parameters, 404, 413 for bodies, 415
  for every write that is not JSON, 409 for every write that may find the state changed (all but those
  declared `may_conflict=False`), 429 where rate limits apply (functions/limits.py), 503 when storage
  is unreachable.

**Adding a route**: its decorator (`bp.http`, functions/triggers.py) takes its `Operation`
(functions/operations.py), which it gives to `document`. tests/contract/test_openapi.py fails, naming the
route, for any route of the app without a declaration (and for any declaration without a route).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from functions import authz, limits, proof
from functions.answers import Problem
from functions.bodies import WRITE_METHODS, Body
from functions.operations import JSON, Operation

VERSION = "1.0.0"
PROBLEM = "application/problem+json"


_REGISTRY: dict[tuple[str, str], Operation] = {}


def document(method: str, route: str, operation: Operation) -> None:
    """Declare a route (from the module that defines it). `route` is exactly the decorator's route."""
    _REGISTRY[(method.upper(), route.strip("/"))] = operation


def operations() -> dict[tuple[str, str], Operation]:
    return dict(_REGISTRY)


# --- generation ------------------------------------------------------------------------------------

_PARAM = re.compile(r"\{\*?([A-Za-z_][A-Za-z0-9_]*)(?::[^}?]*)?\??\}")
_SECURITY = {
    "ticketToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "O token devolvido ao entrar na fila (HMAC do id da senha), como `Bearer <token>` em "
        "`X-Balcao-Authorization` (que vale sozinho quando presente: o Static Web App troca o "
        "`Authorization` no caminho para a Function App) ou em `Authorization`.",
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
    415: "Escrita sem Content-Type: application/json (UTF-8), com corpo ou sem",
    428: "Verificação (prova de trabalho) necessária ou inválida: resolva o desafio em `challenge` e envie "
    "no cabeçalho X-Balcao-Proof",
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
    used: list[type[BaseModel]] = [Problem]
    for op in ops:
        used += [m for m in (op.body, op.answer) if m is not None and m not in used]
    _, top = models_json_schema(
        [(m, "validation" if issubclass(m, Body) else "serialization") for m in used],
        ref_template="#/components/schemas/{model}",
    )
    defs: dict[str, Any] = top.get("$defs", {})
    return defs


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _problem(status: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "description": _ERROR_TEXT.get(status, "Erro"),
        "content": {PROBLEM: {"schema": _ref(Problem)}},
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
    if (method.upper(), route) in proof.GUARDED:
        errors.add(428)
    if op.body is not None:
        errors |= {413}
    if method.upper() in WRITE_METHODS:
        errors |= {415}  # every write says JSON, body or not (functions/bodies.py, `require_json`)
        if op.may_conflict:
            errors.add(409)
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
