"""The dev host's HTTP side over real sockets: routes, methods, errors, static files, Easy Auth."""

from __future__ import annotations

import base64
import json
import logging
import socket
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from devhost import DevHost
from tests.devhost.sample_app import Recorder, build_app

HostFactory = Callable[..., DevHost]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "css").mkdir(parents=True)
    (root / "docs").mkdir()
    (root / "index.html").write_text("<!doctype html><title>Balcão</title><p>início</p>", encoding="utf-8")
    (root / "css" / "app.css").write_text("body { color: #222; }")
    (root / "app.js").write_text("export const x = 1;")
    (root / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    (root / "manifest.webmanifest").write_text('{"name": "Balcão"}', encoding="utf-8")
    (root / "data.json").write_text('{"ok": true}')
    (root / "docs" / "index.html").write_text("<p>docs</p>")
    (root / ".env").write_text("HIDDEN=1")
    (tmp_path / "outside.txt").write_text("outside the site")
    return root


@pytest.fixture
def host(make_host: HostFactory, recorder: Recorder, site: Path) -> DevHost:
    return make_host(build_app(recorder), site_dir=site, queues=False, timers=False)


@pytest.fixture
def client(host: DevHost) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=host.base_url, timeout=10) as c:
        yield c


def raw_get(host: DevHost, target: str) -> bytes:
    """Send a request line as is (httpx would normalise `..` away)."""
    with socket.create_connection(("127.0.0.1", host.port), timeout=5) as s:
        s.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_route_parameters_query_and_headers_reach_the_handler(client: httpx.Client) -> None:
    response = client.get("/api/units/vara%201/items/42?q=caf%C3%A9&tag=a&tag=b", headers={"X-Test": "sim"})

    assert response.status_code == 200
    body = response.json()
    assert body["route"] == {"unit": "vara 1", "id": "42"}
    assert body["params"] == {"q": "café", "tag": "a,b"}
    assert body["method"] == "GET"
    assert body["x_test"] == "sim"
    assert body["url"].endswith("/api/units/vara%201/items/42?q=caf%C3%A9&tag=a&tag=b")


def test_a_literal_segment_beats_a_parameter_and_constraints_filter(client: httpx.Client) -> None:
    assert client.get("/api/units/u1/items/new").json() == {"form": "u1"}
    assert client.get("/api/units/u1/items/7").json()["route"]["id"] == "7"
    assert client.get("/api/units/u1/items/abc").status_code == 404  # {id:int} refuses "abc"


def test_optional_parameter(client: httpx.Client) -> None:
    assert client.get("/api/pages").json() == {"page": None}
    assert client.get("/api/pages/sobre").json() == {"page": "sobre"}


def test_body_reaches_the_handler_and_status_comes_back(client: httpx.Client) -> None:
    response = client.post("/api/units/u1/items", json={"nome": "Ana"})

    assert response.status_code == 201
    assert response.json() == {"received": {"nome": "Ana"}, "unit": "u1"}


def test_method_mismatch_is_405_with_allow(client: httpx.Client) -> None:
    response = client.delete("/api/units/u1/items")

    assert response.status_code == 405
    assert response.headers["allow"] == "POST, PUT"
    assert response.headers["content-type"].startswith("application/problem+json")


def test_unknown_route_is_404_problem(client: httpx.Client) -> None:
    response = client.get("/api/nothing/here")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 404


def test_an_exception_is_a_500_problem_and_a_logged_traceback(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="devhost"):
        response = client.get("/api/boom")

    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json() == {"type": "about:blank", "title": "Erro interno", "status": 500}
    assert "traceback" not in response.text
    failure = next(r for r in caplog.records if "Functions.boom" in r.getMessage())
    assert failure.levelno == logging.ERROR
    assert failure.exc_info is not None and "must reach the log" in str(failure.exc_info[1])


def test_async_handler(client: httpx.Client) -> None:
    response = client.get("/api/greet/Maria")

    assert response.status_code == 200
    assert response.text == "Olá, Maria!"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


def test_response_headers_incl_repeated_ones_mimetype_and_charset(client: httpx.Client) -> None:
    response = client.get("/api/cookies")

    assert response.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert response.headers["x-custom"] == "yes"
    assert response.headers["content-type"] == "text/html; charset=iso-8859-1"


def test_str_return_and_context_parameter(client: httpx.Client) -> None:
    response = client.get("/api/plain")

    assert response.status_code == 200
    assert response.text.startswith("invocation ") and len(response.text) > len("invocation ")


