"""Every .bicep file under infra/ parses with pycep-parser (the parser checkov uses)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.infra import bicep_settings
from tests.infra.bicep_settings import INFRA, REPO, parse_bicep_files

BICEP_FILES = sorted(INFRA.rglob("*.bicep"))


def test_infra_has_the_expected_bicep_files() -> None:
    names = {p.relative_to(INFRA).as_posix() for p in BICEP_FILES}
    assert {"main.bicep", "modules/functionapp.bicep", "modules/storage.bicep"} <= names


@pytest.mark.parametrize("path", BICEP_FILES, ids=lambda p: p.relative_to(INFRA).as_posix())
def test_bicep_file_parses(path: Path) -> None:
    result = parse_bicep_files(BICEP_FILES)[path]
    assert result["ok"], f"{path.relative_to(REPO)}: {result['error']}"
    assert result["json"].get("resources") or result["json"].get("modules"), "no resource or module parsed"


def test_missing_infra_venv_fails_with_the_install_hint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(bicep_settings, "INFRA_VENV", tmp_path / "no-venv")
    with pytest.raises(AssertionError, match="make install-infra"):
        bicep_settings.infra_tool("python")
