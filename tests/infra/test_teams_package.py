"""The Teams app package: the manifest validates against the Teams schema v1.29 (a copy under
tests/schemas/teams, MIT, so nothing is downloaded), declares what issue 15 asks for, is filled from the
deployment's settings (bad settings refused with a message), and the zip holds exactly what Teams reads."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator, Draft6Validator, FormatChecker, validators

from infra import teams_package
from infra.teams_package import PackageError

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "tests" / "schemas" / "teams" / "MicrosoftTeams.v1.29.schema.json"
SCHEMA = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
APP_ID = "0b1c2d3e-4f50-4617-8283-94a5b6c7d8e9"
CLIENT_ID = "11111111-2222-4333-8444-555555555555"
SETTINGS = {
    "BALCAO_SITE_URL": "https://balcao.trf1.jus.br",
    "BALCAO_TEAMS_APP_ID": APP_ID,
    "BALCAO_ENTRA_CLIENT_ID": CLIENT_ID,
}

# The schema says draft-04 but uses `const` (draft-06) for manifestVersion: honour both.
ManifestValidator = validators.extend(Draft4Validator, {"const": Draft6Validator.VALIDATORS["const"]})


def schema_errors(manifest: dict[str, Any]) -> list[str]:
    validator = ManifestValidator(SCHEMA, format_checker=FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(manifest)]


def test_the_validator_refuses_what_the_schema_refuses() -> None:
    manifest = teams_package.manifest(SETTINGS)
    for broken in (
        {k: v for k, v in manifest.items() if k != "accentColor"},  # required
        {**manifest, "manifestVersion": "1.28"},  # const
        {**manifest, "id": "not-a-guid"},  # pattern
        {**manifest, "staticTabs": [{"entityId": "x", "scopes": ["everyone"], "name": "X"}]},  # enum
        {**manifest, "unknownField": 1},  # additionalProperties
    ):
        assert schema_errors(broken), broken


def test_filled_manifest_validates_against_the_v1_29_schema() -> None:
    manifest = teams_package.manifest(SETTINGS)
    assert schema_errors(manifest) == []
    assert manifest["manifestVersion"] == "1.29"


def test_manifest_declares_the_tabs_sso_and_domains() -> None:
    manifest = teams_package.manifest({**SETTINGS, "BALCAO_TEAMS_VALID_DOMAINS": "meet.tjac.jus.br"})
    tabs = {t["entityId"]: t for t in manifest["staticTabs"]}
    assert [t["name"] for t in manifest["staticTabs"]] == ["Fila", "Serventias", "Painel", "Sobre"]
    site = "https://balcao.trf1.jus.br"
    assert tabs["fila"]["contentUrl"] == f"{site}/servidor.html?teams=1"
    assert tabs["serventias"]["contentUrl"] == f"{site}/serventias.html?teams=1"
    assert tabs["painel"]["contentUrl"] == f"{site}/painel.html?teams=1"
    assert tabs["sobre"]["contentUrl"] == f"{site}/sobre.html?teams=1"
    assert all(t["scopes"] == ["personal"] for t in tabs.values())
    (channel,) = manifest["configurableTabs"]
    assert channel["configurationUrl"] == f"{site}/configurar.html?teams=1"
    assert channel["scopes"] == ["team"] and channel["context"] == ["channelTab"]
    assert manifest["webApplicationInfo"] == {
        "id": CLIENT_ID,
        "resource": f"api://balcao.trf1.jus.br/{CLIENT_ID}",
    }
    assert manifest["validDomains"] == ["balcao.trf1.jus.br", "meet.tjac.jus.br"]
    assert manifest["id"] == APP_ID
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"BALCAO_SITE_URL": "http://balcao.trf1.jus.br"}, "BALCAO_SITE_URL"),
        ({"BALCAO_SITE_URL": ""}, "BALCAO_SITE_URL"),
        ({"BALCAO_TEAMS_APP_ID": "abc"}, "BALCAO_TEAMS_APP_ID"),
        ({"BALCAO_ENTRA_CLIENT_ID": ""}, "BALCAO_ENTRA_CLIENT_ID"),
        ({"BALCAO_TEAMS_APP_ID_URI": f"api://outro.jus.br/{CLIENT_ID}"}, "BALCAO_TEAMS_APP_ID_URI"),
        ({"BALCAO_TEAMS_APP_VERSION": "v2"}, "BALCAO_TEAMS_APP_VERSION"),
        ({"BALCAO_TEAMS_VALID_DOMAINS": "https://meet.example/x"}, "BALCAO_TEAMS_VALID_DOMAINS"),
        ({"BALCAO_TEAMS_DEVELOPER": "T" * 33}, "BALCAO_TEAMS_DEVELOPER"),
    ],
)
def test_bad_settings_are_refused_naming_the_setting(change: dict[str, str], complaint: str) -> None:
    with pytest.raises(PackageError, match=complaint):
        teams_package.manifest({**SETTINGS, **change})


def test_a_value_cannot_break_out_of_its_json_string() -> None:
    manifest = teams_package.manifest({**SETTINGS, "BALCAO_TEAMS_DEVELOPER": 'Tribunal "X", \\ Y'})
    assert manifest["developer"]["name"] == 'Tribunal "X", \\ Y'
    assert schema_errors(manifest) == []


def test_zip_holds_the_manifest_and_icons_at_its_root(tmp_path: Path) -> None:
    out = teams_package.build(SETTINGS, tmp_path / "a.zip")
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        assert schema_errors(manifest) == []
        assert "${{" not in archive.read("manifest.json").decode()
        for icon in ("color.png", "outline.png"):
            assert archive.read(icon) == (ROOT / "appPackage" / icon).read_bytes()
    # The same settings give the same bytes (fixed timestamps, fixed order).
    again = teams_package.build(SETTINGS, tmp_path / "b.zip")
    assert out.read_bytes() == again.read_bytes()


def make_package(env_file: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """`make teams-package` as a court runs it, with nothing but the system's PATH."""
    return subprocess.run(
        ["make", "-s", "teams-package", f"ENV_FILE={env_file}", f"TEAMS_PACKAGE={out}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin"},
    )


