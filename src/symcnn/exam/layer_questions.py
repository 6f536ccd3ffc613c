"""Question kinds about chosen layers, and the receptive field.

``layer.shape``, ``layer.params``, ``layer.weights``, ``layer.biases``, ``layer.cost`` and
``layer.values`` ask one quantity of the layers a question names (``layer = "conv2"`` or
``layers = ["conv1", 5]``: names, or positions as the layer table numbers them), one value
per layer or, with ``sum = true``, their total. Their steps are the very steps the
whole-network kinds write (``P_i = w + b`` labelled ``step.params``), so the verifier's
graph links them to the same nodes and every mistake it knows applies to them too.

``network.receptive_field`` follows the recurrence from the input (R₀ = 1, J₀ = 1, A₀ = 0)
through every layer up to the one asked: a window of extent k, stride s, padding p turns
(R, J, A) into (R + (k − 1)·J, J·s, A − p·J): the field's size in input pixels, the
distance between neighbouring outputs' fields (the jump), and where the first output's
field starts (0-based, negative when it reaches into the padding). Kernels, strides and
paddings are square, so the height and the width have the same field.

>>> from symcnn import load_exam, solve
>>> from symcnn.exam import Question
>>> from symcnn.exam.questions import Context
>>> from symcnn.model.conventions import convention
>>> s = solve(load_exam())
>>> ctx = Context(s.exam, s.formulas, s.numbers, convention(s.exam.convention))
>>> receptive_field(ctx, Question("x", "network.receptive_field", {"layer": "pool1"})).value  # 7 + 2·1; 1·2; 0 − 1
(9, 2, -1)
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

import sympy

from ..errors import SpecError
from ..model import rules
from ..model.layers import Add, AvgPool2d, Concat, Conv2d, Layer, MaxPool2d, size
from ..model.network import LayerFormulas
from . import Exam, Question
from .questions import Context, shape_steps, step, sym
from .steps import Answer, Step, Vector

# --------------------------------------------------------------------------- which layers


def _where(exam: Exam, q: Question, field: str) -> str:
    return f"{exam.source}: question {q.id}.{field}"


def _position(exam: Exam, q: Question, field: str, ref: int | str) -> int:
    nodes = exam.network.nodes
    if isinstance(ref, int):
        if not 1 <= ref <= len(nodes):
            raise SpecError(f"{_where(exam, q, field)}: no layer {ref} (the network has {len(nodes)},"
                            f" numbered from 1 as in the layer table)")
        return ref
    for i, node in enumerate(nodes, start=1):
        if node.name == ref:
            return i
    import difflib

    names = [n.name for n in nodes]
    close = difflib.get_close_matches(ref, names, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    known = ", ".join(names[:12]) + (", …" if len(names) > 12 else "")
    raise SpecError(f"{_where(exam, q, field)}: no layer named {ref!r}{hint}; the layers are {known}")


def layer_positions(exam: Exam, q: Question) -> tuple[tuple[int, ...], bool]:
    """The positions (1-based) a layer question names, and whether it names one layer (``layer``)."""
    o = q.options
    if "layer" in o and "layers" in o:
        raise SpecError(f"{_where(exam, q, 'layers')}: give either layer (one) or layers (a list), not both")
    if "layer" in o:
        return (_position(exam, q, "layer", o["layer"]),), True
    if "layers" in o:
        return tuple(_position(exam, q, f"layers[{i}]", r) for i, r in enumerate(o["layers"])), False
    raise SpecError(f"{_where(exam, q, 'layer')} is missing: name a layer (layer = \"conv2\" or its position)"
                    f" or several (layers = [\"conv1\", \"fc1\"])")


def layer_names(exam: Exam, q: Question) -> str:
    """The layers a question names, as its text says them: ``conv1, fc1``."""
    positions, _ = layer_positions(exam, q)
    return ", ".join(exam.network.nodes[i - 1].name for i in positions)


# --------------------------------------------------------------------------- per-layer quantities

PerLayer = Callable[[Context, LayerFormulas], Any]

QUANTITIES: dict[str, tuple[str, str, PerLayer, Callable[[Context], str]]] = {
    # kind: (symbol letter, step label, formula of one layer, unit)
    "layer.params": ("P", "step.params", lambda ctx, lf: lf.weights + lf.biases, lambda ctx: "params"),
    "layer.weights": ("w", "step.weights", lambda ctx, lf: lf.weights, lambda ctx: "params"),
    "layer.biases": ("b", "step.biases", lambda ctx, lf: lf.biases, lambda ctx: "params"),
    "layer.cost": ("F", "step.cost", lambda ctx, lf: ctx.convention.cost(lf.counts), lambda ctx: ctx.convention.unit),
    "layer.values": ("V", "step.numel", lambda ctx, lf: size(lf.symbols), lambda ctx: "values"),
}
"""Each per-layer kind's quantity, written as the whole-network kinds write it (same symbols, labels)."""


