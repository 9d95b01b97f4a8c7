"""The one table from domain errors to HTTP answers (RFC 9457 problem+json, pt-BR)."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import azure.functions as func

from domain import errors as e
from functions.bodies import PayloadTooLargeError, UnsupportedMediaTypeError

log = logging.getLogger("balcao.http")

STATUS: list[tuple[type[e.DomainError], int, str]] = [
    (PayloadTooLargeError, 413, "Requisição grande demais"),
    (UnsupportedMediaTypeError, 415, "Tipo de conteúdo não suportado"),
    (e.InvalidInputError, 400, "Dados inválidos"),
    (e.UnauthenticatedError, 401, "Não autenticado"),
    (e.ForbiddenError, 403, "Acesso negado"),
    (e.NotFoundError, 404, "Não encontrado"),
    (e.UnitClosedError, 409, "Unidade fechada"),
    (e.AlreadyInQueueError, 409, "Já está na fila"),
    (e.InvalidTransitionError, 409, "Ação não permitida agora"),
    (e.NothingToCallError, 409, "Fila vazia"),
    (e.ConflictError, 409, "Já realizado"),
    (e.ConcurrentUpdateError, 409, "Conflito de atualização"),
    (e.QueueFullError, 429, "Fila cheia"),
    (e.RateLimitedError, 429, "Muitas requisições"),
    (e.ProofRequiredError, 428, "Verificação necessária"),
    (e.TransientProviderError, 503, "Serviço indisponível"),
    (e.ProviderError, 502, "Falha em serviço externo"),
    (e.DomainError, 400, "Erro"),
]

JSON = "application/json"
PROBLEM = "application/problem+json"


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    code: str = "",
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> func.HttpResponse:
    body: dict[str, Any] = {
        "type": f"https://balcao.jus.br/problemas/{code}" if code else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    body.update({k: v for k, v in extra.items() if v not in (None, [], {})})
    return ok(body, status, headers, mimetype=PROBLEM)


def from_error(exc: e.DomainError) -> func.HttpResponse:
    status, title = next((s, t) for cls, s, t in STATUS if isinstance(exc, cls))
    extra: dict[str, Any] = {}
    headers: dict[str, str] = {}
    if isinstance(exc, e.InvalidInputError):
        extra["errors"] = exc.fields
    if isinstance(exc, e.UnitClosedError):
        extra["nextOpening"] = exc.next_opening.isoformat() if exc.next_opening else None
        extra["alternatives"] = exc.alternatives
    if isinstance(exc, e.RateLimitedError):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, e.ProofRequiredError):
        extra["challenge"] = exc.challenge
    if isinstance(exc, e.UnauthenticatedError):
        headers["WWW-Authenticate"] = 'Bearer realm="balcao"'
    return problem(status, title, exc.message, code=exc.code, headers=headers, **extra)


def ok(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None, *, mimetype: str = JSON
) -> func.HttpResponse:
    """`body` as UTF-8 JSON (a problem+json answer too, by `problem`)."""
    return func.HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status_code=status,
        mimetype=mimetype,
        charset="utf-8",
        headers=dict(headers or {}),
    )
