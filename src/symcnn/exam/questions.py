"""Question kinds: each turns the exam into an Answer made of Steps.

One function per kind, ``(Context, Question) -> Answer``; the table of kinds and their
options is :data:`symcnn.exam.kinds.QUESTION_KINDS`. Every number comes from the rules in
:mod:`symcnn.model.rules`, called with sympy symbols for the formula and with ints for the value.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import Any, Callable, Mapping

import sympy

from ..errors import Notice, SpecError
from ..model import rules
from ..model.conventions import Convention
from ..model.exact import expr
from ..model.layers import size
from ..model.network import NetworkFormulas, NetworkNumbers, evaluate
from . import Exam, Question
from .steps import Alternative, Answer, Step, round_decimal

PRECISION = 40  # significant digits kept for real-valued answers


def sym(name: str) -> sympy.Symbol:
    """An exam-level quantity's symbol (positive integer unless it is a real)."""
    return sympy.Symbol(name, integer=True, positive=True)


def real(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, real=True)


def step(label: str, symbol: Any, formula: Any, values: Mapping[Any, Any], unit: str | None = None,
         **args: str) -> Step:
    """A step whose value is the formula evaluated at ``values`` (exactly)."""
    formula = expr(formula)
    used = {s: values[s] for s in _free(formula) if s in values}  # not all of ``values``: deep nets have many
    value = formula.xreplace({k: sympy.Integer(v) if isinstance(v, int) else v for k, v in used.items()})
    value = int(value) if value.is_Integer else value
    return Step(label, symbol, formula, used, value, unit, args)


def _free(expr: Any) -> list[Any]:
    return sorted(getattr(expr, "free_symbols", ()), key=_name)  # by name: printing each symbol is slow


def _name(symbol: Any) -> str:
    return symbol.name if isinstance(symbol, sympy.Symbol) else str(symbol)


@dataclass(frozen=True)
class Context:
    """What every question kind reads: the exam and its network, derived once."""

    exam: Exam
    formulas: NetworkFormulas
    numbers: NetworkNumbers
    convention: Convention

    @cached_property  # read once per layer by some questions: computing it each time is quadratic
    def values(self) -> dict[Any, int]:
        return self.numbers.values(self.formulas)

    @cached_property  # read by two questions: each class's p and δ, and Σ exp(o_j), once
    def softmax(self) -> tuple[list[Any], list[Any], Any]:
        s = self.exam.softmax
        return softmax_numbers(tuple(s.logits), s.classes.index(s.target))


# --------------------------------------------------------------------------- dataset

IMAGES, C_CROP, T, ORIG, A, N_CROP, N = (sym(n) for n in ("I", "c", "t", "o", "a", "N_crop", "N"))
H_C, W_C, CH, B_DATA, S_DATA = (sym(n) for n in ("h", "w", "C", "b", "S"))


def _crops(ctx: Context) -> tuple[Step, ...]:
    d = ctx.exam.dataset
    return (step("step.crops", N_CROP, rules.samples(IMAGES, C_CROP, 1), {IMAGES: d.images, C_CROP: d.crops_per_image}),)


def _samples(ctx: Context) -> tuple[Step, ...]:
    d = ctx.exam.dataset
    factor = step("step.augmentation", A, rules.augmentation_factor(T, ORIG),
                  {T: len(d.transforms), ORIG: int(d.keep_originals)}, transforms=", ".join(d.transforms))
    total = step("step.samples", N, rules.samples(IMAGES, C_CROP, A),
                 {IMAGES: d.images, C_CROP: d.crops_per_image, A: factor.value})
    return factor, total


def samples_value(ctx: Context) -> int:
    return _samples(ctx)[-1].value


def dataset_crops(ctx: Context, q: Question) -> Answer:
    steps = _crops(ctx)
    return Answer(q.id, q.kind, steps[-1].value, steps, unit="samples")


def dataset_samples(ctx: Context, q: Question) -> Answer:
    steps = _samples(ctx)
    return Answer(q.id, q.kind, steps[-1].value, steps, unit="samples")


