"""Queue triggers against a private Azurite: delivery, retries to `<queue>-poison`, batchSize,
output bindings, and surviving an Azurite restart."""

from __future__ import annotations

import base64
import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from azure.core.exceptions import ResourceExistsError
from azure.storage.queue import QueueClient, TextBase64EncodePolicy

from devhost import DevHost
from tests.devhost.sample_app import Recorder, build_app
from tests.support.azurite import Azurite

pytestmark = pytest.mark.azurite

HostFactory = Callable[..., DevHost]
FAST = {"extensions": {"queues": {"maxPollingInterval": "00:00:00.2", "visibilityTimeout": "00:00:00"}}}


@pytest.fixture(scope="module")
def azurite() -> Iterator[Azurite]:
    with Azurite() as running:
        yield running


@pytest.fixture
def queues() -> dict[str, str]:
    """Fresh queue names for each test."""
    tag = uuid.uuid4().hex[:10]
    return {"Q_OK": f"ok-{tag}", "Q_FAIL": f"fail-{tag}", "Q_SLOW": f"slow-{tag}", "Q_HELD": f"held-{tag}"}


def settings(azurite: Azurite, queues: dict[str, str]) -> dict[str, str]:
    return {"AzureWebJobsStorage": azurite.connection_string, **queues}


_open_clients: list[QueueClient] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    """Close the test's own clients: Azurite waits for open connections when it stops."""
    yield
    while _open_clients:
        _open_clients.pop().close()


def client(azurite: Azurite, name: str, *, encoded: bool = True) -> QueueClient:
    """A client like the app's adapters: base64 encoding to match the host's default."""
    policy: Any = TextBase64EncodePolicy() if encoded else None
    queue = QueueClient.from_connection_string(azurite.connection_string, name, message_encode_policy=policy)
    _open_clients.append(queue)
    with contextlib.suppress(ResourceExistsError):
        queue.create_queue()
    return queue


def start(
    make_host: HostFactory, recorder: Recorder, azurite: Azurite, queues: dict[str, str], **extra: Any
) -> DevHost:
    app = build_app(recorder, http=False, queues=True)
    options: dict[str, Any] = {"host_json": FAST, "http": False, "timers": False}
    options.update(extra)
    return make_host(app, settings=settings(azurite, queues), **options)


def test_a_message_is_processed_and_deleted(
    make_host: HostFactory, recorder: Recorder, azurite: Azurite, queues: dict[str, str]
) -> None:
    queue = client(azurite, queues["Q_OK"])
    sent = queue.send_message("olá, balcão")
    host = start(make_host, recorder, azurite, queues)

    assert host.wait_for_invocations("process_ok", 1, timeout=10)
    assert host.wait_idle(10)

    [seen] = recorder.of("process_ok")
    assert seen["body"] == "olá, balcão".encode()
    assert seen["id"] == sent.id and seen["dequeue_count"] == 1
    assert seen["insertion_time"] is not None and seen["pop_receipt"]
    assert queue.get_queue_properties().approximate_message_count == 0
    assert host.stats()["process_ok"].succeeded == 1


def test_a_failing_message_ends_in_poison_after_max_dequeue_count(
    make_host: HostFactory, recorder: Recorder, azurite: Azurite, queues: dict[str, str]
) -> None:
    raw = client(azurite, queues["Q_FAIL"], encoded=False)
    original = base64.b64encode(b"never works").decode()
    raw.send_message(original)
    host_json = {"extensions": {"queues": {**FAST["extensions"]["queues"], "maxDequeueCount": 3}}}
    host = start(make_host, recorder, azurite, queues, host_json=host_json)

    assert host.wait_for_invocations("always_fails", 3, timeout=15)
    assert host.wait_idle(10)

    assert [c["dequeue_count"] for c in recorder.of("always_fails")] == [1, 2, 3]
    assert {c["body"] for c in recorder.of("always_fails")} == {b"never works"}
    poison = client(azurite, f"{queues['Q_FAIL']}-poison", encoded=False)
    [moved] = poison.peek_messages(max_messages=5)
    assert moved.content == original  # the original base64, untouched
    assert raw.get_queue_properties().approximate_message_count == 0
    assert host.stats()["always_fails"].failed == 3