def test_make_teams_package_reads_the_azd_environment_file(tmp_path: Path) -> None:
    env_file = tmp_path / "teams.env"
    env_file.write_text("".join(f'{k}="{v}"\n' for k, v in SETTINGS.items()), encoding="utf-8")
    out = tmp_path / "pkg.zip"
    proc = make_package(env_file, out)
    assert proc.returncode == 0, proc.stderr
    with zipfile.ZipFile(io.BytesIO(out.read_bytes())) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["validDomains"] == ["balcao.trf1.jus.br"]
    # Missing settings: a message naming the setting, and no package.
    env_file.write_text(f'BALCAO_SITE_URL="{SETTINGS["BALCAO_SITE_URL"]}"\n', encoding="utf-8")
    missing = tmp_path / "none.zip"
    proc = make_package(env_file, missing)
    assert proc.returncode != 0
    assert "BALCAO_TEAMS_APP_ID" in proc.stderr
    assert not missing.exists()


def test_the_vendored_teams_js_is_the_pinned_package_byte_for_byte() -> None:
    """site/ is deployed as it is (no build step), so TeamsJS is committed; it must stay the package
    package.json pins (npm ci installs it), with its license next to it."""
    pinned = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["devDependencies"][
        "@microsoft/teams-js"
    ]
    package = ROOT / "node_modules" / "@microsoft" / "teams-js"
    assert json.loads((package / "package.json").read_text(encoding="utf-8"))["version"] == pinned
    vendored = ROOT / "site" / "assets" / "vendor" / "teams-js"
    assert (vendored / "MicrosoftTeams.min.js").read_bytes() == (
        package / "dist" / "umd" / "MicrosoftTeams.min.js"
    ).read_bytes()
    assert (vendored / "LICENSE").read_text(encoding="utf-8") == (package / "LICENSE").read_text(
        encoding="utf-8"
    )
    assert f'const version = "{pinned}"' in (package / "dist" / "umd" / "MicrosoftTeams.js").read_text(
        encoding="utf-8"
    )
