"""The diagnosis search: the smallest set of mistakes that reproduces a value.

A :class:`Diagnoser` is built once per solution: the exam's graph (:mod:`.graph`) and every
single mistake of the grammar (:mod:`.mistakes`). For one question it keeps a
:class:`Table`: the value each single mistake gives (each re-derived by integer
re-evaluation of the nodes between the mistake and the answer), and, on first need, the
value of every pair of them. A value is then explained in order of size:

1. one mistake, one way of reading the answer (rounding, units, the question's other
   reading), the earlier answers carried over (CARRIED_OVER), or one slip of the pen;
2. two of those: first what the earlier answers explain with one more mistake, a reading
   or a slip; only if that finds nothing, two new mistakes, or one and a slip.

Within one size, conceptual mistakes come before slips of the pen and then follow the
kinds' order in :data:`~.mistakes.KINDS` (the review then puts first what the key's own
working and facts agree with). Every explanation is re-derived from scratch before it is
returned (:meth:`Diagnoser.reproduces`): nothing is blamed on a cause that does not give
the value. Results are cached per (question, value, earlier answers), since many students
share one wrong value.

>>> from symcnn import load_exam, solve
>>> d = Diagnoser(solve(load_exam()))
>>> [x.code for x in d.explain("3b", 2 * d.right("3b"))[0]]
['BATCH_SIZE']
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, Decimal, localcontext
from fractions import Fraction
from operator import itemgetter
from typing import Any, Callable, Iterator, Mapping, Sequence

from ..errors import SpecError
from ..exam.steps import Answer, Solution, Vector, round_decimal
from .graph import EVAL_ERRORS, REAL, Const, Graph, Target, View
from .mistakes import READING_RANK, Diagnosis, Explanation, Mistake, Reading, keep, prepared, readings
from .slips import places, slip_code, whole_variants

MAX_SIZE = 2  # mistakes per explanation (a slip of the pen counts as one)
MAX_EXPLANATIONS = 4  # equally small explanations reported
MAX_CARRIED = 64  # combinations of the key's earlier values tried
MAX_LAYERS = 200  # layers of an exam whose keys are diagnosed (check_size)
MAX_CLASSES = 32  # softmax classes of such an exam: a wrong class is tried for each class (quadratic)
PAIR_BUDGET = 4_000_000
REAL_COST = 10  # a formula evaluated in 60-digit decimals (softmax: exp) costs about ten exact ones
"""Formula evaluations one diagnoser may spend on pairs of mistakes (about 10 s). The pairs of a
question are counted before they are re-derived (singles² × cone: cubic in the layers); a
question whose pairs would exceed what is left is explained by single mistakes only."""
SCALE_DIGITS = 3  # a value read in MB or GB must be written with at least this many significant digits

__all__ = ["Diagnoser", "Diagnosis", "Explanation", "Found", "KeyClaim", "diagnoser", "matches"]


# --------------------------------------------------------------------------- comparing values


def matches(claim: Any, value: Any, decimals: int | None) -> bool:
    """Integers exactly; rounded quantities at the question's precision."""
    if value is None:
        return False
    if isinstance(claim, tuple) or isinstance(value, tuple):
        return (isinstance(claim, tuple) and isinstance(value, tuple) and len(claim) == len(value)
                and all(matches(c, v, decimals) for c, v in zip(claim, value)))
    if decimals is None:
        return _exact(claim) == _exact(value)
    return round_decimal(claim, decimals) == round_decimal(_decimal(value), decimals)


def _exact(x: Any) -> Any:
    return Fraction(x) if isinstance(x, Decimal) else x


def _decimal(x: Any) -> Any:
    if isinstance(x, Fraction):
        with localcontext(REAL):
            return Decimal(x.numerator) / Decimal(x.denominator)
    return x


def written_decimals(claim: Any, decimals: int | None) -> int:
    return places(claim) if isinstance(claim, Decimal) else decimals or 0


def truncate(x: Any, decimals: int) -> Decimal:
    with localcontext(REAL):
        d = Decimal(x) if isinstance(x, int) else _decimal(x)
        return d.quantize(Decimal(1).scaleb(-decimals), ROUND_DOWN)


def read(value: Any, reading: Reading | None) -> Any:
    """The answer as written from the derived ``value`` under ``reading`` (None: as derived)."""
    if value is None or reading is None or reading.kind == "view":
        return value
    if isinstance(value, tuple):
        return tuple(read(v, reading) for v in value)
    if reading.kind == "times":
        return value * reading.arg
    if reading.kind == "scale":
        return Fraction(value) / reading.arg
    if reading.kind == "round":
        return round_decimal(_decimal(value), reading.arg)
    if reading.kind == "trunc":
        return truncate(value, reading.arg)
    raise ValueError(reading.kind)


