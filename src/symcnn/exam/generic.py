"""What every question kind gets without writing it: another input size, and another unit.

:func:`at_size` answers a size-dependent question (``QuestionKind(sized=True)``) at the
``height``/``width`` it sets: the network is evaluated at that size, the kind's solver runs on
it, and the answer starts with the input size and every layer's size at it, so that the
sheet shows them and the verifier re-derives the answer from them.

:func:`in_unit` writes an answer in bytes (unit ``B``) or a count (any other unit with integer
values: samples, parameters, MAC, values …) in the question's ``unit`` (``MB``, ``GiB``, ``M``)
with ``decimals`` (2 unless set), rounded half up from the exact value: one more step,
``X_MB = X / 10⁶``, whose line shows the exact value and the converted one. A kind added
later gets both by tagging its answer's unit; nothing here names a kind.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any, Callable, Mapping

import sympy

from ..errors import SpecError
from ..model.network import evaluate
from . import Question
from .questions import Context, shape_steps, step
from .steps import Answer, Step, Vector, round_decimal
from .units import UNITS

DEFAULT_DECIMALS = 2


SUPPORT = ("network.params", "training.forward", "training.batch", "memory.activations", "dataset.samples")
"""Kinds whose totals other kinds read (memory.total reads P and M_act): at another size they are
derived again there, so that every number an answer reads has its steps at that size."""


def at_size(ctx: Context, q: Question, solver: Callable[[Context, Question], Answer],
            kinds: Mapping[str, Any] | None = None) -> Answer:
    """The answer of ``q`` at its own input size (``height``, ``width``), or at the exam's.

    ``kinds`` (the table of question kinds) gives the :data:`SUPPORT` derivations of what the
    answer reads but does not derive itself (a total of another question), at that size too.
    """
    h0, w0, c0 = ctx.exam.network.input_shape
    height, width = int(q.options.get("height", h0)), int(q.options.get("width", w0))
    if (height, width) == (h0, w0):
        return solver(ctx, q)
    try:
        numbers = evaluate(ctx.exam.network, (height, width, c0))
    except SpecError as e:
        raise SpecError(f"{ctx.exam.source}: question {q.id}: at {height}×{width}: {e}") from None
    resized = Context(ctx.exam, ctx.formulas, numbers, ctx.convention)
    answer = solver(resized, q)
    h_in, w_in = ctx.formulas.input_symbols[:2]
    given = (step("step.input_size", h_in, sympy.Integer(height), {}), step("step.input_size", w_in, sympy.Integer(width), {}))
    own = {s.symbol for s in answer.steps}
    sizes = tuple(s for s in shape_steps(resized) if s.symbol not in own)
    support = _support(resized, answer.steps, kinds or {}, own | {s.symbol for s in sizes})
    return replace(answer, steps=given + sizes + support + answer.steps)


def _support(ctx: Context, steps: tuple[Step, ...], kinds: Mapping[str, Any], defined: set[Any]) -> tuple[Step, ...]:
    """The steps of the support kinds that define what ``steps`` read and nothing defines yet."""
    network = set(ctx.values)
    out: list[Step] = []
    todo = list(steps)
    while todo:
        needed = {x for st in todo for x in st.values if x not in defined and x not in network}
        todo = []
        for kind in SUPPORT:
            if not needed or kind not in kinds:
                continue
            try:
                found = kinds[kind].solve(ctx, Question("+" + kind, kind)).steps
            except SpecError:
                continue
            if found and found[-1].symbol in needed:
                fresh = [st for st in found if st.symbol not in defined]
                out += fresh
                defined.update(st.symbol for st in fresh)
                needed -= defined
                todo += fresh
    return tuple(out)


def _is_count(value: Any) -> bool:
    if isinstance(value, tuple):
        return bool(value) and all(_is_count(v) for v in value)
    return isinstance(value, int) and not isinstance(value, bool)


def in_unit(ctx: Context, q: Question, answer: Answer, own_decimals: bool = False) -> Answer:
    """``answer`` in the question's ``unit`` (unchanged when it sets none)."""
    unit = q.options.get("unit")
    where = f"{ctx.exam.source}: question {q.id}"
    if unit is None:
        if "decimals" in q.options and not own_decimals:
            raise SpecError(f"{where}.decimals: the answer is exact ({q.kind}); decimals go with unit"
                            f" (unit = \"MB\", \"M\" …)")
        return answer
    base, power, for_bytes = UNITS[unit]
    divisor = base**power
    is_bytes = answer.unit == "B"
    flat = not isinstance(answer.value, tuple) or not any(isinstance(v, tuple) for v in answer.value)
    countable = answer.unit not in (None, "shape") and flat and _is_count(answer.value)
    if not countable or is_bytes != for_bytes:
        what = ("bytes (KB, MB, GB, KiB, MiB, GiB)" if is_bytes else "a count (K, M, G)" if countable
                else "neither bytes nor a count, so it takes no unit")
        raise SpecError(f"{where}.unit: {q.kind} answers in {what}, got {unit!r}")
    decimals = int(q.options.get("decimals", DEFAULT_DECIMALS)) if not own_decimals else DEFAULT_DECIMALS
    shown = unit if is_bytes else f"{unit} {answer.unit}"
    vector = isinstance(answer.value, tuple)
    last = answer.steps[-1]
    if vector:
        parts = [s for s in answer.steps if s.label == last.label]
        if len(parts) != len(answer.value) or any(s.value != v for s, v in zip(parts, answer.value)):
            raise SpecError(f"{where}.unit: {q.kind} has no unit conversion for a list of values here")
    else:
        parts = [last]
    steps = tuple(_converted(s, unit, base, power, decimals, shown) for s in parts)
    exact = [Fraction(s.value) / divisor for s in parts]
    if vector:
        value: Any = Vector(s.value for s in steps)
        unrounded: Any = tuple(_decimal(x) for x in exact)
    else:
        value, unrounded = steps[0].value, _decimal(exact[0])
    alternatives = []  # another reading (4c's tiles) is written in the same unit
    for alt in answer.alternatives:
        if not _is_count(alt.value) or isinstance(alt.value, tuple):
            raise SpecError(f"{where}.unit: {q.kind} has no unit conversion for its other readings")
        more = _converted(alt.steps[-1], unit, base, power, decimals, shown)
        alternatives.append(replace(alt, value=more.value, steps=alt.steps + (more,)))
    return replace(answer, value=value, steps=answer.steps + steps, unit=shown, decimals=decimals, unrounded=unrounded,
                   parts=(), alternatives=tuple(alternatives))


def _converted(s: Step, unit: str, base: int, power: int, decimals: int, shown: str) -> Step:
    """``X_MB = X / 10⁶``: the exact value divided by the unit, rounded half up."""
    head, _, sub = s.symbol.name.partition("_")
    symbol = sympy.Symbol(f"{head}_{sub}{unit}" if sub else f"{head}_{unit}", positive=True)
    divisor = sympy.Pow(sympy.Integer(base), sympy.Integer(power), evaluate=False)  # written 10^6, 2^20
    formula = sympy.Mul(s.symbol, sympy.Pow(divisor, -1, evaluate=False), evaluate=False)
    value = round_decimal(Fraction(s.value) / base**power, decimals)
    label = "step.unit_layer" if "layer" in s.args else "step.unit"
    return Step(label, symbol, formula, {s.symbol: s.value}, value, shown, {**s.args, "unit": unit})


def _decimal(x: Fraction) -> Decimal:
    with localcontext() as c:
        c.prec = max(40, len(str(x.numerator)) + 10)
        return Decimal(x.numerator) / Decimal(x.denominator)
