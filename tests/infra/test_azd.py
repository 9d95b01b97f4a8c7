"""azure.yaml and infra/main.parameters.json agree with main.bicep (what `azd up` reads)."""

from __future__ import annotations

import json
import re
import subprocess
from typing import Any

from tests.infra.bicep_settings import INFRA, MAIN_BICEP, REPO, infra_tool, parse_bicep


def _azure_yaml() -> dict[str, Any]:
    # PyYAML is in the infra venv (a checkov dependency), not in the project venv.
    code = (
        "import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1], encoding='utf-8')), sys.stdout)"
    )
    proc = subprocess.run(
        [str(infra_tool("python")), "-c", code, str(REPO / "azure.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def test_azure_yaml_declares_the_function_app_and_the_static_site() -> None:
    data = _azure_yaml()
    assert data["infra"] == {"provider": "bicep", "path": "infra", "module": "main"}
    api, web = data["services"]["api"], data["services"]["web"]
    assert (api["host"], api["language"], api["project"]) == ("function", "python", ".")
    assert (web["host"], web["project"]) == ("staticwebapp", "site")
    assert (REPO / web["project"]).is_dir()


def test_services_are_tagged_for_azd() -> None:
    # azd finds the resource of each service by its azd-service-name tag.
    for module, service in (("functionapp", "api"), ("staticwebapp", "web")):
        text = (INFRA / "modules" / f"{module}.bicep").read_text(encoding="utf-8")
        assert re.search(rf"'azd-service-name':\s*'{service}'", text), module


def test_parameters_file_matches_main_bicep() -> None:
    declared = parse_bicep(MAIN_BICEP)["parameters"]
    given = json.loads((INFRA / "main.parameters.json").read_text(encoding="utf-8"))["parameters"]
    assert not set(given) - set(declared), f"unknown parameters: {sorted(set(given) - set(declared))}"
    required = {name for name, decl in declared.items() if decl.get("default") is None}
    assert required <= set(given), f"required parameters not provided: {sorted(required - set(given))}"
    secure = {
        name for name, decl in declared.items() if any(d.get("type") == "secure" for d in decl["decorators"])
    }
    # Secrets go to Key Vault directly (az keyvault secret set), never through azd's plain-text .env.
    assert not secure & set(given)