def agrees(claim: Any, value: Any, view: View, reading: Reading | None) -> bool:
    """Does the claim state ``value`` (already read as ``reading`` says)?

    A value read in a unit (MB) is compared at the claim's own precision, and only for a
    claim of at least :data:`SCALE_DIGITS` significant digits: "13" is no evidence of GB.
    """
    if value is None:
        return False
    if reading is not None and reading.kind == "scale":
        if isinstance(claim, tuple) or len(Decimal(claim).normalize().as_tuple().digits) < SCALE_DIGITS:
            return False
        shown = places(claim) if isinstance(claim, Decimal) else 0
        return round_decimal(_decimal(value), shown) == round_decimal(claim, shown)
    if reading is not None and reading.kind in ("round", "trunc"):
        return matches(claim, value, None)
    return matches(claim, value, view.decimals)


# --------------------------------------------------------------------------- solutions


def named_values(answer: Answer) -> dict[str, Any]:
    """Every quantity an answer's steps name (inputs and results), by symbol name."""
    return {str(s): v for st in answer.steps for s, v in (*st.values.items(), (st.symbol, st.value))}


def components(solution: Solution) -> dict[str, tuple[str, ...]]:
    """Names of the parts of per-class answers, by question id."""
    out: dict[str, tuple[str, ...]] = {}
    for a in solution.answers:
        if isinstance(a.value, Vector):  # one value per layer (by name), or named parts (R_3, J_3, A_3)
            last = a.steps[-1].label
            names = [str(p) for p in a.parts] if a.parts else [s.args.get("layer", "") for s in a.steps
                                                                if s.label == last]
            if len(names) == len(a.value) and len(set(names)) == len(names) and all(names):
                out[a.id] = tuple(names)
        elif isinstance(a.value, tuple) and a.steps:
            last = a.steps[-1].label  # one step per class ends the answer: δ = p − y, or p = softmax(o)
            names = [s.args.get("cls", "") for s in a.steps if s.label == last]
            if len(names) == len(a.value) and all(names):
                out[a.id] = tuple(names)
    return out


@dataclass(frozen=True)
class KeyClaim:
    """A value an answer (a key, a student) gives for a question, or for one component of it."""

    qid: str
    component: str | None
    value: Any


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Found:
    """One explanation: mistakes (readings of the answer included) and maybe a slip of the pen."""

    parts: tuple[Mistake, ...]
    slip: Diagnosis | None = None

    @property
    def size(self) -> int:
        return len(self.parts) + (self.slip is not None)

    @property
    def diagnoses(self) -> Explanation:
        """The mistakes, then the earlier answers they were made on, then the slip of the pen."""
        parts = sorted(self.parts, key=lambda p: p.code == "CARRIED_OVER")
        return tuple(p.diagnosis for p in parts) + ((self.slip,) if self.slip else ())

    @property
    def priority(self) -> tuple:
        return (self.slip is not None, sorted(p.rank for p in self.parts))

    def ident(self) -> tuple:
        return tuple((d.code, d.key, repr(sorted(d.args.items()))) for d in self.diagnoses)


def _slip(code: str, right: Any, written: Any) -> Diagnosis:
    return Diagnosis(code, f"value.{code}", {"right": right, "written": written})


def _rounds(parts: Sequence[Mistake]) -> bool:
    """Whether an intermediate was rounded: a slip on top of that is never reported."""
    return any(p.key == "ROUNDING_INTERMEDIATE" for p in parts)


# --------------------------------------------------------------------------- evaluation


class Evaluator:
    """Re-derivations of one graph: a target's value with some mistakes applied."""

    def __init__(self, graph: Graph):
        self.g = graph

    def state(self, parts: Sequence[Mistake], target: Target) -> list | None:
        """Every node's value with ``parts`` applied (those between the edits and ``target``)."""
        return self.g.rederive(parts, target)

    def value(self, parts: Sequence[Mistake], target: Target) -> Any:
        vals = self.state(parts, target)
        return None if vals is None else self.g.value(target, vals)


def _reader(target: Target) -> Callable[[list], Any]:
    """A fast reader of the target's value from a list of node values."""
    if isinstance(target, int):
        return itemgetter(target)
    if isinstance(target, Const):
        c = target.value
        return lambda vals: c
    if len(target) >= 2 and all(isinstance(t, int) for t in target):
        return itemgetter(*target)
    parts = [_reader(t) for t in target]
    return lambda vals: tuple(p(vals) for p in parts)


# --------------------------------------------------------------------------- one target


