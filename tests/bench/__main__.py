"""`make bench`: Hydro side by side with MLServer, KServe, BentoML, Evidently and bare floors.

    python -m tests.bench [--quick] [--only SECTION] [--out docs/BENCHMARKS.md]
                          [--duration S] [--rounds N]

Sections: serving (with gateway overhead and throughput targets), lifecycle (cold start from
zero and idle memory), drift, interpretability. Prints every table and writes them between the
markers of the output file.
"""

from __future__ import annotations

import argparse
import os
import platform as host
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console

from tests.bench import sections
from tests.bench.report import Table, render, write
from tests.bench.serving import Budget
from tests.bench.tables import target_table

SECTIONS = ("serving", "lifecycle", "drift", "interpretability")
# Piped output (CI logs, `| tee`) would otherwise be drawn 80 columns wide.
console = Console(highlight=False, width=None if sys.stdout.isatty() else 170)


def budget(args: argparse.Namespace) -> Budget:
    if args.quick:
        return Budget(warmup=0.3, duration=args.duration or 1.5, rounds=args.rounds or 1, concurrency=(1, 8),
                      rows=(1,))
    # One 1 s round per cell keeps a whole run on 2 cores near 20 minutes (17 endpoints x 12 cells
    # plus start-ups); `--rounds 2 --duration 1.5` gives steadier figures in about 10 more.
    return Budget(warmup=0.5, duration=args.duration or 1.0, rounds=args.rounds or 1, concurrency=(1, 8, 32),
                  rows=(1, 100))


def run_section(name: str, run: sections.Run) -> list[Table]:
    """The section's tables, printed now; a section that fails is reported and the run goes on."""
    began = time.monotonic()
    try:
        found: list[Table] = getattr(sections, name)(run)
    except Exception as error:  # a broken section must not lose the others' figures
        console.print_exception(max_frames=4)
        found = [Table(f"{name}: failed", ("error",), ((f"{type(error).__name__}: {str(error)[:500]}",),))]
    for table in found:
        table.print(console)
    console.print(f"{name}: {time.monotonic() - began:.0f} s")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short cells and small data: a smoke run")
    parser.add_argument("--only", choices=SECTIONS, action="append", help="run only this section (repeatable)")
    parser.add_argument("--out", type=Path, default=Path("docs/BENCHMARKS.md"))
    parser.add_argument("--duration", type=float, help="seconds measured per cell and round")
    parser.add_argument("--rounds", type=int, help="rounds of alternated cells")
    args = parser.parse_args(argv)
    began = time.monotonic()
    chosen = tuple(args.only or SECTIONS)
    cores = os.cpu_count() or 0
    console.rule(f"Hydro benchmarks on {cores} cores ({host.machine()}, Python {host.python_version()})")
    work = Path(tempfile.mkdtemp(prefix="hydro-bench-"))
    run = sections.Run(work, budget(args), args.quick, console)
    tables: list[Table] = []
    for name in chosen:
        console.rule(name)
        tables += run_section(name, run)
    tables.append(target_table(run.targets))
    tables[-1].print(console)
    elapsed = time.monotonic() - began
    header = (f"Measured by `python -m tests.bench{' --quick' if args.quick else ''}` on {cores} cores "
              f"({host.machine()}), {time.strftime('%Y-%m-%d %H:%M')}, sections: {', '.join(chosen)}; "
              f"wall time {elapsed / 60:.1f} min.\n\n{run.describe()}")
    write(args.out, render(header, tables))
    console.print(f"Wrote {args.out}; elapsed {elapsed / 60:.1f} min (work files in {work})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
