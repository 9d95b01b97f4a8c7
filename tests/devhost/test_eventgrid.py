"""The dev host's Event Grid webhook (devhost/eventgrid.py), as the Functions host serves it: events of
both schemas reach the function decoded by the azure-functions library, a failure is a 500 (Event Grid
delivers again), the subscription handshakes are answered without calling the function."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import azure.functions as func
import httpx

from devhost import DevHost

URL = "/runtime/webhooks/eventgrid?functionName=on_event"


def event_app(seen: list[tuple[str, str, Any]]) -> func.FunctionApp:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.function_name("on_event")
    @app.event_grid_trigger(arg_name="event")
    def on_event(event: func.EventGridEvent) -> None:
        kind = str(getattr(event, "event_type", None) or getattr(event, "type", ""))
        if event.get_json().get("fail"):
            raise RuntimeError("boom")
        seen.append((event.id, kind, event.get_json()))

    return app


def test_events_of_both_schemas_failures_and_handshakes(make_host: Callable[..., DevHost]) -> None:
    seen: list[tuple[str, str, Any]] = []
    host = make_host(event_app(seen), queues=False, timers=False)
    with httpx.Client(base_url=host.base_url, timeout=10) as client:
        grid = [
            {
                "id": "a",
                "eventType": "T.one",
                "subject": "s",
                "eventTime": "2026-12-01T10:00:00Z",
                "data": {"n": 1},
            },
            {
                "id": "b",
                "eventType": "T.two",
                "subject": "s",
                "eventTime": "2026-12-01T10:00:01Z",
                "data": {"n": 2},
            },
        ]
        assert client.post(URL, json=grid, headers={"aeg-event-type": "Notification"}).status_code == 202
        cloud = {"specversion": "1.0", "id": "c", "source": "/x", "type": "T.three", "data": {"n": 3}}
        assert client.post(URL, json=cloud).status_code == 202
        assert seen == [("a", "T.one", {"n": 1}), ("b", "T.two", {"n": 2}), ("c", "T.three", {"n": 3})]
        failing = {**cloud, "id": "d", "data": {"fail": True}}
        assert client.post(URL, json=failing).status_code == 500
        validation = [
            {
                "id": "v",
                "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
                "data": {"validationCode": "xyz"},
            }
        ]
        answer = client.post(URL, json=validation, headers={"aeg-event-type": "SubscriptionValidation"})
        assert answer.json() == {"validationResponse": "xyz"}
        assert (
            client.request("OPTIONS", URL, headers={"WebHook-Request-Origin": "eventgrid.azure.net"}).headers[
                "WebHook-Allowed-Origin"
            ]
            == "eventgrid.azure.net"
        )
        assert client.post(URL.replace("on_event", "other"), json=[]).status_code == 404
        assert client.get(URL).status_code == 405
    assert len(seen) == 3
