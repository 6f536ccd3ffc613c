"""Time one `python -m symcnn ...` run as a user runs it, in a fresh process (the benchmarks' shared helper)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time


def run_symcnn(argv: list[str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (the process and its children: forked workers, pdflatex) and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "symcnn", *argv], capture_output=True, text=True, check=True,
                         env={**os.environ, "COLUMNS": "200"})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, out.stdout