def _layer_quantity(ctx: Context, q: Question) -> Answer:
    letter, label, of, unit_of = QUANTITIES[q.kind]
    positions, single = layer_positions(ctx.exam, q)
    unit = unit_of(ctx)
    parts = tuple(step(label, sym(f"{letter}_{i}"), of(ctx, ctx.formulas.layers[i - 1]), ctx.values, unit,
                       layer=ctx.formulas.layers[i - 1].name) for i in positions)
    if q.options.get("sum", False) and not single:
        total = step("step.sum", sym(letter), sympy.Add(*(p.symbol for p in parts)),
                     {p.symbol: p.value for p in parts}, unit)
        return Answer(q.id, q.kind, total.value, parts + (total,), unit=unit)
    value = parts[0].value if single else Vector(p.value for p in parts)
    return Answer(q.id, q.kind, value, parts, unit=unit)


def layer_params(ctx: Context, q: Question) -> Answer:
    return _layer_quantity(ctx, q)


def layer_weights(ctx: Context, q: Question) -> Answer:
    return _layer_quantity(ctx, q)


def layer_biases(ctx: Context, q: Question) -> Answer:
    return _layer_quantity(ctx, q)


def layer_cost(ctx: Context, q: Question) -> Answer:
    return _layer_quantity(ctx, q)


def layer_values(ctx: Context, q: Question) -> Answer:
    return _layer_quantity(ctx, q)


def layer_shape(ctx: Context, q: Question) -> Answer:
    """The output shape of each named layer, each size from the layers before it."""
    positions, single = layer_positions(ctx.exam, q)
    needed = _ancestors(ctx.exam, positions)
    steps = list(shape_steps(ctx, only=needed))
    for i in positions:  # a vector's length is given (dense: m units); it still gets its line
        lf = ctx.formulas.layers[i - 1]
        if len(lf.symbols) == 1 and not lf.definitions:
            steps.append(step("step.shape_given", sym(f"N_{i}"), lf.symbols[0], ctx.values, layer=lf.name))
    if not steps:  # every size is the input's (an activation on the input): say so
        lf = ctx.formulas.layers[positions[0] - 1]
        steps.append(step("step.shape_same", sym(f"D_{lf.index}"), lf.symbols[-1], ctx.values, layer=lf.name))
    shapes = tuple(ctx.numbers.layers[i - 1].shape for i in positions)
    symbols = tuple(ctx.formulas.layers[i - 1].symbols for i in positions)
    return Answer(q.id, q.kind, shapes[0] if single else shapes, tuple(steps), unit="shape",
                  parts=symbols[0] if single else symbols)


def _ancestors(exam: Exam, positions: tuple[int, ...]) -> tuple[int, ...]:
    """The positions the named layers read, directly or not, with themselves, in order."""
    net = exam.network
    seen: set[int] = set()
    stack = list(positions)
    while stack:
        i = stack.pop()
        if i in seen or i == 0:
            continue
        seen.add(i)
        stack.extend(net.sources(i))
    return tuple(sorted(seen))


# --------------------------------------------------------------------------- receptive field

R0, J0, A0 = (sympy.Symbol(n, integer=True) for n in ("R_0", "J_0", "A_0"))
PASS_THROUGH = ("batchnorm", "dropout", "activation")  # element-wise: the field of their input


