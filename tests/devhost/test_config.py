"""host.json, local.settings.json, `%SETTING%` expressions and function indexing."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest

from devhost import ConfigurationError, DevHost, FunctionLoadError, HostConfig
from devhost.config import Settings, export_settings, load_local_settings, parse_timespan, validate_queue_name
from devhost.indexing import index_app

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("00:00:02", 2.0), ("00:01:00", 60.0), ("00:00:00.250", 0.25), ("1.02:00:00", 93600.0), (5, 5.0)],
)
def test_timespans(text: str | int, seconds: float) -> None:
    assert parse_timespan(text) == seconds


def test_a_bad_timespan_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        parse_timespan("2 seconds")


def test_the_projects_host_json() -> None:
    config = HostConfig.load(ROOT / "host.json")

    assert config.route_prefix == "api"
    queues = config.queues
    assert (queues.batch_size, queues.max_dequeue_count, queues.message_encoding) == (16, 5, "base64")
    assert queues.new_batch_threshold == 8 and queues.max_polling_interval == 1.0


def test_host_defaults() -> None:
    config = HostConfig.load({})

    assert config.route_prefix == "api"
    assert config.queues.batch_size == 16 and config.queues.new_batch_threshold == 8
    assert config.queues.visibility_timeout == 0 and config.queues.max_polling_interval == 60
    assert HostConfig.load({"extensions": {"http": {"routePrefix": "/v1/"}}}).route_prefix == "v1"


@pytest.mark.parametrize(
    "queues",
    [{"batchSize": 0}, {"batchSize": 33}, {"maxDequeueCount": 0}, {"messageEncoding": "utf16"}],
)
def test_bad_queue_options(queues: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        HostConfig.load({"extensions": {"queues": queues}})


def test_local_settings_become_strings_and_the_environment_wins(tmp_path: Path) -> None:
    path = tmp_path / "local.settings.json"
    values = {"A": "file", "B": "file", "FLAG": True, "N": 3}
    path.write_text(json.dumps({"IsEncrypted": False, "Values": values, "Host": {"LocalHttpPort": 7072}}))
    environ = {"B": "env"}

    local = load_local_settings(path)
    added = export_settings(local.values, environ)

    assert local.http_port == 7072
    assert environ == {"A": "file", "B": "env", "FLAG": "true", "N": "3"}
    assert sorted(added) == ["A", "FLAG", "N"]


def test_setting_expressions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENV_ONLY", "from-env")
    settings = Settings({"QUEUE": "join-requests", "ENV_ONLY": "overlay"})

    assert settings.resolve("%QUEUE%") == "join-requests"
    assert settings.resolve("%QUEUE%-%ENV_ONLY%") == "join-requests-overlay"
    assert Settings().resolve("x-%ENV_ONLY%") == "x-from-env"
    with pytest.raises(ConfigurationError, match="MISSING"):
        settings.resolve("%MISSING%")


def test_queue_names_are_lowered_and_checked() -> None:
    assert validate_queue_name("Join-Requests") == "join-requests"
    for bad in ("ab", "a--b", "-ab", "a_b", "x" * 64):
        with pytest.raises(ConfigurationError):
            validate_queue_name(bad)


class CountingApp:
    """Wraps a FunctionApp to count `get_functions` calls (a second call would raise)."""

    def __init__(self, app: func.FunctionApp) -> None:
        self.app, self.calls = app, 0

    def get_functions(self) -> list[Any]:
        self.calls += 1
        return self.app.get_functions()


def test_get_functions_is_called_once() -> None:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.route(route="x")
    def x(req: func.HttpRequest) -> str:
        return "x"

    counting = CountingApp(app)
    host = DevHost(counting, http=False, queues=False, timers=False)

    assert counting.calls == 1
    assert [f.name for f in host.functions] == ["x"]


def test_a_parameter_without_binding_fails_at_load() -> None:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.route(route="x")  # the trigger's argument is `req`
    def x(request: func.HttpRequest) -> str:
        return "x"

    with pytest.raises(FunctionLoadError, match="request"):
        index_app(app)


def test_unsupported_triggers_are_skipped_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.blob_trigger(arg_name="blob", path="c/{name}", connection="AzureWebJobsStorage")
    def on_blob(blob: func.InputStream) -> None:
        pass

    with caplog.at_level(logging.WARNING, logger="devhost"):
        assert index_app(app) == []
    assert "blobTrigger" in caplog.text


def test_input_bindings_are_not_emulated_and_say_so(caplog: pytest.LogCaptureFixture) -> None:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.route(route="x")
    @app.blob_input(arg_name="doc", path="c/x.json", connection="AzureWebJobsStorage")
    def x(req: func.HttpRequest, doc: func.InputStream) -> str:
        return "x"

    with caplog.at_level(logging.WARNING, logger="devhost"):
        [spec] = index_app(app)

    assert [b.name for b in spec.inputs] == ["doc"]
    assert "'doc'" in caplog.text and "gets None" in caplog.text
