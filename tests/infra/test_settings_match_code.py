"""Every app setting the Python code reads is deployed by the Bicep, and none is a connection string
or a key (issue 8, "What it must show").

The names are collected from the code itself, not from a list kept by hand: every `.get("NAME")`,
`.secret("NAME")`, `.flag("NAME")`, `os.environ["NAME"]` and `os.getenv("NAME")` in function_app.py,
functions/ and adapters/ whose argument looks like a setting (upper-case, or the `AzureWebJobsStorage`
family), f-strings over the storage connection prefix expanded as adapters/storage.py builds them, and the
units' `webhookSetting` names that the composition root reads from the configuration. They are compared
with `rendered_app_setting_names()` (the app settings rendered from infra/*.bicep).
"""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.infra.bicep_settings import (
    render_app_settings,
    rendered_app_setting_names,
    webhook_settings_in_config,
)

REPO = Path(__file__).resolve().parents[2]
SCANNED = [
    REPO / "function_app.py",
    *sorted((REPO / "functions").glob("*.py")),
    *sorted((REPO / "adapters").glob("*.py")),
]
SETTING = re.compile(r"^(?:[A-Z][A-Z0-9_]*[A-Z0-9]|AzureWebJobs\w+)$")
ACCESSORS = {"get", "secret", "flag", "getenv"}

# Placeholders of f-string setting names and of names passed as variables, with what they take
# (adapters/storage.py: one connection, three services).
PLACEHOLDERS = {
    "prefix": ("AzureWebJobsStorage",),
    "service": ("table", "queue", "blob"),
    "channel_upper": ("PUSH", "WHATSAPP", "SMS", "EMAIL"),  # functions/bootstrap.py: citizen notices
}

# Read by the code, deliberately not deployed. Each with its reason.
NOT_DEPLOYED = {
    "AzureWebJobsStorage": "a connection string with a key: Azurite locally; in Azure the identity-based "
    "AzureWebJobsStorage__* settings are deployed and the account has shared keys disabled",
    "AzureWebJobsStorage__accountName": "an alternative to the three service URIs, which the Bicep sets",
    "BALCAO_ALWAYS_OPEN": "demo and test switch that keeps every unit open; must never be on in production",
    "BALCAO_CONFIG_TTL_SECONDS": "tests shorten the configuration cache; production keeps the 30 s default",
    "GRAPH_BASE_URL": "tests point Graph at a local fake; production uses https://graph.microsoft.com/v1.0",
    "TEAMS_LOBBY_SCOPE": "optional override; the default (organization) is the decision in the README",
    "JITSI_ROOM_SECRET": "optional; rooms default to a key from BALCAO_TOKEN_KEYS, a Key Vault secret",
    "BALCAO_RETENTION_DAYS": "optional; personal data is kept 30 days by default (domain/retention.py)",
    "BALCAO_SYNC_CONFIG_ON_START": "optional switch for a sync when an instance starts in Azure; off by "
    "default: Flex Consumption starts instances often and the minute schedule applies a change",
    "ACS_CONNECTION_STRING": "an ACS access key (HMAC): local runs and tests only; in Azure the app "
    "reaches ACS_ENDPOINT with its managed identity, which holds a role on the resource (rbac.bicep)",
    **{
        f"CITIZEN_NOTICE_RATE_{channel}": "optional tuning of a notice channel's pace across instances; "
        "the defaults in functions/bootstrap.py (CHANNEL_RATES) follow each provider's documented limits"
        for channel in ("PUSH", "WHATSAPP", "SMS", "EMAIL")
    },
    "PUSH_ENDPOINT_HOSTS": "optional: push service hosts beyond the browsers' own (FCM, Mozilla, WNS, "
    "Apple), which the code accepts by default; a court adds one only for another browser's push service",
    "WEBSITE_AUTH_ENABLED": "set by the platform itself when App Service authentication is on (apiauth.bicep "
    "turns it on); in Azure the app refuses principal headers without it (functions/identity.py)",
}


@dataclass(frozen=True)
class Read:
    name: str
    where: str


