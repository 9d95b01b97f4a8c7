"""`DevHost`: the composition root that indexes an app and runs its HTTP server, queue listeners and
timers on background threads.

    host = DevHost(app, settings={"AzureWebJobsStorage": conn}, host_json=Path("host.json"),
                   site_dir=Path("site"))
    host.start()            # returns at once
    host.base_url           # http://127.0.0.1:<port>
    host.wait_idle(5)       # queues drained and timers caught up with the clock
    host.stats()            # {"function_name": FunctionStats(invocations=…, succeeded=…, failed=…)}
    host.stop()

Each part can be switched off (`http=False`, `queues=False`, `timers=False`), so a test may run only
the HTTP server and need no Azurite.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from azure.storage.blob import BlobServiceClient

from devhost import timer_lease
from devhost.clock import Clock, utc_now
from devhost.config import HostConfig, Settings
from devhost.cors import CorsPolicy
from devhost.http_server import HttpFrontend, HttpServer
from devhost.indexing import HTTP_TRIGGER, FunctionSource, FunctionSpec, index_app
from devhost.invoker import FunctionStats, Invoker
from devhost.queues import (
    DEFAULT_CONNECTION,
    QueueClients,
    QueueListener,
    QueueOutputs,
    build_listeners,
)
from devhost.timers import TimerScheduler, build_schedulers


class DevHost:
    """A local stand-in for the Azure Functions host.

    `app` is a `FunctionApp` whose `get_functions()` has not been called yet (it is called once, here).
    `settings` are app settings that win over the environment; while the host runs they are also
    exported to `os.environ` (and restored by `stop()`), because function code reads its settings
    there. `host_json` is a path or a parsed mapping (None: the host's defaults). `clock` drives the
    timers (default: the real UTC clock; see `devhost.clock.FakeClock`). `cors`: the origins the platform
    answers preflights for (Core Tools' `Host.CORS`; see `devhost.cors`).
    """

    def __init__(
        self,
        app: FunctionSource,
        *,
        settings: Mapping[str, str] | None = None,
        host_json: Path | Mapping[str, Any] | None = None,
        site_dir: Path | None = None,
        clock: Clock | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        http: bool = True,
        queues: bool = True,
        timers: bool = True,
        timer_lease_seconds: int = timer_lease.LEASE_SECONDS,
        timer_renew_every: float = timer_lease.RENEW_EVERY,
        cors: Iterable[str] | str | None = None,
    ) -> None:
        self.config = HostConfig.load(host_json)
        self.settings = Settings(settings)
        self.functions: list[FunctionSpec] = index_app(app)
        self._clock = clock or utc_now
        self._address = (host, port)
        self._site_dir = site_dir
        self._enabled = {"http": http, "queues": queues, "timers": timers}
        self._activity = threading.Condition()
        self._clients = QueueClients(self.settings)
        self._invoker = Invoker({"queue": QueueOutputs(self._clients, self.settings, self.config.queues)})
        self._frontend = HttpFrontend(
            self.functions, self._invoker, self.config, site_dir, CorsPolicy.of(cors)
        )
        self._http: HttpServer | None = None
        self._listeners: list[QueueListener] = []
        self._schedulers: list[TimerScheduler] = []
        self._saved_environ: dict[str, str | None] = {}
        self._started = False
        self._lease_timing = (timer_lease_seconds, timer_renew_every)
        self._blobs: BlobServiceClient | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> DevHost:
        """Start the enabled parts on background threads and return at once."""
        if self._started:
            raise RuntimeError("the host is already started")
        self._export_settings()
        try:
            if self._enabled["http"]:
                self._http = HttpServer(self._frontend, *self._address)
                self._http.start()
            if self._enabled["queues"]:
                self._listeners = build_listeners(
                    self.functions,
                    self.settings,
                    self._clients,
                    self.config.queues,
                    self._invoker,
                    self._notify,
                )
            if self._enabled["timers"]:
                self._schedulers = build_schedulers(
                    self.functions, self.settings, self._clock, self._invoker, self._notify, self._leases()
                )
            for listener in self._listeners:
                listener.start()
            for scheduler in self._schedulers:
                scheduler.start()
        except BaseException:
            self.stop()
            raise
        self._started = True
        return self

    def stop(self) -> None:
        """Stop polling and scheduling, let running invocations finish, close the server."""
        for scheduler in self._schedulers:
            scheduler.stop()
        for listener in self._listeners:
            listener.stop()
        if self._http is not None:
            self._http.stop()
            self._http = None
        self._invoker.close()
        self._clients.close()
        if self._blobs is not None:
            self._blobs.close()
            self._blobs = None
        self._schedulers, self._listeners = [], []
        self._restore_settings()
        self._started = False

    def __enter__(self) -> DevHost:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what tests and the CLI look at -------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._http is None:
            raise RuntimeError("the HTTP server is not running")
        return self._http.base_url

    @property
    def port(self) -> int:
        if self._http is None:
            raise RuntimeError("the HTTP server is not running")
        return self._http.port

    def stats(self) -> dict[str, FunctionStats]:
        """Counters per function name (only functions invoked at least once appear)."""
        return self._invoker.stats()

    def invocations(self, function_name: str) -> int:
        return self._invoker.stats().get(function_name, FunctionStats()).invocations

    def wait_for_invocations(self, function_name: str, count: int, timeout: float = 10.0) -> bool:
        """Block until `function_name` has finished at least `count` invocations, or time out."""

        def done(stats: Mapping[str, FunctionStats]) -> bool:
            s = stats.get(function_name, FunctionStats())
            return s.succeeded + s.failed >= count

        return self._invoker.wait_for(done, timeout)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every queue listener has found its queue empty with nothing running, in a poll
        started after this call, and every timer has caught up with the clock; False on time-out.

        A failed message waiting out a non-zero visibilityTimeout is invisible, so it does not count.
        """
        markers = [(listener, listener.idle_marker()) for listener in self._listeners]
        now = self._clock()
        for listener, _ in markers:
            listener.wake()

        def idle() -> bool:
            return all(listener.idle_since(marker) for listener, marker in markers) and all(
                scheduler.idle_at(now) for scheduler in self._schedulers
            )

        deadline = time.monotonic() + timeout
        with self._activity:
            while not idle():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._activity.wait(min(remaining, 0.5))
        return True

    def describe(self) -> str:
        """The function list, as Core Tools prints it at start."""
        lines = ["", "Functions:", ""]
        base = self._http.base_url if self._http is not None else "http://localhost"
        for function in sorted(self.functions, key=lambda f: f.name.lower()):
            if function.trigger_type == HTTP_TRIGGER:
                methods = function.trigger.get("methods") or []
                label = f"[{','.join(str(m).upper() for m in methods)}]" if methods else "[*]"
                lines.append(f"\t{function.name}: {label} {self._frontend.route_url(base, function)}")
            else:
                lines.append(f"\t{function.name}: {function.trigger_type}")
            lines.append("")
        return "\n".join(lines)

    # -- internals ------------------------------------------------------------------------------

    def _leases(self) -> Callable[[str], timer_lease.ListenerLease] | None:
        """Listener leases for the timers when the host storage is a connection string (Azurite);
        without one a single host schedules its timers alone."""
        connection = self.settings.get(DEFAULT_CONNECTION) or ""
        known = ("AccountName=", "BlobEndpoint=", "UseDevelopmentStorage=true")
        if not any(part in connection.replace(" ", "") for part in known):
            return None  # an identity-based connection: no lock, as without storage
        self._blobs = BlobServiceClient.from_connection_string(
            connection, connection_timeout=5, read_timeout=10
        )
        host, (seconds, every) = timer_lease.host_id(self.settings), self._lease_timing
        blobs = self._blobs
        return lambda name: timer_lease.ListenerLease(
            blobs, host, name, lease_seconds=seconds, renew_every=every, on_change=self._notify
        )

    def _notify(self) -> None:
        with self._activity:
            self._activity.notify_all()

    def _export_settings(self) -> None:
        for name, value in self.settings.overlay.items():
            self._saved_environ[name] = os.environ.get(name)
            os.environ[name] = value

    def _restore_settings(self) -> None:
        for name, value in self._saved_environ.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_environ = {}
