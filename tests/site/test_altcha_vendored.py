"""The proof-of-work solver the pages run (site/assets/js/proof.js, issue 16) is the npm `altcha` package's
own PBKDF2 worker, committed in site/assets/vendor/altcha/ (site/ is deployed as it is, with no build
step): it must stay, byte for byte, the file of the version package.json pins (npm ci installs it), with
the package's MIT licence beside it."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDORED = ROOT / "site" / "assets" / "vendor" / "altcha"
PACKAGE = ROOT / "node_modules" / "altcha"


def test_the_vendored_altcha_worker_is_the_pinned_package_byte_for_byte() -> None:
    pinned = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["devDependencies"]["altcha"]
    locked = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    assert locked["packages"]["node_modules/altcha"]["version"] == pinned
    assert json.loads((PACKAGE / "package.json").read_text(encoding="utf-8"))["version"] == pinned
    assert (VENDORED / "pbkdf2.js").read_bytes() == (PACKAGE / "dist" / "workers" / "pbkdf2.js").read_bytes()
    assert (VENDORED / "LICENSE.txt").read_bytes() == (PACKAGE / "LICENSE.txt").read_bytes()
    assert (VENDORED / "LICENSE.txt").read_text(encoding="utf-8").startswith("MIT License")
