"""What the Functions host refuses when it indexes an app, refused here too, with the host's messages.

A local host that serves what Azure refuses lets a function work on a laptop and vanish in production
(Azure logs the error and serves 404). These are the host's own rules, from azure-functions-host:

- **Reserved routes** (`ScriptHost.ValidateHttpFunction`, src/WebJobs.Script/Host/ScriptHost.cs): an
  HTTP function's route, or its *name* when it declares no route (the host then uses the name as the
  route), trimmed of `/` and lower-cased, must not start with `admin` or `runtime`: the host serves its
  own APIs there (`/admin/host/status`, `/admin/functions/...`, `/runtime/webhooks/...`). The test is a
  plain prefix of the text, not of a segment, so `administracao/x` and `Runtimes` are refused too, and
  the route prefix of host.json does not matter (issue 1781: "Functions doesn't allow function name or
  route /api/admin"; issue 7634: "Cannot have [FunctionName] starting with 'admin'"). The message is
  "The specified route conflicts with one or more built in routes."
- **Conflicting routes** (`ScriptHost.ValidateFunction` / `HttpRoutesConflict`): two HTTP functions with
  the same route (trimmed, case-insensitive) and a method in common (no methods means every method):
  "The route specified conflicts with the route defined by function '<other>'."
- **Function names** (`Utility.FunctionNameValidationRegex`): `^[a-z][a-z0-9_-]{0,127}$` ignoring case,
  and not `host`: "'<name>' is not a valid function name."; a name used twice: "The function or proxy
  name '<name>' must be unique within the function app."

The host puts a function that breaks a rule "in error" and starts the others; the dev host refuses to
start instead (`FunctionLoadError`), so the mistake is seen at once, in the host's words:
"The '<name>' function is in error: <message>".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from devhost.errors import FunctionLoadError

RESERVED_ROUTE_PREFIXES = ("admin", "runtime")
BUILT_IN_ROUTES = "The specified route conflicts with one or more built in routes."
_FUNCTION_NAME = re.compile(r"^[a-z][a-z0-9_\-]{0,127}$", re.IGNORECASE)


@dataclass(frozen=True)
class HttpFunction:
    """What the rules look at: the function's name, its declared route and methods (None: every one)."""

    name: str
    route: str | None
    methods: frozenset[str] | None

    @property
    def effective_route(self) -> str:
        """The route the host registers: the declared one, else the function's name."""
        return self.route if self.route and self.route.strip() else self.name


def route_problem(name: str, route: str | None) -> str | None:
    """The host's message when an HTTP function's route (or name, without a route) is reserved."""
    text = HttpFunction(name, route, None).effective_route.strip("/").lower()
    return BUILT_IN_ROUTES if text.startswith(RESERVED_ROUTE_PREFIXES) else None


def name_problem(name: str) -> str | None:
    """The host's message when a function name is not valid."""
    if not _FUNCTION_NAME.match(name) or name.lower() == "host":
        return f"'{name}' is not a valid function name."
    return None


def check_names(names: Sequence[str]) -> None:
    """Every function's name is valid and used once (case-insensitive, as the host compares them)."""
    seen: set[str] = set()
    for name in names:
        problem = name_problem(name)
        if problem is None and name.lower() in seen:
            problem = f"The function or proxy name '{name}' must be unique within the function app."
        if problem:
            raise FunctionLoadError(in_error(name, problem))
        seen.add(name.lower())


def check_http(functions: Iterable[HttpFunction]) -> None:
    """No reserved route, no two functions answering the same route and method."""
    registered: list[HttpFunction] = []
    for function in functions:
        problem = route_problem(function.name, function.route)
        if problem is None:
            other = next((f for f in registered if _conflict(function, f)), None)
            if other is not None:
                problem = f"The route specified conflicts with the route defined by function '{other.name}'."
        if problem:
            raise FunctionLoadError(in_error(function.name, problem))
        registered.append(function)


def in_error(name: str, problem: str) -> str:
    return f"The '{name}' function is in error: {problem}"


def _conflict(a: HttpFunction, b: HttpFunction) -> bool:
    if a.effective_route.strip("/").lower() != b.effective_route.strip("/").lower():
        return False
    if not a.methods or not b.methods:
        return True
    return bool(a.methods & b.methods)
