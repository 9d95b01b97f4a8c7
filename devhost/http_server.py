"""The HTTP side of the host: function routes under the routePrefix, Easy Auth, and `site/` at `/`.

`HttpFrontend.dispatch` is the whole request logic over plain values (`IncomingRequest` →
`OutgoingResponse`); `HttpServer` is the wire: a threaded HTTP/1.1 server with keep-alive, one thread
per connection, TCP_NODELAY and one write per response, so the host adds little to a function's own
latency.

Order of resolution for a path:
1. a function route under the routePrefix (the most specific template wins; a route that matches the
   path but not the method answers 405 with `Allow`);
2. `/.auth/...` (Easy Auth emulation, see `devhost.easyauth`);
3. anything else under the routePrefix answers 404 problem+json;
4. a file of `site/` (GET and HEAD), else 404.

A function that raises answers 500 `{"type":"about:blank","title":"Erro interno","status":500}`; the
traceback goes to the log, never to the client.
"""

from __future__ import annotations

import contextlib
import json
import logging
import mimetypes
import shutil
import socket
import socketserver
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

import azure.functions as func

from devhost import easyauth
from devhost.config import HostConfig
from devhost.cors import CorsPolicy
from devhost.eventgrid import PATH as EVENT_GRID_PATH
from devhost.eventgrid import EventGridWebhook
from devhost.indexing import HTTP_TRIGGER, RETURN, FunctionSpec
from devhost.invoker import Invoker
from devhost.routing import Route, Router, RouteTemplate
from devhost.swa_headers import SwaHeaders

log = logging.getLogger("devhost.http")

MAX_BODY_BYTES = 100 * 1024 * 1024  # the Functions host's default request size limit
_HOP_BY_HOP = frozenset({"connection", "content-length", "transfer-encoding", "keep-alive"})
_CONTENT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".xml": "application/xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".wasm": "application/wasm",
    ".pdf": "application/pdf",
}
_TEXTUAL = ("text/", "application/json", "application/manifest+json", "image/svg+xml", "application/xml")
_REASONS = {s.value: s.phrase for s in HTTPStatus}
_TITLES = {
    400: "Requisição inválida",
    404: "Não encontrado",
    405: "Método não permitido",
    413: "Requisição grande demais",
    500: "Erro interno",
}


@dataclass(frozen=True)
class IncomingRequest:
    """A request as read from the wire; `path` is still percent-encoded."""

    method: str
    path: str
    query: str = ""
    headers: Sequence[tuple[str, str]] = ()
    body: bytes = b""
    host: str = "localhost"

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        values = [v for k, v in self.headers if k.lower() == lowered]
        if not values:
            return None
        return ("; " if lowered == "cookie" else ", ").join(values)

    def cookie(self, name: str) -> str | None:
        for pair in (self.header("cookie") or "").split(";"):
            key, _, value = pair.strip().partition("=")
            if key == name:
                return value.strip('"')
        return None


