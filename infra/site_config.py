"""The Static Web App's configuration for Azure (tenant pinned) and for the local emulator (SWA CLI).

`site/staticwebapp.config.json` is written once, with the Entra ID registration's issuer holding
`__BALCAO_ENTRA_TENANT_ID__`: the court's tenant is a deployment parameter (the Bicep's `entraTenantId`,
azd's `AZURE_TENANT_ID` output), not something to commit. Two copies are made from it:

- **Azure** (`azd package`, the `web` service's prepackage hook in azure.yaml): the site is copied to
  `.build/site` with the issuer `https://login.microsoftonline.com/<tenant>/v2.0`, so only accounts of
  the court's tenant can sign in; every other provider is blocked by the file's routes.
- **Emulator** (`make run`, the browser tests): the same file without `auth.identityProviders`. With a
  custom registration the SWA CLI runs the real OpenID Connect flow against the tenant, which needs the
  internet and a client secret; without it, its own login page stands in for Entra ID and sends the
  same Static Web Apps principal to the API. Routes, roles, headers (CSP) and overrides are unchanged.

Standard library only: azd runs it before anything is installed.

    python infra/site_config.py azure --tenant <tenant-id> [--site site] [--out .build/site]
    python infra/site_config.py emulator [--site site] [--out .swa]
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

CONFIG_NAME = "staticwebapp.config.json"
TENANT_PLACEHOLDER = "__BALCAO_ENTRA_TENANT_ID__"
_TENANT = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def load(site: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((site / CONFIG_NAME).read_text(encoding="utf-8"))
    return data


def for_azure(config: dict[str, Any], tenant_id: str) -> dict[str, Any]:
    """The configuration with the Entra ID issuer pinned to `tenant_id` (a GUID)."""
    if not _TENANT.match(tenant_id or ""):
        raise ValueError(f"the Entra tenant id must be a GUID, not {tenant_id!r}")
    pinned = copy.deepcopy(config)
    registration = pinned["auth"]["identityProviders"]["azureActiveDirectory"]["registration"]
    issuer = str(registration["openIdIssuer"])
    if TENANT_PLACEHOLDER not in issuer:
        raise ValueError(f"the issuer in {CONFIG_NAME} has no {TENANT_PLACEHOLDER} to replace")
    registration["openIdIssuer"] = issuer.replace(TENANT_PLACEHOLDER, tenant_id.lower())
    return pinned


def for_emulator(config: dict[str, Any]) -> dict[str, Any]:
    """The configuration without the custom identity providers (the emulator's login page instead)."""
    local = copy.deepcopy(config)
    auth = local.get("auth", {})
    auth.pop("identityProviders", None)
    if not auth:
        local.pop("auth", None)
    return local


def write(config: dict[str, Any], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / CONFIG_NAME
    target.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", choices=("azure", "emulator"))
    parser.add_argument("--site", type=Path, default=Path("site"))
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--tenant", default="")
    args = parser.parse_args(argv)
    config = load(args.site)
    if args.target == "emulator":
        written = write(for_emulator(config), args.out or Path(".swa"))
    else:
        try:
            pinned = for_azure(config, args.tenant)
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 2
        out = args.out or Path(".build/site")
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(args.site, out)
        written = write(pinned, out)
    print(f"{written}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
