"""The whole system for end-to-end tests: a private Azurite, the configuration uploaded the way
`make run` does it, and the dev host running `function_app` over real HTTP."""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from adapters.config_source import BlobConfigSource
from adapters.storage import blob_service
from devhost.host import DevHost
from tests.support.azurite import Azurite, free_port
from tests.support.storage_dump import dump_account

ROOT = Path(__file__).resolve().parents[2]
CONFIG_FILE = ROOT / "infra" / "config" / "balcao.json"


DERIVED_TABLES = ("metrics",)  # written only by the metrics rollup timer, from the tickets' events


def principal_header(email: str, name: str = "") -> dict[str, str]:
    """The Easy Auth header App Service puts in front of the app for a signed-in user."""
    claims = [{"typ": "preferred_username", "val": email}, {"typ": "name", "val": name or email}]
    blob = base64.b64encode(
        json.dumps({"auth_typ": "aad", "claims": claims, "name_typ": "name", "role_typ": "roles"}).encode()
    ).decode()
    return {"X-MS-CLIENT-PRINCIPAL": blob, "X-MS-CLIENT-PRINCIPAL-NAME": email}


WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def json_writes(request: httpx.Request) -> None:
    """An httpx request hook: a write that names no type says JSON, as the pages do (site/assets/js/
    api.js); the API refuses a write of any other type, body or not (415, issue 16). A test that sends a
    type of its own keeps it."""
    if request.method in WRITES and "content-type" not in request.headers:
        request.headers["Content-Type"] = "application/json"


async def async_json_writes(request: httpx.Request) -> None:
    """`json_writes` for an `httpx.AsyncClient`."""
    json_writes(request)


def api_client(base_url: str, **options: Any) -> httpx.Client:
    """An httpx client of the app's API that behaves as the pages do (`json_writes`)."""
    return httpx.Client(base_url=base_url, event_hooks={"request": [json_writes]}, **options)


def fast_host_json() -> dict[str, Any]:
    """host.json with a shorter polling interval, so tests wait less; semantics unchanged."""
    data: dict[str, Any] = json.loads((ROOT / "host.json").read_text())
    data["extensions"]["queues"]["maxPollingInterval"] = "00:00:00.200"
    data["extensions"]["queues"]["visibilityTimeout"] = "00:00:01"
    return data


@dataclass
class System:
    azurite: Azurite
    host: DevHost
    settings: dict[str, str]
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.client = api_client(self.host.base_url, timeout=10)

    @property
    def base_url(self) -> str:
        return self.host.base_url

    def clerk(self, email: str) -> dict[str, str]:
        return principal_header(email)

    def stored(self) -> set[tuple[str, str]]:
        """Everything the account holds once the host is idle, but the tables the timers derive from it
        (`DERIVED_TABLES`): for "a refused request changes nothing". The metrics rollup runs every minute
        on its own and may fold in events recorded before the first look; the events it reads stay in."""
        assert self.host.wait_idle(15)
        return {
            (r.where, r.text)
            for r in dump_account(self.settings["AzureWebJobsStorage"])
            if not any(r.where.startswith(f"table {table} ") for table in DERIVED_TABLES)
        }

    def wait(self, predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05) -> Any:
        """Poll `predicate` until it returns something truthy (bounded)."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met within {timeout}s")
            time.sleep(interval)


@contextmanager
def running_system(
    *,
    always_open: bool = True,
    config: bytes | None = None,
    clock: Callable[[], datetime] | None = None,
    extra_settings: Mapping[str, str] | None = None,
    court_origins: Sequence[str] = (),
    host_json: Mapping[str, Any] | None = None,
) -> Iterator[System]:
    """Start Azurite + dev host + app; yields when the configuration is applied. `court_origins`: other
    sites allowed to call the API from a browser (a court's site embedding the widget)."""
    import function_app
    from functions import bootstrap

    bootstrap.reset()
    if clock is not None:
        bootstrap.set_clock(clock)
    with Azurite() as azurite:
        port = free_port()
        settings = {
            "AzureWebJobsStorage": azurite.connection_string,
            "BALCAO_TOKEN_KEYS": "k1:" + base64.b64encode(os.urandom(32)).decode(),
            "BALCAO_ALTCHA_KEY": base64.b64encode(os.urandom(32)).decode(),
            "BALCAO_CONFIG_BLOB": "config/balcao.json",
            "BALCAO_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "BALCAO_SITE_ORIGINS": ",".join([f"http://127.0.0.1:{port}", *court_origins]),
            "BALCAO_ALWAYS_OPEN": "true" if always_open else "false",
            "BALCAO_CONFIG_TTL_SECONDS": "1",
            **(extra_settings or {}),
        }
        BlobConfigSource(blob_service(settings), settings["BALCAO_CONFIG_BLOB"]).upload(
            config if config is not None else CONFIG_FILE.read_bytes()
        )
        host = DevHost(
            function_app.build_app(),
            settings=settings,
            host_json=dict(host_json) if host_json is not None else fast_host_json(),
            site_dir=ROOT / "site",
            port=port,
            clock=clock,
            cors=settings["BALCAO_SITE_ORIGINS"],  # one list for the platform and the app, as in the Bicep
        )
        host.start()
        system = System(azurite, host, settings)
        try:
            system.wait(lambda: system.client.get("/api/units").status_code == 200, timeout=20)
            yield system
        finally:
            system.client.close()
            host.stop()
            bootstrap.reset()
