"""The diagnosis search: the smallest set of mistakes that reproduces a value.

A :class:`Diagnoser` is built once per solution: the exam's graph (:mod:`.graph`) and every
single mistake of the grammar (:mod:`.mistakes`). For one question it keeps a
:class:`Table`: the value each single mistake gives (each re-derived by integer
re-evaluation of the nodes between the mistake and the answer), and, on first need, the
value of every pair of them. A value is then explained in order of size:

1. one mistake, one way of reading the answer (rounding, units, the other reading of the
   question), the key's own earlier answer carried over, or one slip of the pen;
2. two of those together.

Within one size, the order is: explanations that the key's working and stated facts agree
with, then conceptual mistakes before slips of the pen, then the kinds' order in
:data:`~.mistakes.KINDS`. Every explanation reported is re-derived from scratch before it
is returned (:meth:`Diagnoser.reproduces`): nothing is blamed on a cause that does not
give the value. Results are cached per (question, value, earlier answers), since many
students share one wrong value.

>>> from symcnn import load_exam, solve
>>> d = Diagnoser(solve(load_exam()))
>>> [x.code for x in d.explain("3b", 2 * d.right("3b"))[0]]
['BACKWARD_FACTOR']
"""

from __future__ import annotations

import bisect
from operator import itemgetter
import itertools
from dataclasses import dataclass, field, replace
from decimal import ROUND_DOWN, Decimal, localcontext
from fractions import Fraction
from typing import Any, Iterable, Iterator, Mapping, Sequence

from ..exam.steps import Answer, Solution, round_decimal
from .graph import EVAL_ERRORS, REAL, Const, Graph, Target, View, build
from .mistakes import (
    READING_RANK,
    Diagnosis,
    Explanation,
    Mistake,
    Reading,
    generate,
    readings,
)
from .slips import places, slip_code, variants

MAX_SIZE = 2  # mistakes per explanation (a slip of the pen counts as one)
MAX_EXPLANATIONS = 4  # equally small explanations reported
MAX_CARRIED = 64  # combinations of the key's earlier values tried

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
        return _decimal(Decimal(x) if isinstance(x, int) else x).quantize(Decimal(1).scaleb(-decimals), ROUND_DOWN)


# --------------------------------------------------------------------------- solutions


def named_values(answer: Answer) -> dict[str, Any]:
    """Every quantity an answer's steps name (inputs and results), by symbol name."""
    return {str(s): v for st in answer.steps for s, v in (*st.values.items(), (st.symbol, st.value))}


def components(solution: Solution) -> dict[str, tuple[str, ...]]:
    """Names of the parts of per-class answers, by question id."""
    out: dict[str, tuple[str, ...]] = {}
    for a in solution.answers:
        if isinstance(a.value, tuple):
            names = [s.args.get("cls", "") for s in a.steps if s.label == "step.delta"]
            if len(names) == len(a.value):
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


# --------------------------------------------------------------------------- evaluation


class Evaluator:
    """Re-derivations of one graph: a target's value with some mistakes applied."""

    def __init__(self, graph: Graph):
        self.g = graph

    def state(self, parts: Sequence[Mistake], target: Target) -> list | None:
        """Every node's value with ``parts`` applied (those between the edits and ``target``)."""
        g = self.g
        values: dict[int, Any] = {}
        formulas: dict[int, Any] = {}
        extra: tuple[tuple[int, int], ...] = ()
        for m in parts:
            values.update(m.values)
            formulas.update(m.formulas)
            extra += m.extra
        vals = g.base.copy()
        for nid, v in values.items():
            vals[nid] = v
        try:
            with localcontext(REAL):
                edited = parts[0].edited if len(parts) == 1 else frozenset(values) | frozenset(formulas)
                for nid in g.cone(edited, target, tuple(sorted(set(extra))) if len(parts) > 1 else extra, formulas):
                    if nid in values:
                        continue
                    ir = formulas.get(nid)
                    vals[nid] = (g.closure(nid, ir) if ir is not None else g.fn[nid])(vals)  # type: ignore[misc]
        except EVAL_ERRORS:
            return None
        return vals

    def value(self, parts: Sequence[Mistake], target: Target) -> Any:
        vals = self.state(parts, target)
        return None if vals is None else self.g.value(target, vals)


