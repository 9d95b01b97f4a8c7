"""`make teams-package`: the Teams app package (a zip to upload in the Teams admin center) built from
the deployment's settings.

`appPackage/` follows the Teams Toolkit layout: `manifest.json` (schema v1.29) with `${{NAME}}`
placeholders, `color.png` and `outline.png` (drawn by `infra/teams_icons.py`). The placeholders are
filled from these settings — the same names azd keeps for the environment (`azd env get-values`), so
`azd env get-values > .azure/teams.env` and `--env-file .azure/teams.env` is enough; environment
variables win over the file:

- `BALCAO_SITE_URL` (azd output, https): the site that serves the tabs (`TAB_ENDPOINT`, `TAB_DOMAIN`);
- `BALCAO_TEAMS_APP_ID`: the Teams app's id (`TEAMS_APP_ID`), a GUID made once and kept;
- `BALCAO_ENTRA_CLIENT_ID`: the app registration the Function App's Easy Auth uses (`AAD_APP_CLIENT_ID`);
- `BALCAO_TEAMS_APP_ID_URI` (optional): its Application ID URI (`AAD_APP_ID_URI`), by default
  `api://<site host>/<client id>`;
- `BALCAO_TEAMS_APP_VERSION` (optional, semver, 1.0.0): raise it for every new upload (`APP_VERSION`);
- `BALCAO_TEAMS_DEVELOPER` (optional, at most 32 characters): the court's name (`DEVELOPER_NAME`);
- `BALCAO_TEAMS_VALID_DOMAINS` (optional): comma-separated domains added to `validDomains`.

Teams SSO only issues a token when `webApplicationInfo.resource` is the app registration's Application
ID URI *and* names the domain the tabs are loaded from, so a URI for another host is refused here
rather than failing silently inside Teams.

The zip holds the three files at its root (what Teams requires), with fixed timestamps, so the same
settings always give the same bytes. Standard library only.

    python infra/teams_package.py [--env-file .azure/teams.env] [--out appPackage/build/appPackage.zip]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
APP_PACKAGE = ROOT / "appPackage"
DEFAULT_OUT = APP_PACKAGE / "build" / "appPackage.zip"
FILES = ("manifest.json", "color.png", "outline.png")
ZIP_TIME = (2026, 1, 1, 0, 0, 0)

_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
_DOMAIN = re.compile(r"^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d+)?$")
_PLACEHOLDER = re.compile(r"\$\{\{([A-Z0-9_]+)\}\}")


class PackageError(ValueError):
    """A setting is missing or wrong: the message says which and how to fix it."""


def read_env_file(path: Path) -> dict[str, str]:
    """`KEY=value` or `KEY="value"` lines, as `azd env get-values` prints them."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def placeholders(settings: Mapping[str, str]) -> dict[str, str]:
    """The values of the manifest's placeholders, checked; PackageError names what is wrong."""
    site = settings.get("BALCAO_SITE_URL", "").strip().rstrip("/")
    parts = urlsplit(site)
    if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment:
        raise PackageError(f"BALCAO_SITE_URL must be the site's https address (azd output), not {site!r}")
    domain = parts.netloc.lower()
    app_id = settings.get("BALCAO_TEAMS_APP_ID", "").strip()
    if not _GUID.match(app_id):
        raise PackageError("BALCAO_TEAMS_APP_ID must be a GUID (make one once, e.g. uuidgen, and keep it)")
    client_id = settings.get("BALCAO_ENTRA_CLIENT_ID", "").strip()
    if not _GUID.match(client_id):
        raise PackageError("BALCAO_ENTRA_CLIENT_ID must be the client id (GUID) of the app registration")
    id_uri = settings.get("BALCAO_TEAMS_APP_ID_URI", "").strip() or f"api://{domain}/{client_id}"
    if id_uri.lower() != f"api://{domain}/{client_id}".lower():
        raise PackageError(
            f"BALCAO_TEAMS_APP_ID_URI must be api://{domain}/{client_id}: Teams SSO needs the Application ID "
            "URI of the registration to name the domain the tabs load from"
        )
    version = settings.get("BALCAO_TEAMS_APP_VERSION", "").strip() or "1.0.0"
    if not _SEMVER.match(version):
        raise PackageError(f"BALCAO_TEAMS_APP_VERSION must look like 1.0.0, not {version!r}")
    developer = settings.get("BALCAO_TEAMS_DEVELOPER", "").strip() or "Balcão Virtual"
    if len(developer) > 32:
        raise PackageError("BALCAO_TEAMS_DEVELOPER must have at most 32 characters")
    return {
        "TAB_ENDPOINT": f"https://{domain}{parts.path}",
        "TAB_DOMAIN": domain,
        "TEAMS_APP_ID": app_id.lower(),
        "AAD_APP_CLIENT_ID": client_id.lower(),
        "AAD_APP_ID_URI": id_uri,
        "APP_VERSION": version,
        "DEVELOPER_NAME": developer,
    }


def extra_domains(settings: Mapping[str, str]) -> list[str]:
    listed = settings.get("BALCAO_TEAMS_VALID_DOMAINS", "").split(",")
    domains = [d.strip().lower() for d in listed if d.strip()]
    for domain in domains:
        if not _DOMAIN.match(domain):
            raise PackageError(f"BALCAO_TEAMS_VALID_DOMAINS: {domain!r} is not a domain (no scheme, no path)")
    return domains


def manifest(settings: Mapping[str, str], template: str | None = None) -> dict[str, object]:
    """The manifest with every placeholder filled (JSON-escaped) and the extra valid domains added."""
    values = placeholders(settings)
    text = template if template is not None else (APP_PACKAGE / "manifest.json").read_text(encoding="utf-8")

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise PackageError(f"manifest.json uses ${{{{{name}}}}}, which no setting fills")
        return json.dumps(values[name])[1:-1]

    data: dict[str, object] = json.loads(_PLACEHOLDER.sub(fill, text))
    domains = data.setdefault("validDomains", [])
    if not isinstance(domains, list):
        raise PackageError("manifest.json: validDomains must be a list")
    for domain in extra_domains(settings):
        if domain not in domains:
            domains.append(domain)
    return data


def build(settings: Mapping[str, str], out: Path = DEFAULT_OUT) -> Path:
    data = manifest(settings)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in FILES:
            content = (
                (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
                if name == "manifest.json"
                else (APP_PACKAGE / name).read_bytes()
            )
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the Balcão Virtual Teams app package.")
    parser.add_argument("--env-file", help="azd environment values (azd env get-values > file)")
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    args = parser.parse_args(argv)
    settings: dict[str, str] = read_env_file(Path(args.env_file)) if args.env_file else {}
    settings.update({k: v for k, v in os.environ.items() if k.startswith("BALCAO_")})
    try:
        out = build(settings, Path(args.out))
    except PackageError as exc:
        print(f"teams-package: {exc}", file=sys.stderr)
        return 2
    print(f"{out} (upload it in the Teams admin center: Teams apps > Manage apps > Upload new app)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
