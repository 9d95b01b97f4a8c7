"""The Function App's app settings, rendered from the Bicep (tests/infra/bicep_settings.py).

(a) every setting the code reads is deployed, plus each unit's webhook setting from the configuration;
(b) no value carries an account key, a SAS, a storage connection string or a literal secret, and none is
    computed from a @secure() parameter;
(c) secrets are Key Vault references to secrets the deployment manages, resolved with the app's identity.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

from tests.infra.bicep_settings import (
    AppSetting,
    render_app_settings,
    render_function_app_properties,
    render_module_params,
    rendered_app_setting_names,
    webhook_settings_in_config,
)

READ_BY_THE_CODE = {
    "AzureWebJobsStorage__blobServiceUri",
    "AzureWebJobsStorage__queueServiceUri",
    "AzureWebJobsStorage__tableServiceUri",
    "AzureWebJobsStorage__credential",
    "AzureWebJobsStorage__clientId",
    "APPLICATIONINSIGHTS_CONNECTION_STRING",
    "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
    "BALCAO_CONFIG_BLOB",
    "BALCAO_TOKEN_KEYS",
    "BALCAO_ALTCHA_KEY",
    "BALCAO_PUBLIC_BASE_URL",
    "BALCAO_SITE_ORIGINS",
    "GRAPH_TENANT_ID",
    "GRAPH_CLIENT_ID",
    "GRAPH_CLIENT_SECRET",
    "GRAPH_USE_MANAGED_IDENTITY",
    "JITSI_BASE_URL",
    "JITSI_APP_ID",
    "JITSI_JWT_SECRET",
}
FIXED_SECRETS = {
    "GRAPH_CLIENT_SECRET",
    "BALCAO_TOKEN_KEYS",
    "JITSI_JWT_SECRET",
    "BALCAO_ALTCHA_KEY",
    "PUSH_VAPID_PRIVATE_KEY",
}

# Deprecated on Flex Consumption (runtime and deployment live in functionAppConfig), or a connection
# string with a key (AzureWebJobsStorage itself).
NOT_ON_FLEX = {
    "AzureWebJobsStorage",
    "FUNCTIONS_WORKER_RUNTIME",
    "FUNCTIONS_WORKER_RUNTIME_VERSION",
    "FUNCTIONS_EXTENSION_VERSION",
    "WEBSITE_RUN_FROM_PACKAGE",
    "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
    "WEBSITE_CONTENTSHARE",
    "SCM_DO_BUILD_DURING_DEPLOYMENT",
    "ENABLE_ORYX_BUILD",
    "WEBSITE_TIME_ZONE",
    "TZ",
}

KEY_MARKERS = (
    "AccountKey=",
    "SharedAccessSignature",
    "sig=",
    "DefaultEndpointsProtocol",
    "listKeys",
    "primaryKey",
)
SYMBOLIC = re.compile(r"<[^<>]*>")
KV_REFERENCE = re.compile(
    r"^@Microsoft\.KeyVault\(SecretUri=<keyVault\.outputs\.uri>secrets/([A-Za-z0-9-]{1,127})\)$"
)
# A run of 20+ key-like characters in literal text: what a pasted key, token or SAS signature looks like.
KEY_LIKE = re.compile(r"[A-Za-z0-9+/=_\-]{20,}")


# Plain cached functions rather than fixtures: without the infra venv every test then FAILS with the
# install hint, instead of erroring in a fixture.
@functools.cache
def _settings() -> tuple[AppSetting, ...]:
    return tuple(render_app_settings())


def _by_name() -> dict[str, str]:
    return {s.name: s.value for s in _settings()}


def test_every_setting_the_code_reads_is_deployed() -> None:
    settings = _settings()
    names = {s.name for s in settings}
    expected = READ_BY_THE_CODE | webhook_settings_in_config()
    assert not expected - names, f"missing app settings: {sorted(expected - names)}"
    assert rendered_app_setting_names() == names


def test_each_unit_with_a_webhook_gets_its_setting() -> None:
    by_name = _by_name()
    webhooks = webhook_settings_in_config()
    assert webhooks, "infra/config/balcao.json declares no webhookSetting"
    assert webhooks <= set(by_name)
    assert {n for n in by_name if n.startswith("TEAMS_WEBHOOK_")} == webhooks


def test_no_setting_is_declared_twice() -> None:
    settings = _settings()
    names = [s.name for s in settings]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


def test_no_setting_deprecated_on_flex_consumption() -> None:
    by_name = _by_name()
    assert not NOT_ON_FLEX & set(by_name)


def test_no_key_sas_or_storage_connection_string() -> None:
    settings = _settings()
    for s in settings:
        for marker in KEY_MARKERS:
            assert marker.lower() not in s.value.lower(), f"{s.name} contains {marker}"


def test_no_literal_secret_and_no_secure_parameter_in_a_value() -> None:
    settings = _settings()
    for s in settings:
        assert not s.reads_secure_param, f"{s.name} is computed from a @secure() parameter"
        literal = SYMBOLIC.sub("", s.value)
        if KV_REFERENCE.match(s.value):
            continue
        assert not KEY_LIKE.search(literal), f"{s.name} has a literal that looks like a secret: {s.value!r}"


def test_only_connection_string_is_application_insights() -> None:
    by_name = _by_name()
    # The documented exception: it names the component and its endpoint, no secret (local auth is off).
    connection_strings = {n for n in by_name if "CONNECTION" in n.upper()}
    assert connection_strings == {"APPLICATIONINSIGHTS_CONNECTION_STRING"}
    assert by_name["APPLICATIONINSIGHTS_CONNECTION_STRING"] == "<monitoring.outputs.connectionString>"
    assert (
        by_name["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]
        == "Authorization=AAD;ClientId=<identity.outputs.clientId>"
    )


def test_storage_is_reached_with_the_managed_identity() -> None:
    by_name = _by_name()
    assert by_name["AzureWebJobsStorage__credential"] == "managedidentity"
    assert by_name["AzureWebJobsStorage__clientId"] == "<identity.outputs.clientId>"
    for service in ("blob", "queue", "table"):
        assert by_name[f"AzureWebJobsStorage__{service}ServiceUri"] == f"<storage.outputs.{service}Endpoint>"


def test_secrets_are_key_vault_references_to_managed_secrets() -> None:
    by_name = _by_name()
    managed = {r["setting"]: r["secretName"] for r in render_module_params("keyVault")["secretRefs"]}
    for name in FIXED_SECRETS | webhook_settings_in_config():
        match = KV_REFERENCE.match(by_name[name])
        assert match, f"{name} is not a Key Vault reference: {by_name[name]!r}"
        assert match.group(1) == name.replace("_", "-")
        assert managed.get(name) == match.group(1), (
            f"{name}: secret {match.group(1)} not managed by keyvault.bicep"
        )


def test_key_vault_references_resolve_with_the_user_assigned_identity() -> None:
    props = render_function_app_properties()
    assert str(props["keyVaultReferenceIdentity"]) == "<identity.outputs.id>"


def test_plain_settings_have_their_values() -> None:
    by_name = _by_name()
    assert by_name["BALCAO_CONFIG_BLOB"] == "config/balcao.json"
    assert by_name["BALCAO_PUBLIC_BASE_URL"] == "https://<staticWebApp.outputs.defaultHostname>"
    assert by_name["GRAPH_USE_MANAGED_IDENTITY"] in ("true", "false")
    # The configuration blob the app reads is the one the deployment script uploads.
    upload = render_module_params("configUpload")
    assert f"{upload['containerName']}/{upload['blobName']}" == by_name["BALCAO_CONFIG_BLOB"]
    config = json.loads((Path(__file__).resolve().parents[2] / "infra/config/balcao.json").read_text("utf-8"))
    assert json.loads(upload["configJson"]) == config


def test_site_origins_and_cors_are_the_same_list() -> None:
    props = render_function_app_properties(
        main_params={"extraSiteOrigins": " https://www.trf1.jus.br, ,https://www.tjac.jus.br "}
    )
    settings = {s["name"]: s["value"] for s in props["siteConfig"]["appSettings"]}
    origins = settings["BALCAO_SITE_ORIGINS"].split(",")
    assert origins == [
        "https://<staticWebApp.outputs.defaultHostname>",
        "https://www.trf1.jus.br",
        "https://www.tjac.jus.br",
    ]
    assert [str(o) for o in props["siteConfig"]["cors"]["allowedOrigins"]] == origins
    assert props["siteConfig"]["cors"]["supportCredentials"] is False


def test_public_base_url_can_be_the_court_domain() -> None:
    settings = render_app_settings(main_params={"publicBaseUrl": "https://balcao.tjac.jus.br"})
    assert {s.name: s.value for s in settings}["BALCAO_PUBLIC_BASE_URL"] == "https://balcao.tjac.jus.br"


def test_webhook_settings_follow_the_configuration_file(tmp_path: Path) -> None:
    config = {
        "courts": [],
        "units": [
            {"id": "a", "webhookSetting": "TEAMS_WEBHOOK_A"},
            {"id": "b", "webhookSetting": "TEAMS_WEBHOOK_SHARED"},
            {"id": "c", "webhookSetting": "TEAMS_WEBHOOK_SHARED"},
            {"id": "d", "webhookSetting": None},
            {"id": "e"},
        ],
        "staff": [],
    }
    path = tmp_path / "balcao.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    names = [s.name for s in render_app_settings(config_path=path)]
    webhooks = [n for n in names if n.startswith("TEAMS_WEBHOOK_")]
    assert webhooks == ["TEAMS_WEBHOOK_A", "TEAMS_WEBHOOK_SHARED"]
    secret_names = [r["secretName"] for r in render_module_params("keyVault", config_path=path)["secretRefs"]]
    assert secret_names[-2:] == ["TEAMS-WEBHOOK-A", "TEAMS-WEBHOOK-SHARED"]


def test_flex_consumption_runtime_and_deployment_use_the_identity() -> None:
    props = render_function_app_properties()
    config = props["functionAppConfig"]
    assert config["runtime"] == {"name": "python", "version": "3.11"}
    storage = config["deployment"]["storage"]
    assert storage["type"] == "blobContainer"
    assert storage["authentication"]["type"] == "UserAssignedIdentity"
    assert str(storage["authentication"]["userAssignedIdentityResourceId"]) == "<identity.outputs.id>"
    for deprecated in ("linuxFxVersion", "alwaysOn", "ftpsState", "functionAppScaleLimit"):
        assert deprecated not in props["siteConfig"], f"{deprecated} is deprecated on Flex Consumption"
    assert props["httpsOnly"] is True
    assert props["siteConfig"]["minTlsVersion"] == "1.2"
