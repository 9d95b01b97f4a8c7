"""checkov (framework bicep) reports no failed check on infra/, and every skip is justified inline.

A check that does not apply is skipped in the Bicep, inside the resource, as
`//checkov:skip=CKV_...:reason`; the reason is mandatory, and a skip comment that matches no check
checkov ran is stale and fails the test too.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
from typing import Any

from tests.infra.bicep_settings import INFRA, REPO, infra_tool

SKIP_COMMENT = re.compile(r"//\s*checkov:skip=([A-Z0-9_]+)(?::(.*))?")


@functools.cache
def checkov_report() -> dict[str, Any]:
    checkov = infra_tool("checkov")
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE"}  # no network look-ups
    proc = subprocess.run(
        [
            str(checkov),
            "--framework",
            "bicep",
            "-d",
            str(INFRA),
            "--skip-download",
            "-o",
            "json",
            "--compact",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=REPO,
        env=env,
        check=False,
    )
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise AssertionError(
            f"checkov gave no JSON report (exit {proc.returncode}): {proc.stderr[-2000:]}"
        ) from exc
    if isinstance(report, list):  # one entry per framework when several ran
        report = next(r for r in report if r.get("check_type") == "bicep")
    result: dict[str, Any] = report
    return result


def summary_line() -> str:
    s = checkov_report()["summary"]
    return (
        f"checkov bicep: Passed checks: {s['passed']}, Failed checks: {s['failed']}, "
        f"Skipped checks: {s['skipped']}, Parsing errors: {s['parsing_errors']}, "
        f"Resources: {s['resource_count']}"
    )


def test_checkov_reports_no_failed_check() -> None:
    report = checkov_report()
    print(summary_line())
    failed = [
        f"{c['check_id']} {c['check_name']} on {c['resource']} ({c['file_path']}:{c['file_line_range']})"
        for c in report["results"]["failed_checks"]
    ]
    assert not failed, "\n".join(failed)
    assert report["summary"]["passed"] > 0


def test_checkov_parsed_every_file() -> None:
    # checkov skips a file it cannot parse and says nothing else about it.
    summary = checkov_report()["summary"]
    assert summary["parsing_errors"] == 0
    assert summary["resource_count"] >= 20


def test_every_skip_has_a_reason() -> None:
    skipped = checkov_report()["results"]["skipped_checks"]
    missing = [
        f"{c['check_id']} on {c['resource']} ({c['file_path']})"
        for c in skipped
        if len((c.get("check_result") or {}).get("suppress_comment", "").strip()) < 15
    ]
    assert not missing, "skipped without a reason:\n" + "\n".join(missing)


def test_no_stale_skip_comment() -> None:
    declared: set[tuple[str, str]] = set()
    for path in INFRA.rglob("*.bicep"):
        for m in SKIP_COMMENT.finditer(path.read_text(encoding="utf-8")):
            declared.add(("/" + path.relative_to(INFRA).as_posix(), m.group(1)))
    reported = {(c["file_path"], c["check_id"]) for c in checkov_report()["results"]["skipped_checks"]}
    assert declared == reported, f"skip comments matching no check: {sorted(declared - reported)}"