def test_the_context_continues_the_callers_w3c_trace_or_starts_a_new_one(client: httpx.Client) -> None:
    caller_trace, caller_span = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    traceparent = f"00-{caller_trace}-{caller_span}-01"

    continued = client.get("/api/context", headers={"traceparent": traceparent, "tracestate": "k=v"}).json()
    fresh = client.get("/api/context").json()
    refused = client.get("/api/context", headers={"traceparent": f"00-{'0' * 32}-{caller_span}-01"}).json()

    version, trace_id, span_id, flags = continued["traceparent"].split("-")
    assert (version, trace_id, flags) == ("00", caller_trace, "01")
    assert len(span_id) == 16 and span_id != caller_span  # the host's own span in the caller's trace
    assert continued["tracestate"] == "k=v"
    assert continued["function"] == "context_seen" and continued["retries"] == [0, 0]
    for other in (fresh, refused):  # no header, or an all-zero trace id (invalid in W3C): a new trace
        assert other["traceparent"].split("-")[1] not in (caller_trace, "0" * 32)
        assert other["tracestate"] == ""


def test_invocations_are_counted_and_logged_once(
    host: DevHost, client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="devhost.invocations"):
        client.get("/api/pages/a")
        client.get("/api/pages/b")

    stats = host.stats()["pages"]
    assert (stats.invocations, stats.succeeded, stats.failed, stats.in_flight) == (2, 2, 0, 0)
    lines = [r.getMessage() for r in caplog.records if "Functions.pages" in r.getMessage()]
    assert len(lines) == 2
    assert "Succeeded" in lines[0] and "GET /api/pages/a -> 200" in lines[0] and "ms)" in lines[0]


def test_concurrent_requests(host: DevHost) -> None:
    limits = httpx.Limits(max_connections=40)
    with httpx.Client(base_url=host.base_url, timeout=10, limits=limits) as shared:

        def fetch(i: int) -> str:
            return str(shared.get(f"/api/units/u/items/{i}").json()["route"]["id"])

        with ThreadPoolExecutor(max_workers=40) as pool:
            ids = list(pool.map(fetch, range(200)))

    assert ids == [str(i) for i in range(200)]


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/", "text/html; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/docs/", "text/html; charset=utf-8"),
        ("/css/app.css", "text/css; charset=utf-8"),
        ("/app.js", "text/javascript; charset=utf-8"),
        ("/logo.svg", "image/svg+xml; charset=utf-8"),
        ("/data.json", "application/json; charset=utf-8"),
        ("/manifest.webmanifest", "application/manifest+json; charset=utf-8"),
    ],
)
def test_static_files_with_their_types(client: httpx.Client, path: str, content_type: str) -> None:
    response = client.get(path)

    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.headers["cache-control"] == "no-cache"


