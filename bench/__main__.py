"""`python -m bench [section ...]`: run the benchmarks, print their figures (also saved under
bench-results/), then check the count targets of `bench/targets.py`: exit 1, naming each target missed,
if any is. With no section every benchmark runs (`make bench`); naming sections (`python -m bench push`,
`python -m bench queue attendance`) runs those alone, in the order of `SECTIONS`, and checks only their
targets (saved as bench-results/latest-<sections>.txt, so that a full run's latest.txt is kept)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench import (
    abuse_bench,
    attendance_bench,
    load_bench,
    metrics_bench,
    notice_bench,
    polling_bench,
    queue_bench,
)
from bench.targets import Figures, Record

RESULTS = Path(__file__).resolve().parents[1] / "bench-results"
Report = Callable[[str], None]


# The sections, in the order a full run takes them; each name is also the `section` of its targets.
SECTIONS: dict[str, Callable[[Report, Record], None]] = {
    "queue": queue_bench.run,
    "polling": polling_bench.run,
    "push": notice_bench.run,
    "attendance": attendance_bench.run,
    "abuse": abuse_bench.run,
    "metrics": lambda report, _record: metrics_bench.run(report),
    "load": load_bench.run,
}


def chosen(argv: Sequence[str]) -> list[str] | None:
    """The sections named in `argv`, in run order (all of them when none is named); None when a name is
    not a section."""
    if any(name not in SECTIONS for name in argv):
        return None
    return [name for name in SECTIONS if name in argv or not argv]


def main(argv: Sequence[str] = ()) -> int:
    sections = chosen(argv)
    if sections is None:
        print(f"usage: python -m bench [{' | '.join(SECTIONS)} ...]", file=sys.stderr)
        return 2
    RESULTS.mkdir(exist_ok=True)
    lines: list[str] = []
    figures = Figures()

    def report(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    saved = RESULTS / ("latest.txt" if not argv else f"latest-{'-'.join(sections)}.txt")
    try:
        report(f"Balcão Virtual benchmark — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC ({', '.join(sections)})")
        for name in sections:
            SECTIONS[name](report, figures.record)
        report("")
        report("== Targets (counts only; the times above are printed, not enforced) ==")
        verdicts = figures.check(sections=sections)
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
        saved.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
