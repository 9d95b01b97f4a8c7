"""`python -m devhost` as a person runs it: settings before import, the function list, serving, Ctrl+C."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]

APP = """
import os
import azure.functions as func

GREETING_AT_IMPORT = os.environ["GREETING"]  # local.settings.json must be loaded before this import

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="hello/{name}", methods=["GET"])
def hello(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(f"{GREETING_AT_IMPORT}, {req.route_params['name']} ({os.environ['WHO_WINS']})")


@app.schedule(schedule="0 0 3 * * *", arg_name="timer")
def nightly(timer: func.TimerRequest) -> None:
    pass
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "function_app.py").write_text(APP)
    settings = {"IsEncrypted": False, "Values": {"GREETING": "Bom dia", "WHO_WINS": "file"}}
    (tmp_path / "local.settings.json").write_text(json.dumps(settings))
    (tmp_path / "host.json").write_text(
        json.dumps({"version": "2.0", "extensions": {"http": {"routePrefix": "v1"}}})
    )
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<p>site</p>")
    return tmp_path


@pytest.fixture
def devhost_process(project: Path) -> Iterator[tuple[subprocess.Popen[str], queue.Queue[str]]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "WHO_WINS": "environment"}
    process = subprocess.Popen(
        [sys.executable, "-m", "devhost", "--port", "0", "--no-queues"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    yield process, lines
    if process.poll() is None:
        process.kill()
        process.wait(timeout=10)


def read_until(lines: queue.Queue[str], marker: str, timeout: float = 20) -> list[str]:
    seen: list[str] = []
    while not any(marker in line for line in seen):
        seen.append(lines.get(timeout=timeout))
    return seen


def test_cli_loads_settings_lists_functions_serves_and_stops(
    devhost_process: tuple[subprocess.Popen[str], queue.Queue[str]],
) -> None:
    process, lines = devhost_process

    banner = read_until(lines, "Host started")
    base_url = banner[-1].split("Host started: ")[1].split()[0]
    text = "".join(banner)
    assert f"hello: [GET] {base_url}/v1/hello/{{name}}" in text
    assert "nightly: timerTrigger" in text

    response = httpx.get(f"{base_url}/v1/hello/Ana")
    assert response.text == "Bom dia, Ana (environment)"  # the environment wins over the file
    assert httpx.get(f"{base_url}/").text == "<p>site</p>"
    assert any(
        "Functions.hello" in line and "Succeeded" in line for line in read_until(lines, "Functions.hello")
    )

    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=15) == 0


def test_instances_run_as_processes_on_consecutive_ports_and_stop_together(project: Path) -> None:
    from devhost.cluster import free_port

    base = free_port()
    while any(_in_use(base + i) for i in range(2)):
        base = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "WHO_WINS": "environment"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devhost",
            "--instances",
            "2",
            "--port",
            str(base),
            "--no-queues",
            "--no-timers",
        ],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    try:
        banner = "".join(read_until(lines, "Instance 1:", timeout=120))  # two processes import the app
        urls = [f"http://127.0.0.1:{base}", f"http://127.0.0.1:{base + 1}"]
        assert f"Instance 0: {urls[0]}" in banner and f"Instance 1: {urls[1]}" in banner
        for url in urls:  # each instance is the whole app, with the same settings
            assert httpx.get(f"{url}/v1/hello/Ana").text == "Bom dia, Ana (environment)"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert not any(_in_use(base + i) for i in range(2)), "an instance outlived the command"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _in_use(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0
