"""Limits: the worst case of every input limit, run just at it (answered) or just over it (refused).

Run: python benchmarks/limits_bench.py [--only NAME ...] [--list]

Each case is one fresh ``python -m symcnn …`` process, timed by ``/usr/bin/time``: wall
clock, CPU (user + system) and peak resident memory. The inputs are written to a temporary
folder from the seed exam (``symcnn.exam.spec.embedded_text``) and the limits in the source
(``MAX_*``), so the cases follow the limits if they change. Budget per case: 30 s and 2 GB.
The table it prints is the README's "Limits" table.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from symcnn.checked import MAX_ITEMS, MAX_LAYERS
from symcnn.exam.spec import embedded_text
from symcnn.verify import arith
from symcnn.verify.diagnose import MAX_CLASSES as VERIFY_CLASSES
from symcnn.verify.diagnose import MAX_LAYERS as VERIFY_LAYERS
from symcnn.verify.keyfile import MAX_KEY_BYTES, MAX_NUMBERS, MAX_VALUES, MAX_WORKING

SEED = embedded_text()
HEAD = SEED.split("[[network.layers]]")[0]
TAIL = SEED[SEED.index("[training]"):]
BUDGET_S, BUDGET_MB = 30.0, 2048
CLAIM_DEPTH = min(VERIFY_LAYERS, MAX_NUMBERS // (3 * MAX_VALUES))  # 2a's shapes: as many as the numbers allow


def chain(depth: int) -> str:
    """depth − 1 convolutions 3×3 (padding 1, 4 filters, ReLU) and a 2-unit softmax layer."""
    conv = '[[network.layers]]\nname = "c{}"\ntype = "conv2d"\nkernel = 3\nfilters = 4\npadding = 1\nactivation = "relu"\n'
    layers = [conv.format(i) for i in range(depth - 1)]
    layers.append('[[network.layers]]\nname = "out"\ntype = "dense"\nunits = 2\nactivation = "softmax"\n')
    return HEAD + "\n".join(layers) + "\n" + TAIL


def classes(n: int) -> str:
    names = ", ".join(f'"k{i}"' for i in range(n))
    logits = ", ".join(f"{(i % 50) / 10}" for i in range(n))
    seed = SEED.replace('units = 2\nactivation = "softmax"', f'units = {n}\nactivation = "softmax"')  # one class per unit
    return (seed[:seed.index("[softmax]")] + f'[softmax]\nclasses = [{names}]\nlogits = [{logits}]\ntarget = "k0"\n\n'
            + SEED[SEED.index("[inference]"):].replace('output = "HT"', 'output = "k1"'))


def blocks(block_layers: int, repeat: int) -> str:
    conv = '{{ name = "c{}", type = "conv2d", kernel = 3, filters = 4, padding = 1 }}'
    layers = ", ".join(conv.format(i) for i in range(block_layers))
    return (f"[blocks.b]\nlayers = [{layers}]\n[network]\ninput = {{ height = 32, width = 32, channels = 3 }}\n"
            f'layers = [ {{ block = "b", name = "x", repeat = {repeat} }} ]\n')


def wrong_key() -> str:
    """Every scalar question of the seed exam wrong, with MAX_WORKING wrong lines of MAX_LITERALS numbers."""
    ids = ["1a", "1b", "1c", "2b", "3a", "3b", "3c", "3e", "4a", "4b", "4c"]
    per = MAX_WORKING // len(ids)
    out = []
    for n, qid in enumerate(ids):
        count = per + (MAX_WORKING - per * len(ids) if n == 0 else 0)
        line = "*".join(["9"] * (arith.MAX_LITERALS - 1)) + " = 7"
        out.append(f"[questions.{qid}]\nvalues = [7]\nworking = [" + ", ".join([f'"{line}"'] * count) + "]\n")
    return "".join(out)


def shapes_exam(depth: int) -> str:
    """A chain of ``depth`` convolutions (and the dense layer) whose question 2a asks every convolution's shape."""
    listed = ", ".join(str(i) for i in range(1, depth + 1))
    return chain(depth + 1).replace("layers = [1, 2, 3, 4]", f"layers = [{listed}]")


