"""staticwebapp.config.json: sign-in with the court's Entra ID tenant only, every other provider blocked,
no route gated by role at the edge (the Function App decides: Teams tabs have no SWA session); the
Azure copy pins the tenant and the emulator copy differs only by the custom registration (the SWA CLI
cannot run the real flow offline).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from functions import authz
from tests.infra.test_azd import _azure_yaml
from tests.support.front_door import ROOT, SITE, site_config

CONFIG: dict[str, Any] = json.loads((SITE / "staticwebapp.config.json").read_text(encoding="utf-8"))
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
# Every provider Static Web Apps offers besides Entra ID (preconfigured GitHub, former Twitter, and the
# custom ones a file could add).
OTHER_PROVIDERS = ("github", "twitter", "google", "facebook", "apple")


def rule_for(path: str) -> dict[str, Any] | None:
    """The first route of the file that matches `path` (SWA: first match wins; `*` only at the end)."""
    for rule in CONFIG["routes"]:
        route = rule["route"]
        if (route.endswith("*") and path.startswith(route[:-1])) or route == path:
            return dict(rule)
    return None


def test_only_entra_id_is_configured_and_the_issuer_waits_for_the_tenant() -> None:
    providers = CONFIG["auth"]["identityProviders"]
    assert list(providers) == ["azureActiveDirectory"]
    registration = providers["azureActiveDirectory"]["registration"]
    assert registration["openIdIssuer"] == "https://login.microsoftonline.com/__BALCAO_ENTRA_TENANT_ID__/v2.0"
    # The setting names are the Static Web App's app settings the Bicep deploys.
    bicep = (ROOT / "infra" / "modules" / "staticwebapp.bicep").read_text(encoding="utf-8")
    for setting in (registration["clientIdSettingName"], registration["clientSecretSettingName"]):
        assert re.search(rf"^\s*{setting}:", bicep, re.MULTILINE), setting


@pytest.mark.parametrize("provider", OTHER_PROVIDERS)
def test_every_other_provider_is_blocked(provider: str) -> None:
    assert rule_for(f"/.auth/login/{provider}") == {"route": f"/.auth/login/{provider}", "statusCode": 404}


def staff_api_prefixes() -> set[str]:
    """First segment of every API route the authorization table keeps from the public and citizens."""
    open_roles = {authz.Role.ANONYMOUS, authz.Role.CITIZEN}
    staff = [template for (_, template), rule in authz.ROUTES.items() if not rule.roles & open_roles]
    return {template.split("/")[0] for template in staff}


STAFF_PAGES = ("/servidor.html", "/painel.html", "/serventias.html", "/configurar.html")


def test_nothing_is_gated_at_the_edge_the_function_app_decides() -> None:
    """Issue 15: inside Teams a tab has no Static Web Apps session (Entra ID's sign-in cannot run in
    Teams' frame), so a page or API route that needs the SWA's `authenticated` role would never open as
    a tab: its Teams SSO token travels in `X-Balcao-Authorization` to the Function App, which decides
    (the SWA principal or the Teams token, functions/identity.py). So no route is gated by role at the
    edge; every staff API route is in the authorization table with staff roles only (below), and the
    pages are shells that hold no data (their sign-in panel shows on the API's 401)."""
    gated = [rule["route"] for rule in CONFIG["routes"] if "allowedRoles" in rule]
    assert gated == []
    assert {"clerk", "gestao", "metrics"} <= staff_api_prefixes()
    open_roles = {authz.Role.ANONYMOUS, authz.Role.CITIZEN}
    for (_, template), rule in authz.ROUTES.items():
        if template.split("/")[0] in {"clerk", "gestao"}:
            assert not rule.roles & open_roles, template


def test_an_api_401_reaches_the_page_as_it_is_and_each_staff_page_offers_the_sign_in() -> None:
    """No 401 override: it would turn the API's problem+json into a page the console cannot read."""
    assert "responseOverrides" not in CONFIG or "401" not in CONFIG["responseOverrides"]
    for path in STAFF_PAGES[:3]:
        page = (SITE / path.lstrip("/")).read_text(encoding="utf-8")
        assert "Entre com sua conta institucional" in page, path


def test_the_azure_copy_pins_the_tenant_and_refuses_anything_else() -> None:
    module = site_config()
    pinned = module.for_azure(CONFIG, TENANT.upper())
    issuer = pinned["auth"]["identityProviders"]["azureActiveDirectory"]["registration"]["openIdIssuer"]
    assert issuer == f"https://login.microsoftonline.com/{TENANT}/v2.0"
    rest = {k: v for k, v in CONFIG.items() if k != "auth"}
    assert {k: v for k, v in pinned.items() if k != "auth"} == rest
    for bad in ("", "common", "organizations", "contoso.onmicrosoft.com", TENANT + "/x"):
        with pytest.raises(ValueError):
            module.for_azure(CONFIG, bad)


def test_the_emulator_copy_differs_only_by_the_custom_registration() -> None:
    local = site_config().for_emulator(CONFIG)
    assert "auth" not in local
    assert local == {k: v for k, v in CONFIG.items() if k != "auth"}


def test_azd_packages_the_site_with_the_tenant_pinned(tmp_path: Path) -> None:
    web = _azure_yaml()["services"]["web"]
    assert web["dist"] == "../.build/site"
    hook = web["hooks"]["prepackage"]["run"]
    assert "site_config.py azure" in hook and "$AZURE_TENANT_ID" in hook and "--out ../.build/site" in hook
    # The hook's command, run as azd would (from the service folder), with a tenant.
    out = tmp_path / "build"
    script = ROOT / "infra" / "site_config.py"
    args = [sys.executable, str(script), "azure", "--tenant", TENANT, "--site", ".", "--out", str(out)]
    done = subprocess.run(args, cwd=SITE, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    built = json.loads((out / "staticwebapp.config.json").read_text(encoding="utf-8"))
    assert TENANT in json.dumps(built["auth"])
    assert (out / "servidor.html").read_bytes() == (SITE / "servidor.html").read_bytes()
    refused = subprocess.run(
        [*args[:4], "", *args[5:]], cwd=SITE, capture_output=True, text=True, timeout=60, check=False
    )
    assert refused.returncode == 2 and "GUID" in refused.stderr
