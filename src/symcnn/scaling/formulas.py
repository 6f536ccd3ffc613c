"""How the totals scale with the input size: formulas in H_0 and W_0, leading terms, valid sizes.

Leading term. The exact totals contain floors, e.g. ``floor((H_0 - 9)/4) + 1``. Since
``floor(x/s) = x/s - θ`` with ``0 <= θ < 1``, dropping every floor changes a total only by
terms of lower degree in H_0 and W_0. So the *leading term* of a total is the part of
highest total degree in (H_0, W_0) of the total with every floor dropped, and its
*growth order* is that part's monomial (``H_0*W_0``: it grows with the pixel count).
A layer "drives" a total when its own contribution reaches that degree.

Nested floors are merged as they are built, with the exact identity
``floor((floor(y) + r)/c) = floor((y + r)/c)`` for an integer r and a positive integer c,
so the closed form of a chain of any depth has one floor per axis and never nests.

>>> from symcnn.exam.spec import load_exam
>>> g = {t.key: t for t in growth(load_exam())}
>>> g["params"].order
H_0*W_0
>>> smallest_valid(load_exam().network)
ValidSizes(square=15, height=15, width=15)
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from ..checked import MAX_SIZE
from ..errors import SpecError
from ..exam import Exam
from ..model import rules
from ..model.conventions import CONVENTIONS
from ..model.exact import expr
from ..model.layers import hyperparameters, size
from ..model.network import Network, derive
from ..model.symbolic import building, merge_floors  # noqa: F401  (merge_floors re-exported: its old home)

# --------------------------------------------------------------------------- formulas


def _drop_floors(expr: Any) -> Any:
    import sympy

    return expr.replace(lambda e: isinstance(e, (sympy.floor, sympy.ceiling)), lambda e: e.args[0])


@cache
def _poly(expr: Any, axes: tuple[Any, Any]) -> Any:
    """An expression with every floor dropped, as a polynomial in H_0, W_0."""
    import sympy

    return sympy.Poly(sympy.expand(_drop_floors(expr)), *axes)


def _top(poly: Any, axes: tuple[Any, Any]) -> tuple[Any, Any, int]:
    """(leading term, its monomial, its degree) of a polynomial in H_0, W_0."""
    import sympy

    degree = max((sum(m) for m in poly.monoms()), default=0)
    top = [(m, c) for m, c in poly.terms() if sum(m) == degree and c != 0]
    term = sympy.Add(*(c * axes[0] ** m[0] * axes[1] ** m[1] for m, c in top))
    order = sympy.Add(*(axes[0] ** m[0] * axes[1] ** m[1] for m, _ in top)) if top else sympy.Integer(0)
    return term, order, degree


def _leading(expr: Any, axes: tuple[Any, Any]) -> tuple[Any, Any, int]:
    """(leading term, its monomial, its degree) of an expression once floors are dropped."""
    return _top(_poly(expr, axes), axes)


@dataclass(frozen=True)
class Growth:
    """One total as a formula in H_0, W_0: exact, leading term, growth order and driving layers."""

    key: str  # column name, as in the sweep: params, cost.macs, run.flops ...
    exact: Any
    leading: Any
    order: Any
    degree: int
    drivers: tuple[str, ...]


def _closed_forms(exam: Exam) -> tuple[tuple[Any, Any], dict[str, dict[str, Any]], Any]:
    """Per layer: params, activations and cost per convention, as formulas in H_0 and W_0."""
    import sympy

    formulas = derive(exam.network)
    fixed: dict[Any, Any] = {k: sympy.Integer(v) for k, v in formulas.hyper_values.items()}
    h0, w0, d0 = formulas.input_symbols
    fixed[d0] = sympy.Integer(exam.network.input_shape[2])
    for lay in formulas.layers:  # one merged floor per axis: never nests, whatever the depth
        for sym, formula in lay.definitions.items():
            fixed[sym] = merge_floors(formula.xreplace(fixed))
    per_layer: dict[str, dict[str, Any]] = {}
    for lay in formulas.layers:
        q = {"params": lay.params, "activations": size(lay.symbols)}
        q.update({f"cost.{c.name}": c.cost(lay.counts) for c in CONVENTIONS.values()})
        per_layer[lay.name] = {k: expr(v).xreplace(fixed) for k, v in q.items()}
    return (h0, w0), per_layer, size(formulas.input_symbols).xreplace(fixed)


def growth(exam: Exam) -> tuple[Growth, ...]:
    """Every total of the sweep as a formula in H_0, W_0 with its leading term and order."""
    with building():
        return _growth(exam)


def _growth(exam: Exam) -> tuple[Growth, ...]:
    import sympy

    from .sweep import _samples

    axes, per_layer, input_values = _closed_forms(exam)
    t = exam.training
    its = t.iterations_per_epoch or rules.iterations(_samples(exam), t.batch_size)
    terms: dict[str, list[Any]] = defaultdict(list)  # one Add per total: += would be quadratic in depth
    drivers_of: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for name, q in per_layer.items():
        for key, value in q.items():
            terms[key].append(value)
            drivers_of[key].append((_leading(value, axes)[2], name))
    terms["activations"].append(input_values)
    drivers_of["activations"].append((_leading(input_values, axes)[2], "input"))
    # The totals once as formulas, once as polynomials: a total's polynomial is the sum of
    # its layers', so the leading terms never expand a sum of every layer (quadratic in depth).
    totals = _totals({key: sympy.Add(*values) for key, values in terms.items()}, exam, its)
    polys = _totals({key: _sum(_poly(v, axes) for v in values) for key, values in terms.items()}, exam, its)
    source = {"activation_bytes": "activations", "param_bytes": "params"}
    out = []
    for key, exact in totals.items():
        term, order, degree = _top(polys[key], axes)
        base = source.get(key, key.split(".", 1)[-1] if key.startswith(("batch.", "run.")) else key)
        base = f"cost.{base}" if key.startswith(("batch.", "run.")) else base
        parts = drivers_of["params"] + drivers_of["activations"] if key == "memory_bytes" else drivers_of[base]
        drivers = tuple(dict.fromkeys(n for d, n in parts if d == degree))
        out.append(Growth(key, exact, term, order, degree, drivers))
    return tuple(out)


def _totals(sums: dict[str, Any], exam: Exam, its: int) -> dict[str, Any]:
    """Every total of the sweep from the per-layer sums, by the rules (formulas or polynomials alike)."""
    t, b = exam.training, exam.inference_bytes
    totals = {"params": sums["params"], "activations": sums["activations"]}
    totals.update({f"cost.{c}": sums[f"cost.{c}"] for c in CONVENTIONS})
    totals["activation_bytes"] = rules.memory_bytes(sums["activations"], b)
    totals["param_bytes"] = rules.memory_bytes(sums["params"], b)
    totals["memory_bytes"] = totals["activation_bytes"] + totals["param_bytes"]
    for c in CONVENTIONS:
        totals[f"batch.{c}"] = rules.batch_cost(sums[f"cost.{c}"], t.batch_size, t.backward_factor)
        totals[f"run.{c}"] = rules.run_cost(totals[f"batch.{c}"], its, t.epochs)
    return totals


def _sum(polys: Any) -> Any:
    """Polynomials added one by one: each is small, so this stays linear in their number."""
    polys = iter(polys)
    out = next(polys)
    for p in polys:
        out = out + p
    return out


# --------------------------------------------------------------------------- valid sizes


@dataclass(frozen=True)
class ValidSizes:
    """The smallest square input, and the smallest height and width, giving every layer a positive output."""

    square: int
    height: int
    width: int


class _PythonInts(dict):
    """Bounds that send every call to Python ints: exact, and fine for a few probe sizes."""

    def __missing__(self, key: str) -> int:
        return MAX_SIZE**8


def input_sizes(network: Network, h: list[int], w: list[int]) -> tuple[dict[str, Any], np.ndarray]:
    """Every layer's columns at the sizes h[i] × w[i] (Python ints), and which sizes are valid."""
    from .sweep import _ArrayPass, _layers

    p = _ArrayPass(_PythonInts(), len(h))
    cols, _ = _layers(network, np.array(h, dtype=object), np.array(w, dtype=object), p)
    return cols, p.valid


