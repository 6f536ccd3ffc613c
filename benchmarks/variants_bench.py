"""Variants: time to write N variants of the seed exam, with every .tex, then with every PDF.

Run: python benchmarks/variants_bench.py [--count 30] [--no-pdf]

Each row runs the command as a user does (`python -m symcnn variants --count N --out DIR`,
start-up included) in a fresh process, and reports wall-clock seconds and the CPU seconds
of that process and all its children (forked workers, pdflatex). On a shared machine
the wall time varies with the load; the CPU time does not, much. Draws and rejections are
what the command printed.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from timing import run_symcnn


def run(argv: list[str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (children included) and the first line printed."""
    wall, cpu, out = run_symcnn(argv)
    return wall, cpu, out.splitlines()[0] if out else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--no-pdf", action="store_true", help="only the .tex run")
    args = parser.parse_args()
    print(f"cores: {len(os.sched_getaffinity(0))}, load average: {os.getloadavg()[0]:.1f}")
    print("| run | wall (s) | CPU (s) | printed |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        runs = [("all .tex", [])] + ([] if args.no_pdf else [("all .tex and PDFs", ["--pdf"])])
        for name, extra in runs:
            out = Path(tmp) / name.replace(" ", "_")
            wall, cpu, line = run(["variants", "--count", str(args.count), "--seed", "0", "--lang", "en",
                                   "--out", str(out), *extra])
            print(f"| {args.count} variants, {name} | {wall:.1f} | {cpu:.1f} | {line} |")


if __name__ == "__main__":
    main()
