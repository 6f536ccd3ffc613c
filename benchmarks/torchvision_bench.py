"""Every torchvision CNN: symcnn's parameters and every preset against the real tools, and speed.

For each classification CNN in ``torchvision.models.list_models(module=torchvision.models)``
(random weights, eval mode, batch 1) at each size: the parameter count against PyTorch's,
every tool preset's total against its real tool (``tests/peer_tools.py``), and the time of
``symcnn report torchvision:NAME`` done in-process (build the model on the meta device,
import it, evaluate it and write its formulas in H and W) against the slowest real counter.

    /work/venv-tv/bin/python benchmarks/torchvision_bench.py [--size 224x224 --size 193x251] [NAME ...]

Needs torch 2.14.1 + torchvision 0.29.1 and the ``peers`` extra (pip install '.[all]').
Prints a markdown table; README's "Every torchvision CNN" section is its output.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]


def main() -> int:
    import torch
    import torchvision

    import peer_tools
    from symcnn.model.conventions import CONVENTIONS
    from symcnn.model.network import evaluate
    from symcnn.models.importer import from_torch
    from symcnn.models.report import build_report, load_torchvision
    from symcnn.models.vision import CNNS, build

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("names", nargs="*", help="models (default: every torchvision CNN)")
    p.add_argument("--size", action="append", help="HxW (repeatable; default 224x224 and 193x251)")
    args = p.parse_args()
    sizes = [tuple(int(v) for v in s.split("x")) for s in (args.size or ["224x224", "193x251"])]
    names = args.names or list(CNNS())
    torch.set_num_threads(1)
    tools = list(peer_tools.TOTALS)
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}; one thread")
    print()
    print("| model | size | params | " + " | ".join(tools) + " | slowest tool (s) | symcnn (s) | ratio |")
    print("|---|---|---|" + "---|" * len(tools) + "---|---|---|")
    bad = 0
    for name in names:
        model = build(name).eval()
        params = sum(p.numel() for p in model.parameters())
        for h, w in sizes:
            with torch.no_grad():
                net = from_torch(model, (3, h, w))
            numbers = evaluate(net)
            cells, slowest = [], 0.0
            for tool in tools:
                t = time.perf_counter()
                with torch.no_grad():
                    got = peer_tools.TOTALS[tool](model, (3, h, w))
                slowest = max(slowest, time.perf_counter() - t)
                mine = sum(CONVENTIONS[tool].cost(lay.counts) for lay in numbers.layers)
                cells.append("=" if mine == int(got) else f"{mine - int(got):+,}")
                bad += mine != int(got)
            t = time.perf_counter()
            build_report(load_torchvision(name, (h, w)), compare=True)
            mine_s = time.perf_counter() - t
            ok = "=" if numbers.params == params else f"{numbers.params - params:+,}"
            bad += numbers.params != params
            print(f"| {name} | {h}×{w} | {ok} | " + " | ".join(cells)
                  + f" | {slowest:.2f} | {mine_s:.2f} | {slowest / mine_s:.1f}× |", flush=True)
    print()
    print("'=': symcnn's total equals the tool's exactly; otherwise symcnn − tool.")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
