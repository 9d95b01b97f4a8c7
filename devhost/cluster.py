"""Several dev host processes of one app against one storage account, as Flex Consumption runs instances.

    python -m devhost --instances 3 [--port 7071] [other options]   # instances on 7071, 7072, 7073

    with Cluster(3, args=["--settings", "local.settings.json"]) as cluster:
        cluster.base_urls          # ["http://127.0.0.1:7071", ...]

Each instance is a process of its own, with its own memory, as an instance is: it serves HTTP on its own
port, listens to every queue (Storage queues hand each message to one of them at a time) and follows
every timer, which fires on the instance holding its listener lease (devhost.timer_lease). There is no
load balancer in front: a client picks an instance (tests and benchmarks spread their requests; the SWA
CLI proxies to one). `stop(i)` stops one instance, as a scale-in would.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

PARENT_PID_VARIABLE = "DEVHOST_PARENT_PID"  # an instance whose parent is gone stops (no orphans)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class Cluster:
    """`count` processes of `python -m devhost <args> --port <port>`; `start` returns when all listen."""

    def __init__(
        self,
        count: int,
        *,
        args: Sequence[str] = (),
        base_port: int | None = None,
        ports: Sequence[int] | None = None,
        host: str = "127.0.0.1",
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        log_dir: Path | None = None,
    ) -> None:
        if count < 1:
            raise ValueError("a cluster has at least one instance")
        self.host = host
        if ports is None:
            ports = (
                [base_port + i for i in range(count)]
                if base_port
                else [free_port(host) for _ in range(count)]
            )
        if len(ports) != count:
            raise ValueError("one port per instance")
        self.ports = list(ports)
        self._args = list(args)
        self._env = {**(os.environ if env is None else env), PARENT_PID_VARIABLE: str(os.getpid())}
        self._cwd = cwd
        self._log_dir = log_dir
        self._processes: list[subprocess.Popen[bytes] | None] = [None] * count

    @property
    def base_urls(self) -> list[str]:
        return [f"http://{self.host}:{port}" for port in self.ports]

    def start(self, timeout: float = 60.0) -> Cluster:
        for index, port in enumerate(self.ports):
            command = [sys.executable, "-m", "devhost", *self._args, "--host", self.host, "--port", str(port)]
            output = None
            if self._log_dir is not None:
                self._log_dir.mkdir(parents=True, exist_ok=True)
                output = open(self._log_dir / f"instance-{index}.log", "ab")  # noqa: SIM115 - child owns it
            self._processes[index] = subprocess.Popen(
                command,
                cwd=self._cwd,
                env=self._env,
                stdout=output,
                stderr=subprocess.STDOUT if output else None,
                start_new_session=True,
            )
            if output is not None:
                output.close()  # the child has its own descriptor
        deadline = time.monotonic() + timeout
        try:
            for index, port in enumerate(self.ports):
                self._wait_listening(index, port, deadline)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self, index: int | None = None) -> None:
        """Stop every instance (or one): SIGTERM, as the platform does, then SIGKILL after 10 s."""
        indexes = range(len(self._processes)) if index is None else [index]
        for i in indexes:
            process = self._processes[i]
            if process is not None and process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for i in indexes:
            process = self._processes[i]
            if process is None:
                continue
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
            self._processes[i] = None

    def running(self, index: int) -> bool:
        process = self._processes[index]
        return process is not None and process.poll() is None

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _wait_listening(self, index: int, port: int, deadline: float) -> None:
        while time.monotonic() < deadline:
            process = self._processes[index]
            if process is None or process.poll() is not None:
                code = process.returncode if process is not None else None
                raise RuntimeError(f"dev host instance {index} exited with {code}")
            try:
                with socket.create_connection((self.host, port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"dev host instance {index} did not listen on port {port} in time")