@dataclass
class OutgoingResponse:
    """A response to write: `body` is bytes, or a file to stream."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | Path = b""

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)


def problem(status: int, detail: str | None = None, **extra: Any) -> OutgoingResponse:
    """An RFC 9457 problem+json response with a pt-BR title."""
    document: dict[str, Any] = {
        "type": "about:blank",
        "title": _TITLES.get(status, HTTPStatus(status).phrase),
    }
    document["status"] = status
    if detail:
        document["detail"] = detail
    document.update(extra)
    body = json.dumps(document, ensure_ascii=False).encode("utf-8")
    return OutgoingResponse(status, [("Content-Type", "application/problem+json; charset=utf-8")], body)


def _content_type(path: Path) -> str:
    kind = _CONTENT_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
    kind = kind or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith(_TEXTUAL) else kind


class HttpFrontend:
    """Maps requests to functions, Easy Auth endpoints and static files."""

    def __init__(
        self,
        functions: Iterable[FunctionSpec],
        invoker: Invoker,
        config: HostConfig,
        site_dir: Path | None = None,
        cors: CorsPolicy | None = None,
    ) -> None:
        self._invoker = invoker
        self._prefix = config.route_prefix.strip("/")
        self._site = site_dir.resolve() if site_dir is not None else None
        self._cors = cors or CorsPolicy()
        self._swa = SwaHeaders(self._site)
        self._router: Router[FunctionSpec] = Router()
        functions = list(functions)
        self._eventgrid = EventGridWebhook(functions, invoker)
        for function in functions:
            if function.trigger_type != HTTP_TRIGGER:
                continue
            methods = function.trigger.get("methods")
            route = function.trigger.get("route") or function.name
            self._router.add(
                Route(
                    RouteTemplate.parse(route),
                    frozenset(str(m).upper() for m in methods) if methods else None,
                    function,
                )
            )

    @property
    def routes(self) -> Sequence[Route[FunctionSpec]]:
        return self._router.routes

    def route_url(self, base_url: str, function: FunctionSpec) -> str:
        route = (function.trigger.get("route") or function.name).strip("/")
        return "/".join(p for p in (base_url.rstrip("/"), self._prefix, route) if p)

    def dispatch(self, request: IncomingRequest) -> OutgoingResponse:
        path = request.path or "/"
        if path.rstrip("/").lower() == EVENT_GRID_PATH:
            lowered = {k.lower(): v for k, v in request.headers}
            return OutgoingResponse(
                *self._eventgrid.handle(request.method, request.query, lowered, request.body)
            )
        relative = self._under_prefix(path)
        origin = request.header("origin")
        if relative is not None and self._cors.allows(origin):
            assert origin is not None
            if self._cors.is_preflight(
                request.method, origin, request.header("access-control-request-method")
            ):
                headers = self._cors.preflight_headers(
                    origin, request.header("access-control-request-headers")
                )
                return OutgoingResponse(204, headers)
            response = self._api(request, path, relative)
            self._cors.apply(response.headers, origin)
            return response
        return self._api(request, path, relative)

    def _api(self, request: IncomingRequest, path: str, relative: str | None) -> OutgoingResponse:
        if relative is not None:
            request = self._with_principal(request)
            resolution = self._router.resolve(request.method, relative)
            if resolution.target is not None:
                return self._invoke(resolution.target, request, resolution.values)
            if resolution.allowed:
                response = problem(405, f"A rota aceita {', '.join(sorted(resolution.allowed))}.")
                response.headers.append(("Allow", ", ".join(sorted(resolution.allowed))))
                return response
        if path == "/.auth" or path.startswith("/.auth/"):
            return self._auth(request, path)
        if relative is not None and self._prefix:
            return problem(404, "Nenhuma função atende a esta rota.")
        return self._static(request, path)

    # -- functions ----------------------------------------------------------------------------

    def _under_prefix(self, path: str) -> str | None:
        if not self._prefix:
            return path
        prefix = "/" + self._prefix
        if path.lower() == prefix.lower() or path.lower().startswith(prefix.lower() + "/"):
            return path[len(prefix) :]
        return None

    def _with_principal(self, request: IncomingRequest) -> IncomingRequest:
        if request.header(easyauth.PRINCIPAL_HEADER) is not None:
            return request
        cookie = request.cookie(easyauth.COOKIE_NAME)
        principal = easyauth.DevPrincipal.from_cookie(cookie) if cookie else None
        if principal is None:
            return request
        headers = list(request.headers) + list(principal.headers().items())
        return IncomingRequest(
            request.method, request.path, request.query, headers, request.body, request.host
        )

    def _invoke(
        self, function: FunctionSpec, request: IncomingRequest, values: Mapping[str, str]
    ) -> OutgoingResponse:
        headers: dict[str, str] = {}
        for name in dict.fromkeys(k.lower() for k, _ in request.headers):
            value = request.header(name)
            if value is not None:
                headers[name] = value
        params: dict[str, str] = {}
        for key, value in parse_qsl(request.query, keep_blank_values=True):
            params[key] = f"{params[key]},{value}" if key in params else value
        url = f"http://{request.host}{request.path}" + (f"?{request.query}" if request.query else "")
        http_request = func.HttpRequest(
            request.method, url, headers=headers, params=params, route_params=dict(values), body=request.body
        )
        detail = f"{request.method} {request.path}"
        invocation = self._invoker.begin(function)
        try:
            value = self._invoker.call(invocation, http_request)
            named = [b.name for b in function.outputs if b.type == "http" and b.name != RETURN]
            if named:
                value = invocation.outputs.get(named[0])
            response = _from_function(value)
        except Exception as exc:
            self._invoker.fail(invocation, exc, f"{detail} -> 500")
            return problem(500)
        self._invoker.succeed(invocation, f"{detail} -> {response.status}")
        return response

    # -- Easy Auth ----------------------------------------------------------------------------

    def _auth(self, request: IncomingRequest, path: str) -> OutgoingResponse:
        route = path.rstrip("/").lower()
        query = dict(parse_qsl(request.query))
        if route == "/.auth/login/aad":
            if request.method == "POST":
                principal, redirect = easyauth.principal_from_form(request.body)
                if principal is None:
                    page = easyauth.login_page(redirect, error="Informe um e-mail válido.")
                    return _html(400, page)
                set_cookie = f"{easyauth.COOKIE_NAME}={principal.to_cookie()}; Path=/; HttpOnly; SameSite=Lax"
                return OutgoingResponse(302, [("Location", redirect), ("Set-Cookie", set_cookie)])
            if request.method in ("GET", "HEAD"):
                redirect = easyauth.safe_redirect(query.get("post_login_redirect_uri"))
                return _html(200, easyauth.login_page(redirect))
            return _not_allowed("GET, POST")
        if route == "/.auth/me":
            cookie = request.cookie(easyauth.COOKIE_NAME)
            principal = easyauth.DevPrincipal.from_cookie(cookie) if cookie else None
            document = principal.me() if principal else []
            body = json.dumps(document, ensure_ascii=False).encode("utf-8")
            return OutgoingResponse(200, [("Content-Type", "application/json; charset=utf-8")], body)
        if route == "/.auth/logout":
            redirect = easyauth.safe_redirect(query.get("post_logout_redirect_uri"))
            clear = f"{easyauth.COOKIE_NAME}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
            return OutgoingResponse(302, [("Location", redirect), ("Set-Cookie", clear)])
        return problem(404, "Provedor de autenticação desconhecido no ambiente de desenvolvimento.")

    # -- static files -------------------------------------------------------------------------

    def _static(self, request: IncomingRequest, path: str) -> OutgoingResponse:
        target = self._site_file(path)
        if target is None:
            return problem(404)
        if target.is_dir():
            location = quote(path.rstrip("/") + "/") + (f"?{request.query}" if request.query else "")
            return OutgoingResponse(301, [("Location", location), ("Cache-Control", "no-cache")])
        if request.method not in ("GET", "HEAD"):
            return _not_allowed("GET, HEAD")
        stat = target.stat()
        etag = f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"'
        headers = [("Cache-Control", "no-cache"), ("ETag", etag), ("X-Content-Type-Options", "nosniff")]
        configured = self._swa.for_path(path)
        names = {k.lower() for k, _ in configured}
        headers = [(k, v) for k, v in headers if k.lower() not in names] + configured
        if etag in (request.header("if-none-match") or "").replace(" ", "").split(","):
            return OutgoingResponse(304, headers)
        headers.append(("Content-Type", _content_type(target)))
        return OutgoingResponse(200, headers, target)

    def _site_file(self, path: str) -> Path | None:
        """The file (or directory, to redirect) a path names inside `site/`; never outside it."""
        if self._site is None:
            return None
        pieces = [unquote(p) for p in path.split("/") if p]
        for piece in pieces:
            if piece in (".", "..") or "\\" in piece or "\x00" in piece:
                return None
            if piece.startswith(".") and piece != ".well-known":
                return None
        candidate = self._site.joinpath(*pieces)
        try:
            resolved = candidate.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        if not resolved.is_relative_to(self._site):
            return None
        if resolved.is_dir():
            if not path.endswith("/") and pieces:
                return resolved
            index = resolved / "index.html"
            return index if index.is_file() else None
        return resolved if resolved.is_file() else None


def _from_function(value: Any) -> OutgoingResponse:
    """Translate what an HTTP function returned, as the Python worker does."""
    if value is None:
        return OutgoingResponse(204)
    if isinstance(value, str):
        return OutgoingResponse(200, [("Content-Type", "text/plain; charset=utf-8")], value.encode("utf-8"))
    if not isinstance(value, func.HttpResponse):
        raise TypeError(f"an HTTP function must return func.HttpResponse or str, not {type(value).__name__}")
    headers = [(str(k), str(v)) for k, v in value.headers.items() if str(k).lower() not in _HOP_BY_HOP]
    if not any(k.lower() == "content-type" for k, _ in headers):
        mimetype = value.mimetype
        content_type = f"{mimetype}; charset={value.charset}" if mimetype.startswith("text/") else mimetype
        headers.append(("Content-Type", content_type))
    return OutgoingResponse(int(value.status_code), headers, value.get_body())


def _html(status: int, page: str) -> OutgoingResponse:
    headers = [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")]
    return OutgoingResponse(status, headers, page.encode("utf-8"))


def _not_allowed(allow: str) -> OutgoingResponse:
    response = problem(405)
    response.headers.append(("Allow", allow))
    return response


class _BadRequestError(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status


class _Handler(BaseHTTPRequestHandler):
    """Reads one request at a time off a keep-alive connection and writes the frontend's answer."""

    protocol_version = "HTTP/1.1"
    server_version = "devhost"
    sys_version = ""
    timeout = 120  # seconds an idle keep-alive connection is kept
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def handle_one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                return
            self._serve()
            self.wfile.flush()
        except (TimeoutError, ConnectionError):
            self.close_connection = True

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except _BadRequestError as exc:
            self.close_connection = True
            self._write(problem(exc.status, str(exc)))
            return
        raw_path, _, query = self.path.partition("?")
        if raw_path.startswith(("http://", "https://")):  # absolute-form request target
            raw_path = "/" + raw_path.split("/", 3)[-1] if raw_path.count("/") >= 3 else "/"
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        request = IncomingRequest(
            self.command.upper(), raw_path, query, list(self.headers.items()), body, host
        )
        try:
            response = self.server.frontend.dispatch(request)
        except Exception:
            log.exception("Unhandled error serving %s %s", self.command, raw_path)
            response = problem(500)
        self._write(response)

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            total = 0
            while True:
                line = self.rfile.readline(65537)
                try:
                    size = int(line.split(b";", 1)[0].strip(), 16)
                except ValueError as exc:
                    raise _BadRequestError(400, "Corpo em partes (chunked) malformado.") from exc
                if size == 0:
                    while self.rfile.readline(65537).strip():
                        pass  # trailers
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY_BYTES:
                    raise _BadRequestError(413, "O corpo excede o limite de 100 MB.")
                chunks.append(self.rfile.read(size))
                self.rfile.readline(3)
        length_text = self.headers.get("Content-Length")
        if not length_text:
            return b""
        try:
            length = int(length_text)
        except ValueError as exc:
            raise _BadRequestError(400, "Content-Length inválido.") from exc
        if length < 0:
            raise _BadRequestError(400, "Content-Length inválido.")
        if length > MAX_BODY_BYTES:
            raise _BadRequestError(413, "O corpo excede o limite de 100 MB.")
        return self.rfile.read(length)

    def _write(self, response: OutgoingResponse) -> None:
        body = response.body
        length = body.stat().st_size if isinstance(body, Path) else len(body)
        no_body = self.command == "HEAD" or response.status in (204, 304) or response.status < 200
        reason = _REASONS.get(response.status, "")
        lines = [f"HTTP/1.1 {response.status} {reason}", f"Date: {self.date_time_string()}"]
        lines += [f"{name}: {value}" for name, value in response.headers]
        if response.status not in (204, 304):
            lines.append(f"Content-Length: {length}")
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        if no_body:
            self.wfile.write(head)
        elif isinstance(body, Path):
            self.wfile.write(head)
            with body.open("rb") as stream:
                shutil.copyfileobj(stream, self.wfile, 256 * 1024)
        else:
            self.wfile.write(head + body)  # one send: no Nagle/delayed-ACK stall on keep-alive

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - %s", self.address_string(), format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512

    def __init__(self, address: tuple[str, int], frontend: HttpFrontend) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.frontend = frontend
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn), which can stall; skip it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def track(self, connection: socket.socket, *, add: bool) -> None:
        with self._connections_lock:
            if add:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("Connection from %s ended with an error", client_address, exc_info=True)


class HttpServer:
    """Serves an `HttpFrontend` on a background thread."""

    def __init__(self, frontend: HttpFrontend, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server((host, port), frontend)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        host = str(self._server.server_address[0])
        if ":" in host:
            host = f"[{host}]"
        elif host in ("0.0.0.0", ""):
            host = "localhost"
        return f"http://{host}:{self.port}"

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._accept_loop, name="devhost-http", daemon=True)
        self._thread.start()

    def _accept_loop(self) -> None:
        # `handle_request` blocks until a connection arrives: no polling while idle, unlike
        # `serve_forever`; `stop` wakes it with a connection of its own.
        while not self._stopping.is_set():
            self._server.handle_request()

    def stop(self) -> None:
        if self._thread is not None:
            self._stopping.set()
            host = str(self._server.server_address[0])
            wake_host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
            with contextlib.suppress(OSError), socket.create_connection((wake_host, self.port), timeout=2):
                pass
            self._thread.join(timeout=5)
            self._thread = None
        self._server.close_connections()
        self._server.server_close()