def dataset_bytes(ctx: Context, q: Question) -> Answer:
    d = ctx.exam.dataset
    samples = _samples(ctx)
    total = step("step.dataset_bytes", S_DATA, rules.dataset_bytes(N, H_C, W_C, CH, B_DATA),
                 {N: samples[-1].value, H_C: d.crop_height, W_C: d.crop_width, CH: d.channels,
                  B_DATA: d.bytes_per_value}, unit="B")
    return Answer(q.id, q.kind, total.value, samples + (total,), unit="B")


# --------------------------------------------------------------------------- network


def shape_steps(ctx: Context, numbers: NetworkNumbers | None = None, only: tuple[int, ...] | None = None) -> tuple[Step, ...]:
    """One step per output dimension that has its own formula, for the chosen layers."""
    numbers = numbers or ctx.numbers
    values = numbers.values(ctx.formulas)
    out = []
    for lf in ctx.formulas.layers:
        if only is not None and lf.index not in only:
            continue
        for s, f in lf.definitions.items():
            out.append(step("step.shape", s, f, values, layer=lf.name))
    return tuple(out)


SHAPE_KINDS = ("conv2d", "maxpool", "avgpool")  # layers a shapes question is expected to ask about


def asked_layers(q: Question, numbers: NetworkNumbers) -> tuple[int, ...]:
    """The layers (numbered from 1) a ``network.shapes`` question asks for: its list; with
    ``"all"`` every layer with an H × W × D output; without ``layers``, every layer."""
    chosen = q.options.get("layers")
    if chosen == "all":
        return tuple(i for i, lay in enumerate(numbers.layers, start=1) if len(lay.shape) == 3)
    return tuple(chosen if chosen is not None else range(1, len(numbers.layers) + 1))


def shape_layers(ctx: Context, q: Question) -> tuple[int, ...]:
    return asked_layers(q, ctx.numbers)


def shapes_warnings(ctx: Context, q: Question) -> tuple[Notice, ...]:
    """A warning for each convolution or pooling layer an explicit ``layers`` list leaves out.

    A layer added to a network should not silently drop out of the question that lists the others.
    """
    if q.kind != "network.shapes" or not isinstance(q.options.get("layers"), tuple):
        return ()
    asked = set(q.options["layers"])
    return tuple(Notice("warning.shapes_skip", (("question", q.id), ("index", i), ("layer", lay.name),
                                                ("kind", lay.kind)))
                 for i, lay in enumerate(ctx.numbers.layers, start=1) if lay.kind in SHAPE_KINDS and i not in asked)


def network_shapes(ctx: Context, q: Question) -> Answer:
    layers = shape_layers(ctx, q)
    for i in layers:
        if not 1 <= i <= len(ctx.formulas.layers):
            raise SpecError(f"{ctx.exam.source}: question {q.id}.layers: no layer {i}"
                            f" (the network has {len(ctx.formulas.layers)})")
    value = tuple(ctx.numbers.layers[i - 1].shape for i in layers)
    return Answer(q.id, q.kind, value, shape_steps(ctx, only=layers), unit="shape")


def _per_layer(ctx: Context, letter: str, label: str, of: Callable[[Any], Any], values: Mapping[Any, Any],
               unit: str) -> tuple[tuple[Step, ...], Step]:
    """Steps X_i = formula for each layer, then X = X_1 + ... + X_L."""
    parts = []
    for lf in ctx.formulas.layers:
        parts.append(step(label, sym(f"{letter}_{lf.index}"), of(lf), values, unit, layer=lf.name))
    total = step("step.sum", sym(letter), sympy.Add(*(p.symbol for p in parts)),
                 {p.symbol: p.value for p in parts}, unit)
    return tuple(parts), total


def params_steps(ctx: Context) -> tuple[Step, ...]:
    parts, total = _per_layer(ctx, "P", "step.params", lambda lf: lf.weights + lf.biases, ctx.values, "params")
    return parts + (total,)


def network_params(ctx: Context, q: Question) -> Answer:
    steps = params_steps(ctx)
    return Answer(q.id, q.kind, steps[-1].value, steps, unit="params")


# --------------------------------------------------------------------------- training


def forward_steps(ctx: Context, numbers: NetworkNumbers | None = None) -> tuple[Step, ...]:
    values = (numbers or ctx.numbers).values(ctx.formulas)
    parts, total = _per_layer(ctx, "F", "step.cost", lambda lf: ctx.convention.cost(lf.counts), values,
                              ctx.convention.unit)
    return parts + (total,)


