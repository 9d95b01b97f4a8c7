"""The service worker's offline copy (site/sw.js, issue 13) against the page it keeps: every file the
waiting page loads (index.html's stylesheet, icons, manifest and modules, followed through their imports)
is in the worker's SHELL list, and nothing else is — in particular nothing under /api/ (answers carry
tokens and positions) and no other page. A module added to the page without adding it to the list would
make the offline page fail to start; this test fails first."""

from __future__ import annotations

import json
import re
from pathlib import Path

SITE = Path(__file__).resolve().parents[2] / "site"
_IMPORT = re.compile(r"""^\s*(?:import|export)\s[^;]*?["'](\./[\w.-]+\.js)["']""", re.MULTILINE)
_BARE_IMPORT = re.compile(r"""^\s*import\s+["'](\./[\w.-]+\.js)["']""", re.MULTILINE)
_HEAD_LINK = re.compile(r"""<(?:script|link)\b[^>]*\b(?:src|href)="/?([^"#?]+)\"""")


def shell_list() -> list[str]:
    source = (SITE / "sw.js").read_text(encoding="utf-8")
    block = re.search(r"const SHELL = \[(.*?)\];", source, re.DOTALL)
    assert block, "sw.js declares its SHELL list"
    items = re.findall(r'"([^"]+)"|(PAGE)', block.group(1))
    page = re.search(r'const PAGE = "([^"]+)";', source)
    assert page
    return [page.group(1) if name == "PAGE" else literal for literal, name in items]


def loaded_by_waiting_page() -> set[str]:
    html = (SITE / "index.html").read_text(encoding="utf-8")
    wanted = {"/index.html"} | {f"/{path}" for path in _HEAD_LINK.findall(html)}
    todo = [path for path in wanted if path.endswith(".js")]
    while todo:
        module = todo.pop()
        text = (SITE / module.lstrip("/")).read_text(encoding="utf-8")
        for found in {*_IMPORT.findall(text), *_BARE_IMPORT.findall(text)}:
            path = f"{module.rsplit('/', 1)[0]}/{found.removeprefix('./')}"
            if path not in wanted:
                wanted.add(path)
                todo.append(path)
    manifest = json.loads((SITE / "manifest.webmanifest").read_text(encoding="utf-8"))
    wanted |= {icon["src"] for icon in manifest["icons"]}
    return wanted


def test_the_worker_keeps_exactly_what_the_waiting_page_loads() -> None:
    shell = shell_list()
    assert len(shell) == len(set(shell)), "listed twice"
    assert set(shell) == loaded_by_waiting_page()
    for path in shell:
        assert (SITE / path.lstrip("/")).is_file(), path


def test_the_worker_keeps_no_api_answer_and_no_other_page() -> None:
    shell = shell_list()
    assert not [p for p in shell if p.startswith("/api/") or "?" in p or "#" in p]
    assert [p for p in shell if p.endswith(".html")] == ["/index.html"]


def test_the_static_web_app_serves_the_worker_and_the_manifest_as_the_dev_host_does() -> None:
    """In Azure: the manifest's media type (W3C appmanifest §1.3), a worker refetched on each visit, and
    a policy that allows both (no worker-src/manifest-src: script-src and default-src 'self' apply)."""
    config = json.loads((SITE / "staticwebapp.config.json").read_text(encoding="utf-8"))
    assert config["mimeTypes"][".webmanifest"] == "application/manifest+json"
    routes = {r["route"]: r for r in config["routes"]}
    for path in ("/sw.js", "/manifest.webmanifest"):
        assert routes[path]["headers"]["Cache-Control"] == "no-cache", path
        assert "allowedRoles" not in routes[path], path
    policy = dict(
        part.strip().split(" ", 1) for part in config["globalHeaders"]["Content-Security-Policy"].split(";")
    )
    assert "worker-src" not in policy and "manifest-src" not in policy
    assert policy["script-src"] == "'self'" and policy["default-src"] == "'self'"
    assert policy["connect-src"] == "'self'"  # the worker's own fetches: the site and its /api only