class Table:
    """Every single mistake's value at one target, and on first need every pair's."""

    def __init__(self, diagnoser: Diagnoser, view: View):
        self.d, self.view = diagnoser, view
        g, target = diagnoser.graph, view.target
        self.base = g.value(target)
        relevant = g.ancestors(target)
        self.singles: list[tuple[Mistake, Any]] = []
        vals, reader = g.base.copy(), _reader(target)
        with localcontext(REAL):
            for m in diagnoser.mistakes:  # each on the derivation's own values, put back after
                if not m.edited & relevant:
                    continue
                cone = g.cone(m.edited, target, m.extra, m.formulas)
                for nid, v in m.values.items():
                    vals[nid] = v
                try:
                    for nid in cone:
                        if nid not in m.values:
                            ir = m.formulas.get(nid)
                            vals[nid] = (g.closure(nid, ir) if ir is not None else g.fn[nid])(vals)  # type: ignore[misc]
                    v = reader(vals)
                except EVAL_ERRORS:
                    v = None
                for nid in (*cone, *m.values):
                    vals[nid] = g.base[nid]
                if v is not None and v != self.base:
                    self.singles.append((m, v))
        diagnoser.rederivations += len(self.singles)
        self._helper: Pairs | None = None
        self.readings = list(readings(view, diagnoser.graph, READING_RANK))
        self._pairs: dict[Any, list[tuple[int, int]]] | None = None
        self._index: dict[Any, list[int]] | None = None
        self._sorted: list[Any] | None = None

    @property
    def exact_ints(self) -> bool:
        return isinstance(self.base, int) and self.view.decimals is None

    def index(self) -> dict[Any, list[int]]:
        """Value → the singles that give it."""
        if self._index is None:
            self._index = {}
            for i, (_, v) in enumerate(self.singles):
                self._index.setdefault(v, []).append(i)
        return self._index

    def helper(self) -> Pairs:
        """What re-derives a second mistake on top of a first one (plans, affine shortcuts)."""
        if self._helper is None:
            self._helper = Pairs(self.d, self)
        return self._helper

    def pairs(self) -> dict[Any, list[tuple[int, int]]]:
        """Value → pairs of singles (i < j) that give it, each pair re-derived once."""
        if self._pairs is None:
            self._pairs = self.helper().values()
        return self._pairs

    def on_top(self, first: Mistake) -> Iterator[tuple[int, Any]]:
        """Each single (its index) with ``first`` applied too, and the value they give together."""
        helper = self.helper()
        state = _First(helper, first)
        if state.state is None:
            return
        with localcontext(REAL):
            for j, (m, _) in enumerate(self.singles):
                if not state.edited.isdisjoint(m.edited):
                    continue
                v = state.with_linear(helper.linear[j]) if j in helper.linear else None
                yield j, (v if v is not None else state.with_plan(m, helper.plans[j]))
        self.d.rederivations += len(self.singles)

    def lookup(self, values: dict[Any, list], claim: Any, reading: Reading | None) -> Iterator[Any]:
        """Entries of ``values`` (value → entries) whose value, read as ``reading`` says, is the claim."""
        kind = reading.kind if reading is not None else None
        if self.exact_ints and not isinstance(claim, tuple) and kind in (None, "times", "scale"):
            c = Fraction(_exact(claim))
            if kind is None:
                if c.denominator == 1:
                    yield from values.get(int(c), ())
                return
            if kind == "times":
                q = c / reading.arg  # type: ignore[union-attr]
                if q.denominator == 1:
                    yield from values.get(int(q), ())
                return
            half = Fraction(1, 2 * 10 ** (places(claim) if isinstance(claim, Decimal) else 0))
            lo, hi = (c - half) * reading.arg, (c + half) * reading.arg  # type: ignore[union-attr]
            keys = self._keys(values)
            for k in keys[bisect.bisect_left(keys, lo):bisect.bisect_right(keys, hi)]:
                if agrees(claim, read(k, reading), self.view, reading):
                    yield from values[k]
            return
        for k, entries in values.items():
            if agrees(claim, read(k, reading), self.view, reading):
                yield from entries

    def _keys(self, values: dict[Any, list]) -> list[Any]:
        if values is self._index:
            if self._sorted is None:
                self._sorted = sorted(k for k in values if isinstance(k, int))
            return self._sorted
        return sorted(k for k in values if isinstance(k, int))