def many_claims(depth: int) -> str:
    """Question 2a claimed wrong MAX_VALUES ways (depth shapes of 3 numbers each), every scalar wrong."""
    rows = ", ".join("[" + ", ".join(f"[{a + 1}, {a + 1}, {a + 1}]" for _ in range(depth)) + "]" for a in range(MAX_VALUES))
    return f"[questions.2a]\nvalues = [{rows}]\n" + wrong_key()


def vector_claims(n: int, alternatives: int = 8) -> str:
    """Question 3d (δ per class) claimed wrong, ``alternatives`` ways, and every scalar answer wrong."""
    rows = ", ".join("[" + ", ".join(f"0.{a + 1}" for _ in range(n)) + "]" for a in range(alternatives))
    return f"[questions.3d]\nvalues = [{rows}]\n" + wrong_key()


def padded(text: str, size: int) -> str:
    return text + "#" * (size - len(text.encode()) - 1) + "\n"


@dataclass(frozen=True)
class Case:
    name: str
    limit: str
    files: dict[str, Callable[[], str]]
    argv: tuple[str, ...]
    expect: int  # exit status: 0 or 1 answered, 2 refused


def cases() -> list[Case]:
    deep = {"deep.toml": lambda: chain(MAX_LAYERS)}
    over = {"over.toml": lambda: chain(MAX_LAYERS + 1)}
    wide = {"classes.toml": lambda: classes(MAX_ITEMS)}
    vdeep = {"vdeep.toml": lambda: chain(VERIFY_LAYERS)}
    return [
        Case("exam spec: solve", f"{MAX_LAYERS:,} layers", deep, ("solve", "deep.toml"), 0),
        Case("exam spec: solve --json", f"{MAX_LAYERS:,} layers", deep, ("solve", "deep.toml", "--json"), 0),
        Case("exam spec: solve --latex", f"{MAX_LAYERS:,} layers", deep, ("solve", "deep.toml", "--latex", "s.tex"), 0),
        Case("exam spec: formulas", f"{MAX_LAYERS:,} layers", deep, ("formulas", "deep.toml"), 0),
        Case("exam spec: sweep (1,000 sizes)", f"{MAX_LAYERS:,} layers", deep, ("sweep", "deep.toml", "--size", "32:1031"), 0),
        Case("exam spec: paper", f"{MAX_LAYERS:,} layers", deep, ("paper", "deep.toml", "--latex", "p.tex"), 0),
        Case("exam spec: one layer over", f"{MAX_LAYERS + 1:,} layers", over, ("solve", "over.toml"), 2),
        Case("exam spec: solve --json", f"{MAX_ITEMS:,} softmax classes", wide, ("solve", "classes.toml", "--json"), 0),
        Case("exam spec: solve", f"{MAX_ITEMS:,} softmax classes", wide, ("solve", "classes.toml"), 0),
        Case("exam spec: 4 MiB", "4 MiB file", {"big.toml": lambda: padded(SEED, 4 * 2**20)}, ("solve", "big.toml"), 0),
        Case("model spec: report", f"{MAX_LAYERS:,} layers from blocks (10 × {MAX_LAYERS // 10:,})",
             {"m.toml": lambda: blocks(10, MAX_LAYERS // 10)}, ("report", "m.toml"), 0),
        Case("model spec: block bomb", f"1,000 layers × repeat {MAX_LAYERS:,}",
             {"bomb.toml": lambda: blocks(1000, MAX_LAYERS)}, ("report", "bomb.toml"), 2),
        Case("key: verify", f"{MAX_WORKING} wrong lines of {arith.MAX_LITERALS} numbers",
             {"k.toml": wrong_key}, ("verify", "k.toml"), 1),
        Case("key: verify", f"{MAX_VALUES} × {CLAIM_DEPTH} shapes: {MAX_VALUES * CLAIM_DEPTH * 3:,} of {MAX_NUMBERS:,} numbers,"
             f" every scalar wrong", {"e.toml": lambda: shapes_exam(CLAIM_DEPTH), "c.toml": lambda: many_claims(CLAIM_DEPTH)},
             ("verify", "c.toml", "--exam", "e.toml"), 1),
        Case("key: verify", f"{MAX_KEY_BYTES // 2**20} MiB key", {"p.toml": lambda: padded(wrong_key(), MAX_KEY_BYTES)},
             ("verify", "p.toml"), 1),
        Case("key: a number of 10^6 digits", "working line ≤ 500 characters",
             {"d.toml": lambda: '[questions.1a]\nvalues = [1]\nworking = ["' + "9" * 10**6 + ' = 1"]\n'},
             ("verify", "d.toml"), 2),
        Case("key: verify a deep exam", f"{VERIFY_LAYERS} layers, every scalar answer wrong",
             {"vdeep.toml": vdeep["vdeep.toml"], "k.toml": wrong_key}, ("verify", "k.toml", "--exam", "vdeep.toml"), 1),
        Case("key: verify a deeper exam", f"{VERIFY_LAYERS + 1} layers",
             {"v2.toml": lambda: chain(VERIFY_LAYERS + 1), "k.toml": wrong_key}, ("verify", "k.toml", "--exam", "v2.toml"), 2),
        Case("key: verify a many-class exam", f"{VERIFY_CLASSES} classes, δ wrong 8 ways, every scalar wrong",
             {"c.toml": lambda: classes(VERIFY_CLASSES), "k.toml": lambda: vector_claims(VERIFY_CLASSES)},
             ("verify", "k.toml", "--exam", "c.toml"), 1),
        Case("key: verify a many-class exam", f"{VERIFY_CLASSES + 1} classes",
             {"c.toml": lambda: classes(VERIFY_CLASSES + 1), "k.toml": wrong_key}, ("verify", "k.toml", "--exam", "c.toml"), 2),
    ]


def run(case: Case, folder: Path) -> tuple[float, float, float, int]:
    for name, make in case.files.items():
        (folder / name).write_text(make(), encoding="utf-8")
    stats = folder / "time.txt"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
    p = subprocess.run(["/usr/bin/time", "-o", str(stats), "-f", "%e %U %S %M", sys.executable, "-m", "symcnn", *case.argv],
                       cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall, user, system, rss = stats.read_text().split()[-4:]
    if p.returncode != case.expect:
        print(f"  ! {case.name}: exit {p.returncode}, expected {case.expect}: {p.stderr.strip()[-300:]}")
    return float(wall), float(user) + float(system), int(rss) / 1024, p.returncode


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*", help="run the cases whose name contains one of these words")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    chosen = [c for c in cases() if not args.only or any(w in f"{c.name} {c.limit}" for w in args.only)]
    if args.list:
        print("\n".join(f"{c.name}: {c.limit}" for c in chosen))
        return
    print(f"load average at the start: {os.getloadavg()[0]:.1f}")
    print("| input | at the limit | exit | wall (s) | CPU (s) | peak RSS (MB) |")
    print("|---|---|---|---|---|---|")
    for case in chosen:
        with tempfile.TemporaryDirectory(prefix="symcnn-limits-") as tmp:
            wall, cpu, rss, rc = run(case, Path(tmp))
        flag = "" if cpu <= BUDGET_S and rss <= BUDGET_MB else " (over budget)"
        print(f"| {case.name} | {case.limit} | {rc} | {wall:.1f} | {cpu:.1f}{flag} | {rss:.0f} |", flush=True)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