def read(value: Any, reading: Reading | None, view: View) -> Any:
    """The answer as written from the derived ``value``: rounded as asked, or as ``reading`` says."""
    if value is None:
        return None
    if reading is None or reading.kind == "view":
        return value
    if isinstance(value, tuple):
        return tuple(read(v, reading, view) for v in value)
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
    """Does the claim state this value, read as ``reading`` says?"""
    if value is None:
        return False
    if reading is not None and reading.kind == "scale":
        if isinstance(claim, tuple):
            return False
        shown = places(claim) if isinstance(claim, Decimal) else 0
        return round_decimal(_decimal(value), shown) == round_decimal(claim, shown)
    if reading is not None and reading.kind in ("round", "trunc"):
        return matches(claim, value, None) if not isinstance(value, tuple) else claim == value
    return matches(claim, value, view.decimals)


# --------------------------------------------------------------------------- one target


class Table:
    """Every single mistake's value at one target, and on first need every pair's."""

    def __init__(self, diagnoser: Diagnoser, view: View, parts: tuple[Mistake, ...] = ()):
        self.d, self.view, self.prefix = diagnoser, view, parts
        ev, target = diagnoser.evaluator, view.target
        self.base = ev.value(parts, target)
        relevant = diagnoser.graph.ancestors(target)
        self.singles: list[tuple[Mistake, Any]] = []
        for m in diagnoser.mistakes:
            if not (m.edited & relevant):
                continue
            v = ev.value(parts + (m,), target)
            if v is not None and v != self.base:
                self.singles.append((m, v))
        self.readings = [m for m in readings(view, diagnoser.graph, READING_RANK)]
        self._pairs: dict[Any, list[tuple[int, int]]] | None = None
        self._index: dict[Any, list[int]] | None = None
        self._sorted: list[Any] | None = None

    @property
    def exact_ints(self) -> bool:
        return isinstance(self.base, int) and self.view.decimals is None

    def index(self) -> dict[Any, list[int]]:
        if self._index is None:
            self._index = {}
            for i, (_, v) in enumerate(self.singles):
                self._index.setdefault(_key(v), []).append(i)
        return self._index

    def sorted_values(self) -> list[Any]:
        if self._sorted is None:
            self._sorted = sorted(k for k in self.index() if isinstance(k, int))
        return self._sorted

    def pairs(self) -> dict[Any, list[tuple[int, int]]]:
        """Value → pairs of singles (i < j) giving it; each pair re-derived once."""
        if self._pairs is None:
            self._pairs = self.d.pair_values(self)
        return self._pairs

    # ----------------------------------------------------------------- lookups

    def lookup(self, values: dict[Any, list], claim: Any, reading: Reading | None) -> Iterator[Any]:
        """Entries of ``values`` (value → entries) whose value the claim states under ``reading``."""
        view = self.view
        if self.exact_ints and not isinstance(claim, tuple):
            kind = reading.kind if reading is not None else None
            if kind is None:
                c = _exact(claim)
                if isinstance(c, Fraction) and c.denominator != 1:
                    return
                yield from values.get(int(c), ())
                return
            if kind == "times":
                c = _exact(claim)
                q = Fraction(c) / reading.arg  # type: ignore[union-attr]
                if q.denominator == 1:
                    yield from values.get(int(q), ())
                return
            if kind == "scale":
                shown = places(claim) if isinstance(claim, Decimal) else 0
                half = Fraction(1, 2 * 10 ** shown)
                lo, hi = (Fraction(_exact(claim)) - half) * reading.arg, (Fraction(_exact(claim)) + half) * reading.arg  # type: ignore[union-attr]
                keys = self.sorted_values() if values is self.index() else sorted(k for k in values if isinstance(k, int))
                for k in keys[bisect.bisect_left(keys, lo):bisect.bisect_right(keys, hi)]:
                    if agrees(claim, read(k, reading, view), view, reading):
                        yield from values[k]
                return
        for k, entries in values.items():
            if agrees(claim, read(k, reading, view), view, reading):
                yield from entries


def _key(v: Any) -> Any:
    """A dictionary key for a derived value (exact; tuples as they are)."""
    return v


# --------------------------------------------------------------------------- the diagnoser


