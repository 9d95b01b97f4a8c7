"""The OpenAPI description against the routes the app really registers (issue 10: "no route missing,
none invented"), and its shape: OpenAPI 3.1, every error problem+json, security from functions/authz.py.

The routes come from `function_app.build_app().get_functions()`, so a route someone adds later fails
here, by name, until it is declared in functions/openapi.py (OPERATIONS or `document()`).
"""

from __future__ import annotations

from typing import Any

import pytest

from functions import authz, limits, openapi
from functions.openapi_http import registered_routes

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def app_routes() -> set[tuple[str, str]]:
    import function_app

    routes: set[tuple[str, str]] = set()
    for function in function_app.build_app().get_functions():
        trigger = function.get_trigger()
        if trigger is None or trigger.type != "httpTrigger":
            continue
        for method in getattr(trigger, "methods", None) or ():
            routes.add(
                (str(getattr(method, "value", method)).upper(), str(getattr(trigger, "route", "")).strip("/"))
            )
    return routes


def test_every_route_is_documented_and_nothing_else() -> None:
    routes = app_routes()
    declared = set(openapi.operations())
    missing = sorted(routes - declared, key=lambda mr: (mr[1], mr[0]))
    invented = sorted(declared - routes, key=lambda mr: (mr[1], mr[0]))
    assert not missing, "routes of the app with no OpenAPI declaration (add them to OPERATIONS in " + (
        "functions/openapi.py, or call openapi.document() next to the handler): "
        + ", ".join(f"{m} {r}" for m, r in missing)
    )
    assert not invented, "OpenAPI declarations for routes the app does not serve: " + ", ".join(
        f"{m} {r}" for m, r in invented
    )
    assert set(registered_routes()) == routes


def test_every_limited_route_is_a_route_of_the_app_and_every_kind_has_a_rate() -> None:
    unknown = set(limits.KINDS) - app_routes()
    assert not unknown, f"functions/limits.py limits routes the app does not serve: {sorted(unknown)}"
    assert set(limits.LIMITED) == set(limits.PER_CLIENT)
    assert limits.BOOKING in limits.BOOKED  # the new booking is one of the BOOK routes


def test_an_undocumented_route_is_named_by_the_strict_generator() -> None:
    with pytest.raises(openapi.UndocumentedRouteError, match=r"PATCH units/\{unit\}/novidade"):
        openapi.spec([*app_routes(), ("PATCH", "units/{unit}/novidade")])
    lenient = openapi.spec([("PATCH", "units/{unit}/novidade")], strict=False)
    assert "patch" in lenient["paths"]["/units/{unit}/novidade"]


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return openapi.spec(app_routes())


def test_the_document_matches_the_routes_one_to_one(spec: dict[str, Any]) -> None:
    documented = {(method.upper(), path.strip("/")) for path, ops in spec["paths"].items() for method in ops}
    expected = {(m, openapi._PARAM.sub(lambda x: "{" + x.group(1) + "}", r)) for m, r in app_routes()}
    assert documented == expected
    assert spec["openapi"] == "3.1.0"
    schemas = len(spec["components"]["schemas"])
    print(f"\nOpenAPI: {len(documented)} operations on {len(spec['paths'])} paths, {schemas} schemas")


def test_it_is_a_valid_openapi_31_document(spec: dict[str, Any]) -> None:
    import schemathesis

    loaded = schemathesis.openapi.from_dict(spec)
    operations = [op for op in loaded.get_all_operations()]
    assert all(op.ok() for op in operations), [op.err() for op in operations if not op.ok()]
    assert len(operations) == len(app_routes())


