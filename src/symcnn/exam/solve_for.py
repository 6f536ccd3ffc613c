"""``solve.for``: the integer values of one field of the spec that make a quantity take a value.

The quantity is any kind whose answer is an exact integer or a tuple of them (``network.params``,
``memory.total``, ``inference.cost``, a layer's shape …). Its answer is derived twice, at the
field's value ``v`` and at a neighbour ``v'``; the derivations are one dataflow (every step
``symbol = formula``, the network's own size definitions, and the steps of the other kinds a
step reads), and the leaves whose value moves from ``v`` to ``v'`` are where the unknown ``x``
enters. Then:

* where the quantity is linear in ``x`` (no floor reads it), ``x = (E − β)/α`` exactly;
* otherwise every integer of the range is evaluated by the same dataflow on numpy integer
  arrays: int64 while an exact bound on every intermediate (from the operands' largest
  magnitudes, as Python ints) stays below 2^62, Python ints (object arrays) beyond; floors
  are integer floor divisions, never floats. A candidate whose layer sizes are not all ≥ 1
  is no solution.

Each value found is confirmed by re-reading the spec with that value and solving the
quantity again (so a value the spec refuses, e.g. a stride of 0, is never a solution).

>>> from symcnn.exam.spec import load_exam
>>> from symcnn.exam.solve import solve
>>> from symcnn.exam import Question
>>> from dataclasses import replace
>>> exam = load_exam()
>>> q = Question("x", "solve.for", {"unknown": "network.layers[0].filters", "range": (1, 64),
...              "quantity": Question("quantity", "network.params", {}), "equals": 176981106})
>>> solve(replace(exam, questions=(q,))).answer("x").value
Solutions((16,))
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterator

import numpy as np
import sympy

from ..errors import SpecError
from . import Question
from .kinds import QUESTION_KINDS
from .paths import PathError, assign, lookup, resolve
from .questions import Context
from .steps import Answer, Solutions, Step

MAX_CANDIDATES = 10**7
MAX_CONFIRM = 1000  # values to confirm by re-solving; more means the quantity does not pin the unknown
CHUNK = 1 << 18
SAFE = 1 << 62
SUPPORT = ("dataset.crops", "dataset.samples", "dataset.bytes", "network.params", "training.forward",
           "training.batch", "memory.activations")
"""Kinds whose steps a quantity's steps may read as given numbers (4b reads the parameters of 2b)."""

X = sympy.Symbol("x", integer=True)
ALPHA, BETA, E_REQ = (sympy.Symbol(n) for n in ("alpha", "beta", "E"))


class Unsolvable(SpecError):
    """The quantity cannot be solved for this unknown (the message names why)."""


# --------------------------------------------------------------------------- the dataflow


@dataclass
class Flow:
    """Nodes in the order they were met: leaves (a value) and formulas (over other nodes)."""

    keys: list[Any]  # node key: ("leaf", symbol, value) | ("step", answer, index) | ("net", symbol)
    formulas: dict[Any, tuple[Any, dict[Any, Any]]]  # key → (formula, symbol → key it reads)
    values: dict[Any, Any]  # leaf key → value
    target: tuple[Any, ...]  # the keys of the answer's value (one per component)
    sizes: tuple[Any, ...]  # the network's size nodes: each must be ≥ 1

    def shape(self) -> list[Any]:
        """What must not change between two derivations: every formula, every leaf's symbol."""
        out = []
        for k in self.keys:
            out.append((k[0], k[1], str(self.formulas[k][0])) if k in self.formulas else ("leaf", k[1]))
        return out


def _targets(ctx: Context, quantity: Question, answer: Answer) -> tuple[Any, ...]:
    """The symbols whose values make up the answer, one per number of it.

    A shape's dimensions are the layer's output symbols (a depth that is the filter count has
    no step of its own): the layers are the quantity's ``layers``/``layer`` option, else the
    layers its steps name.
    """
    value = answer.value
    if not isinstance(value, tuple):
        return (answer.steps[-1].symbol,)
    shapes = bool(value) and all(isinstance(v, tuple) for v in value)
    one_shape = all(isinstance(v, int) for v in value) and any(k in quantity.options for k in ("layer", "layers"))
    if shapes or one_shape:
        chosen = quantity.options.get("layers", quantity.options.get("layer"))
        chosen = chosen if isinstance(chosen, tuple) else (chosen,) if chosen is not None else ()
        by_name = {lf.name: lf for lf in ctx.formulas.layers}
        layers = [ctx.formulas.layers[c - 1] if isinstance(c, int) else by_name[c] for c in chosen if
                  isinstance(c, int) and 1 <= c <= len(ctx.formulas.layers) or c in by_name]
        if not layers:
            names = dict.fromkeys(s.args["layer"] for s in answer.steps if "layer" in s.args)
            layers = [by_name[n] for n in names if n in by_name]
        symbols = tuple(s for lf in layers for s in lf.symbols)
        if len(symbols) == len(_flat(value)):
            return symbols
    label = answer.steps[-1].label
    return tuple(s.symbol for s in answer.steps if s.label == label)


