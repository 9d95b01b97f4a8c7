"""The dev host refuses what the Functions host refuses at indexing, with the host's own words.

Rules and messages are written here from azure-functions-host (ScriptHost.ValidateHttpFunction,
ValidateFunction, Utility.FunctionNameValidationRegex; issues 1781 and 7634), not read from the dev host.
"""

from __future__ import annotations

import re

import azure.functions as func
import pytest

from devhost import DevHost, FunctionLoadError

BUILT_IN = "The specified route conflicts with one or more built in routes."


def app_with(route: str | None, name: str = "f", methods: tuple[str, ...] = ("GET",)) -> func.FunctionApp:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.function_name(name)
    @app.route(route=route, methods=list(methods))
    def handler(req: func.HttpRequest) -> str:
        return "ok"

    return app


@pytest.mark.parametrize(
    ("name", "route"),
    [
        ("audit", "admin/audit"),  # the route this project used to have
        ("audit", "/Admin/audit/"),  # trimmed of "/" and lower-cased first
        ("audit", "administracao/x"),  # a prefix of the text, not of a segment
        ("hooks", "runtime/webhooks/x"),
        ("hooks", "Runtimes"),
        ("admin_audit", None),  # no route: the name is the route
        ("admin-results-email", ""),  # issue 7634's example
    ],
)
def test_a_reserved_route_is_refused_with_the_host_message(name: str, route: str | None) -> None:
    expected = f"The '{name}' function is in error: {BUILT_IN}"
    with pytest.raises(FunctionLoadError, match=re.escape(expected)):
        DevHost(app_with(route, name), http=False, queues=False, timers=False)


@pytest.mark.parametrize(
    ("name", "route"),
    [
        ("audit_trail", "gestao/audit"),
        ("x", "api/admin"),  # only the start of the route counts
        ("x", "{p:regex(admin)}"),  # a parameter whose constraint mentions admin (the host lets it be)
        ("administer", "units/{unit}"),  # with a route, the name does not matter to the host
    ],
)
def test_routes_outside_the_reserved_space_load(name: str, route: str) -> None:
    host = DevHost(app_with(route, name), http=False, queues=False, timers=False)
    assert [f.name for f in host.functions] == [name]


@pytest.mark.parametrize("name", ["1st", "with space", "host", "x" * 129, "ção"])
def test_an_invalid_function_name_is_refused(name: str) -> None:
    with pytest.raises(FunctionLoadError, match=re.escape(f"'{name}' is not a valid function name.")):
        DevHost(app_with("ok", name), http=False, queues=False, timers=False)


def test_two_functions_on_one_route_and_method_are_refused() -> None:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.function_name("first")
    @app.route(route="units", methods=["GET", "POST"])
    def first(req: func.HttpRequest) -> str:
        return "1"

    @app.function_name("second")
    @app.route(route="Units/", methods=["POST"])
    def second(req: func.HttpRequest) -> str:
        return "2"

    expected = (
        "The 'second' function is in error: "
        "The route specified conflicts with the route defined by function 'first'."
    )
    with pytest.raises(FunctionLoadError, match=re.escape(expected)):
        DevHost(app, http=False, queues=False, timers=False)


def test_one_route_with_different_methods_loads() -> None:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.function_name("read")
    @app.route(route="units", methods=["GET"])
    def read(req: func.HttpRequest) -> str:
        return "1"

    @app.function_name("write")
    @app.route(route="units", methods=["POST"])
    def write(req: func.HttpRequest) -> str:
        return "2"

    host = DevHost(app, http=False, queues=False, timers=False)
    assert sorted(f.name for f in host.functions) == ["read", "write"]