class Pairs:
    """Every pair of a table's singles, each re-derived on top of the first one's state.

    For each first mistake its state (every node's value) is computed once. A second mistake
    then re-evaluates only the nodes between its own edits and the target, on top of that
    state, and puts them back: a pair costs the length of one cone, not the graph's size.
    Where the answer is affine in the nodes the second mistake edits (:meth:`Graph.degree`:
    sums and products of integers, no floor in between) it costs less: the answer moves by a
    coefficient times each node's change, the coefficient found once per first mistake and
    node by moving the node by one. That is exact, the answer being a polynomial of degree
    one in those nodes. The mistakes the answer is not affine in come first, so that a pair
    of one of each takes the state of the first and the shortcut for the second.
    """

    def __init__(self, d: Diagnoser, table: Table):
        self.d, self.table = d, table
        g, target = d.graph, table.view.target
        self.singles = [m for m, _ in table.singles]
        reach = d.reach(target)
        self.plans = []
        for m in self.singles:
            cone = g.cone(m.edited, target, m.extra, m.formulas)
            steps = tuple((nid, g.closure(nid, m.formulas[nid]) if nid in m.formulas else g.fn[nid])
                          for nid in cone if nid not in m.values)
            self.plans.append((tuple(m.values.items()), steps, frozenset(cone) | m.edited, cone + tuple(m.values),
                               g.descendants(m.edited, reach)))
        self.linear = self._linear()
        self.node_plans: dict[int, tuple[tuple, frozenset[int]]] = {}
        for parts in self.linear.values():
            for x, _ in parts:
                if x not in self.node_plans:
                    cone = g.cone(frozenset((x,)), target)
                    self.node_plans[x] = (tuple((nid, g.fn[nid]) for nid in cone if nid != x), frozenset(cone))
        self.read = _reader(target)
        # a state must also hold what a second mistake's new formula reads (T, once S reads it)
        self.wide = (target, tuple(sorted({u for m in self.singles for u, _ in m.extra})))

    def _linear(self) -> dict[int, tuple[tuple[int, Any], ...]]:
        """Singles whose edits the answer is affine in: (node, its new value from a state) each."""
        g, target = self.d.graph, self.table.view.target
        out: dict[int, tuple[tuple[int, Any], ...]] = {}
        if not isinstance(target, int) or not isinstance(self.table.base, int):
            return out
        for j, m in enumerate(self.singles):
            if m.extra or g.degree(m.edited, target) > 1:
                continue
            if any(x in g.ancestors(y) for x in m.edited for y in m.edited if x != y):
                continue  # one edit feeds another: their changes are not independent
            out[j] = tuple((x, (lambda vals, v=m.values[x]: v) if x in m.values else g.closure(x, m.formulas[x]))
                           for x in m.edited)
        return out

    def work(self, order: list[int]) -> int:
        """Formula evaluations of every pair in ``order`` (an upper bound), counted in O(singles)."""
        cost = [1 + (0 if j in self.linear else len(self.plans[j][1])) for j in order]
        first = [len(self.plans[j][1]) for j in order]
        total, after = 0, 0
        for pos in reversed(range(len(order))):
            total += first[pos] + after
            after += cost[pos]
        return total * (1 if isinstance(self.table.base, int) else REAL_COST)

    def values(self) -> dict[Any, list[tuple[int, int]]]:
        out: dict[Any, list[tuple[int, int]]] = {}
        n = len(self.singles)
        order = [j for j in range(n) if j not in self.linear] + [j for j in range(n) if j in self.linear]
        work = self.work(order)
        if self.d.pair_work + work > PAIR_BUDGET:
            self.d.pairs_skipped.append(self.table.view.qid)
            return out
        self.d.pair_work += work
        edited = [m.edited for m in self.singles]
        base = self.table.base
        with localcontext(REAL):
            for pos, i in enumerate(order):
                first = _First(self, self.singles[i])
                if first.state is None:
                    continue
                for j in order[pos + 1:]:
                    if not first.edited.isdisjoint(edited[j]):
                        continue  # one place, two mistakes: not a pair
                    v = first.with_linear(self.linear[j]) if j in self.linear else None
                    if v is None:
                        v = first.with_plan(self.singles[j], self.plans[j])
                    if v is not None and v != base:
                        out.setdefault(v, []).append((i, j) if i < j else (j, i))
                self.d.rederivations += n - pos - 1
        return out


