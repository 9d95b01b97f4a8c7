"""The WhatsApp channel's Event Grid subscription in the Bicep (issue 18): the ACS resource's system topic
and its subscription to the `whatsapp_events` function, deployed only once the WhatsApp channel id is set.

Rendered offline from the Bicep (tests/infra/bicep_settings.py): what only Azure knows stays symbolic
(`<functionApp.id>`)."""

from __future__ import annotations

import re
from typing import Any

from functions import whatsapp_events
from tests.infra.bicep_settings import REPO, module_deployed, render_module_params, render_module_resources

CHANNEL = {"acsWhatsAppChannelId": "c0ffee00-0000-4000-8000-000000000001"}


def _by_type() -> dict[str, dict[str, Any]]:
    return {r["type"]: r for r in render_module_resources("whatsappEvents", main_params=CHANNEL).values()}


def test_only_deployed_once_the_whatsapp_channel_is_set() -> None:
    assert module_deployed("whatsappEvents") is False  # no WhatsApp: no topic, no subscription
    assert module_deployed("whatsappEvents", main_params={"acsWhatsAppChannelId": ""}) is False
    assert module_deployed("whatsappEvents", main_params=CHANNEL) is True


def test_the_system_topic_is_the_acs_resource_s() -> None:
    params = render_module_params("whatsappEvents", main_params=CHANNEL)
    assert str(params["communicationServiceName"]) == "<communication.outputs.name>"
    assert str(params["functionAppName"]) == "<functionApp.outputs.name>"
    resources = _by_type()
    acs = resources["Microsoft.Communication/communicationServices"]
    assert acs["existing"] and str(acs["name"]) == "<communication.outputs.name>"  # communication.bicep's
    topic = resources["Microsoft.EventGrid/systemTopics"]
    assert not topic["existing"] and topic["location"] == "global"
    assert topic["properties"]["topicType"] == "Microsoft.Communication.CommunicationServices"
    assert str(topic["properties"]["source"]) == "<communication.id>"


def test_the_subscription_delivers_both_event_types_to_the_function_as_cloudevents_and_retries() -> None:
    subscription = _by_type()["Microsoft.EventGrid/systemTopics/eventSubscriptions"]
    assert str(subscription["parent"]) == "<systemTopic>"
    props = subscription["properties"]
    destination = props["destination"]
    assert destination["endpointType"] == "AzureFunction"
    function = str(destination["properties"]["resourceId"])
    assert function == "<functionApp.id>/functions/whatsapp_events"
    source = (REPO / "functions" / "whatsapp_events.py").read_text(encoding="utf-8")
    assert re.search(r'@bp\.function_name\("whatsapp_events"\)\s*\n@bp\.event_grid_trigger', source)
    assert destination["properties"]["maxEventsPerBatch"] == 1  # the trigger takes one event per call
    assert sorted(props["filter"]["includedEventTypes"]) == sorted(
        [whatsapp_events.RECEIVED, whatsapp_events.DELIVERY]
    )
    assert props["eventDeliverySchema"] == "CloudEventSchemaV1_0"
    assert props["retryPolicy"] == {"maxDeliveryAttempts": 30, "eventTimeToLiveInMinutes": 1440}
