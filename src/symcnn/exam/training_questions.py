"""Question kinds of training: the memory to train, the time it takes, the softmax and its loss.

``training.memory`` counts, for one batch, the parameters, their gradients, the optimiser's
state, optional fp32 master weights, and the activations autograd keeps for the backward
pass (:data:`KEEPS`: which tensors each layer type saves, as PyTorch does on the CPU,
checked with ``torch.autograd.graph.saved_tensors_hooks`` in ``tests/test_training_kinds.py``).
``training.time`` divides the training cost by the throughput, ``softmax.probabilities`` and
``softmax.loss`` give p = softmax(o) and L = −log p of the true class.

>>> from symcnn.exam.spec import load_exam
>>> from symcnn.exam.solve import solve
>>> from symcnn.exam import Question
>>> from dataclasses import replace
>>> exam = load_exam()
>>> exam = replace(exam, questions=(Question("m", "training.memory", {"optimizer": "adam"}),))
>>> solve(exam).answer("m").unit
'B'
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sympy

from ..errors import SpecError
from ..model import rules
from ..model.layers import size
from . import Question
from .questions import (
    Context,
    _batch,
    _decimal,
    _exact,
    params_steps,
    real,
    samples_value,
    step,
    sym,
)
from .steps import Answer, Step, round_decimal

# --------------------------------------------------------------------------- what autograd keeps

OPTIMIZERS = {"sgd": 0, "momentum": 1, "adam": 2}
"""State tensors the size of the parameters each optimiser keeps (momentum: the velocity;
Adam: the first and second moments)."""

MASTER_BYTES = 4  # fp32 master weights (and optimiser state) of mixed-precision training
INDEX_BYTES = 8  # PyTorch's max-pooling indices are int64 (the rule kept_bytes writes the 8)


@dataclass(frozen=True)
class Keeps:
    """What one layer type saves for its backward pass (per sample).

    ``input``: its input tensor (a conv or dense layer needs it for the weight gradient,
    a pooling layer to route the gradient). ``indices``: one int64 index per output value
    (max pooling's argmax). ``mask``: one value per output value (dropout's mask; PyTorch's
    CPU dropout multiplies by a float mask, so it is stored like the values). ``alias``: the
    output is a view of the input (flatten), the same tensor. ``stats``: a mean and an inverse
    deviation per channel, computed over the whole batch and kept in fp32 (batch normalisation).
    """

    input: bool = False
    indices: bool = False
    mask: bool = False
    alias: bool = False
    stats: bool = False


KEEPS: dict[str, Keeps] = {
    "conv2d": Keeps(input=True),
    "dense": Keeps(input=True),
    "maxpool": Keeps(input=True, indices=True),
    "avgpool": Keeps(input=True),
    "adaptive_avgpool": Keeps(input=True),  # but not when the output is 1 × 1: PyTorch takes a mean
    "global_avgpool": Keeps(),  # a mean: its backward needs only the input's size
    "dropout": Keeps(mask=True),
    "flatten": Keeps(alias=True),
    "activation": Keeps(),  # by function: ACTIVATION_KEEPS
    "add": Keeps(),  # the gradient of a sum is passed on as is
    "concat": Keeps(),  # split back by sizes only
    "batchnorm": Keeps(input=True, stats=True),  # its running statistics are buffers of the model, not kept
}
"""Per layer type, the tensors autograd saves for the backward pass."""

ACTIVATION_KEEPS = {"relu": "output", "tanh": "output", "sigmoid": "output", "softmax": "output",
                    "relu6": "input"}
"""What an activation saves: its output (relu, tanh, sigmoid, softmax compute the gradient
from the result), or its input (relu6 is PyTorch's hardtanh, which reads its input)."""


def _kept(ctx: Context, q: Question) -> tuple[list[Step], list[Step], list[Step]]:
    """Steps for the values (floats) and indices (int64) autograd keeps per sample, once per tensor, and
    the statistics it keeps per batch."""
    net = ctx.exam.network
    numbers = {lay.index: lay for lay in ctx.numbers.layers}
    formulas = ctx.formulas
    tensor = list(range(len(net.nodes) + 1))  # the tensor each layer's output is (flatten: its input's)
    kept: dict[Any, tuple[str, Any, Any, dict[str, str]]] = {}  # key → (label, symbol, formula, args)

    def output(j: int) -> None:
        t = tensor[j]
        if t in kept:
            return
        if t == 0:
            kept[t] = ("step.kept_input", sym("V_0"), size(formulas.input_symbols), {})
        else:
            lf = formulas.layers[t - 1]
            kept[t] = ("step.kept_output", sym(f"V_{t}"), size(lf.symbols), {"layer": lf.name})

    for i, node in enumerate(net.nodes, start=1):
        lf = formulas.layers[i - 1]
        kind = node.layer.kind
        rule = KEEPS.get(kind)
        if rule is None:
            raise SpecError(f"{ctx.exam.source}: question {q.id}: training.memory does not model what"
                            f" layer {i} ({node.name}) of type {kind} keeps for the backward pass")
        sources = net.sources(i)
        if rule.alias:
            tensor[i] = tensor[sources[0]]
        if rule.input and not (kind == "adaptive_avgpool" and numbers[i].shape[:2] == (1, 1)):
            for s in sources:
                output(s)
        if rule.indices:
            kept[("i", i)] = ("step.kept_indices", sym(f"I_{i}"), size(lf.symbols), {"layer": lf.name})
        if rule.mask:
            kept[("m", i)] = ("step.kept_mask", sym(f"D_{i}"), size(lf.symbols), {"layer": lf.name})
        if rule.stats:
            kept[("s", i)] = ("step.kept_stats", sym(f"S_{i}"), 2 * lf.symbols[-1], {"layer": lf.name})
        function = getattr(node.layer, "function" if kind == "activation" else "activation", None)
        saves = ACTIVATION_KEEPS.get(function) if function else None
        if saves == "output":
            output(i)
        elif saves == "input" and kind == "activation":
            for s in sources:
                output(s)
        elif saves == "input":  # a fused relu6 reads the layer's output before it: a tensor of its own
            kept[("z", i)] = ("step.kept_preactivation", sym(f"Z_{i}"), size(lf.symbols), {"layer": lf.name})
    values: list[Step] = []
    indices: list[Step] = []
    stats: list[Step] = []
    for _, (label, symbol, formula, args) in sorted(kept.items(), key=lambda e: _order(e[0])):
        row = step(label, symbol, formula, ctx.values, **args)
        {"step.kept_indices": indices, "step.kept_stats": stats}.get(label, values).append(row)
    return values, indices, stats


def _order(key: Any) -> tuple[int, int]:
    return (key, 0) if isinstance(key, int) else (key[1], 1)


# --------------------------------------------------------------------------- training.memory

P, B, B_VAL, N_STATE, B_STATE, B_MASTER = (sym(n) for n in ("P", "B", "b", "n_opt", "b_s", "b_m"))
M_W, M_MASTER, M_G, M_S, M_A, M_TRAIN, K, I_ALL, S_ALL = (sym(n) for n in (
    "M_w", "M_m", "M_g", "M_s", "M_a", "M_train", "K", "I", "S"))


def training_memory(ctx: Context, q: Question) -> Answer:
    """Bytes to train on one batch: weights, master weights, gradients, optimiser state, kept activations."""
    optimizer = q.options.get("optimizer", "sgd")
    b = int(q.options.get("bytes_per_value", 4))
    master = bool(q.options.get("master_weights", False))
    batch = int(q.options.get("batch_size", ctx.exam.training.batch_size))
    params = params_steps(ctx)[-1]
    p = params.value
    weights = step("step.weight_bytes", M_W, rules.memory_bytes(P, B_VAL), {P: p, B_VAL: b}, "B")
    grads = step("step.grad_bytes", M_G, rules.memory_bytes(P, B_VAL), {P: p, B_VAL: b}, "B")
    parts: list[Step] = [weights]
    if master:
        parts.append(step("step.master_bytes", M_MASTER, rules.memory_bytes(P, B_MASTER), {P: p, B_MASTER: MASTER_BYTES},
                          "B"))
    state_b = MASTER_BYTES if master else b
    state = step("step.state_bytes", M_S, rules.state_bytes(N_STATE, P, B_STATE),
                 {N_STATE: OPTIMIZERS[optimizer], P: p, B_STATE: state_b}, "B", optimizer=optimizer)
    parts += [grads, state]
    values, indices, stats = _kept(ctx, q)
    k = step("step.kept_values", K, sympy.Add(*(s.symbol for s in values)), {s.symbol: s.value for s in values})
    steps = [*values, k]
    totals: dict[Any, Any] = {}
    for rows, symbol, label in ((indices, I_ALL, "step.kept_index_total"), (stats, S_ALL, "step.kept_stats_total")):
        if rows:
            total_step = step(label, symbol, sympy.Add(*(s.symbol for s in rows)), {s.symbol: s.value for s in rows})
            steps += [*rows, total_step]
            totals[symbol] = total_step.value
    acts = step("step.kept_bytes", M_A, rules.kept_bytes(B, K, B_VAL, I_ALL if I_ALL in totals else 0,
                                                         S_ALL if S_ALL in totals else 0),
                {B: batch, K: k.value, B_VAL: b, **totals}, "B")
    total = step("step.train_memory", M_TRAIN,
                 rules.train_memory(M_W, M_MASTER if master else 0, M_G, M_S, M_A),
                 {s.symbol: s.value for s in (*parts, acts)}, "B")
    return Answer(q.id, q.kind, total.value, (params, *parts, *steps, acts, total), unit="B",
                  assumption="assume.autograd_keeps")


# --------------------------------------------------------------------------- training.time

TIME_UNITS = {"s": 1, "min": 60, "h": 3600}
SPANS = ("iteration", "epoch", "run")
THETA, U, T_IT, E = real("Theta"), real("u"), sym("T"), sym("E")
F_B = sym("F_B")


def _shown(x: Fraction) -> Decimal:
    """An exact given (a throughput, a utilisation) written as the spec wrote it."""
    return Decimal(x.numerator) / Decimal(x.denominator)


def training_time(ctx: Context, q: Question) -> Answer:
    """Time of one iteration, one epoch or the run: the training cost over throughput × utilisation."""
    t = ctx.exam.training
    throughput = q.options.get("throughput")
    if throughput is None:
        raise SpecError(f"{ctx.exam.source}: question {q.id}.throughput is missing (operations per second,"
                        " e.g. 1.2e13)")
    utilization = q.options.get("utilization", Fraction(1))
    span = q.options.get("of", "run")
    unit = q.options.get("unit", "s")
    decimals = int(q.options.get("decimals", 2))
    batch = _batch(ctx)
    exact = Fraction(batch.value) / (throughput * utilization)
    digits = decimals + 4  # the intermediate lines show more digits than the answer
    shown = {F_B: batch.value, THETA: _shown(throughput), U: _shown(utilization)}
    t_it = real("t_it")
    steps: list[Step] = [batch, Step("step.iteration_time", t_it, rules.seconds(F_B, THETA, U), shown,
                                     round_decimal(_decimal(_exact(exact)), digits), "s")]
    symbol, formula, values = t_it, None, {}
    if span in ("epoch", "run"):
        if t.iterations_per_epoch is not None:
            its = step("step.iterations_given", T_IT, T_IT, {T_IT: t.iterations_per_epoch})
        else:
            its = step("step.iterations", T_IT, rules.iterations(sym("N"), sym("B")),
                       {sym("N"): samples_value(ctx), sym("B"): t.batch_size})
        exact *= its.value
        t_ep = real("t_epoch")
        steps += [its, Step("step.epoch_time", t_ep, T_IT * t_it, {T_IT: its.value, t_it: steps[1].value},
                            round_decimal(_decimal(_exact(exact)), digits), "s")]
        symbol = t_ep
        if span == "run":
            exact *= t.epochs
            t_run = real("t_run")
            steps.append(Step("step.run_time", t_run, E * t_ep, {E: t.epochs, t_ep: steps[-1].value},
                              round_decimal(_decimal(_exact(exact)), digits), "s"))
            symbol = t_run
    if unit != "s":
        exact /= TIME_UNITS[unit]
        converted = real(f"{symbol.name}_{unit}")
        formula = symbol / TIME_UNITS[unit]
        values = {symbol: steps[-1].value}
        steps.append(Step(f"step.time_{unit}", converted, formula, values,
                          round_decimal(_decimal(_exact(exact)), decimals), unit))
    else:
        last = steps[-1]
        steps[-1] = Step(last.label, last.symbol, last.formula, last.values,
                         round_decimal(_decimal(_exact(exact)), decimals), last.unit, last.args)
    return Answer(q.id, q.kind, steps[-1].value, tuple(steps), unit=unit, decimals=decimals,
                  unrounded=_decimal(_exact(exact)))


# --------------------------------------------------------------------------- softmax


def _probabilities(ctx: Context, decimals: int) -> tuple[list[Step], dict[str, Any]]:
    """Steps p_c = exp(o_c) / Σ exp(o_j), each rounded to ``decimals``; the exact p per class."""
    s = ctx.exam.softmax
    o = {c: real(f"o_{c}") for c in s.classes}
    logits = {o[c]: _exact(v) for c, v in zip(s.classes, s.logits)}
    shown = {k: Decimal(v.p) / Decimal(v.q) for k, v in logits.items()}
    denominator = sympy.Add(*(sympy.exp(o[c]) for c in s.classes))
    steps, exact = [], {}
    for c in s.classes:
        formula = sympy.exp(o[c]) / denominator
        exact[c] = formula.xreplace(logits)
        steps.append(Step("step.softmax", real(f"p_{c}"), formula, shown, round_decimal(_decimal(exact[c]), decimals),
                          args={"cls": c, "name": s.name(c)}))
    return steps, exact


def softmax_probabilities(ctx: Context, q: Question) -> Answer:
    decimals = int(q.options.get("decimals", 4))
    steps, exact = _probabilities(ctx, decimals)
    value = tuple(st.value for st in steps)
    return Answer(q.id, q.kind, value, tuple(steps), decimals=decimals,
                  unrounded=tuple(_decimal(p) for p in exact.values()))


def softmax_loss(ctx: Context, q: Question) -> Answer:
    """L = −log p of the true class (natural log), from its probability."""
    s = ctx.exam.softmax
    decimals = int(q.options.get("decimals", 4))
    steps, exact = _probabilities(ctx, decimals + 2)
    p_step = steps[s.classes.index(s.target)]
    loss = -sympy.log(exact[s.target])
    last = Step("step.loss", real("L"), -sympy.log(p_step.symbol), {p_step.symbol: p_step.value},
                round_decimal(_decimal(loss), decimals), args={"cls": s.target, "name": s.name(s.target)})
    return Answer(q.id, q.kind, last.value, (p_step, last), decimals=decimals, unrounded=_decimal(loss))


# --------------------------------------------------------------------------- question texts


def memory_blanks(exam: Any, q: Question, lang: str, number: Any) -> dict[str, str]:
    """The training.memory text's blanks, defaults included: the optimiser by name, the batch."""
    from ..catalogue import text

    return {"optimizer": text(lang, f"optimizer.{q.options.get('optimizer', 'sgd')}"),
            "batch_size": number(int(q.options.get("batch_size", exam.training.batch_size)))}


def time_blanks(exam: Any, q: Question, lang: str, number: Any) -> dict[str, str]:
    """The training.time text's blanks: what is timed in words, the rate, the utilisation, the unit."""
    from ..catalogue import text

    throughput = q.options.get("throughput", Fraction(0))
    return {"of": text(lang, f"span.{q.options.get('of', 'run')}"),
            "throughput": number(_shown(throughput)) if throughput.denominator != 1 else number(int(throughput)),
            "utilization": number(_shown(q.options.get("utilization", Fraction(1)))),
            "unit": text(lang, f"unit.{q.options.get('unit', 's')}")}