def flow(ctx: Context, quantity: Question, answer: Answer) -> Flow:
    """The dataflow of one answer, with the network's definitions and the support answers it reads."""
    support: list[Answer] = []
    for kind in SUPPORT:
        try:
            support.append(QUESTION_KINDS[kind].solve(ctx, Question("+" + kind, kind)))
        except SpecError:
            continue
    net_defs = {s: f for lf in ctx.formulas.layers for s, f in lf.definitions.items()}
    values = ctx.values
    keys: list[Any] = []
    formulas: dict[Any, tuple[Any, dict[Any, Any]]] = {}
    leaves: dict[Any, Any] = {}
    answers = [answer, *support]
    index = {(i, s.symbol): j for i, a in enumerate(answers) for j, s in enumerate(a.steps)}
    seen: set[Any] = set()

    def leaf(s: Any, v: Any) -> Any:
        key = ("leaf", s, v)
        if key not in seen:
            seen.add(key)
            keys.append(key)
            leaves[key] = v
        return key

    def node(i: int, j: int) -> Any:
        key = ("step", i, j)
        if key in seen:
            return key
        seen.add(key)
        st: Step = answers[i].steps[j]
        reads = {s: symbol_key(i, s, st.values.get(s, values.get(s))) for s in _free(st.formula) if s != st.symbol}
        if st.symbol in _free(st.formula):  # a given restated (T = T)
            formulas[key] = (st.symbol, {st.symbol: leaf(st.symbol, st.value)})
        else:
            formulas[key] = (st.formula, reads)
        keys.append(key)
        return key

    def net(s: Any) -> Any:
        key = ("net", s)
        if key in seen:
            return key
        seen.add(key)
        f = net_defs[s]
        formulas[key] = (f, {t: symbol_key(None, t, values.get(t)) for t in _free(f)})
        keys.append(key)
        return key

    def symbol_key(i: int | None, s: Any, v: Any) -> Any:
        if i is not None and (i, s) in index:
            return node(i, index[(i, s)])
        if s in net_defs and (v is None or values.get(s) == v):
            return net(s)
        for k, a in enumerate(answers):
            if k != i and (k, s) in index and a.steps[index[(k, s)]].value == v:
                return node(k, index[(k, s)])
        if v is None:
            raise Unsolvable(f"{s} has no value")
        return leaf(s, v)

    target = tuple(symbol_key(0, s, values.get(s)) for s in _targets(ctx, quantity, answer))
    if len(target) != len(_flat(answer.value)):
        raise Unsolvable(f"{ctx.exam.source}: the answer of {quantity.kind} is not one step per number")
    sizes = tuple(net(s) for s in net_defs)
    return Flow(keys, formulas, leaves, target, sizes)


def _free(e: Any) -> list[Any]:
    return sorted(getattr(e, "free_symbols", ()), key=lambda s: s.name)


# --------------------------------------------------------------------------- exact evaluation on arrays


class Unsupported(Exception):
    """A formula the array evaluator does not take (a real, an inexact division)."""


def _mag(a: Any) -> int:
    if isinstance(a, np.ndarray):
        return int(np.abs(a).max()) if a.size else 0
    return abs(int(a))


def _wide(*xs: Any) -> list[Any]:
    return [x.astype(object) if isinstance(x, np.ndarray) and x.dtype != object else x for x in xs]


def _add(xs: list[Any]) -> Any:
    if sum(_mag(x) for x in xs) >= SAFE:
        xs = _wide(*xs)
    out = xs[0]
    for x in xs[1:]:
        out = out + x
    return out


def _mul(xs: list[Any]) -> Any:
    if math.prod(_mag(x) for x in xs) >= SAFE:
        xs = _wide(*xs)
    out = xs[0]
    for x in xs[1:]:
        out = out * x
    return out