class _First:
    """The state under a pair's first mistake, and the second mistakes evaluated on top of it."""

    def __init__(self, pairs: Pairs, a: Mistake):
        g = pairs.d.graph
        self.p, self.a, self.g = pairs, a, g
        self.state = pairs.d.evaluator.state((a,), pairs.wide)
        self.vals = self.state.copy() if self.state is not None else []
        self.edited = a.edited
        self.fn = {nid: g.closure(nid, ir) for nid, ir in a.formulas.items()}
        self.new = frozenset(u for u, _ in a.extra)
        self.formulas = frozenset(a.formulas)
        self.value = pairs.read(self.state) if self.state is not None else None
        self.coefficients: dict[int, Any] = {}

    def coefficient(self, x: int) -> Any:
        """How much the answer moves when node ``x`` moves by one, in this state (None: unknown)."""
        if x in self.coefficients:
            return self.coefficients[x]
        plan, inside = self.p.node_plans[x]
        k = None
        state, vals = self.state, self.vals
        assert state is not None
        if x not in self.edited and self.formulas.isdisjoint(inside) and self.new.isdisjoint(inside):
            try:
                vals[x] = state[x] + 1
                for nid, fn in plan:
                    if nid not in self.a.values:
                        vals[nid] = fn(vals)
                k = self.p.read(vals) - self.value
            except EVAL_ERRORS:
                k = None
            vals[x] = state[x]
            for nid, _ in plan:
                vals[nid] = state[nid]
        self.coefficients[x] = k
        return k

    def with_linear(self, parts: tuple[tuple[int, Any], ...]) -> Any:
        total = self.value
        try:
            for x, new in parts:
                k = self.coefficient(x)
                if k is None:
                    return None
                total += k * (new(self.state) - self.state[x])  # type: ignore[index]
        except EVAL_ERRORS:
            return None
        return total

    def with_plan(self, b: Mistake, plan: tuple) -> Any:
        """The pair by re-evaluating the second mistake's cone on this state."""
        b_values, steps, touched, restore, b_reach = plan
        if self.new and not self.new.isdisjoint(b_reach):  # the first's new formula reads what the second changes
            return self.p.d.evaluator.value((self.a, b), self.p.table.view.target)
        if not self.edited.isdisjoint(touched):  # the second's cone runs through the first's edits
            steps = tuple((nid, self.fn.get(nid, fn)) for nid, fn in steps if nid not in self.a.values)
        vals, state = self.vals, self.state
        assert state is not None
        try:
            for nid, v in b_values:
                vals[nid] = v
            for nid, fn in steps:
                vals[nid] = fn(vals)
            out = self.p.read(vals)
        except EVAL_ERRORS:
            out = None
        for nid in restore:
            vals[nid] = state[nid]
        return out


# --------------------------------------------------------------------------- the diagnoser


def check_size(solution: Solution, max_layers: int = MAX_LAYERS, max_classes: int = MAX_CLASSES) -> None:
    """Refuse, before the graph is built, an exam too large to diagnose in bounded time.

    Every single mistake re-derives the layers after it, so the work grows with the square
    of the layers (3 s at 100 layers, 11 s at 300, 100 s and 4.5 GB at 1,000), and with the
    square of the softmax classes (each class's δ may use any other class: 8 s at 100
    classes, 32 s at 200).
    """
    exam = solution.exam
    n = len(exam.network.nodes)
    if n > max_layers:
        raise SpecError(f"{exam.source}: network.layers has {n} layers; verify, grade and export explain mistakes"
                        f" in networks of at most {max_layers} layers")
    k = len(exam.softmax.classes)
    if k > max_classes:
        raise SpecError(f"{exam.source}: softmax.classes has {k} classes; verify, grade and export explain mistakes"
                        f" in exams of at most {max_classes} classes")


class Diagnoser:
    """The exam's graph and mistakes, built once; explanations of any value of any question."""

    def __init__(self, solution: Solution, max_layers: int = MAX_LAYERS):
        self.solution = solution
        check_size(solution, max_layers)
        self.graph, self.mistakes = prepared(solution)
        self.evaluator = Evaluator(self.graph)
        self.names = components(solution)
        self.order = [a.id for a in solution.answers]
        self._tables: dict[View, Table] = {}
        self._explained: dict[tuple, tuple[Found, ...]] = {}
        self._extra: dict[int, set[int]] | None = None
        self._reach: dict[Any, frozenset[int]] = {}
        self._spread: dict[tuple[int, str], bool] = {}
        self._carried: dict[tuple, list[Mistake]] = {}
        self.rederivations = 0  # how many re-derivations the search has made (for the benchmark)
        self.pair_work = 0  # formula evaluations spent on pairs, against PAIR_BUDGET
        self.pairs_skipped: list[str] = []  # questions whose pairs were over the budget

    # ----------------------------------------------------------------- views

    def view(self, qid: str, component: str | None = None) -> View:
        v = self.graph.views[qid]
        if component is None:
            return v
        names = v.components or self.names.get(qid, ())
        return replace(v, target=v.target[names.index(component)], components=())

    def right(self, qid: str, component: str | None = None) -> Any:
        """The right answer as the question writes it (rounded where it asks)."""
        v = self.view(qid, component)
        return read(self.graph.value(v.target), Reading("round", v.decimals) if v.decimals is not None else None)

    def table(self, view: View) -> Table:
        t = self._tables.get(view)
        if t is None:
            t = self._tables[view] = Table(self, view)
        return t

    def reach(self, target: Target) -> frozenset[int]:
        """Every node the target may depend on under some mistake (its ancestors, new edges included)."""
        if self._extra is None:
            self._extra = {}
            for m in self.mistakes:
                for u, x in m.extra:
                    self._extra.setdefault(x, set()).add(u)
        if target not in self._reach:
            seen: set[int] = set()
            stack = list(self.graph.ancestors(target))
            while stack:
                nid = stack.pop()
                if nid not in seen:
                    seen.add(nid)
                    stack.extend(self.graph.nodes[nid].inputs)
                    stack.extend(self._extra.get(nid, ()))
            self._reach[target] = frozenset(seen)
        return self._reach[target]

    # ----------------------------------------------------------------- carried over

    def carried(self, qid: str, view: View, earlier: Sequence[KeyClaim]) -> list[Mistake]:
        """Combinations of the earlier answers' wrong values that this question may read (cached)."""
        key = (qid, view.target, tuple(earlier))
        if key not in self._carried:
            self._carried[key] = self._carry(qid, view, earlier)
        return self._carried[key]

    def _carry(self, qid: str, view: View, earlier: Sequence[KeyClaim]) -> list[Mistake]:
        relevant = self.reach(view.target)
        before = self.order[: self.order.index(qid)] if qid in self.order else []
        options: list[list[Any]] = []
        for q in before:
            wrong = []
            for c in earlier:
                if c.qid != q:
                    continue
                right = self.right(q, c.component)
                if matches(c.value, right, self.view(q, c.component).decimals):
                    continue
                bound = self.binding(q, c, right)
                if set(bound) & relevant:
                    wrong.append((q, _differing(c.value, right), bound))
            if wrong:
                options.append([None, *wrong])
        combos = [tuple(x for x in combo if x is not None) for combo in itertools.product(*options)]
        out = []
        for combo in sorted((c for c in combos if c), key=len)[:MAX_CARRIED]:
            values = {nid: v for _, _, bound in combo for nid, v in bound.items()}
            m = Mistake("CARRIED_OVER", "CARRIED_OVER", {"answers": tuple((q, shown) for q, shown, _ in combo)},
                        values=values, rank=-1)
            if len(combo) == 1 or self._all_used(m, combo, view):
                out.append(m)
        return out

    def _all_used(self, m: Mistake, combo: tuple, view: View) -> bool:
        """Every earlier answer of the combination changes the value (none is masked by another)."""
        whole = self.evaluator.value((m,), view.target)
        for k in range(len(combo)):
            rest = {nid: v for i, (_, _, bound) in enumerate(combo) if i != k for nid, v in bound.items()}
            if self.evaluator.value((replace(m, values=rest),), view.target) == whole:
                return False
        return True

    def binding(self, qid: str, claim: KeyClaim, right: Any) -> dict[int, Any]:
        """Nodes an earlier answer fixes, set to the claimed values (only where they differ)."""
        out: dict[int, Any] = {}

        def bind(t: Any, c: Any, r: Any) -> None:
            if isinstance(t, tuple):
                if isinstance(c, tuple) and len(c) == len(t):
                    for tt, cc, rr in zip(t, c, r):
                        bind(tt, cc, rr)
            elif isinstance(t, int) and c != r:
                out[t] = _as_node_value(c, self.graph.nodes[t].real)

        bind(self.view(qid, claim.component).target, claim.value, right)
        return out

    # ----------------------------------------------------------------- the search

    def explain(self, qid: str, value: Any, component: str | None = None,
                earlier: Mapping[str, Any] | Sequence[KeyClaim] | None = None) -> tuple[Explanation, ...]:
        """The smallest explanations of ``value`` as the answer to ``qid``, best first (empty: none).

        ``component`` names one class of a per-class answer. ``earlier`` gives the same
        student's (or key's) answers to earlier questions, as ``{qid: value}`` or as
        :class:`KeyClaim` values, for CARRIED_OVER.
        """
        found = self.search(qid, value, component, _claims(earlier))
        return tuple(f.diagnoses for f in found[:MAX_EXPLANATIONS])

    def search(self, qid: str, value: Any, component: str | None = None,
               earlier: Sequence[KeyClaim] = ()) -> tuple[Found, ...]:
        """Every smallest explanation, ranked by kind (the review re-ranks by the key's own working)."""
        view = self.view(qid, component)
        return self._cached(("q", qid, component), view, value, earlier, True)

    def explain_node(self, qid: str, nid: int, value: Any, earlier: Sequence[KeyClaim] = ()) -> tuple[Found, ...]:
        """Explanations of ``value`` as one node's (a term of a working line, a stated fact).

        One mistake, one slip, or the earlier answers with one more mistake or slip: a single
        term is not searched for two new mistakes.
        """
        base = self.graph.views[qid]
        node = self.graph.nodes[nid]
        decimals = places(value) if node.real and isinstance(value, Decimal) else None
        view = View(qid, base.kind, nid, decimals, None, scope=base.scope)
        return self._cached(("node", qid, nid), view, value, earlier, False)

    def _cached(self, where: tuple, view: View, value: Any, earlier: Sequence[KeyClaim], whole: bool
                ) -> tuple[Found, ...]:
        tables: list[tuple[Table, tuple[Mistake, ...]]] = [(self.table(view), ())]
        if whole and view.target == self.graph.views[view.qid].target:
            for alt in self.graph.alternatives.get(view.qid, ()):
                m = Mistake("ALT_READING", "ALT_READING", {"assumption": alt.assumption},
                            reading=Reading("view", alt), rank=READING_RANK)
                tables.append((self.table(alt), (m,)))
        carried = [self.carried(view.qid, t.view, earlier) if earlier else [] for t, _ in tables]
        right = frozenset(c.qid for c in earlier if c.qid != view.qid and c.qid in self.graph.views
                          and matches(c.value, self.right(c.qid, c.component), self.view(c.qid, c.component).decimals))
        key = (*where, value, tuple(m.signature for c in carried for m in c), right)
        if key not in self._explained:
            self._explained[key] = self._search(view, value, tables, carried, whole, right)
        return self._explained[key]

    def _search(self, view: View, claim: Any, tables: list[tuple[Table, tuple[Mistake, ...]]],
                carried: list[list[Mistake]], whole: bool, right: frozenset[str]) -> tuple[Found, ...]:
        for size, stage in ((1, "all"), (2, "carried"), (2, "rest")):
            found: dict[tuple, Found] = {}
            for (table, prefix), carry in zip(tables, carried):
                budget = size - len(prefix)
                if budget < 0:
                    continue
                for f in self._matches(table, claim, budget, carry, whole, stage):
                    f = Found(prefix + f.parts, f.slip)
                    if f.ident() not in found and self.reproduces(f, view, claim):  # asked of every one
                        found[f.ident()] = f
            if found:
                return tuple(sorted(found.values(), key=lambda f: self._order(f, view.qid, right)))
        return ()

    def _order(self, f: Found, qid: str, right: frozenset[str]) -> tuple:
        """Conceptual before slips; then the one the other right answers do not contradict; then kinds.

        ``right`` are the other questions the same key (or student) answered right: a mistake
        that would have made one of them wrong too is less likely than one that touches only
        this answer (bytes per value in 1c alone, rather than the augmentation, which a right
        1b contradicts).
        """
        slip, ranks = f.priority
        return (slip, sum(self.spread(p, qid, right) for p in f.parts), ranks)

    def spread(self, m: Mistake, qid: str, right: frozenset[str]) -> int:
        """How many of the questions ``right`` the mistake would have changed."""
        if m.reading is not None or m.code == "CARRIED_OVER" or not right:
            return 0
        n = 0
        for other in right:
            key = (id(m), other)
            if key not in self._spread:
                v = self.graph.views[other]
                self._spread[key] = bool(m.edited & self.graph.ancestors(v.target)) and \
                    self.evaluator.value((m,), v.target) != self.graph.value(v.target)
            n += self._spread[key]
        return n

    def _matches(self, t: Table, claim: Any, k: int, carried: list[Mistake], whole: bool, stage: str
                 ) -> Iterator[Found]:
        """Explanations with ``k`` parts at one table (stage ``carried``: those using earlier answers)."""
        view, singles, index = t.view, t.singles, t.index()
        rs = t.readings if whole else []
        if k == 0:
            if stage != "carried" and agrees(claim, t.base, view, None):
                yield Found(())
        elif k == 1:
            if stage != "carried":
                for i in t.lookup(index, claim, None):
                    yield Found((singles[i][0],))
                for r in rs:
                    if agrees(claim, read(t.base, r.reading), view, r.reading):
                        yield Found((r,))
                yield from self._slips(view, claim, [((), t.base)])
            for c in carried:
                if agrees(claim, self.evaluator.value((c,), view.target), view, None):
                    yield Found((c,))
        elif stage == "carried":  # the earlier answers, with one more mistake, reading or slip
            states: list[tuple[tuple[Mistake, ...], Any]] = []
            for c in carried:
                base = self.evaluator.value((c,), view.target)
                states.append(((c,), base))
                for r in rs:
                    if agrees(claim, read(base, r.reading), view, r.reading):
                        yield Found((c, r))
                for j, v in t.on_top(c):
                    if v is not None and v != base and agrees(claim, v, view, None):
                        yield Found((c, singles[j][0]))
            yield from self._slips(view, claim, states)
        else:
            for r in rs:
                if r.reading is not None and r.reading.kind == "scale" and _digits(claim) <= SCALE_DIGITS:
                    continue  # a mistake read in MB: only for a claim precise enough to tell
                for i in t.lookup(index, claim, r.reading):
                    yield Found((singles[i][0], r))
            for r1, r2 in itertools.combinations(rs, 2):
                kinds = {r1.reading.kind, r2.reading.kind} if r1.reading and r2.reading else set()
                if kinds == {"times", "scale"} and agrees(claim, read(read(t.base, r1.reading), r2.reading), view,
                                                          r2.reading):
                    yield Found((r1, r2))
            yield from self._slips(view, claim, [((m,), v) for m, v in singles], index)
            yield from self._slips(view, claim, [((r,), read(t.base, r.reading)) for r in rs
                                                 if r.reading and r.reading.kind == "times"])
            if whole:  # two new mistakes: every pair of the table, computed once per question
                for i, j in t.lookup(t.pairs(), claim, None):
                    yield Found((singles[i][0], singles[j][0]))

    def _slips(self, view: View, claim: Any, candidates: list[tuple[tuple[Mistake, ...], Any]],
               index: dict | None = None) -> Iterator[Found]:
        """Candidates one slip of the pen away from the claim (never after an intermediate rounding)."""
        if isinstance(claim, tuple):
            return
        shown = written_decimals(claim, view.decimals)
        exact_int = isinstance(view.target, int) and view.decimals is None and \
            not (isinstance(claim, Decimal) and claim != claim.to_integral_value())
        if index is not None and exact_int:  # many candidates: look up the claim's own slips instead
            wanted = whole_variants(int(claim))
            candidates = [(parts, value) for parts, value in candidates if value in wanted]
        for parts, value in candidates:
            if value is None or isinstance(value, tuple) or _rounds(parts):
                continue
            written = value
            if view.decimals is not None:
                written = read(value, Reading("round", max(view.decimals, shown)))
            code = slip_code(written, claim, shown)
            if code:
                yield Found(parts, _slip(code, written, claim))

    # ----------------------------------------------------------------- checking

    def reproduces(self, found: Found, view: View, claim: Any) -> bool:
        """Re-derive the explanation from scratch: does it give the claimed value?"""
        target_view = view
        graph_parts: list[Mistake] = []
        reading_parts: list[Reading] = []
        for p in found.parts:
            if p.reading is not None and p.reading.kind == "view":
                target_view = p.reading.arg
            elif p.reading is not None:
                reading_parts.append(p.reading)
            else:
                graph_parts.append(p)
        value = self.evaluator.value(tuple(graph_parts), target_view.target)
        for r in reading_parts:
            value = read(value, r)
        last = reading_parts[-1] if reading_parts else None
        if value is None:
            return False
        if found.slip is None:
            return agrees(claim, value, target_view, last)
        shown = written_decimals(claim, target_view.decimals)
        if last is None and target_view.decimals is not None:
            value = read(value, Reading("round", max(target_view.decimals, shown)))
        return found.slip.args["right"] == value and slip_code(value, claim, shown) == found.slip.code