def test_security_and_errors_follow_the_authorization_table(spec: dict[str, Any]) -> None:
    for (method, route), rule in authz.ROUTES.items():
        path = "/" + openapi._PARAM.sub(lambda x: "{" + x.group(1) + "}", route)
        op = spec["paths"][path][method.lower()]
        statuses = set(op["responses"])
        if rule.public:
            assert op["security"] == [{}] and "401" not in statuses, (method, route)
        else:
            assert op["security"] and "401" in statuses, (method, route)
        if rule.roles & authz.STAFF_ROLES:
            assert {"easyAuth": []} in op["security"] and "403" in statuses, (method, route)
        assert ("429" in statuses) == limits.applies(method, route), (method, route)
        for status, answer in op["responses"].items():
            if status.startswith(("4", "5")):
                assert list(answer["content"]) == ["application/problem+json"], (method, route, status)


# Writes refused with 409 when they find the state changed (a ticket no longer in line, a slot taken,
# an attendance already finished), and the writes that cannot conflict (issue 21: the 409 is derived
# for writes, not declared one by one); each write's body model, as the handlers' `body` parameters name it.
CONFLICTING = {
    ("POST", "/units/{unit}/tickets"): "JoinBody",
    ("DELETE", "/tickets/{ticket}"): None,
    ("POST", "/tickets/{ticket}/survey"): "SurveyBody",
    ("POST", "/tickets/{ticket}/appointment/reschedule"): "SlotBody",
    ("POST", "/clerk/units/{unit}/call"): "CallBody",
    ("PUT", "/clerk/units/{unit}/attendances/{ticket}/mode"): "ModeBody",
}
CREATED = {
    ("POST", "/units/{unit}/tickets"): "202",  # accepted: the ticket's number comes with the first poll
    ("POST", "/units/{unit}/appointments"): "201",
    ("POST", "/tickets/{ticket}/appointment/reschedule"): "201",
    ("POST", "/units/{unit}/messages"): "201",
}
NOT_CONFLICTING = {
    ("PUT", "/clerk/units/{unit}/presence"): "PresenceBody",
    ("POST", "/conversa"): "ConversationBody",  # a refused join is said in the conversation
    ("DELETE", "/clerk/favorites/{unit}"): None,
}


def test_writes_say_409_unless_they_cannot_conflict_and_name_their_body(spec: dict[str, Any]) -> None:
    for (method, path), body in {**CONFLICTING, **NOT_CONFLICTING}.items():
        op = spec["paths"][path][method.lower()]
        assert ("409" in op["responses"]) == ((method, path) in CONFLICTING), (method, path)
        schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        assert schema == ({"$ref": f"#/components/schemas/{body}"} if body else None), (method, path)
    for (method, path), status in CREATED.items():  # a created resource: its status and its URL
        answer = spec["paths"][path][method.lower()]["responses"]
        assert status in answer and "Location" in answer[status].get("headers", {}), (method, path)
    optional = spec["paths"]["/clerk/units/{unit}/call"]["post"]["requestBody"]["required"]
    assert optional is False  # "call next" sends no body; the handler's body is then CallBody()


def test_bodies_are_strict(spec: dict[str, Any]) -> None:
    join = spec["components"]["schemas"]["JoinBody"]
    assert join["additionalProperties"] is False
    assert {"name", "role", "reason"} <= set(join["required"])
    assert "consent" in join["properties"] and "consent" not in join["required"]  # read, not required
    op = spec["paths"]["/units/{unit}/tickets"]["post"]
    assert {"413", "415", "429"} <= set(op["responses"])


def test_every_body_has_examples_that_its_model_accepts(spec: dict[str, Any]) -> None:
    """The examples document the API and are what the fuzz test sends to get accepted writes
    (tests/fuzz/test_fuzz_api.py): each body has one, and each one is valid for its model."""
    without, invalid = [], []
    for (method, route), operation in openapi.operations().items():
        if operation.body is None:
            continue
        served = spec["components"]["schemas"][operation.body.__name__].get("examples") or []
        if not served:
            without.append(f"{method} {route} ({operation.body.__name__})")
        for example in served:
            try:
                operation.body.model_validate(example)
            except ValueError as exc:
                invalid.append(f"{operation.body.__name__} {example}: {exc}")
    assert not without, f"bodies without an example: {without}"
    assert not invalid, "\n".join(invalid)