def _pow(x: Any, e: int) -> Any:
    return _mul([x] * e) if e else 1


class Evaluator:
    """Evaluates sympy formulas exactly on integer arrays; ``bad`` marks candidates that fail."""

    def __init__(self, n: int):
        self.bad = np.zeros(n, dtype=bool)

    def __call__(self, e: Any, env: dict[Any, Any]) -> Any:
        if e.is_Integer:
            return int(e)
        if e.is_Symbol:
            return env[e]
        if e.is_Add:
            return _add([self(a, env) for a in e.args])
        if e.is_Mul:
            if any(a.is_Rational and not a.is_Integer or a.is_Pow and a.exp.is_negative for a in e.args):
                return self.divide(e, env)
            return _mul([self(a, env) for a in e.args])
        if e.is_Pow and e.exp.is_Integer and e.exp >= 0:
            return _pow(self(e.base, env), int(e.exp))
        if isinstance(e, (sympy.floor, sympy.ceiling)):
            num, den = sympy.fraction(sympy.together(e.args[0]))
            n, d = self(num, env), self.positive(self(den, env))
            if max(_mag(n), _mag(d)) >= SAFE:
                n, d = _wide(n, d)
            return n // d if isinstance(e, sympy.floor) else -((-n) // d)
        if isinstance(e, (sympy.Min, sympy.Max)):
            pick = np.minimum if isinstance(e, sympy.Min) else np.maximum
            out = self(e.args[0], env)
            for a in e.args[1:]:
                out = pick(out, self(a, env))
            return out
        if isinstance(e, sympy.Abs):
            return abs(self(e.args[0], env))
        raise Unsupported(str(e))

    def divide(self, e: Any, env: dict[Any, Any]) -> Any:
        num, den = sympy.fraction(sympy.together(e))
        n, d = self(num, env), self.positive(self(den, env))
        if max(_mag(n), _mag(d)) >= SAFE:
            n, d = _wide(n, d)
        exact = n % d == 0
        if not np.all(exact | self.bad):
            raise Unsupported(f"{e} is not an integer")
        return n // d

    def positive(self, d: Any) -> Any:
        if isinstance(d, np.ndarray):
            low = d <= 0
            if low.any():
                self.bad |= low
                d = np.where(low, 1, d)
            return d
        if d <= 0:
            self.bad[:] = True
            return 1
        return d


def scan(fl: Flow, unknown: frozenset[Any], xs: np.ndarray, equals: tuple[Any, ...]) -> np.ndarray:
    """The candidates of ``xs`` at which every size is ≥ 1 and the target equals ``equals``."""
    ev = Evaluator(len(xs))
    env: dict[Any, Any] = {}
    for key in fl.keys:
        if key in fl.values:
            env[key] = xs if key in unknown else fl.values[key]
            continue
        formula, reads = fl.formulas[key]
        v = ev(formula, {s: env[k] for s, k in reads.items()})
        if key in fl.sizes:
            low = np.asarray(v) < 1
            if low.any():
                ev.bad |= np.broadcast_to(low, ev.bad.shape)
                v = np.where(low, 1, v)
        env[key] = v
    ok = ~ev.bad
    for key, want in zip(fl.target, equals):
        got = env[key]
        if abs(want) >= SAFE:
            (got,) = _wide(got)
        ok &= np.asarray(got == want, dtype=bool)
    return xs[ok]


# --------------------------------------------------------------------------- the question


def _fail(ctx: Context, q: Question, field: str, why: str) -> Unsolvable:
    return Unsolvable(f"{ctx.exam.source}: question {q.id}.{field} {why}")


def _flat(value: Any) -> tuple[Any, ...]:
    if isinstance(value, tuple):
        return tuple(x for v in value for x in _flat(v))
    return (value,)


def _context(exam: Any) -> Context:
    from ..model.conventions import convention
    from ..model.network import derive, evaluate

    return Context(exam, derive(exam.network), evaluate(exam.network), convention(exam.convention))


