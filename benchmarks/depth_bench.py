"""Depth: CPU time of every stage on chains of d layers, per layer, with the exponent of a log–log fit.

Run: python benchmarks/depth_bench.py [--depths 250 500 1000 2000 3000] [--chains keep shrink]
     [--stages derive evaluate print sweep formulas report]

Two chains of d convolutions and a dense layer:

* ``keep``: 3×3 convolutions with padding 1 on a 32×32×3 input: the size never changes,
  so every layer reads the same size symbol;
* ``shrink``: 2×2 convolutions without padding on a (d + 16)² input: each layer is one
  pixel smaller, so every layer brings a new size symbol (``H_i = H_{i-1} - 1``).

Stages: ``derive`` (per-layer formulas), ``evaluate`` (exact numbers), ``print`` (every
per-layer formula as text), ``sweep`` (1,000 sizes, exactly), ``formulas`` (every total
in H_0, W_0 with its leading term: ``symcnn formulas``), ``report`` (``symcnn report``:
numbers, formulas in size symbols and closed forms, rendered as text). The table shows
milliseconds of CPU time per layer: flat means linear. The last lines fit
time = a·d^b per stage and chain; b must stay below 1.15. Then ResNet-152's report,
after imports, and the targets of issue 18.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gc
import io
import math
import os
import time
from typing import Any, Callable

from symcnn.commands.report import print_report
from symcnn.exam.spec import load_exam
from symcnn.model.layers import Conv2d, Dense
from symcnn.model.network import Network, Node, derive, evaluate
from symcnn.models.report import Target, build_report, load_target
from symcnn.render.printing import formula_text
from symcnn.scaling.formulas import growth
from symcnn.scaling.sweep import chunks, plan

STAGES = ("derive", "evaluate", "print", "sweep", "formulas", "report")
EXPONENT_LIMIT = 1.15


def chain(kind: str, depth: int) -> Network:
    if kind == "keep":
        nodes = tuple(Node(f"c{i}", Conv2d(kernel=3, filters=4, padding=1)) for i in range(depth))
        return Network((32, 32, 3), nodes + (Node("fc", Dense(units=2)),))
    nodes = tuple(Node(f"c{i}", Conv2d(kernel=2, filters=4)) for i in range(depth))
    return Network((depth + 16, depth + 16, 3), nodes + (Node("fc", Dense(units=2)),))


def cpu(f: Callable[[], Any]) -> tuple[float, Any]:
    """CPU seconds of one call (process time: barely moved by other processes on the machine).

    The collector runs first, outside the timing, so that one stage does not pay for a
    full pass over the objects the stage before it left alive.
    """
    gc.collect()
    start = time.process_time()
    out = f()
    return time.process_time() - start, out


def report_text(target: Target, compare: bool = False) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        print_report(build_report(target, compare=compare), "en")
    return out.getvalue()


def measure(kind: str, depth: int, stages: tuple[str, ...]) -> dict[str, float]:
    """CPU seconds of each stage on one chain."""
    net = chain(kind, depth)
    ex = dataclasses.replace(load_exam(), network=net)
    out: dict[str, float] = {}
    formulas = None
    if "derive" in stages or "print" in stages:
        out["derive"], formulas = cpu(lambda: derive(net))
    if "evaluate" in stages:
        out["evaluate"], _ = cpu(lambda: evaluate(net))
    if "print" in stages and formulas is not None:
        texts = [f for lay in formulas.layers for f in (*lay.shape, lay.params, *lay.counts.values())]
        out["print"], _ = cpu(lambda: [formula_text(f, unicode=True) for f in texts])
    if "sweep" in stages:
        sizes = range(net.input_shape[0], net.input_shape[0] + 1000)
        out["sweep"], _ = cpu(lambda: sum(c.rows for c in chunks(plan(ex, sizes, sizes, True))))
    if "formulas" in stages:
        out["formulas"], _ = cpu(lambda: growth(ex))
    if "report" in stages:
        out["report"], _ = cpu(lambda: report_text(Target(f"{kind} chain", "depth_bench", net, "macs")))
    return {s: out[s] for s in stages if s in out}


def exponent(depths: list[int], seconds: list[float]) -> float:
    """Least-squares slope of log(seconds) against log(depth)."""
    xs, ys = [math.log(d) for d in depths], [math.log(max(s, 1e-9)) for s in seconds]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depths", type=int, nargs="+", default=[250, 500, 1000, 2000, 3000])
    parser.add_argument("--chains", nargs="+", choices=("keep", "shrink"), default=["keep", "shrink"])
    parser.add_argument("--stages", nargs="+", choices=STAGES, default=list(STAGES))
    args = parser.parse_args()
    stages = tuple(args.stages)
    load, _, _ = os.getloadavg()
    print(f"load average {load:.1f} at the start; CPU time, milliseconds per layer\n")
    print("| chain | depth | " + " | ".join(stages) + " |")
    print("|---|---|" + "---|" * len(stages))
    times: dict[tuple[str, str], list[float]] = {}
    for kind in args.chains:
        for d in args.depths:
            t = measure(kind, d, stages)
            for s, sec in t.items():
                times.setdefault((kind, s), []).append(sec)
            print(f"| {kind} | {d:,} | " + " | ".join(f"{1000 * t[s] / d:.2f}" for s in stages if s in t) + " |")
    print(f"\nlog–log exponent b of time = a·depth^b (limit {EXPONENT_LIMIT}):\n")
    print("| chain | " + " | ".join(stages) + " |")
    print("|---|" + "---|" * len(stages))
    worst = 0.0
    for kind in args.chains:
        bs = [exponent(args.depths, times[(kind, s)]) for s in stages if (kind, s) in times]
        worst = max(worst, *bs)
        print(f"| {kind} | " + " | ".join(f"{b:.2f}" for b in bs) + " |")
    print(f"\nlargest exponent {worst:.2f}: {'below' if worst < EXPONENT_LIMIT else 'NOT below'} {EXPONENT_LIMIT}")

    target = load_target("resnet152")
    report_text(target)  # once, so that imports and sympy's first calls are not counted
    plain, _ = cpu(lambda: report_text(load_target("resnet152")))
    compared, _ = cpu(lambda: report_text(load_target("resnet152"), compare=True))
    print(f"\nResNet-152 ({len(target.network.nodes)} layers), after imports: report {plain:.3f} s,"
          f" report --compare {compared:.3f} s (target 0.3 s)")
    targets = []
    for d in (1000, 3000):
        if d in args.depths and ("keep", "derive") in times:
            targets.append(f"derive at {d:,} layers: {1000 * times[('keep', 'derive')][args.depths.index(d)] / d:.2f}"
                           " ms per layer (target 1)")
    if 3000 in args.depths and ("shrink", "report") in times:
        targets.append(f"report of the 3,000-layer shrinking chain: {times[('shrink', 'report')][-1]:.2f} s"
                       " (target 5)")
    print("\n".join(targets))
    fast, slow = side_by_side(1000)
    print(f"derive at 1,000 layers, side by side: {fast:.2f} ms per layer; with sympy evaluating every floor"
          f" and c // 1 (the construction before issue 18) {slow:.2f}: {slow / fast:.1f}× slower")


def side_by_side(depth: int) -> tuple[float, float]:
    """Milliseconds per layer of derive(), fast and as sympy alone builds the same formulas."""
    from symcnn.model import rules, symbolic

    net = chain("keep", depth)
    fast, _ = cpu(lambda: derive(net))
    saved = symbolic.FAST, Conv2d.span, Conv2d.channels_per_filter
    symbolic.FAST = False
    Conv2d.span = lambda self: rules.dilated_kernel(self.kernel, self.dilation)  # type: ignore[method-assign]
    Conv2d.channels_per_filter = lambda self, ins: rules.group_channels(ins[0][2], self.groups)  # type: ignore
    try:
        slow, _ = cpu(lambda: derive(chain("keep", depth)))
    finally:
        symbolic.FAST, Conv2d.span, Conv2d.channels_per_filter = saved  # type: ignore[method-assign]
    return 1000 * fast / depth, 1000 * slow / depth


if __name__ == "__main__":
    main()