F, R, BATCH, F_B, T_IT, E, F_RUN = (sym(n) for n in ("F", "r", "B", "F_B", "T", "E", "F_run"))


def training_forward(ctx: Context, q: Question) -> Answer:
    steps = forward_steps(ctx)
    return Answer(q.id, q.kind, steps[-1].value, steps, unit=ctx.convention.unit)


def _batch(ctx: Context) -> Step:
    t = ctx.exam.training
    forward = forward_steps(ctx)[-1].value
    return step("step.batch", F_B, rules.batch_cost(F, BATCH, R),
                {F: forward, BATCH: t.batch_size, R: t.backward_factor}, ctx.convention.unit)


def training_batch(ctx: Context, q: Question) -> Answer:
    s = _batch(ctx)
    return Answer(q.id, q.kind, s.value, (s,), unit=ctx.convention.unit)


def training_run(ctx: Context, q: Question) -> Answer:
    t = ctx.exam.training
    batch = _batch(ctx)
    if t.iterations_per_epoch is not None:
        its = step("step.iterations_given", T_IT, T_IT, {T_IT: t.iterations_per_epoch})
    else:
        its = step("step.iterations", T_IT, rules.iterations(N, BATCH), {N: samples_value(ctx), BATCH: t.batch_size})
    run = step("step.run", F_RUN, rules.run_cost(F_B, T_IT, E),
               {F_B: batch.value, T_IT: its.value, E: t.epochs}, ctx.convention.unit)
    return Answer(q.id, q.kind, run.value, (batch, its, run), unit=ctx.convention.unit)


# --------------------------------------------------------------------------- softmax


def _exact(x: Fraction) -> sympy.Rational:
    return sympy.Rational(x.numerator, x.denominator)


def _decimal(x: Any, digits: int = PRECISION) -> Decimal:
    return Decimal(str(sympy.N(x, digits)))


SPELLED_OUT = 8
"""Up to this many classes each probability's denominator is written out (``exp(o_1) + exp(o_2)``);
with more, one step sums it (``Z = Σ exp(o_j)``) and each probability divides by ``Z``, so the
steps, their printing and their checking stay linear in the class count."""


def softmax_numbers(logits: tuple[Fraction, ...], target: int, digits: int = PRECISION) -> tuple[list[Any], list[Any], Any]:
    """Each class's p = exp(o)/Σ exp(o_j) and δ = p − y, and the sum Σ exp(o_j): in O(classes).

    Equal logits give exact rationals (p = 1/n); otherwise p and δ are transcendental
    (Lindemann–Weierstrass) and come as sympy Floats with ``digits`` + 20 correct digits: every
    term is positive, and δ of the target is −(Σ of the others)/Σ, so nothing cancels.

    >>> p, d, z = softmax_numbers((Fraction(1), Fraction(1)), 0)
    >>> p, d
    ([1/2, 1/2], [-1/2, 1/2])
    >>> p, d, z = softmax_numbers((Fraction(0), Fraction(1)), 1)
    >>> round(float(p[0]), 6), round(float(d[1]), 6)   # 1/(1 + e), 1/(1 + e) − 1
    (0.268941, -0.268941)
    """
    import mpmath

    n = len(logits)
    if len(set(logits)) == 1:
        p = [sympy.Rational(1, n)] * n
        d = [x - int(i == target) for i, x in enumerate(p)]
        return p, d, n * sympy.exp(_exact(logits[0]))
    work = digits + 20
    top = max(logits)
    with mpmath.workdps(work + 10):
        e = [mpmath.exp(mpmath.mpf(x.numerator) / x.denominator) for x in (v - top for v in logits)]
        total = mpmath.fsum(e)
        rest = mpmath.fsum(x for i, x in enumerate(e) if i != target)
        probs = [x / total for x in e]
        deltas = [-rest / total if i == target else x for i, x in enumerate(probs)]
        z = total * mpmath.exp(mpmath.mpf(top.numerator) / top.denominator)
    return ([sympy.Float(x, work) for x in probs], [sympy.Float(x, work) for x in deltas],
            sympy.Float(z, work))


