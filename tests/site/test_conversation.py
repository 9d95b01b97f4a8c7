"""The widget's conversation driver and the site's pure modules, tested in Node (no browser needed):
`node --test` runs tests/site/*.test.mjs; this test fails with Node's report when any of them fails."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent


def test_the_conversation_driver_passes_its_node_tests() -> None:
    node = shutil.which("node")
    assert node, "Node 20 is required (it also runs Azurite)"
    files = sorted(str(p) for p in HERE.glob("*.test.mjs"))
    assert files
    # The site's modules are ES modules in .js files, served as they are (no package.json of their own).
    done = subprocess.run(
        [node, "--experimental-detect-module", "--no-warnings", "--test", *files],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout
