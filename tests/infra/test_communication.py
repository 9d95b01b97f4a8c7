"""Azure Communication Services in the Bicep (issue 13): the resources of modules/communication.bicep as
main.bicep deploys them, the Function App's role on the ACS resource, and the ACS app settings.

Rendered offline from the Bicep (tests/infra/bicep_settings.py); what only Azure knows stays symbolic
(`<communication.outputs.endpoint>`).
"""

from __future__ import annotations

from typing import Any

from tests.infra.bicep_settings import (
    INFRA,
    parse_bicep,
    render_app_settings,
    render_module_params,
    render_module_resources,
)

# Azure's built-in "Communication and Email Service Owner" (the only ACS role besides Contributor/Owner).
COMMUNICATION_AND_EMAIL_SERVICE_OWNER = "09976791-48a7-449e-bb21-39d1a415f350"


def _by_type(resources: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for resource in resources.values():
        assert resource["type"] not in found, f"two {resource['type']} in the module"
        found[resource["type"]] = resource
    return found


def _acs_settings(**main_params: Any) -> dict[str, str]:
    return {
        s.name: s.value for s in render_app_settings(main_params=main_params) if s.name.startswith("ACS_")
    }


def test_acs_keeps_its_data_in_brazil_with_an_azure_managed_domain_linked() -> None:
    resources = _by_type(render_module_resources("communication"))
    acs = resources["Microsoft.Communication/communicationServices"]
    email = resources["Microsoft.Communication/emailServices"]
    domain = resources["Microsoft.Communication/emailServices/domains"]
    sender = resources["Microsoft.Communication/emailServices/domains/senderUsernames"]
    assert not any(r["existing"] for r in resources.values())
    assert acs["location"] == email["location"] == domain["location"] == "global"
    assert acs["properties"]["dataLocation"] == email["properties"]["dataLocation"] == "Brazil"
    assert str(domain["parent"]) == "<emailService>" and str(sender["parent"]) == "<emailDomain>"
    assert domain["name"] == "AzureManagedDomain"
    assert domain["properties"] == {"domainManagement": "AzureManaged", "userEngagementTracking": "Disabled"}
    assert [str(d) for d in acs["properties"]["linkedDomains"]] == ["<emailDomain.id>"]
    assert sender["properties"]["username"] == sender["name"] == "naoresponda"


def test_the_court_domain_is_linked_only_once_verified() -> None:
    unverified = _by_type(
        render_module_resources("communication", main_params={"acsCustomEmailDomain": "tjac.jus.br"})
    )
    domain = unverified["Microsoft.Communication/emailServices/domains"]
    assert domain["name"] == "tjac.jus.br"
    assert domain["properties"] == {
        "domainManagement": "CustomerManaged",
        "userEngagementTracking": "Disabled",
    }
    assert unverified["Microsoft.Communication/communicationServices"]["properties"]["linkedDomains"] == []
    verified = _by_type(
        render_module_resources(
            "communication",
            main_params={"acsCustomEmailDomain": "tjac.jus.br", "acsCustomEmailDomainVerified": "true"},
        )
    )
    linked = verified["Microsoft.Communication/communicationServices"]["properties"]["linkedDomains"]
    assert [str(d) for d in linked] == ["<emailDomain.id>"]


def test_data_location_is_a_parameter() -> None:
    resources = _by_type(
        render_module_resources("communication", main_params={"acsDataLocation": "United States"})
    )
    assert (
        resources["Microsoft.Communication/communicationServices"]["properties"]["dataLocation"]
        == "United States"
    )
    assert resources["Microsoft.Communication/emailServices"]["properties"]["dataLocation"] == "United States"


def test_the_identity_may_send_through_the_acs_resource_and_nothing_more() -> None:
    assert str(render_module_params("rbac")["communicationServiceName"]) == "<communication.outputs.name>"
    parsed = parse_bicep(INFRA / "modules" / "rbac.bicep")
    roles = parsed["variables"]["roles"]["value"]
    resources = parsed["resources"]
    acs_symbols = {
        symbol
        for symbol, r in resources.items()
        if r["type"] == "Microsoft.Communication/communicationServices" and r["existing"]
    }
    assert acs_symbols, "rbac.bicep refers to the ACS resource"
    on_acs = [
        r
        for r in resources.values()
        if r["type"] == "Microsoft.Authorization/roleAssignments"
        and r["config"].get("scope", {}).get("$ref") in acs_symbols
    ]
    assert len(on_acs) == 1, "one role, scoped to the ACS resource (not the resource group)"
    props = on_acs[0]["config"]["properties"]
    role_ref = props["roleDefinitionId"]["function"]["parameters"]["resource_name_1"]["operator"]["operands"]
    assert roles[role_ref["operand_2"]["$ref"]] == COMMUNICATION_AND_EMAIL_SERVICE_OWNER
    assert props["principalId"] == {"$ref": "identityPrincipalId"}
    assert props["principalType"] == "ServicePrincipal"
    assert str(render_module_params("rbac")["identityPrincipalId"]) == "<identity.outputs.principalId>"


def test_acs_app_settings_by_default() -> None:
    assert _acs_settings() == {
        "ACS_ENDPOINT": "<communication.outputs.endpoint>",
        "ACS_SMS_FROM": "",  # no number bought yet: no SMS offered
        "ACS_EMAIL_FROM": "<communication.outputs.senderAddress>",
        "ACS_WHATSAPP_CHANNEL_ID": "",
    }


def test_acs_app_settings_from_the_parameters() -> None:
    assert _acs_settings(
        acsSmsFrom="+5568999990000",
        acsWhatsAppChannelId="c0ffee00-0000-4000-8000-000000000001",
        acsEmailFrom="avisos@tjac.jus.br",
    ) == {
        "ACS_ENDPOINT": "<communication.outputs.endpoint>",
        "ACS_SMS_FROM": "+5568999990000",
        "ACS_EMAIL_FROM": "avisos@tjac.jus.br",
        "ACS_WHATSAPP_CHANNEL_ID": "c0ffee00-0000-4000-8000-000000000001",
    }


def test_no_acs_access_key_is_deployed() -> None:
    settings = {s.name: s.value for s in render_app_settings()}
    assert "ACS_CONNECTION_STRING" not in settings
    assert not [name for name, value in settings.items() if "accesskey=" in value.lower()]
    text = (INFRA / "modules" / "communication.bicep").read_text(encoding="utf-8")
    assert "listKeys" not in text
