"""`python -m devhost`: run a function app locally, as `func start` would.

    python -m devhost [--app function_app:app] [--port 7071] [--host 127.0.0.1]
                      [--settings local.settings.json] [--site site] [--host-json host.json]
                      [--quiet] [--no-queues] [--no-timers] [--instances N]

`--instances N` runs N processes of the same app against the same storage, as Flex Consumption runs
instances, on ports port, port+1, ... (devhost.cluster).

local.settings.json `Values` are exported to the environment *before* the app module is imported
(variables already set win, so a shell or a test can override them); `Host.LocalHttpPort` is the
default port, and `Host.CORS` lists the origins whose browser calls get the platform's CORS answers
(devhost.cors). Stop with Ctrl+C (or SIGTERM).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from devhost.cluster import PARENT_PID_VARIABLE, Cluster
from devhost.config import export_settings, load_local_settings
from devhost.errors import DevHostError
from devhost.host import DevHost

log = logging.getLogger("devhost")


class _UtcFormatter(logging.Formatter):
    """Core Tools' `[2025-01-01T12:00:00.000Z] message` lines."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        return f"{stamp}.{int(record.msecs):03d}Z"


def _configure_logging(quiet: bool) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(_UtcFormatter("[%(asctime)s] %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.getLogger("azure").setLevel(logging.WARNING)  # the SDK logs every request at INFO
    if quiet:
        logging.getLogger("devhost.invocations").setLevel(logging.WARNING)


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devhost", description="Run a function app locally.")
    parser.add_argument("--app", default="function_app:app", help="module:attribute of the FunctionApp")
    parser.add_argument("--port", type=int, default=None, help="HTTP port (default: LocalHttpPort or 7071)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--settings", type=Path, default=None, help="local.settings.json (default if present)"
    )
    parser.add_argument("--site", type=Path, default=Path("site"), help="static files served at /")
    parser.add_argument("--host-json", type=Path, default=Path("host.json"), help="host.json")
    parser.add_argument("--quiet", action="store_true", help="log failures only, not every invocation")
    parser.add_argument("--no-queues", action="store_true", help="do not poll queue triggers")
    parser.add_argument("--no-timers", action="store_true", help="do not run timer triggers")
    parser.add_argument(
        "--instances", type=int, default=1, help="run N instances (processes) on consecutive ports"
    )
    return parser.parse_args(argv)


def _run_instances(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Start `args.instances` processes of this command (without --instances and --port) and wait."""
    child_args: list[str] = []
    skip = False
    for item in argv:
        if skip:
            skip = False
            continue
        name = item.split("=", 1)[0]
        if name in ("--instances", "--port", "--host"):
            skip = "=" not in item
            continue
        child_args.append(item)
    port = args.port or 7071
    cluster = Cluster(args.instances, args=child_args, base_port=port, host=args.host, cwd=Path.cwd())
    try:
        cluster.start()
    except (RuntimeError, OSError) as exc:
        log.error("The dev host instances could not start: %s", exc)
        return 1
    for index, url in enumerate(cluster.base_urls):
        print(f"Instance {index}: {url}", flush=True)
    stopping = threading.Event()
    signal.signal(signal.SIGINT, lambda signum, frame: stopping.set())
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())
    while not stopping.wait(1):
        if not any(cluster.running(i) for i in range(args.instances)):
            break
    cluster.stop()
    return 0


def _import_app(spec: str) -> object:
    module_name, _, attribute = spec.partition(":")
    sys.path.insert(0, os.getcwd())
    module = importlib.import_module(module_name)
    try:
        return getattr(module, attribute or "app")
    except AttributeError as exc:
        raise DevHostError(f"module {module_name!r} has no attribute {attribute or 'app'!r}") from exc


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    _configure_logging(args.quiet)
    if args.instances > 1:
        return _run_instances(args, list(sys.argv[1:] if argv is None else argv))
    try:
        port = args.port
        cors = ""
        settings_path = args.settings or Path("local.settings.json")
        if args.settings is not None or settings_path.exists():
            local = load_local_settings(settings_path)
            export_settings(local.values)
            port = port if port is not None else local.http_port
            cors = local.cors
        app = _import_app(args.app)
        host = DevHost(
            app,  # type: ignore[arg-type]  # checked by DevHost: it needs get_functions()
            host_json=args.host_json if args.host_json.exists() else None,
            site_dir=args.site if args.site.is_dir() else None,
            host=args.host,
            port=7071 if port is None else port,
            queues=not args.no_queues,
            timers=not args.no_timers,
            cors=cors,
        )
        host.start()
    except (DevHostError, OSError, ImportError) as exc:
        log.error("The dev host could not start: %s", exc)
        return 1
    print(host.describe(), flush=True)
    print(f"Host started: {host.base_url} (Ctrl+C to stop)", flush=True)
    if args.site.is_dir():
        print(f"Static site: {host.base_url}/   Dev login: {host.base_url}/.auth/login/aad", flush=True)
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    # An instance of a cluster (devhost.cluster) stops when the process that started it is gone.
    parent = int(os.environ.get(PARENT_PID_VARIABLE) or 0)
    while not stopping.wait(1):
        if parent and os.getppid() != parent:
            break
    log.info("Stopping the dev host")
    host.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
