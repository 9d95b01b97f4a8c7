"""The response headers a Static Web App adds to its static files, read from `staticwebapp.config.json`
in the site folder: `globalHeaders`, overridden by the headers of the first route that matches the
path (`/assets/*` matches everything under `/assets/`; other routes match exactly), as SWA applies them.
The dev host adds them to the files it serves, so the pages meet locally the headers they meet in Azure
(the Content-Security-Policy, and the CORS header that lets a court's site load the widget's modules).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CONFIG_FILE = "staticwebapp.config.json"


class SwaHeaders:
    def __init__(self, site_dir: Path | None) -> None:
        data: dict[str, Any] = {}
        config = site_dir / CONFIG_FILE if site_dir is not None else None
        if config is not None and config.is_file():
            data = json.loads(config.read_text(encoding="utf-8"))
        self._global: dict[str, str] = dict(data.get("globalHeaders") or {})
        self._routes: list[tuple[str, dict[str, str]]] = [
            (str(r["route"]), dict(r.get("headers") or {})) for r in data.get("routes") or [] if "route" in r
        ]

    def for_path(self, path: str) -> list[tuple[str, str]]:
        headers = dict(self._global)
        for route, extra in self._routes:
            if _matches(route, path):
                headers.update(extra)
                break
        return list(headers.items())


def _matches(route: str, path: str) -> bool:
    if route.endswith("/*"):
        return path.startswith(route[:-1])
    return path == route
