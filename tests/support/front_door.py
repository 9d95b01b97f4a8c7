"""The local front door: the SWA CLI (`swa start`, pinned in package.json) serving `site/` with the
emulator's copy of staticwebapp.config.json (infra/site_config.py) and proxying `/api` to a dev host.

It applies the file's headers (the production CSP), routes, roles and overrides, emulates sign-in with
its own login page and sends the API the Static Web Apps principal format, as Azure does. It makes no
network call when `NO_UPDATE_NOTIFIER` is set; its login page loads jQuery from a CDN, which the
browser tests serve from the pinned `jquery` package (`serve_login_page_scripts`).
"""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx

from tests.support.azurite import free_port

ROOT = Path(__file__).resolve().parents[2]
SWA_BIN = ROOT / "node_modules" / ".bin" / "swa"
JQUERY = ROOT / "node_modules" / "jquery" / "dist" / "jquery.min.js"
SITE = ROOT / "site"


def site_config() -> ModuleType:
    """infra/site_config.py (a stand-alone script azd runs; not a package)."""
    spec = importlib.util.spec_from_file_location("site_config", ROOT / "infra" / "site_config.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextmanager
def swa_front_door(api_url: str, *, timeout: float = 60.0) -> Iterator[str]:
    """Run `swa start` in front of the dev host at `api_url`; yields the front door's base URL."""
    if not SWA_BIN.exists():
        raise RuntimeError("the SWA CLI is not installed: run `make install-node`")
    module = site_config()
    with tempfile.TemporaryDirectory(prefix="swa-config-") as folder:
        module.write(module.for_emulator(module.load(SITE)), Path(folder))
        port = free_port()
        log = open(Path(folder) / "swa.log", "wb")  # noqa: SIM115 - closed below
        process = subprocess.Popen(
            [
                str(SWA_BIN),
                "start",
                str(SITE),
                "--swa-config-location",
                folder,
                "--api-devserver-url",
                api_url,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=folder,
            env={**os.environ, "NO_UPDATE_NOTIFIER": "1", "CI": "1"},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_serving(base, process, timeout)
            yield base
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)
            log.close()


def _wait_until_serving(base: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"swa start exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/index.html", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"swa start did not serve {base} within {timeout} s")


def serve_login_page_scripts(context: Any) -> None:
    """The emulator's login page loads jQuery (and Bootstrap) from a CDN: serve jQuery from the pinned
    npm package and refuse every other request that would leave the machine."""
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1|localhost)"), lambda route: route.abort())
    context.route(
        re.compile(r"^https://ajax\.aspnetcdn\.com/ajax/jquery/"),
        lambda route: route.fulfill(path=str(JQUERY), content_type="text/javascript"),
    )