class Diagnoser:
    """The exam's graph and mistakes, built once; explanations of any value of any question."""

    def __init__(self, solution: Solution):
        self.solution = solution
        self.graph = build(solution)
        self.evaluator = Evaluator(self.graph)
        self.mistakes = generate(self.graph, solution)
        self.names = components(solution)
        self.order = [a.id for a in solution.answers]
        self._tables: dict[tuple, Table] = {}
        self._explained: dict[tuple, tuple[Found, ...]] = {}
        self._extra: dict[int, set[int]] | None = None
        self._reach: dict[Any, frozenset[int]] = {}
        self.rederivations = 0  # counted by the benchmark

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
        return read(self.graph.value(v.target), Reading("round", v.decimals) if v.decimals is not None else None, v)

    def table(self, view: View, parts: tuple[Mistake, ...] = ()) -> Table:
        key = (view, tuple(id(p) for p in parts))
        t = self._tables.get(key)
        if t is None:
            t = self._tables[key] = Table(self, view, parts)
            self.rederivations += len(self.mistakes)
        return t

    # ----------------------------------------------------------------- pairs

    def pair_values(self, table: Table) -> dict[Any, list[tuple[int, int]]]:
        """Every pair of the table's singles, re-derived by re-evaluating only the second one's cone.

        For each first mistake, its state (every node's value) is computed once; each second
        mistake then re-evaluates only the nodes between its own edits and the target, on top of
        that state, and puts them back: a pair costs the length of one cone, not the graph's size.
        """
        g, target = self.graph, table.view.target
        singles = [m for m, _ in table.singles]
        plans = []
        for m in singles:
            cone = g.cone(m.edited, target, m.extra, m.formulas)
            plans.append((tuple(m.values.items()),
                          tuple((nid, g.closure(nid, m.formulas[nid]) if nid in m.formulas else g.fn[nid])
                                for nid in cone if nid not in m.values),
                          frozenset(cone) | m.edited, cone + tuple(m.values)))
        edited = [m.edited for m in singles]
        out: dict[Any, list[tuple[int, int]]] = {}
        read_target = _reader(g, target)
        base = table.base
        with localcontext(REAL):
            for i, a in enumerate(singles):
                state = self.evaluator.state(table.prefix + (a,), target)
                if state is None:
                    continue
                vals = state.copy()
                a_edited = a.edited
                a_fn = {nid: g.closure(nid, ir) for nid, ir in a.formulas.items()}
                a_new = frozenset(u for u, _ in a.extra)
                for j in range(i + 1, len(singles)):
                    b_values, b_plan, b_touched, b_restore = plans[j]
                    if not a_edited.isdisjoint(edited[j]):
                        continue  # one place, two mistakes: not a pair
                    if a_new and not a_new.isdisjoint(b_touched):  # the first reads what the second changes
                        v = self.evaluator.value(table.prefix + (a, singles[j]), target)
                        if v is not None and v != base:
                            out.setdefault(v, []).append((i, j))
                        continue
                    if not a_edited.isdisjoint(b_touched):  # the second's cone runs through the first's edits
                        b_plan = tuple((nid, a_fn.get(nid, fn)) for nid, fn in b_plan if nid not in a.values)
                    try:
                        for nid, v in b_values:
                            vals[nid] = v
                        for nid, fn in b_plan:
                            vals[nid] = fn(vals)
                        v = read_target(vals)
                    except EVAL_ERRORS:
                        v = None
                    for nid in b_restore:
                        vals[nid] = state[nid]
                    if v is not None and v != base:
                        out.setdefault(v, []).append((i, j))
                self.rederivations += len(singles) - i - 1
        return out

    # ----------------------------------------------------------------- carried over

    def reach(self, target: Target) -> frozenset[int]:
        """Every node the target may depend on under some mistake (its ancestors, new edges included)."""
        if self._extra is None:
            self._extra = {}
            for m in self.mistakes:
                for u, x in m.extra:
                    self._extra.setdefault(x, set()).add(u)
        key = ("reach", target)
        if key not in self._reach:
            seen: set[int] = set()
            stack = list(self.graph.ancestors(target))
            while stack:
                nid = stack.pop()
                if nid in seen:
                    continue
                seen.add(nid)
                stack.extend(self.graph.nodes[nid].inputs)
                stack.extend(self._extra.get(nid, ()))
            self._reach[key] = frozenset(seen)
        return self._reach[key]

    def carried(self, qid: str, view: View, earlier: Sequence[KeyClaim]) -> list[Mistake]:
        """Combinations of the earlier answers' wrong values that this question reads."""
        relevant = self.reach(view.target)
        options: list[list[Any]] = []
        before = self.order[: self.order.index(qid)] if qid in self.order else []
        by_q: dict[str, list[KeyClaim]] = {}
        for c in earlier:
            if c.qid in before:
                by_q.setdefault(c.qid, []).append(c)
        for q in before:
            wrong = []
            for c in by_q.get(q, ()):
                right = self.right(q, c.component)
                if matches(c.value, right, self.view(q, c.component).decimals):
                    continue
                bound = self.binding(q, c, right)
                if set(bound) & relevant:
                    wrong.append((q, _differing(c.value, right), bound))
            if wrong:
                options.append([None, *wrong])
        combos = [tuple(x for x in combo if x is not None) for combo in itertools.product(*options)]
        combos = sorted((c for c in combos if c), key=len)[:MAX_CARRIED]
        out = []
        for combo in combos:
            values = {nid: v for _, _, bound in combo for nid, v in bound.items()}
            m = Mistake("CARRIED_OVER", "CARRIED_OVER", {"answers": tuple((q, shown) for q, shown, _ in combo)},
                        values=values, rank=-1)
            if len(combo) > 1 and not self._all_used(m, combo, view):
                continue
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
        target = self.view(qid, claim.component).target
        out: dict[int, Any] = {}

        def bind(t: Any, c: Any, r: Any) -> None:
            if isinstance(t, tuple):
                if isinstance(c, tuple) and len(c) == len(t):
                    for tt, cc, rr in zip(t, c, r):
                        bind(tt, cc, rr)
            elif isinstance(t, int) and c != r:
                node = self.graph.nodes[t]
                out[t] = _as_node_value(c, node.real)

        bind(target, claim.value, right)
        return out

    # ----------------------------------------------------------------- the search

    def explain(self, qid: str, value: Any, component: str | None = None,
                earlier: Mapping[str, Any] | Sequence[KeyClaim] | None = None) -> tuple[Explanation, ...]:
        """The smallest explanations of ``value`` as the answer to ``qid``, best first (empty: none).

        ``earlier`` gives the same student's (or key's) answers to earlier questions, as
        ``{qid: value}`` or as :class:`KeyClaim` values, for CARRIED_OVER.
        """
        return tuple(f.diagnoses for f in self.search(qid, value, component, _claims(earlier))[:MAX_EXPLANATIONS])

    def search(self, qid: str, value: Any, component: str | None = None,
               earlier: Sequence[KeyClaim] = ()) -> tuple[Found, ...]:
        """Every smallest explanation, ranked by kind (the review re-ranks by the key's own working)."""
        view = self.view(qid, component)
        return self._cached(("q", qid, component), view, value, earlier, True)

    def explain_node(self, qid: str, nid: int, value: Any, earlier: Sequence[KeyClaim] = ()) -> tuple[Found, ...]:
        """Explanations of ``value`` as the value of one node (a term of a working line, a stated fact)."""
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
                m = Mistake("ALT_READING", "ALT_READING", {"assumption": alt.assumption}, reading=Reading("view", alt),
                            rank=READING_RANK)
                tables.append((self.table(alt), (m,)))
        carried = [self.carried(view.qid, t.view, earlier) if earlier else [] for t, _ in tables]
        key = (*where, value, tuple(m.signature for c in carried for m in c))
        if key not in self._explained:
            self._explained[key] = self._search(view, value, tables, carried, whole)
        return self._explained[key]

    def _search(self, view: View, claim: Any, tables: list[tuple[Table, tuple[Mistake, ...]]],
                carried: list[list[Mistake]], whole: bool) -> tuple[Found, ...]:
        """Size 1, then size 2: first what the key's own earlier answers explain, then the rest."""
        stages = [(1, "all"), (2, "carried"), (2, "rest")]
        for size, stage in stages:
            found: dict[tuple, Found] = {}
            for (table, prefix), carry in zip(tables, carried):
                budget = size - len(prefix)
                if budget < 0:
                    continue
                for f in self._matches(table, claim, budget, carry, whole, stage):
                    f = Found(prefix + f.parts, f.slip)
                    if f.ident() not in found and self.reproduces(f, view, claim):
                        found[f.ident()] = f
            if found:
                return tuple(sorted(found.values(), key=lambda f: f.priority))
        return ()

    def _matches(self, t: Table, claim: Any, k: int, carried: list[Mistake], whole: bool, stage: str
                 ) -> Iterator[Found]:
        """Explanations with ``k`` parts at one table (stage ``carried``: those using earlier answers)."""
        view = t.view
        rs = t.readings if whole else []
        singles = t.singles
        index = t.index()
        if k == 0:
            if stage != "carried" and agrees(claim, read(t.base, None, view), view, None):
                yield Found(())
            return
        if k == 1:
            if stage != "carried":
                for i in t.lookup(index, claim, None):
                    yield Found((singles[i][0],))
                for r in rs:
                    if agrees(claim, read(t.base, r.reading, view), view, r.reading):
                        yield Found((r,))
                yield from self._slips(view, claim, [((), t.base)])
            for c in carried:
                if agrees(claim, self.evaluator.value(t.prefix + (c,), view.target), view, None):
                    yield Found((c,))
            return
        if stage == "carried":  # the key's own earlier answers, with one more mistake or slip
            states = []
            for c in carried:
                base = self.evaluator.value(t.prefix + (c,), view.target)
                states.append(((c,), base))
                for r in rs:
                    if agrees(claim, read(base, r.reading, view), view, r.reading):
                        yield Found((c, r))
                for m, _ in singles:
                    if m.edited & c.edited:
                        continue
                    v = self.evaluator.value(t.prefix + (c, m), view.target)
                    self.rederivations += 1
                    if v is not None and v != base and agrees(claim, v, view, None):
                        yield Found((c, m))
            yield from self._slips(view, claim, states)
            return
        for r in rs:
            for i in t.lookup(index, claim, r.reading):
                yield Found((singles[i][0], r))
        for r1, r2 in itertools.combinations(rs, 2):
            if r1.reading and r2.reading and r1.reading.kind != r2.reading.kind and {r1.reading.kind, r2.reading.kind} \
                    <= {"times", "scale"}:
                if agrees(claim, read(read(t.base, r1.reading, view), r2.reading, view), view, r2.reading):
                    yield Found((r1, r2))
        yield from self._slips(view, claim, [((m,), v) for m, v in singles], index)
        yield from self._slips(view, claim, [((r,), read(t.base, r.reading, view)) for r in rs
                                             if r.reading and r.reading.kind in ("times",)])
        if whole:  # two new mistakes: every pair of the table, computed once per question
            for i, j in t.lookup(t.pairs(), claim, None):
                yield Found((singles[i][0], singles[j][0]))

    def _slips(self, view: View, claim: Any, candidates: list[tuple[tuple[Mistake, ...], Any]],
               index: dict | None = None) -> Iterator[Found]:
        """Candidates one slip of the pen away from the claim (never after an intermediate rounding)."""
        if isinstance(claim, tuple):
            return
        shown = written_decimals(claim, view.decimals)
        if index is not None and isinstance(view.target, int) and view.decimals is None and \
                not (isinstance(claim, Decimal) and claim != claim.to_integral_value()):
            wanted: dict[Any, list[str]] = {}
            for code, v in variants(Fraction(claim), 0):
                if v.denominator == 1:
                    wanted.setdefault(int(v), []).append(code)
            by_value: dict[Any, list[tuple[tuple[Mistake, ...], Any]]] = {}
            for parts, value in candidates:
                if value in wanted:
                    by_value.setdefault(value, []).append((parts, value))
            for value, entries in by_value.items():
                code = slip_code(value, claim, shown)
                if code is None:
                    continue
                for parts, _ in entries:
                    if not any(p.key == "ROUNDING_INTERMEDIATE" for p in parts):
                        yield Found(parts, _slip(code, value, claim))
            return
        for parts, value in candidates:
            if value is None or isinstance(value, tuple) or any(p.key == "ROUNDING_INTERMEDIATE" for p in parts):
                continue
            written = read(value, Reading("round", view.decimals), view) if view.decimals is not None else value
            if view.decimals is not None and shown > view.decimals:
                written = read(value, Reading("round", shown), view)
            code = slip_code(written, claim, shown)
            if code:
                yield Found(parts, _slip(code, written, claim))

    # ----------------------------------------------------------------- checking

    def reproduces(self, found: Found, view: View, claim: Any) -> bool:
        """Re-derive the explanation from scratch: does it give the claimed value? (Asked of every one.)"""
        target_view = view
        graph_parts = []
        reading_parts = []
        for p in found.parts:
            if p.reading is not None and p.reading.kind == "view":
                target_view = p.reading.arg
            elif p.reading is not None:
                reading_parts.append(p.reading)
            else:
                graph_parts.append(p)
        value = self.evaluator.value(tuple(graph_parts), target_view.target)
        if value is None:
            return False
        r: Reading | None = None
        for r in reading_parts[:-1]:
            value = read(value, r, target_view)
        r = reading_parts[-1] if reading_parts else None
        if found.slip is None:
            return agrees(claim, read(value, r, target_view), target_view, r)
        written = read(value, r, target_view)
        if r is None and target_view.decimals is not None:
            written = read(value, Reading("round", max(target_view.decimals, written_decimals(claim, None))),
                           target_view)
        return found.slip.args["right"] == written and slip_code(written, claim,
                                                                 written_decimals(claim, target_view.decimals)) \
            == found.slip.code

    # ----------------------------------------------------------------- for papers and grading

    def single_values(self, qid: str, component: str | None = None) -> list[tuple[Explanation, Any]]:
        view = self.view(qid, component)
        t = self.table(view)
        right = self.right(qid, component)
        seen: dict[Any, tuple[Explanation, Any]] = {}
        entries = [(m, read(v, Reading("round", view.decimals), view) if view.decimals is not None else v)
                   for m, v in t.singles]
        entries += [(r, read(t.base, r.reading, view)) for r in t.readings if r.reading and r.reading.kind != "scale"]
        for m, v in sorted(entries, key=lambda e: e[0].rank):
            if v is None or matches(v, right, view.decimals):
                continue
            seen.setdefault(_hashable(v), ((m.diagnosis,), v))
        return list(seen.values())