def _digits(claim: Any) -> int:
    return 0 if isinstance(claim, tuple) else len(Decimal(claim).normalize().as_tuple().digits)


def _claims(earlier: Mapping[str, Any] | Sequence[KeyClaim] | None) -> tuple[KeyClaim, ...]:
    if not earlier:
        return ()
    if isinstance(earlier, Mapping):
        out = []
        for qid, v in earlier.items():
            for x in v if isinstance(v, list) else [v]:
                out.append(x if isinstance(x, KeyClaim) else KeyClaim(qid, None, x))
        return tuple(out)
    return tuple(earlier)


def _as_node_value(c: Any, real: bool) -> Any:
    if real:
        return c if isinstance(c, Decimal) else Decimal(c)
    return int(c) if isinstance(c, Decimal) and c == c.to_integral_value() else _exact(c)


def _differing(claim: Any, right: Any) -> Any:
    """What to quote of a claimed list of shapes: only the shapes that are wrong."""
    if not (isinstance(claim, tuple) and claim and isinstance(claim[0], tuple)):
        return claim
    wrong = tuple(c for c, r in zip(claim, right) if c != r)
    return wrong[0] if len(wrong) == 1 else wrong


def diagnoser(solution: Solution) -> Diagnoser:
    """The diagnoser of ``solution``, built on first use and kept while the solution lives."""
    return keep(solution, "diagnoser", lambda: Diagnoser(solution))