def softmax_parts(ctx: Context, decimals: int, only: str | None = None
                  ) -> tuple[tuple[Step, ...], tuple[Step, ...], dict[str, Any]]:
    """Steps p_c = exp(o_c)/Σ exp(o_j) and δ_c = p_c − y_c (of class ``only``, or every class),
    after the step Z = Σ exp(o_j) when there are more than SPELLED_OUT classes; returns exact δ per class."""
    s = ctx.exam.softmax
    o = {c: real(f"o_{c}") for c in s.classes}
    p = {c: real(f"p_{c}") for c in s.classes}
    y = {c: real(f"y_{c}") for c in s.classes}
    logits = {o[c]: _exact(v) for c, v in zip(s.classes, s.logits)}
    total = sympy.Add(*(sympy.exp(o[c]) for c in s.classes))
    shown = {k: Decimal(v.p) / Decimal(v.q) for k, v in logits.items()}
    probs, deltas, z_value = ctx.softmax
    spelled = len(s.classes) <= SPELLED_OUT
    denominator = total if spelled else Z_SUM
    p_steps: list[Step] = [] if spelled else [
        Step("step.softmax_sum", Z_SUM, total, shown, _decimal(z_value, decimals + 6))]
    d_steps, exact = [], {}
    for i, c in enumerate(s.classes):
        if only is not None and c != only:
            continue
        formula = sympy.exp(o[c]) / denominator
        given = shown if spelled else {o[c]: shown[o[c]], Z_SUM: p_steps[0].value}
        p_shown = round_decimal(_decimal(probs[i]), decimals + 2)
        p_steps.append(Step("step.softmax", p[c], formula, given, p_shown, args={"cls": c, "name": s.name(c)}))
        target = int(c == s.target)
        exact[c] = deltas[i]
        d_steps.append(Step("step.delta", real(f"delta_{c}"), rules.gradient_delta(p[c], y[c]),
                            {p[c]: p_shown, y[c]: target},
                            round_decimal(_decimal(exact[c]), decimals), args={"cls": c, "name": s.name(c)}))
    return tuple(p_steps), tuple(d_steps), exact


Z_SUM = real("Z")


def _decimals(q: Question, default: int) -> int:
    return int(q.options.get("decimals", default))


def softmax_delta(ctx: Context, q: Question) -> Answer:
    decimals = _decimals(q, 2)
    p_steps, d_steps, exact = softmax_parts(ctx, decimals)
    value = tuple(round_decimal(_decimal(d), decimals) for d in exact.values())
    unrounded = tuple(_decimal(d) for d in exact.values())
    return Answer(q.id, q.kind, value, p_steps + d_steps, decimals=decimals, unrounded=unrounded)


def softmax_step(ctx: Context, q: Question) -> Answer:
    s = ctx.exam.softmax
    decimals = _decimals(q, 4)
    c = q.options.get("output", s.classes[-1])
    if c not in s.classes:
        raise SpecError(f"{ctx.exam.source}: question {q.id}.output must be one of {', '.join(s.classes)},"
                        f" got {c!r}")
    p_steps, d_steps, exact = softmax_parts(ctx, decimals, only=c)
    o_c, eta, d_c = real(f"o_{c}"), real("eta"), real(f"delta_{c}")
    o_new = real(f"o'_{c}")
    logit = _exact(s.logits[s.classes.index(c)])
    lr = _exact(ctx.exam.training.learning_rate)
    index = s.classes.index(c)
    new_exact = _update(s, index, logit, lr, exact[c])
    shown = {o_c: Decimal(logit.p) / Decimal(logit.q), eta: Decimal(lr.p) / Decimal(lr.q),
             d_c: round_decimal(_decimal(exact[c]), decimals + 2)}
    # the update substitutes δ with more digits than its own step shows: the label says so
    finer = shown[d_c].as_tuple().exponent < d_steps[0].value.as_tuple().exponent  # type: ignore[operator]
    last = Step("step.update_unrounded" if finer else "step.update", o_new, rules.gradient_step(o_c, eta, d_c),
                shown, round_decimal(_decimal(new_exact), decimals), args={"cls": c, "name": s.name(c)},
                order=(o_c, eta, d_c))
    steps = (*p_steps, d_steps[0], last)  # Z = Σ exp(o_j) when summed apart, p_c, δ_c, o'_c
    return Answer(q.id, q.kind, last.value, steps, decimals=decimals, unrounded=_decimal(new_exact))


