"""Route templates as ASP.NET Core reads them: parameters, constraints, optional, catch-all, order."""

from __future__ import annotations

import pytest

from devhost.errors import FunctionLoadError
from devhost.routing import Route, Router, RouteTemplate


def match(template: str, path: str) -> dict[str, str] | None:
    return RouteTemplate.parse(template).match(path)


@pytest.mark.parametrize(
    ("template", "path", "expected"),
    [
        ("units", "/units", {}),
        ("Units/List", "/units/list", {}),  # literals ignore case
        ("units/{unit}", "/units/vara-1", {"unit": "vara-1"}),
        ("units/{unit}", "/units/vara%201", {"unit": "vara 1"}),  # percent-decoded
        ("units/{unit}", "/units/a%2Fb", {"unit": "a/b"}),  # an encoded slash stays in its segment
        ("units/{unit}/", "/units/u/", {"unit": "u"}),
        ("items/{id:int}", "/items/-12", {"id": "-12"}),
        ("items/{id:long}", "/items/9000000000", {"id": "9000000000"}),
        (
            "items/{id:guid}",
            "/items/1b4e28ba-2fa1-11d2-883f-0016d3cca427",
            {"id": "1b4e28ba-2fa1-11d2-883f-0016d3cca427"},
        ),
        ("items/{flag:bool}", "/items/True", {"flag": "True"}),
        ("items/{x:double}", "/items/1.5", {"x": "1.5"}),
        ("items/{d:datetime}", "/items/2025-01-02", {"d": "2025-01-02"}),
        ("items/{code:alpha:length(3)}", "/items/abc", {"code": "abc"}),
        ("items/{n:range(1,9)}", "/items/9", {"n": "9"}),
        ("items/{n:min(3)}", "/items/3", {"n": "3"}),
        ("items/{s:minlength(2):maxlength(3)}", "/items/ab", {"s": "ab"}),
        ("items/{s:regex(^[a-z]{{2}}\\d$)}", "/items/ab1", {"s": "ab1"}),
        ("pages/{page?}", "/pages", {}),
        ("pages/{page?}", "/pages/2", {"page": "2"}),
        ("pages/{page:int?}", "/pages/2", {"page": "2"}),
        ("pages/{page=1}", "/pages", {"page": "1"}),
        ("files/{*path}", "/files/a/b/c.txt", {"path": "a/b/c.txt"}),
        ("files/{*path}", "/files", {}),
        ("files/{name}.{ext}", "/files/report.final.pdf", {"name": "report.final", "ext": "pdf"}),
        ("", "/", {}),
    ],
)
def test_matches(template: str, path: str, expected: dict[str, str]) -> None:
    assert match(template, path) == expected


@pytest.mark.parametrize(
    ("template", "path"),
    [
        ("units", "/units/extra"),
        ("units/{unit}", "/units"),
        ("units/{unit}", "/units/"),
        ("units/{unit}", "/units/a/b"),
        ("items/{id:int}", "/items/abc"),
        ("items/{id:int}", "/items/99999999999"),  # beyond int32
        ("items/{id:guid}", "/items/not-a-guid"),
        ("items/{code:alpha:length(3)}", "/items/ab1"),
        ("items/{n:range(1,9)}", "/items/10"),
        ("items/{s:regex(^[a-z]{{2}}\\d$)}", "/items/abc"),
        ("items/{x:double}", "/items/nan"),
        ("files/{name}.{ext}", "/files/noextension"),
    ],
)
def test_does_not_match(template: str, path: str) -> None:
    assert match(template, path) is None


@pytest.mark.parametrize(
    "template",
    [
        "a/{b",
        "a/b}",
        "a/{b:unknown}",
        "a/{b:regex([)}",
        "a/{b}/{b}",
        "a/{*rest}/c",
        "a/{b?}/c",
        "a/{x}{y}",
        "a//b",
        "a/{b}.{c?}",
        "a/{bad name}",
        "a/{n:range(1)}",
    ],
)
def test_bad_templates_fail_at_load(template: str) -> None:
    with pytest.raises(FunctionLoadError):
        RouteTemplate.parse(template)


def test_the_most_specific_route_wins_whatever_the_order() -> None:
    templates = ["units/{*rest}", "units/{id}", "units/{id:int}", "units/new"]
    router: Router[str] = Router(Route(RouteTemplate.parse(t), None, t) for t in templates)

    assert router.resolve("GET", "/units/new").target == "units/new"
    assert router.resolve("GET", "/units/7").target == "units/{id:int}"
    assert router.resolve("GET", "/units/x").target == "units/{id}"
    assert router.resolve("GET", "/units/x/y").target == "units/{*rest}"


def test_methods_and_allowed_methods() -> None:
    router: Router[str] = Router(
        [
            Route(RouteTemplate.parse("tickets/{id}"), frozenset({"GET"}), "read"),
            Route(RouteTemplate.parse("tickets/{id}"), frozenset({"DELETE"}), "leave"),
        ]
    )

    assert router.resolve("delete", "/tickets/1").target == "leave"
    refused = router.resolve("PATCH", "/tickets/1")
    assert refused.target is None and refused.allowed == {"GET", "DELETE"} and refused.path_matched
    assert not router.resolve("GET", "/nothing").path_matched
