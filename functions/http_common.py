"""What every HTTP handler shares: error mapping, the caller's identity, the citizen's token."""

from __future__ import annotations

import base64
import functools
import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import azure.functions as func

from adapters.storage import operation
from domain.auth import Principal
from domain.errors import DomainError, UnauthenticatedError
from functions import dependencies as deps
from functions.http_errors import from_error, problem

log = logging.getLogger("balcao.http")

Handler = Callable[[func.HttpRequest], func.HttpResponse]


def endpoint(handler: Handler) -> Handler:
    """Map domain errors to problem+json; anything else is logged and answered 500 (no details)."""

    @functools.wraps(handler)
    def wrapper(req: func.HttpRequest) -> func.HttpResponse:
        try:
            with operation(handler.__name__):
                return handler(req)
        except DomainError as exc:
            return from_error(exc)
        except Exception:
            log.exception("unhandled error in %s", handler.__name__)
            return problem(500, "Erro interno", "Ocorreu um erro inesperado. Tente novamente em instantes.")

    return wrapper


def principal(req: func.HttpRequest) -> Principal:
    """The staff member behind the request, from the Easy Auth principal header (App Service format)."""
    header = req.headers.get("x-ms-client-principal")
    if not header:
        raise UnauthenticatedError("Entre com sua conta institucional para continuar.")
    try:
        data = json.loads(base64.b64decode(header))
        claims = {c["typ"]: c["val"] for c in data.get("claims", []) if isinstance(c, dict)}
    except (ValueError, TypeError, KeyError):
        raise UnauthenticatedError("Identificação de usuário inválida.") from None
    email = (
        claims.get("preferred_username")
        or claims.get("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress")
        or claims.get("email")
        or req.headers.get("x-ms-client-principal-name", "")
    )
    return deps.services().principal(email)


def bearer(req: func.HttpRequest) -> str:
    scheme, _, token = (req.headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthenticatedError("Envie o token da senha no cabeçalho Authorization: Bearer <token>.")
    return token.strip()


F = TypeVar("F", bound=Callable[..., None])


def measured(handler: F) -> F:
    """Queue and timer handlers: attribute their storage requests to the function's name."""

    @functools.wraps(handler)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        with operation(handler.__name__):
            handler(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
