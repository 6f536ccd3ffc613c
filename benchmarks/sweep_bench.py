"""Sizes per second: `symcnn sweep` to a CSV file against FlopCounterMode and fvcore.

Run: python benchmarks/sweep_bench.py [--sizes N] [--torch-sizes M] [--fvcore-sizes K]

symcnn sweeps the exam network over N square sizes (1 … N, default 10^6), end to end:
plan, exact evaluation of every column, and the streamed CSV file (on disk, then in a
RAM-backed folder, then with no file at all). The ratios use the on-disk run. PyTorch's
FlopCounterMode runs the same network on meta tensors over M sizes spread over the same
range (once counting the forward pass alone, once with building the sized model, since
the dense layer's input grows with the image), and fvcore runs it on CPU tensors over K
small sizes. The MAC totals of the counters are checked against the sweep's.

A third CSV run writes only what FlopCounterMode itself reports (H, W, each layer's
FLOPs under its convention and the total: `--columns '*.cost.torch,cost.torch'`), the
like-for-like comparison. The last column divides every rate by FlopCounterMode's
count-only rate.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


FLOP_COUNTER_COLUMNS = "*.cost.torch,cost.torch"  # what FlopCounterMode reports: per layer and total


def bench_symcnn(n: int, folder: str | None = None, columns: str | None = None) -> tuple[float, int, int]:
    from symcnn.exam.spec import load_exam
    from symcnn.scaling.sweep import plan, select, write_csv

    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        out = Path(tmp) / "sweep.csv"
        start = time.perf_counter()
        sw = plan(load_exam(), range(1, n + 1), range(1, n + 1), square=True)
        if columns:
            sw = select(sw, columns)
        rows = write_csv(sw, out)
        seconds = time.perf_counter() - start
        return seconds, rows, out.stat().st_size


def bench_evaluation(n: int) -> float:
    """Every column of every size, exactly, in memory (no file): the sweep without the CSV."""
    from symcnn.exam.spec import load_exam
    from symcnn.scaling.sweep import chunks, plan

    start = time.perf_counter()
    sum(c.rows for c in chunks(plan(load_exam(), range(1, n + 1), range(1, n + 1), square=True)))
    return time.perf_counter() - start


def macs_at(sizes: list[int]) -> dict[int, int]:
    from symcnn.exam.spec import load_exam
    from symcnn.model.network import evaluate

    net = load_exam().network
    return {n: sum(lay.counts.get("mac", 0) for lay in evaluate(net, (n, n, 3)).layers) for n in sizes}


def bench_flop_counter(sizes: list[int]) -> tuple[float, float, dict[int, int]]:
    """(seconds counting only, seconds including building the model, MACs per size)."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from torch_twins import exam_net

    counting = total = 0.0
    macs = {}
    for n in sizes:
        start = time.perf_counter()
        with torch.device("meta"):
            model, x = exam_net(n, n), torch.empty(1, 3, n, n)
        built = time.perf_counter()
        with FlopCounterMode(display=False) as counter:
            model(x)
        done = time.perf_counter()
        counting += done - built
        total += done - start
        macs[n] = counter.get_total_flops() // 2
    return counting, total, macs


def bench_fvcore(sizes: list[int]) -> tuple[float, dict[int, int]]:
    import logging

    import torch
    from fvcore.nn import FlopCountAnalysis

    from torch_twins import exam_net

    logging.getLogger("fvcore").setLevel(logging.ERROR)
    seconds, macs = 0.0, {}
    for n in sizes:
        model, x = exam_net(n, n), torch.zeros(1, 3, n, n)
        start = time.perf_counter()
        analysis = FlopCountAnalysis(model, x)
        analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
        macs[n] = int(analysis.total())
        seconds += time.perf_counter() - start
    return seconds, macs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, default=10**6)
    parser.add_argument("--torch-sizes", type=int, default=200)
    parser.add_argument("--fvcore-sizes", type=int, default=20)
    parser.add_argument("--ram", default="/dev/shm", help="a RAM-backed folder for the second CSV run ('' to skip)")
    args = parser.parse_args()

    cpu = time.process_time()
    seconds, rows, size = bench_symcnn(args.sizes)
    cpu_of = {"symcnn sweep → CSV": time.process_time() - cpu}
    rates = {"symcnn sweep → CSV": (args.sizes, seconds, f"{rows:,} valid rows, {size / 1e6:,.0f} MB, on disk")}
    if args.ram and Path(args.ram).is_dir():
        cpu = time.process_time()
        rates["symcnn sweep → CSV in RAM"] = (args.sizes, bench_symcnn(args.sizes, args.ram)[0], f"in {args.ram}")
        cpu_of["symcnn sweep → CSV in RAM"] = time.process_time() - cpu
    cpu = time.process_time()
    seconds_fc, rows_fc, size_fc = bench_symcnn(args.sizes, columns=FLOP_COUNTER_COLUMNS)
    cpu_of["symcnn sweep → CSV, FlopCounterMode's columns"] = time.process_time() - cpu
    rates["symcnn sweep → CSV, FlopCounterMode's columns"] = (
        args.sizes, seconds_fc, f"{FLOP_COUNTER_COLUMNS}: {size_fc / 1e6:,.0f} MB, on disk")
    cpu = time.process_time()
    rates["symcnn sweep, no file"] = (args.sizes, bench_evaluation(args.sizes), "every column, exact, in memory")
    cpu_of["symcnn sweep, no file"] = time.process_time() - cpu
    step = max(1, args.sizes // args.torch_sizes)
    torch_sizes = list(range(15, args.sizes + 1, step))[: args.torch_sizes]
    cpu = time.process_time()
    counting, total, fcm = bench_flop_counter(torch_sizes)
    cpu_of["FlopCounterMode, meta (build + count)"] = time.process_time() - cpu
    rates["FlopCounterMode, meta (count only)"] = (len(torch_sizes), counting, "")
    rates["FlopCounterMode, meta (build + count)"] = (len(torch_sizes), total, "")
    small = list(range(15, 15 + args.fvcore_sizes))
    cpu = time.process_time()
    fv_seconds, fv = bench_fvcore(small)
    cpu_of["fvcore, CPU tensors"] = time.process_time() - cpu
    rates["fvcore, CPU tensors"] = (len(small), fv_seconds, f"sizes {small[0]}…{small[-1]}")
    expected = macs_at(sorted(set(torch_sizes) | set(small)))
    agree = all(fcm[n] == expected[n] for n in torch_sizes) and all(fv[n] == expected[n] for n in small)

    base = len(torch_sizes) / counting  # FlopCounterMode, count only: sizes per second
    print(f"exam network; MACs of FlopCounterMode and fvcore equal symcnn's: {agree}\n")
    print("| method | sizes | seconds | CPU seconds | sizes/s | × FlopCounterMode (count only) | note |")
    print("|---|---|---|---|---|---|---|")
    for name, (n, s, note) in rates.items():
        ratio = f"{n / s / base:,.2f}" if n / s < 10 * base else f"{n / s / base:,.0f}"
        used = f"{cpu_of[name]:.2f}" if name in cpu_of else "—"
        print(f"| {name} | {n:,} | {s:.2f} | {used} | {n / s:,.0f} | {ratio} | {note} |")


if __name__ == "__main__":
    main()
