"""Settings that hold on Flex Consumption with many instances (issue 19, points 5 and 7).

- host.json puts the host in OpenTelemetry mode (the host records each request once; the app's spans
  are children of the invocation: tests/functions/test_telemetry.py);
- the configuration sync runs at host start only outside Azure, or behind BALCAO_SYNC_CONFIG_ON_START:
  checked on the binding the host would index, in a fresh interpreter with Azure's variables set;
- the Bicep states the HTTP concurrency per instance (and gives the Python worker as many threads) and
  the maximum instance count;
- the package leaves out everything but the app, and no obsolete setting remains.
"""

from __future__ import annotations

import fnmatch
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.infra.bicep_settings import render_app_settings, render_function_app_properties

ROOT = Path(__file__).resolve().parents[2]
HOST_JSON = json.loads((ROOT / "host.json").read_text(encoding="utf-8"))
DEPLOYED = {"function_app.py", "functions", "domain", "adapters", "host.json", "requirements.txt"}


def test_the_host_runs_in_opentelemetry_mode() -> None:
    assert HOST_JSON["telemetryMode"] == "OpenTelemetry"
    # Application Insights SDK settings do not apply in that mode; the old one kept every request out of
    # sampling (about 670 polls/s for 1,000 citizens).
    assert "applicationInsights" not in HOST_JSON.get("logging", {})


PROBE = """
import json, function_app
for f in function_app.app.get_functions():
    if f.get_function_name() == "sync_configuration":
        trigger = [json.loads(b) for b in f.get_raw_bindings()][0]
        print(json.dumps(bool(trigger.get("runOnStartup"))))
"""


@pytest.mark.parametrize(
    ("env", "on_start"),
    [
        ({}, True),  # dev host, Core Tools
        ({"WEBSITE_INSTANCE_ID": "0a1b", "WEBSITE_SITE_NAME": "func-balcao"}, False),  # Azure
        ({"WEBSITE_SITE_NAME": "func-balcao", "BALCAO_SYNC_CONFIG_ON_START": "true"}, True),  # asked for
    ],
)
def test_the_configuration_is_synced_at_start_only_outside_azure(env: dict[str, str], on_start: bool) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("WEBSITE_", "BALCAO_"))}
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) is on_start


def test_http_concurrency_and_instance_count_are_set_and_the_worker_has_a_thread_per_request() -> None:
    scale = render_function_app_properties()["functionAppConfig"]["scaleAndConcurrency"]
    concurrency = scale["triggers"]["http"]["perInstanceConcurrency"]
    assert isinstance(concurrency, int) and 1 <= concurrency <= 32
    assert isinstance(scale["maximumInstanceCount"], int) and 1 <= scale["maximumInstanceCount"] <= 100
    threads = {s.name: s.value for s in render_app_settings()}["PYTHON_THREADPOOL_THREAD_COUNT"]
    assert int(threads) == concurrency


def shipped(root: Path, patterns: list[str]) -> set[str]:
    """Top-level entries of `root` that a .funcignore with `patterns` lets into the package (each
    pattern is matched against every path component, as gitignore does for a pattern without "/")."""
    kept = set()
    for path in root.rglob("*"):
        parts = path.relative_to(root).parts
        if any(fnmatch.fnmatch(part, pattern) for part in parts for pattern in patterns):
            continue
        if path.is_file():
            kept.add(parts[0])
    return kept


def test_the_package_holds_the_app_and_nothing_else(tmp_path: Path) -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".funcignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    # What a working copy holds besides the tracked files: caches, tool output, local settings.
    extra = [
        ".pytest_cache/v/x",
        ".mypy_cache/3.11/x.json",
        ".ruff_cache/x",
        ".hypothesis/examples/x",
        ".swa/staticwebapp.config.json",
        ".build/site/index.html",
        ".azurite/__azurite_db_table__.json",
        "local.settings.json",
        "functions/__pycache__/x.cpython-311.pyc",
        "test-artifacts/x.png",
    ]
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    for name in [*tracked, *extra]:
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("x")
    assert shipped(tmp_path, patterns) == DEPLOYED


def test_no_obsolete_setting_remains() -> None:
    sample = json.loads((ROOT / "local.settings.sample.json").read_text(encoding="utf-8"))["Values"]
    # Worker indexing is the default of the v2 programming model; the flag is obsolete.
    assert "AzureWebJobsFeatureFlags" not in sample
    for name in ("infra/modules/functionapp.bicep", "README.md", "infra/README.md"):
        assert "EnableWorkerIndexing" not in (ROOT / name).read_text(encoding="utf-8"), name
