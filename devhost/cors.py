"""Platform CORS, as App Service answers it in front of a function app.

In Azure the platform answers preflight requests (`OPTIONS` with `Access-Control-Request-Method`) for
the origins of the Function App's `cors.allowedOrigins`, and adds `Access-Control-Allow-Origin` to the
answers, taking precedence over the app's own CORS headers. Core Tools reads the same list from
`Host.CORS` in local.settings.json (comma separated, `*` for any origin). The dev host does the same
for the routes under the routePrefix, so a page on another origin (a court's site embedding the widget)
works locally as it does in Azure. A request from another origin gets no CORS header and its preflight
is answered as any unknown method would be.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

PREFLIGHT_MAX_AGE = "600"


@dataclass(frozen=True)
class CorsPolicy:
    origins: frozenset[str] = frozenset()

    @classmethod
    def of(cls, origins: str | Iterable[str] | None) -> CorsPolicy:
        items = origins.split(",") if isinstance(origins, str) else (origins or ())
        return cls(frozenset(o.strip().rstrip("/") for o in items if o.strip()))

    def allows(self, origin: str | None) -> bool:
        return bool(origin) and ("*" in self.origins or (origin or "").rstrip("/") in self.origins)

    def is_preflight(self, method: str, origin: str | None, requested_method: str | None) -> bool:
        return method.upper() == "OPTIONS" and bool(requested_method) and self.allows(origin)

    def preflight_headers(self, origin: str, requested_headers: str | None) -> list[tuple[str, str]]:
        headers = [
            ("Access-Control-Allow-Origin", origin),
            ("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"),
            ("Access-Control-Max-Age", PREFLIGHT_MAX_AGE),
            ("Vary", "Origin"),
        ]
        if requested_headers:
            headers.append(("Access-Control-Allow-Headers", requested_headers))
        return headers

    def apply(self, headers: list[tuple[str, str]], origin: str) -> None:
        """Add the platform's header to an answer, replacing the app's (the platform's wins)."""
        headers[:] = [(k, v) for k, v in headers if k.lower() != "access-control-allow-origin"]
        headers.append(("Access-Control-Allow-Origin", origin))