def _valid(network: Network, h: list[int], w: list[int]) -> np.ndarray:
    return input_sizes(network, h, w)[1]


def _first(ok: Any, lo: int, hi: int) -> int | None:
    """Smallest n in [lo, hi] with ok(n), for a monotone ok, probing 64 sizes per round."""
    while hi - lo > 64:
        points = sorted({lo + (hi - lo) * i // 64 for i in range(65)})
        flags = ok(points)
        if not flags[-1]:
            return None
        j = int(np.argmax(flags))
        if j == 0:
            return lo
        lo, hi = points[j - 1] + 1, points[j]
    points = list(range(lo, hi + 1))
    flags = ok(points)
    return points[int(np.argmax(flags))] if flags.any() else None


def smallest_valid(network: Network) -> ValidSizes:
    """The smallest valid square input, then the smallest height and width (the other axis large)."""
    square = _first(lambda ns: _valid(network, ns, ns), 1, MAX_SIZE)
    if square is None:
        raise SpecError(f"network: no input size up to {MAX_SIZE} gives every layer a positive output")
    height = _first(lambda ns: _valid(network, ns, [square] * len(ns)), 1, square)
    width = _first(lambda ns: _valid(network, [square] * len(ns), ns), 1, square)
    return ValidSizes(square, height or square, width or square)


# --------------------------------------------------------------------------- border loss


def border_loss(n, k, p, s):
    """Input pixels (rows or columns) at the far border that no window of stride s reaches."""
    return (n + 2 * p - k) % s


@dataclass(frozen=True)
class BorderLoss:
    """A windowed layer: its stride period over the input size, and the sizes that lose pixels."""

    layer: str
    stride: int
    period: int  # loss depends on H_0 only through H_0 mod period
    losing: tuple[int, ...]  # residues of H_0 mod period that lose pixels
    lost_at_input: tuple[int, int]  # pixels lost along (H, W) at the spec's input size


def border_losses(exam: Exam, max_period: int = 4096) -> tuple[BorderLoss, ...]:
    """For every layer with a kernel and a stride: which input sizes lose border pixels."""
    from ..model.network import evaluate

    net = exam.network
    windows: list[tuple[int, Any]] = [(i, node.layer) for i, node in enumerate(net.nodes, start=1)
                                      if {"kernel", "stride", "padding"} <= set(hyperparameters(node.layer))]
    span = 1
    for _, lay in windows:
        span = min(span * lay.stride, max_period)
    start = smallest_valid(net).square
    sizes = list(range(start, start + span))
    cols, _ = input_sizes(net, sizes, sizes)
    at_input = list(evaluate(net).shapes())
    period, out = 1, []
    for i, lay in windows:
        src = net.sources(i)[0]
        n_in = cols["H" if src == 0 else f"{net.nodes[src - 1].name}.H"]
        period *= lay.stride
        k = rules.dilated_kernel(lay.kernel, getattr(lay, "dilation", 1))
        loss = border_loss(n_in, k, lay.padding, lay.stride)
        losing = () if period > max_period else tuple(sorted({h % period for h, x in zip(sizes, loss) if x}))
        lost = (border_loss(at_input[src][0], k, lay.padding, lay.stride),
                border_loss(at_input[src][1], k, lay.padding, lay.stride))
        out.append(BorderLoss(net.nodes[i - 1].name, lay.stride, period, losing, lost))
    return tuple(out)
