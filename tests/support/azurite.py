"""Start a private Azurite (blob, queue, table) on free loopback ports for tests and benchmarks.

Azurite comes from the project's own `package.json` (pinned 3.35.0, which runs on Node 20). It is started
with `--disableTelemetry` (it would otherwise try to reach the internet) and `--skipApiVersionCheck` (the
current azure-storage-queue sends an API version 3.35 does not know).

Idle keep-alive connections are kept `KEEP_ALIVE_S` (`--blobKeepAliveTimeout` and its queue and table
twins) instead of Node's default 5 s, which Azurite keeps. With 5 s, a pooled connection of the SDKs
(requests/urllib3, which do not read the server's `Keep-Alive: timeout=5`) idle for about 5 s can be
taken for a request at the moment Azurite closes it; the request then fails with `Connection reset by
peer` or `RemoteDisconnected` (Azure/azure-sdk-for-cpp#1716 describes the same with Azurite). The
window is Azurite's event-loop lag, so it grows when Azurite is busy: `make bench` stopped on it (a join
answered 503 while the queue bench filled a line to 5,000), and a loop of table inserts after 4.5-6.5 s
idle, with Azurite busy with queries, failed 7 of 337 (0 of 337 with this setting). The tables SDK does
not retry it: azure-core's retry policy retries a read error only for HEAD, GET, PUT, DELETE, OPTIONS
and TRACE, and an insert or an entity-group transaction is a POST. Azure Storage closes idle
connections after minutes (Azure/azure-storage-java#363: about 5), not seconds, so a longer timeout
is also the closer emulation.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AZURITE_BIN = ROOT / "node_modules" / ".bin" / "azurite"
KEEP_ALIVE_S = 300  # seconds an idle keep-alive connection is kept (module docstring)

# The well-known development account of the storage emulator (public, documented by Microsoft).
ACCOUNT = "devstoreaccount1"
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"Azurite did not listen on port {port} in time")


@dataclass
class Azurite:
    """A running Azurite; `connection_string` points the Azure SDKs at it."""

    blob_port: int = field(default_factory=free_port)
    queue_port: int = field(default_factory=free_port)
    table_port: int = field(default_factory=free_port)
    data_dir: Path | None = None
    process: subprocess.Popen[bytes] | None = None
    _own_dir: bool = False

    @property
    def connection_string(self) -> str:
        host = "http://127.0.0.1"
        return (
            "DefaultEndpointsProtocol=http;"
            f"AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
            f"BlobEndpoint={host}:{self.blob_port}/{ACCOUNT};"
            f"QueueEndpoint={host}:{self.queue_port}/{ACCOUNT};"
            f"TableEndpoint={host}:{self.table_port}/{ACCOUNT};"
        )

    def start(self) -> Azurite:
        if not AZURITE_BIN.exists():
            raise RuntimeError(
                "Azurite is not installed: run `npm ci` (the Makefile's `install` target does)"
            )
        if self.data_dir is None:
            self.data_dir = Path(tempfile.mkdtemp(prefix="azurite-"))
            self._own_dir = True
        log = open(self.data_dir / "azurite.log", "ab")  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen(
            [
                str(AZURITE_BIN),
                "--silent",
                "--disableTelemetry",
                "--skipApiVersionCheck",
                "--loose",
                "--location",
                str(self.data_dir),
                "--blobHost",
                "127.0.0.1",
                "--blobPort",
                str(self.blob_port),
                "--queueHost",
                "127.0.0.1",
                "--queuePort",
                str(self.queue_port),
                "--tableHost",
                "127.0.0.1",
                "--tablePort",
                str(self.table_port),
                *(f"--{service}KeepAliveTimeout={KEEP_ALIVE_S}" for service in ("blob", "queue", "table")),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        for port in (self.blob_port, self.queue_port, self.table_port):
            _wait_for_port(port, deadline)
        return self

    def stop(self, remove_data: bool | None = None) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
            self.process = None
        if (remove_data if remove_data is not None else self._own_dir) and self.data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def restart(self) -> None:
        """Stop and start again on the same ports and data folder (nothing is lost)."""
        self.stop(remove_data=False)
        self.start()

    def __enter__(self) -> Azurite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