@dataclass(frozen=True)
class Problem:
    """A solve.for question read against its spec: where the unknown is and what must hold."""

    q: Question
    quantity: Question
    steps: tuple[str | int, ...]
    base: int
    low: int
    high: int
    equals: Any

    def at(self, ctx: Context, v: int) -> Answer | None:
        """The quantity's answer with the unknown set to ``v``; None if the spec refuses ``v``."""
        from .spec import exam_from_data

        try:
            exam = exam_from_data(assign(ctx.exam.data, self.steps, v), ctx.exam.source)
            return QUESTION_KINDS[self.quantity.kind].solve(_context(exam), self.quantity_in(exam))
        except SpecError:
            return None

    def quantity_in(self, exam: Any) -> Question:
        """The quantity as ``exam`` asks it (the unknown may be one of its own options: its ``height``)."""
        mine = next((x for x in exam.questions if x.id == self.q.id), None)
        return mine.options["quantity"] if mine is not None else self.quantity


def problem(ctx: Context, q: Question) -> Problem:
    o = q.options
    quantity: Question = o["quantity"]
    path = o["unknown"]
    if ctx.exam.data is None:
        raise _fail(ctx, q, "unknown", "needs the exam read from a spec")
    try:
        steps = resolve(ctx.exam.data, path)
    except PathError as e:
        raise _fail(ctx, q, "unknown", f"{e}") from None
    base = lookup(ctx.exam.data, steps)
    if isinstance(base, bool) or not isinstance(base, int):
        from ..checked import _show

        raise _fail(ctx, q, "unknown", f"names {path}, which is not an integer field (got {_show(base)})")
    low, high = o.get("range", (1, 4096))
    return Problem(q, quantity, steps, base, low, high, o["equals"])


def _neighbour(p: Problem, ctx: Context) -> tuple[int, Answer]:
    for d in (1, -1, 2, -2, 3, -3, 4, -4):
        a = p.at(ctx, p.base + d)
        if a is not None:
            return p.base + d, a
    raise _fail(ctx, p.q, "unknown", f"cannot be moved from {p.base}: no nearby value gives a valid exam")


def _unknown_leaves(ctx: Context, p: Problem, answer: Answer) -> tuple[Flow, frozenset[Any]]:
    v1, a1 = _neighbour(p, ctx)
    from .spec import exam_from_data

    exam1 = exam_from_data(assign(ctx.exam.data, p.steps, v1), ctx.exam.source)
    f0, f1 = flow(ctx, p.quantity, answer), flow(_context(exam1), p.quantity_in(exam1), a1)
    if f0.shape() != f1.shape():
        raise _fail(ctx, p.q, "unknown", f"changes the form of the derivation of {p.quantity.kind}, not only its"
                    " numbers: it cannot be solved for")
    moved = set()
    for k0, k1 in zip(f0.keys, f1.keys):
        if k0 in f0.values and f0.values[k0] != f1.values[k1]:
            if (f0.values[k0], f1.values[k1]) != (p.base, v1):
                raise _fail(ctx, p.q, "unknown", f"changes {k0[1]} of the derivation other than as its own value:"
                            " it cannot be solved for")
            moved.add(k0)
    return f0, frozenset(moved)


def closed(fl: Flow, unknown: frozenset[Any], key: Any, memo: dict[Any, Any]) -> Any:
    """The node as a formula in x, every other leaf a number."""
    if key in memo:
        return memo[key]
    if key in fl.values:
        out = X if key in unknown else sympy.Integer(fl.values[key]) if isinstance(fl.values[key], int) else \
            sympy.Rational(str(fl.values[key]))
    else:
        formula, reads = fl.formulas[key]
        out = formula.xreplace({s: closed(fl, unknown, k, memo) for s, k in reads.items()})
    memo[key] = out
    return out


def _candidates(fl: Flow, unknown: frozenset[Any], low: int, high: int, equals: tuple[Any, ...]) -> Iterator[int]:
    for start in range(low, high + 1, CHUNK):
        xs = np.arange(start, min(high, start + CHUNK - 1) + 1, dtype=np.int64)
        yield from (int(v) for v in scan(fl, unknown, xs, equals))


DEPTH = 20000  # Python frames the dataflow and the closed form may use (a few per layer)


def solve_for(ctx: Context, q: Question) -> Answer:
    import sys

    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, DEPTH))
    try:
        return _solve_for(ctx, q)
    except RecursionError:
        raise _fail(ctx, q, "quantity", f"has a derivation too deep for solve.for ({len(ctx.formulas.layers)} layers)"
                    ) from None
    finally:
        sys.setrecursionlimit(old)