def test_static_index_body_directory_redirect_and_revalidation(client: httpx.Client) -> None:
    index = client.get("/")
    assert "início" in index.text

    redirect = client.get("/docs")
    assert redirect.status_code == 301 and redirect.headers["location"] == "/docs/"

    again = client.get("/", headers={"If-None-Match": index.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


@pytest.mark.parametrize(
    "target",
    [
        "/../outside.txt",
        "/css/../../outside.txt",
        "/%2e%2e/outside.txt",
        "/css/%2e%2e%2f%2e%2e%2foutside.txt",
        "/.env",
    ],
)
def test_no_directory_traversal_nor_hidden_files(host: DevHost, target: str) -> None:
    response = raw_get(host, target)

    assert response.startswith(b"HTTP/1.1 404")
    assert b"outside the site" not in response and b"HIDDEN" not in response


def test_static_rejects_writes(client: httpx.Client) -> None:
    assert client.post("/index.html", content=b"x").status_code == 405
    assert client.get("/missing.png").status_code == 404


def test_a_function_wins_over_a_static_file_on_the_same_path(
    make_host: HostFactory, recorder: Recorder, site: Path
) -> None:
    (site / "plain").write_text("the static file")
    host = make_host(
        build_app(recorder),
        site_dir=site,
        host_json={"extensions": {"http": {"routePrefix": ""}}},
        queues=False,
        timers=False,
    )
    with httpx.Client(base_url=host.base_url) as c:
        assert c.get("/plain").text.startswith("invocation ")
        assert c.get("/index.html").status_code == 200  # no function there: the site still answers
        assert c.get("/units/u/items/1").json()["route"] == {"unit": "u", "id": "1"}


def _claims(header: str) -> Any:
    return json.loads(base64.b64decode(header))


def test_easy_auth_dev_login_cookie_becomes_the_principal_header(client: httpx.Client) -> None:
    form = client.get("/.auth/login/aad?post_login_redirect_uri=/clerk/")
    assert form.status_code == 200 and 'lang="pt-BR"' in form.text and "E-mail" in form.text
    assert client.get("/.auth/me").json() == []
    assert client.get("/api/whoami").json() == {"principal": None, "name": None}

    login = client.post(
        "/.auth/login/aad",
        data={
            "email": "ana@tj.jus.br",
            "name": "Ana",
            "roles": "clerk:vara-1, admin",
            "post_login_redirect_uri": "/clerk/",
        },
    )
    assert login.status_code == 302 and login.headers["location"] == "/clerk/"
    assert "HttpOnly" in login.headers["set-cookie"]

    seen = client.get("/api/whoami").json()
    assert seen["name"] == "ana@tj.jus.br"
    principal = _claims(seen["principal"])
    assert principal["auth_typ"] == "aad" and principal["role_typ"] == "roles"
    claims = principal["claims"]
    assert {"typ": "preferred_username", "val": "ana@tj.jus.br"} in claims
    assert {"typ": "name", "val": "Ana"} in claims
    assert [c["val"] for c in claims if c["typ"] == "roles"] == ["clerk:vara-1", "admin"]

    me = client.get("/.auth/me").json()
    assert me[0]["user_id"] == "ana@tj.jus.br" and me[0]["provider_name"] == "aad"

    logout = client.get("/.auth/logout")
    assert logout.status_code == 302 and "Max-Age=0" in logout.headers["set-cookie"]
    assert client.get("/.auth/me").json() == []
    assert client.get("/api/whoami").json()["principal"] is None


def test_easy_auth_keeps_an_incoming_principal_header(client: httpx.Client) -> None:
    client.post("/.auth/login/aad", data={"email": "ana@tj.jus.br"})
    supplied = base64.b64encode(b'{"auth_typ":"aad","claims":[]}').decode()

    seen = client.get("/api/whoami", headers={"X-MS-CLIENT-PRINCIPAL": supplied}).json()

    assert seen["principal"] == supplied


def test_easy_auth_refuses_bad_email_and_open_redirects(client: httpx.Client) -> None:
    assert client.post("/.auth/login/aad", data={"email": "not-an-email"}).status_code == 400
    login = client.post(
        "/.auth/login/aad", data={"email": "a@b.c", "post_login_redirect_uri": "https://evil.example/"}
    )
    assert login.headers["location"] == "/"


def test_a_chunked_body_reaches_the_handler(client: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"nome":'
        yield b' "Bia"}'

    response = client.post("/api/units/u2/items", content=chunks())

    assert response.status_code == 201
    assert response.json() == {"received": {"nome": "Bia"}, "unit": "u2"}


def test_head_has_headers_and_no_body(host: DevHost) -> None:
    with socket.create_connection(("127.0.0.1", host.port), timeout=5) as s:
        s.sendall(b"HEAD /app.js HTTP/1.1\r\nHost: x\r\n\r\n")
        s.sendall(b"GET /app.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk

    head, rest = data.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200") and b"Content-Length: 19" in head
    assert rest.startswith(b"HTTP/1.1 200")  # the keep-alive connection served the next request
    assert rest.endswith(b"export const x = 1;")


def test_platform_cors_answers_preflights_for_the_listed_origins_only(
    make_host: HostFactory, recorder: Recorder, site: Path
) -> None:
    host = make_host(
        build_app(recorder), site_dir=site, queues=False, timers=False, cors="http://tribunal.example"
    )
    asked = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    with httpx.Client(base_url=host.base_url, timeout=10) as c:
        preflight = c.options("/api/units/u1/items/7", headers={"Origin": "http://tribunal.example", **asked})
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == "http://tribunal.example"
        assert preflight.headers["access-control-allow-headers"] == "content-type"
        answer = c.get("/api/units/u1/items/7", headers={"Origin": "http://tribunal.example"})
        assert answer.status_code == 200
        assert answer.headers["access-control-allow-origin"] == "http://tribunal.example"
        stranger = c.options("/api/units/u1/items/7", headers={"Origin": "http://outro.example", **asked})
        assert "access-control-allow-origin" not in stranger.headers
        assert (
            "access-control-allow-origin"
            not in c.get("/api/pages", headers={"Origin": "http://outro.example"}).headers
        )


def test_static_files_carry_the_static_web_app_headers_of_their_route(
    make_host: HostFactory, recorder: Recorder, site: Path
) -> None:
    (site / "staticwebapp.config.json").write_text(
        json.dumps(
            {
                "globalHeaders": {"X-Frame-Options": "DENY", "Cache-Control": "no-store"},
                "routes": [
                    {"route": "/css/*", "headers": {"Access-Control-Allow-Origin": "*"}},
                    {"route": "/css/*", "headers": {"X-Never": "second match"}},
                    {"route": "/index.html", "headers": {"Cache-Control": "no-cache"}},
                ],
            }
        )
    )
    host = make_host(build_app(recorder), site_dir=site, queues=False, timers=False)
    with httpx.Client(base_url=host.base_url, timeout=10) as c:
        css = c.get("/css/app.css")
        assert css.headers["access-control-allow-origin"] == "*"
        assert css.headers["x-frame-options"] == "DENY" and css.headers["cache-control"] == "no-store"
        assert "x-never" not in css.headers  # the first matching route wins
        page = c.get("/index.html")
        assert (
            page.headers["cache-control"] == "no-cache" and "access-control-allow-origin" not in page.headers
        )
