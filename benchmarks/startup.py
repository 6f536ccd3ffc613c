"""Cold start-up: `symcnn solve --json` and `symcnn report resnet50 --compare` against a bare
`python -c "import sympy"`.

Run: python benchmarks/startup.py [--runs N]
Each command runs N times in a fresh interpreter, the commands taking turns; the table
shows the median.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time

COMMANDS = {
    'python -c "import sympy"': [sys.executable, "-c", "import sympy"],
    "symcnn solve --json": [sys.executable, "-m", "symcnn", "solve", "--json"],
    # issue 6's budget: at most 2× the bare sympy import
    "symcnn report resnet50 --compare": [sys.executable, "-m", "symcnn", "report", "resnet50", "--compare"],
}


def seconds(cmd: list[str]) -> tuple[float, float]:
    """Wall-clock and CPU (user + system) seconds of one run; CPU barely moves with machine load."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--extra", nargs="*", default=[], help="more symcnn argument lists, quoted")
    args = parser.parse_args()
    commands = dict(COMMANDS)
    for extra in args.extra:
        commands[f"symcnn {extra}"] = [sys.executable, "-m", "symcnn", *extra.split()]
    times: dict[str, list[tuple[float, float]]] = {label: [] for label in commands}
    for _ in range(args.runs):  # interleaved, so a burst of load hits every command alike
        for label, cmd in commands.items():
            times[label].append(seconds(cmd))
    base: tuple[float, float] | None = None
    print("| command | median (s) | × import sympy | CPU (s) | CPU × import sympy |")
    print("|---|---|---|---|---|")
    for label, runs in times.items():
        wall, cpu = (statistics.median(r[i] for r in runs) for i in (0, 1))
        base = base or (wall, cpu)
        print(f"| `{label}` | {wall:.3f} | {wall / base[0]:.2f} | {cpu:.3f} | {cpu / base[1]:.2f} |")


if __name__ == "__main__":
    main()
