"""`python -m bench`: run every benchmark and print its figures (also saved under bench-results/)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import queue_bench

RESULTS = Path(__file__).resolve().parents[1] / "bench-results"


def main() -> int:
    RESULTS.mkdir(exist_ok=True)
    lines: list[str] = []

    def report(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    report(f"Balcão Virtual benchmark — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    queue_bench.run(report)
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
        load_bench.run(report)
    (RESULTS / "latest.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