def _reader(g: Graph, target: Target) -> Any:
    """A fast reader of the target's value from a list of node values."""
    if isinstance(target, int):
        return itemgetter(target)
    parts = [_reader(g, t) if not isinstance(t, Const) else (lambda vals, c=t.value: c) for t in target]
    ids = [t for t in target if isinstance(t, int) and not isinstance(t, bool)]
    if len(ids) == len(target) and len(ids) >= 2:
        return itemgetter(*ids)
    return lambda vals: tuple(p(vals) for p in parts)


def _flat(it: Iterable[Any]) -> Iterator[Any]:
    yield from it


def _hashable(v: Any) -> Any:
    return v


def _claims(earlier: Mapping[str, Any] | Sequence[KeyClaim] | None) -> tuple[KeyClaim, ...]:
    if not earlier:
        return ()
    if isinstance(earlier, Mapping):
        out = []
        for qid, v in earlier.items():
            vs = v if isinstance(v, list) else [v]
            out += [x if isinstance(x, KeyClaim) else KeyClaim(qid, None, x) for x in vs]
        return tuple(out)
    return tuple(earlier)


def _as_node_value(c: Any, real: bool) -> Any:
    if real:
        return Decimal(c) if not isinstance(c, Decimal) else c
    return int(c) if isinstance(c, Decimal) and c == c.to_integral_value() else _exact(c)


def _differing(claim: Any, right: Any) -> Any:
    """What to quote of a claimed list of shapes: only the shapes that are wrong."""
    if not (isinstance(claim, tuple) and claim and isinstance(claim[0], tuple)):
        return claim
    wrong = tuple(c for c, r in zip(claim, right) if c != r)
    return wrong[0] if len(wrong) == 1 else wrong


_DIAGNOSERS: dict[int, tuple[Any, Diagnoser]] = {}


def diagnoser(solution: Solution) -> Diagnoser:
    """The diagnoser of ``solution``, built on first use and kept while the solution lives."""
    import weakref

    key = id(solution)
    hit = _DIAGNOSERS.get(key)
    if hit is not None and hit[0]() is solution:
        return hit[1]
    d = Diagnoser(solution)
    _DIAGNOSERS[key] = (weakref.ref(solution), d)
    weakref.finalize(solution, _DIAGNOSERS.pop, key, None)
    return d


_unused = (field, Iterable)
