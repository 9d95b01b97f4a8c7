"""`python -m bench`: run every benchmark, print its figures (also saved under bench-results/), then
check the count targets of `bench/targets.py`: exit 1, naming each target missed, if any is."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import abuse_bench, attendance_bench, notice_bench, polling_bench, queue_bench
from bench.targets import Figures

RESULTS = Path(__file__).resolve().parents[1] / "bench-results"


def main() -> int:
    RESULTS.mkdir(exist_ok=True)
    lines: list[str] = []
    figures = Figures()

    def report(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    try:
        report(f"Balcão Virtual benchmark — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
        queue_bench.run(report, figures.record)
        polling_bench.run(report, figures.record)
        notice_bench.run(report, figures.record)
        attendance_bench.run(report, figures.record)
        abuse_bench.run(report, figures.record)
        try:
            from bench import metrics_bench
        except ImportError:
            report("(metrics benchmark not available)")
        else:
            metrics_bench.run(report)
        try:
            from bench import load_bench
        except ImportError:
            report("(load benchmark not available)")
        else:
            load_bench.run(report, figures.record)
        report("")
        report("== Targets (counts only; the times above are printed, not enforced) ==")
        verdicts = figures.check()
        for verdict in verdicts:
            report(str(verdict))
        missed = [v for v in verdicts if not v.met]
        report(
            f"{len(missed)} of {len(verdicts)} targets missed: " + "; ".join(v.figure for v in missed)
            if missed
            else f"all {len(verdicts)} targets met"
        )
        return 1 if missed else 0
    finally:
        (RESULTS / "latest.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
