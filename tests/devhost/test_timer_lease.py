"""Several instances of one app against one storage account: a timer fires once per schedule, on the
instance holding its listener lease in `azure-webjobs-hosts`, and another instance takes over when that
one stops (the Functions host's singleton listener)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import azure.functions as func
import pytest
from azure.storage.blob import BlobServiceClient

from devhost import DevHost
from devhost.timer_lease import CONTAINER, lock_blob_name
from tests.support.azurite import Azurite

pytestmark = [pytest.mark.azurite]


class Fired:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.records: list[tuple[str, str]] = []  # (instance, scheduled occurrence)

    def by(self, instance: str) -> list[str]:
        with self.lock:
            return [when for who, when in self.records if who == instance]

    def all(self) -> list[str]:
        with self.lock:
            return [when for _, when in self.records]


def app_for(instance: str, fired: Fired) -> func.FunctionApp:
    app = func.FunctionApp()

    @app.function_name("every_second")
    @app.timer_trigger(arg_name="timer", schedule="* * * * * *")
    def every_second(timer: func.TimerRequest) -> None:
        with fired.lock:
            fired.records.append((instance, str(timer.schedule_status["LastUpdated"])))

    return app


def wait_until(condition: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


@pytest.fixture
def azurite() -> Iterator[Azurite]:
    with Azurite() as running:
        yield running


def test_one_instance_fires_each_occurrence_and_another_takes_over(azurite: Azurite) -> None:
    fired = Fired()
    settings = {"AzureWebJobsStorage": azurite.connection_string}

    def host(name: str) -> DevHost:
        return DevHost(
            app_for(name, fired), settings=settings, http=False, queues=False, timer_renew_every=0.3
        )

    first, second = host("first").start(), host("second").start()
    try:
        wait_until(lambda: len(fired.all()) >= 3, timeout=10)
        assert fired.by("second") == []  # standing by: the first instance took the lease at start
        lock = BlobServiceClient.from_connection_string(azurite.connection_string).get_blob_client(
            CONTAINER, lock_blob_name("devhost", "every_second")
        )
        assert lock.get_blob_properties().lease.state == "leased"

        first.stop()  # releases the lease, as a host that shuts down does
        stopped_at = len(fired.all())
        wait_until(lambda: len(fired.by("second")) >= 2, timeout=10)
    finally:
        first.stop()
        second.stop()
    occurrences = fired.all()
    assert len(occurrences) == len(set(occurrences)), "an occurrence fired twice"
    assert fired.all()[:stopped_at] == fired.by("first")  # the second only fired after the takeover
