"""How a route declares itself for the OpenAPI description (functions/openapi.py generates the
document): an `Operation` (a summary, the models of its body and answer from functions/bodies.py and
functions/answers/, its query parameters and any answer it gives beyond the usual ones), given to the
route's own decorator (`bp.http`, functions/triggers.py), next to its handler.
tests/contract/test_openapi.py fails, naming the route, for any route of the app without a declaration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

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
    may_conflict: bool = True  # a write may be refused for the state it finds (409); reads say `errors`
    headers: Mapping[str, str] = field(default_factory=dict)  # success answer header → description
    not_modified: bool = False  # honours If-None-Match (304)
    location: str = ""  # a write that creates a resource: what its Location header points to

    def __post_init__(self) -> None:
        """A created resource (`location`) is answered 201 (unless `status` says 202) with its URL."""
        if self.location:
            object.__setattr__(self, "status", 201 if self.status == 200 else self.status)
            object.__setattr__(self, "headers", {"Location": self.location, **self.headers})


PERIOD = Param("period", "Período: hoje ou os últimos 7, 30 ou 60 dias", ("today", "7", "30", "60"))
COURT = Param("court", "Tribunal (id)")
UNIT = Param("unit", "Unidade (id)")
FORMAT = Param("format", "json (padrão) ou csv", ("json", "csv"))
FORMAT_JSON = Param("format", "json (padrão)", ("json",))
FROM = Param("from", "Primeiro dia AAAA-MM-DD (padrão: hoje)")
DAYS = Param("days", "Quantos dias (padrão: os da unidade)")
TICKET_HEADERS = {"ETag": "Versão da visão da senha (use If-None-Match)"}


def method_and_route(request: str) -> tuple[str, str]:
    """`"GET units/{unit}"` → `("GET", "units/{unit}")`: how a route is declared (`@bp.http`) and listed."""
    method, route = request.split(" ", 1)
    return method, route