def _solve_for(ctx: Context, q: Question) -> Answer:
    p = problem(ctx, q)
    kind = QUESTION_KINDS[p.quantity.kind]
    try:
        answer = kind.solve(ctx, p.quantity)
    except SpecError as e:
        raise _fail(ctx, q, "quantity", f"({p.quantity.kind}): {e}") from None
    flat = _flat(answer.value)
    if answer.decimals is not None or not all(isinstance(v, int) for v in flat):
        raise _fail(ctx, q, "quantity", f"is {p.quantity.kind}, whose answer is not exact integers: solve.for"
                    " solves for counts, sizes, bytes and costs")
    equals = _flat(p.equals)
    if len(equals) != len(flat):
        raise _fail(ctx, q, "equals", f"must have {len(flat)} value(s), like the answer of {p.quantity.kind}")
    fl, unknown = _unknown_leaves(ctx, p, answer)
    memo: dict[Any, Any] = {}
    forms = [closed(fl, unknown, k, memo) for k in fl.target]
    degrees = [sympy.degree(f, X) if f.is_polynomial(X) else None for f in forms]
    linear = all(d is not None and d <= 1 for d in degrees) and 1 in degrees
    method: list[Step] = []
    if linear:
        i = degrees.index(1)
        poly = sympy.Poly(forms[i], X)
        alpha, beta = (Fraction(int(c.p), int(c.q)) for c in (poly.coeff_monomial(X), poly.coeff_monomial(1)))
        x_exact = (Fraction(equals[i]) - beta) / alpha
        found = [int(x_exact)] if x_exact.denominator == 1 and p.low <= x_exact <= p.high else []
        found = [v for v in found if len(scan(fl, unknown, np.array([v], dtype=np.int64), equals))]
        method.append(Step("step.solve_linear", X, (E_REQ - BETA) / ALPHA,
                           {E_REQ: equals[i], ALPHA: _number(alpha), BETA: _number(beta)}, _number(x_exact),
                           args={"unknown": q.options["unknown"]}))
    else:
        try:
            found = []
            for v in _candidates(fl, unknown, p.low, p.high, equals):
                found.append(v)
                if len(found) > MAX_CONFIRM:
                    raise _fail(ctx, q, "range", f"holds more than {MAX_CONFIRM} solutions: narrow it")
        except Unsupported as e:
            raise _fail(ctx, q, "quantity", f"reads a formula solve.for cannot evaluate exactly ({e})") from None
    pick = q.options.get("solutions", "all")
    confirmed = []
    for v in found:
        a = answer if v == p.base else p.at(ctx, v)
        if a is not None and _flat(a.value) == equals:
            confirmed.append(v)
            if pick == "smallest":
                break
    if not linear:
        method.append(Step("step.solve_scan", X, X, {}, Solutions(confirmed),
                           args={"unknown": q.options["unknown"], "low": str(p.low), "high": str(p.high)}))
    check = confirmed[0] if confirmed else p.base
    symbols = [sympy.Symbol(f"Q_{i + 1}" if len(forms) > 1 else "Q", integer=True) for i in range(len(forms))]
    equation = [Step("step.solve_equation", s, f, {X: check}, int(f.xreplace({X: check})),
                     args={"unknown": q.options["unknown"]}) for s, f in zip(symbols, forms)]
    steps = [*equation, *method]
    if pick == "smallest":
        value: Any = confirmed[0] if confirmed else Solutions(())
        if confirmed:
            steps.append(Step("step.solution", X, X, {}, confirmed[0]))
    else:
        value = Solutions(confirmed)
        steps += [Step("step.solution", sympy.Symbol(f"x_{i + 1}", integer=True),
                       sympy.Symbol(f"x_{i + 1}", integer=True), {}, v) for i, v in enumerate(confirmed)]
    return Answer(q.id, q.kind, value, tuple(steps))


def _number(x: Fraction) -> Any:
    return x.numerator if x.denominator == 1 else sympy.Rational(x.numerator, x.denominator)



def solve_for_blanks(exam: Any, q: Question, lang: str, number: Any) -> dict[str, str]:
    """The solve.for text's blanks: the quantity in words, the range, the required value."""
    from ..catalogue import text

    quantity: Question = q.options["quantity"]
    low, high = q.options.get("range", (1, 4096))
    equals = q.options["equals"]

    def shown(v: Any) -> str:
        return " × ".join(shown(x) for x in v) if isinstance(v, tuple) else number(v)

    words = text(lang, f"kind.{quantity.kind}")
    return {"quantity": words[:1].lower() + words[1:], "low": number(low), "high": number(high),
            "equals": shown(equals), "unknown": q.options["unknown"]}