def _update(s: Any, index: int, logit: Any, lr: Any, delta: Any) -> Any:
    """o − η·δ with PRECISION correct digits: δ is recomputed with more digits while the
    subtraction cancels them (o ≈ η·δ); exact when δ is rational."""
    digits = PRECISION
    while True:
        new = rules.gradient_step(logit, lr, delta)
        if isinstance(delta, sympy.Rational) or digits > 64 * PRECISION or \
                abs(new) * 10 ** (digits + 18 - PRECISION) >= abs(logit) + abs(lr * delta):
            return new
        digits *= 2
        delta = softmax_numbers(tuple(s.logits), s.classes.index(s.target), digits)[1][index]


# --------------------------------------------------------------------------- memory

M_ACT, M_PAR, M_ALL, B_VAL, P_ALL = (sym(n) for n in ("M_act", "M_par", "M", "b", "P"))


def activation_steps(ctx: Context) -> tuple[Step, ...]:
    b = ctx.exam.inference_bytes
    symbols_in = ctx.formulas.input_symbols
    counts = [step("step.numel_input", sym("V_0"), size(symbols_in), ctx.values)]
    for lf in ctx.formulas.layers:
        counts.append(step("step.numel", sym(f"V_{lf.index}"), size(lf.symbols), ctx.values, layer=lf.name))
    total_values = sympy.Add(*(c.symbol for c in counts))
    total = step("step.activation_bytes", M_ACT, rules.memory_bytes(total_values, B_VAL),
                 {B_VAL: b, **{c.symbol: c.value for c in counts}}, "B")
    return tuple(counts) + (total,)


def memory_activations(ctx: Context, q: Question) -> Answer:
    steps = activation_steps(ctx)
    return Answer(q.id, q.kind, steps[-1].value, steps, unit="B")


def memory_total(ctx: Context, q: Question) -> Answer:
    b = ctx.exam.inference_bytes
    params = params_steps(ctx)[-1]
    acts = activation_steps(ctx)[-1]
    par = step("step.param_bytes", M_PAR, rules.memory_bytes(P_ALL, B_VAL), {P_ALL: params.value, B_VAL: b}, "B")
    total = step("step.memory_total", M_ALL, M_PAR + M_ACT, {M_PAR: par.value, M_ACT: acts.value}, "B")
    return Answer(q.id, q.kind, total.value, (par, total), unit="B")


# --------------------------------------------------------------------------- larger input


def inference_cost(ctx: Context, q: Question) -> Answer:
    height = int(q.options.get("height", ctx.exam.network.input_shape[0]))
    width = int(q.options.get("width", ctx.exam.network.input_shape[1]))
    try:
        big = evaluate(ctx.exam.network, (height, width, ctx.exam.network.input_shape[2]))
    except SpecError as e:
        raise SpecError(f"{ctx.exam.source}: question {q.id}: at {height}×{width}: {e}") from None
    steps = shape_steps(ctx, big) + forward_steps(ctx, big)
    base = forward_steps(ctx)[-1]
    h_in, w_in = ctx.formulas.input_symbols[:2]  # the larger image is the input here: H₀ × W₀, as in its shapes
    n_tiles, f_tile = sym("n"), sym("F_tile")
    count = step("step.tiles", n_tiles, rules.tiles(h_in, H_C) * rules.tiles(w_in, W_C),
                 {h_in: height, w_in: width, H_C: ctx.exam.network.input_shape[0], W_C: ctx.exam.network.input_shape[1]})
    tiled = step("step.tiled_cost", f_tile, n_tiles * F, {n_tiles: count.value, F: base.value}, ctx.convention.unit)
    alternatives = (
        Alternative("assume.tile", tiled.value, (count, tiled)),
        Alternative("assume.resize", base.value, (base,)),
    )
    return Answer(q.id, q.kind, steps[-1].value, steps, unit=ctx.convention.unit,
                  assumption="assume.same_stack", alternatives=alternatives)
