"""Depth: time to derive, evaluate, print and sweep a chain of d layers, for d up to 1,000.

Run: python benchmarks/depth_bench.py [--depths 125 250 500 1000]

The network is d 3×3 convolutions (padding 1, stride 1, 4 filters: the size is kept,
so any depth stays valid) and a dense layer, on a 32×32×3 input. "print" renders every per-layer formula as text; "sweep"
evaluates 1,000 sizes exactly; "formulas" builds every total's closed form in H_0, W_0
with its leading term. The last column is time per layer: flat means linear in d.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

from symcnn.exam.spec import load_exam
from symcnn.model.layers import Conv2d, Dense
from symcnn.model.network import Network, Node, derive, evaluate
from symcnn.render.printing import formula_text
from symcnn.scaling.formulas import growth
from symcnn.scaling.sweep import chunks, plan


def chain(depth: int) -> Network:
    nodes = tuple(Node(f"c{i}", Conv2d(kernel=3, filters=4, padding=1)) for i in range(depth))
    return Network((32, 32, 3), nodes + (Node("fc", Dense(units=2)),))


def timed(f) -> tuple[float, object]:
    start = time.perf_counter()
    out = f()
    return time.perf_counter() - start, out


def measure(depth: int, with_formulas: bool) -> dict[str, float]:
    """Seconds for each stage on a chain of ``depth`` layers."""
    net = chain(depth)
    ex = dataclasses.replace(load_exam(), network=net)
    out: dict[str, float] = {}
    out["derive"], formulas = timed(lambda: derive(net))
    out["evaluate"], _ = timed(lambda: evaluate(net))
    texts = [f for lay in formulas.layers for f in (*lay.shape, lay.params, *lay.counts.values())]
    out["print"], _ = timed(lambda: [formula_text(f) for f in texts])
    sizes = range(32, 1032)
    out["sweep"], _ = timed(lambda: sum(c.rows for c in chunks(plan(ex, sizes, sizes, True))))
    out["formulas"] = timed(lambda: growth(ex))[0] if with_formulas else 0.0
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depths", type=int, nargs="+", default=[125, 250, 500, 1000])
    parser.add_argument("--no-formulas", action="store_true", help="skip the closed forms (the slowest part)")
    args = parser.parse_args()
    print("| depth | derive (s) | evaluate (s) | print (s) | sweep 1,000 sizes (s) | formulas (s) | total ms per layer |")
    print("|---|---|---|---|---|---|---|")
    for d in args.depths:
        t = measure(d, not args.no_formulas)
        shown = "—" if args.no_formulas else f"{t['formulas']:.2f}"
        print(f"| {d:,} | {t['derive']:.2f} | {t['evaluate']:.3f} | {t['print']:.2f} | {t['sweep']:.2f} | {shown} |"
              f" {1000 * sum(t.values()) / d:.1f} |")


if __name__ == "__main__":
    main()