def _rf_symbols(i: int) -> tuple[Any, Any, Any]:
    return tuple(sympy.Symbol(f"{c}_{i}", integer=True) for c in "RJA")  # type: ignore[return-value]


def receptive_field(ctx: Context, q: Question) -> Answer:
    """(size, jump, start) of the receptive field of one layer's outputs on the input, step by step."""
    exam = ctx.exam
    if "layer" not in q.options:
        raise SpecError(f"{_where(exam, q, 'layer')} is missing: the layer whose receptive field is asked")
    target = _position(exam, q, "layer", q.options["layer"])
    given = {R0: 1, J0: 1, A0: 0}
    known: dict[int, tuple[Any, Any, Any]] = {0: (R0, J0, A0)}  # position → the symbols holding its field
    values: dict[Any, int] = dict(given)
    values.update(ctx.values)
    steps: list[Step] = [step("step.rf_input", s, sympy.Integer(v), {}) for s, v in given.items()]
    for i in _ancestors(exam, (target,)):
        lf = ctx.formulas.layers[i - 1]
        layer = exam.network.nodes[i - 1].layer
        sources = exam.network.sources(i)
        new = _rf_layer(ctx, q, i, lf, layer, [known[j] for j in sources], values, steps)
        known[i] = new
    own = _rf_symbols(target)
    if known[target] != own:  # the asked layer passes its input's field on: restate it as its own
        name = ctx.formulas.layers[target - 1].name
        for old, new in zip(known[target], own):
            s = step("step.rf", new, old, values, layer=name)
            values[new] = s.value
            steps.append(s)
    r, j, a = own
    by_symbol = {s.symbol: s for s in steps}
    finals = (by_symbol[r], by_symbol[j], by_symbol[a])
    steps = [s for s in steps if s not in finals] + list(finals)  # the answer's three parts come last
    return Answer(q.id, q.kind, Vector(s.value for s in finals), tuple(steps), parts=(r, j, a))


def _rf_layer(ctx: Context, q: Question, i: int, lf: LayerFormulas, layer: Layer,
              ins: list[tuple[Any, Any, Any]], values: dict[Any, int], steps: list[Step]) -> tuple[Any, Any, Any]:
    """The steps of one layer's field; returns the symbols that hold it (its input's when it passes it on)."""
    r_i, j_i, a_i = _rf_symbols(i)

    def add(label: str, symbol: Any, formula: Any, order: tuple[Any, ...] = ()) -> None:
        s = replace(step(label, symbol, formula, values, layer=lf.name), order=order)
        values[symbol] = s.value
        steps.append(s)

    if isinstance(layer, (Conv2d, MaxPool2d, AvgPool2d)):
        (r, j, a) = ins[0]
        sl: Any = lf.layer  # the same layer type, with symbols for its numbers
        extent = sl.span() if isinstance(sl, Conv2d) else sl.kernel
        add("step.rf", r_i, rules.rf_size(r, extent, j), (r, sl.kernel, j))  # as the rule writes it: r + (k − 1)·j
        add("step.rf", j_i, rules.rf_jump(j, sl.stride), (j, sl.stride))
        add("step.rf", a_i, rules.rf_start(a, sl.padding, j), (a, sl.padding, j))
        return r_i, j_i, a_i
    if layer.kind in PASS_THROUGH:
        return ins[0]
    if isinstance(layer, (Add, Concat)):
        jumps = {values[j] for _, j, _ in ins}
        if len(jumps) > 1:
            raise SpecError(f"{_where(ctx.exam, q, 'layer')}: layer {i} ({lf.name}) joins inputs whose outputs lie"
                            f" {' and '.join(map(str, sorted(jumps)))} input pixels apart: no single receptive field")
        add("step.rf", a_i, sympy.Min(*(a for _, _, a in ins)))
        add("step.rf", r_i, sympy.Max(*(a + r for r, _, a in ins)) - a_i)
        add("step.rf", j_i, ins[0][1])
        return r_i, j_i, a_i
    kind = layer.kind
    raise SpecError(f"{_where(ctx.exam, q, 'layer')}: layer {i} ({lf.name}) is a {kind} layer: each of its outputs"
                    f" sees the whole input, so a receptive field is asked of a convolution or pooling layer"
                    f" before it")
