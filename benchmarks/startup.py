"""Cold start-up of the commands against a bare `python -c "import sympy"`, side by side.

Run: python benchmarks/startup.py [--runs N] [--extra "report alexnet" ...]

Each command runs N times in a fresh interpreter, the commands taking turns (so a burst
of load from other processes hits every command alike); the table shows the medians of
wall-clock and of CPU time (user + system: barely moved by other processes), and each as
a multiple of the bare sympy import. The last column says whether the command imported
sympy at all (checked in a separate run with ``-X importtime``).

Budgets (issue 18): `symcnn --help` and `symcnn init` at most 0.3× the bare import,
`symcnn solve --json` at most 1.5×, `symcnn sweep` without sympy; (issue 6)
`symcnn report resnet50 --compare` at most 2×.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SPEC = Path(tempfile.gettempdir()) / f"symcnn-startup-{os.getpid()}.toml"

COMMANDS = {
    'python -c "import sympy"': [sys.executable, "-c", "import sympy"],
    "symcnn --help": [sys.executable, "-m", "symcnn", "--help"],
    "symcnn init": [sys.executable, "-m", "symcnn", "init", str(SPEC), "--force"],
    "symcnn sweep --size 32:1031": [sys.executable, "-m", "symcnn", "sweep", "--size", "32:1031"],
    "symcnn solve --json": [sys.executable, "-m", "symcnn", "solve", "--json"],
    "symcnn report resnet50 --compare": [sys.executable, "-m", "symcnn", "report", "resnet50", "--compare"],
}
BUDGET = {"symcnn --help": 0.3, "symcnn init": 0.3, "symcnn solve --json": 1.5,
          "symcnn report resnet50 --compare": 2.0}


def seconds(cmd: list[str]) -> tuple[float, float]:
    """Wall-clock and CPU (user + system) seconds of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def imports_sympy(cmd: list[str]) -> bool:
    err = subprocess.run([cmd[0], "-X", "importtime", *cmd[1:]], capture_output=True, text=True).stderr
    return any(line.split("|")[-1].strip() == "sympy" for line in err.splitlines() if line.startswith("import time:"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--extra", nargs="*", default=[], help="more symcnn argument lists, quoted")
    args = parser.parse_args()
    commands = dict(COMMANDS)
    for extra in args.extra:
        commands[f"symcnn {extra}"] = [sys.executable, "-m", "symcnn", *extra.split()]
    times: dict[str, list[tuple[float, float]]] = {label: [] for label in commands}
    load = os.getloadavg()[0]
    for _ in range(args.runs):  # interleaved, so a burst of load hits every command alike
        for label, cmd in commands.items():
            times[label].append(seconds(cmd))
    load = max(load, os.getloadavg()[0])
    print(f"{args.runs} runs each, taking turns; load average up to {load:.1f}\n")
    print("| command | median (s) | × import sympy | CPU (s) | CPU × import sympy | budget | imports sympy |")
    print("|---|---|---|---|---|---|---|")
    base: tuple[float, float] | None = None
    for label, runs in times.items():
        wall, cpu = (statistics.median(r[i] for r in runs) for i in (0, 1))
        base = base or (wall, cpu)
        budget = f"≤ {BUDGET[label]}×" if label in BUDGET else ""
        sympy = "yes" if imports_sympy(commands[label]) else "no"
        print(f"| `{label}` | {wall:.3f} | {wall / base[0]:.2f} | {cpu:.3f} | {cpu / base[1]:.2f} | {budget} | {sympy} |")
    SPEC.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
