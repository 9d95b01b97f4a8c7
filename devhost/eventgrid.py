"""The Functions host's Event Grid webhook, emulated: `POST /runtime/webhooks/eventgrid?functionName=NAME`
delivers events to the function of that name with an `eventGridTrigger`, as Event Grid does in Azure
(the endpoint its subscriptions to a function point at).

- Event Grid schema: a JSON array of events. `aeg-event-type: SubscriptionValidation` is the
  subscription's handshake: answered `{"validationResponse": <data.validationCode>}` without calling
  the function.
- CloudEvents 1.0: one event (`application/cloudevents+json`) or an array
  (`application/cloudevents-batch+json`); the abuse-protection handshake is an `OPTIONS` with
  `WebHook-Request-Origin`, answered with `WebHook-Allowed-Origin`.
- Each event is decoded by the azure-functions library's own converter (`EventGridEvent` or
  `CloudEvent`, as the Python worker passes it) and the function is called once per event. Any failure
  is a 500, so that Event Grid delivers the events again; otherwise 202. An unknown function is a 404.
  The system key (`code=`) is not checked locally, as Core Tools does not check auth levels.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs

from azure.functions import meta
from azure.functions.eventgrid import EventGridEventInConverter

from devhost.indexing import EVENT_GRID_TRIGGER, FunctionSpec
from devhost.invoker import Invoker

PATH = "/runtime/webhooks/eventgrid"


class EventGridWebhook:
    def __init__(self, functions: Iterable[FunctionSpec], invoker: Invoker) -> None:
        self._functions = {f.name.lower(): f for f in functions if f.trigger_type == EVENT_GRID_TRIGGER}
        self._invoker = invoker

    def handle(
        self, method: str, query: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """(status, headers, body) of the host's answer; `headers` keys are lower-cased."""
        if method == "OPTIONS" and headers.get("webhook-request-origin"):
            return 200, [("WebHook-Allowed-Origin", headers["webhook-request-origin"])], b""
        if method != "POST":
            return 405, [("Allow", "POST, OPTIONS")], b""
        name = (parse_qs(query).get("functionName") or [""])[0]
        function = self._functions.get(name.lower())
        if function is None:
            return 404, [], json.dumps({"error": f"Função Event Grid desconhecida: {name}"}).encode()
        try:
            parsed = json.loads(body or b"null")
        except ValueError:
            return 400, [], b'{"error": "corpo JSON invalido"}'
        events: list[Any] = parsed if isinstance(parsed, list) else [parsed]
        if headers.get("aeg-event-type", "").lower() == "subscriptionvalidation":
            code = ((events[0] or {}).get("data") or {}).get("validationCode", "") if events else ""
            return (
                200,
                [("Content-Type", "application/json")],
                json.dumps({"validationResponse": code}).encode(),
            )
        for raw in events:
            if not isinstance(raw, dict):
                return 400, [], b'{"error": "evento invalido"}'
            event = EventGridEventInConverter.decode(meta.Datum(json.dumps(raw), "json"), trigger_metadata={})
            invocation = self._invoker.begin(function)
            try:
                self._invoker.call(invocation, event)
            except Exception as exc:
                self._invoker.fail(invocation, exc, "event grid -> 500")
                return 500, [], b""
            self._invoker.succeed(invocation, "event grid -> 202")
        return 202, [], b""