def test_batch_size_bounds_concurrency(
    make_host: HostFactory, recorder: Recorder, azurite: Azurite, queues: dict[str, str]
) -> None:
    recorder.release_at = 4
    queue = client(azurite, queues["Q_SLOW"])
    for i in range(8):
        queue.send_message(f"m{i}")
    host_json = {
        "extensions": {"queues": {**FAST["extensions"]["queues"], "batchSize": 4, "newBatchThreshold": 0}}
    }
    host = start(make_host, recorder, azurite, queues, host_json=host_json)

    assert host.wait_for_invocations("slow", 8, timeout=15)

    assert recorder.max_active == 4  # a full batch ran together, never more
    assert sorted(c["body"] for c in recorder.of("slow")) == [f"m{i}".encode() for i in range(8)]


def test_a_queue_output_binding_feeds_a_queue_trigger(
    make_host: HostFactory, recorder: Recorder, azurite: Azurite, queues: dict[str, str]
) -> None:
    app = build_app(recorder, http=False, queues=True)
    host = make_host(app, settings=settings(azurite, queues), host_json=FAST, timers=False)

    with httpx.Client(base_url=host.base_url) as http:
        assert http.post("/api/fan-out/3").status_code == 202

    assert host.wait_for_invocations("process_ok", 3, timeout=10)
    assert sorted(c["body"] for c in recorder.of("process_ok")) == [b"fan-0", b"fan-1", b"fan-2"]


def test_invalid_base64_goes_straight_to_poison(
    make_host: HostFactory, recorder: Recorder, azurite: Azurite, queues: dict[str, str]
) -> None:
    client(azurite, queues["Q_OK"], encoded=False).send_message("not base64 at all!")
    host = start(make_host, recorder, azurite, queues)

    assert host.wait_idle(10)

    assert recorder.of("process_ok") == []
    poison = client(azurite, f"{queues['Q_OK']}-poison", encoded=False)
    assert [m.content for m in poison.peek_messages(max_messages=5)] == ["not base64 at all!"]


def wait_until(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_the_listener_survives_azurite_going_away(
    make_host: HostFactory,
    recorder: Recorder,
    azurite: Azurite,
    queues: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="devhost.queues")
    host = start(make_host, recorder, azurite, queues)
    client(azurite, queues["Q_OK"]).send_message("before")
    assert host.wait_for_invocations("process_ok", 1, timeout=10)

    azurite.stop(remove_data=False)
    assert wait_until(lambda: "cannot be polled" in caplog.text, timeout=10)
    azurite.start()  # same ports, same data
    client(azurite, queues["Q_OK"]).send_message("after")

    assert host.wait_for_invocations("process_ok", 2, timeout=15)
    assert [c["body"] for c in recorder.of("process_ok")] == [b"before", b"after"]
    assert "can be polled again" in caplog.text


def test_a_run_that_failed_while_storage_was_away_is_retried_when_it_is_back(
    make_host: HostFactory,
    recorder: Recorder,
    azurite: Azurite,
    queues: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The failed run's message could not be made visible again (storage down): once the queue answers,
    the dev host releases it, instead of leaving it to its 10-minute receive lease."""
    caplog.set_level(logging.WARNING, logger="devhost.queues")
    host = start(make_host, recorder, azurite, queues)
    client(azurite, queues["Q_HELD"]).send_message("held")
    assert recorder.holding.wait(10)
    _close_clients_now()
    azurite.stop(remove_data=False)
    recorder.let_go.set()  # the run fails now, with storage away: the release fails
    assert wait_until(lambda: "could not be released" in caplog.text, timeout=15)
    azurite.start()

    assert wait_until(lambda: len(recorder.of("held_then_fails")) == 2, timeout=20)
    assert [c["dequeue_count"] for c in recorder.of("held_then_fails")] == [1, 2]
    assert host.wait_idle(10)


def _close_clients_now() -> None:
    while _open_clients:
        _open_clients.pop().close()
