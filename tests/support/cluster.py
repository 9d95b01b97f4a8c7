"""The whole system on several dev host instances (processes) against one private Azurite, for tests
and benchmarks of what must hold across instances (issues 17 and 19).

    with running_cluster(3, config=...) as cluster:
        cluster.base_urls              # one per instance; spread requests over them
        cluster.client(i)              # an httpx.Client on instance i

The configuration is uploaded as `make run` does it; every instance reads the same settings file (a
local.settings.json of its own), runs `function_app` with host.json's semantics (shorter polling) and
syncs the configuration at start. `cluster.stop_instance(i)` stops one, as a scale-in would.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from adapters.config_source import BlobConfigSource
from adapters.storage import blob_service
from devhost.cluster import Cluster
from tests.support.azurite import Azurite, free_port
from tests.support.system import CONFIG_FILE, ROOT, api_client, fast_host_json


@dataclass
class ClusterSystem:
    azurite: Azurite
    cluster: Cluster
    settings: dict[str, str]
    clients: list[httpx.Client] = field(default_factory=list)

    @property
    def base_urls(self) -> list[str]:
        return self.cluster.base_urls

    def client(self, index: int) -> httpx.Client:
        return self.clients[index % len(self.clients)]

    def stop_instance(self, index: int) -> None:
        self.cluster.stop(index)


def _wait_ready(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/units", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not serve /api/units within {timeout} s")


@contextmanager
def running_cluster(
    instances: int,
    *,
    config: bytes | None = None,
    always_open: bool = True,
    extra_settings: Mapping[str, str] | None = None,
    connections: int = 32,
) -> Iterator[ClusterSystem]:
    with Azurite() as azurite, tempfile.TemporaryDirectory(prefix="cluster-") as folder:
        cluster_dir = Path(folder)
        settings = {
            "AzureWebJobsStorage": azurite.connection_string,
            "BALCAO_TOKEN_KEYS": "k1:" + base64.b64encode(os.urandom(32)).decode(),
            "BALCAO_ALTCHA_KEY": base64.b64encode(os.urandom(32)).decode(),
            "BALCAO_CONFIG_BLOB": "config/balcao.json",
            "BALCAO_ALWAYS_OPEN": "true" if always_open else "false",
            "BALCAO_CONFIG_TTL_SECONDS": "1",
            **(extra_settings or {}),
        }
        BlobConfigSource(blob_service(settings), settings["BALCAO_CONFIG_BLOB"]).upload(
            config if config is not None else CONFIG_FILE.read_bytes()
        )
        ports = [free_port() for _ in range(instances)]
        first = f"http://127.0.0.1:{ports[0]}"
        settings.setdefault("BALCAO_PUBLIC_BASE_URL", first)
        settings.setdefault("BALCAO_SITE_ORIGINS", first)
        (cluster_dir / "local.settings.json").write_text(
            json.dumps({"IsEncrypted": False, "Values": settings})
        )
        host_json = fast_host_json()
        # Every instance polls every queue: with n instances, poll n times less often than one host
        # would, so that idle polling does not crowd Azurite (one node process) out of the real work.
        host_json["extensions"]["queues"]["maxPollingInterval"] = f"00:00:00.{min(999, 200 * instances):03d}"
        (cluster_dir / "host.json").write_text(json.dumps(host_json))
        files = [
            "--settings",
            str(cluster_dir / "local.settings.json"),
            "--host-json",
            str(cluster_dir / "host.json"),
        ]
        # Settings come from the file only: a variable of this process would win over it.
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("BALCAO_", "AzureWebJobs", "WEBSITE_"))
        }
        cluster = Cluster(
            instances,
            ports=ports,
            args=[*files, "--site", str(ROOT / "site"), "--quiet"],
            env=env,
            cwd=ROOT,
            log_dir=cluster_dir / "logs",
        )
        cluster.start()
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        system = ClusterSystem(azurite, cluster, settings)
        try:
            for url in cluster.base_urls:
                _wait_ready(url, timeout=60)
                system.clients.append(api_client(url, timeout=30, limits=limits))
            yield system
        finally:
            for client in system.clients:
                client.close()
            cluster.stop()