def _names(node: ast.expr) -> list[str] | None:
    """The setting names an argument can take, or None when it is not a setting name."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Name) and node.id in PLACEHOLDERS:
        return list(PLACEHOLDERS[node.id])
    if isinstance(node, ast.JoinedStr):
        literal = "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
        if not re.search(r"__|[A-Z]{2,}|AzureWebJobs", literal):
            return None  # f"{name}{i}" and the like: entity properties, not settings
        pieces: list[tuple[str, ...]] = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                pieces.append((str(value.value),))
            else:
                field = ast.unparse(value)
                assert isinstance(value, ast.FormattedValue) and isinstance(value.value, ast.Name), field
                assert value.value.id in PLACEHOLDERS, f"teach PLACEHOLDERS the setting name field {field}"
                pieces.append(PLACEHOLDERS[value.value.id])
        return ["".join(p) for p in itertools.product(*pieces)]
    return None


def settings_read_by_the_code() -> Iterator[Read]:
    for path in SCANNED:
        tree = ast.parse(path.read_text("utf-8"), filename=str(path))
        rel = path.relative_to(REPO)
        for node in ast.walk(tree):
            arg: ast.expr | None = None
            if isinstance(node, ast.Call) and node.args:
                func = node.func
                name = (
                    func.attr
                    if isinstance(func, ast.Attribute)
                    else func.id
                    if isinstance(func, ast.Name)
                    else ""
                )
                if name in ACCESSORS:
                    arg = node.args[0]
            elif isinstance(node, ast.Subscript) and ast.unparse(node.value) in ("os.environ", "environ"):
                arg = node.slice
            if arg is None:
                continue
            for candidate in _names(arg) or []:
                if SETTING.match(candidate):
                    yield Read(candidate, f"{rel}:{getattr(node, 'lineno', 0)}")


def test_the_scanner_finds_what_the_composition_root_reads() -> None:
    found = {r.name for r in settings_read_by_the_code()}
    # A sample across the kinds of reads: plain, secret, flag, f-string prefix, os.environ, telemetry.
    assert {
        "BALCAO_PUBLIC_BASE_URL",
        "BALCAO_TOKEN_KEYS",
        "GRAPH_USE_MANAGED_IDENTITY",
        "AzureWebJobsStorage__queueServiceUri",
        "AzureWebJobsStorage__credential",
        "BALCAO_CONFIG_BLOB",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
        "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
    } <= found


def test_every_setting_the_code_reads_is_deployed() -> None:
    reads = list(settings_read_by_the_code())
    code = {r.name for r in reads}
    # functions/bootstrap.py reads each unit's webhook from the setting named in the configuration.
    assert "webhook_setting" in (REPO / "functions" / "bootstrap.py").read_text("utf-8")
    needed = code | webhook_settings_in_config()
    deployed = rendered_app_setting_names()
    missing = sorted(needed - deployed - set(NOT_DEPLOYED))
    where = {name: [r.where for r in reads if r.name == name] for name in missing}
    print(
        f"\nsettings read by the code: {len(needed)}; deployed: {len(needed & deployed)}; "
        f"deliberately not deployed: {sorted(needed & set(NOT_DEPLOYED))}"
    )
    assert not missing, f"read by the code but not deployed by infra/: {where}"


def test_the_exceptions_are_still_true() -> None:
    code = {r.name for r in settings_read_by_the_code()}
    deployed = rendered_app_setting_names()
    assert not set(NOT_DEPLOYED) - code, f"no longer read by the code: {sorted(set(NOT_DEPLOYED) - code)}"
    assert not set(NOT_DEPLOYED) & deployed, f"now deployed: {sorted(set(NOT_DEPLOYED) & deployed)}"


def test_no_connection_string_or_key_is_deployed() -> None:
    markers = (
        "accountkey=",
        "sharedaccesssignature",
        "sig=",
        "defaultendpointsprotocol",
        "listkeys(",
        "primarykey",
    )
    for setting in render_app_settings():
        value = setting.value.lower()
        assert not any(m in value for m in markers), f"{setting.name} carries a key: {setting.value!r}"
        if "CONNECTION" in setting.name.upper():
            # The one documented exception: it names the component; local auth is disabled on it.
            assert setting.name == "APPLICATIONINSIGHTS_CONNECTION_STRING", setting.name
    assert "AzureWebJobsStorage" not in rendered_app_setting_names()
