"""The exam as one dataflow graph of exact numbers, for re-deriving it fast under mistakes.

Every answer of a solution is made of steps ``symbol = formula`` (:mod:`symcnn.exam.steps`),
and the network adds its own definitions (``H_1 = ⌊(H_0 + 2p_1 − k_1)/s_1⌋ + 1``). Together
they form one graph: **leaves** (the numbers the exam gives: hyperparameters, the batch,
the bytes per value …) and **nodes** defined by a formula over other nodes. A symbol a
step uses is resolved, in this order, to: a step of the same answer; the network's own
node of that name (at the training size) when its value agrees; the step of another
answer that defines it with the same value (3b's ``F`` is 3a's total); else a leaf.

Each formula is turned once into a tiny expression tree (:data:`IR`, plain tuples) and
then into a closure over a list of values, with exact integer arithmetic (``⌊a/b⌋`` as
``a // b``), fractions where a division is exact, and 60-digit decimals for the reals of
softmax (``exp``). A mistake (:mod:`.mistakes`) replaces some leaves' values or some
nodes' trees; :meth:`Graph.cone` lists the nodes between the edited ones and a target, in
order, so that one re-derivation re-evaluates only those: no sympy, no strings.

>>> from symcnn import load_exam, solve
>>> g = build(solve(load_exam()))
>>> g.value(g.target("2b"))  # the parameters, re-evaluated from the leaves
176981106
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from fractions import Fraction
from functools import reduce
from operator import itemgetter
from typing import Any, Callable, Iterator, Mapping

IR = tuple  # ("n", x) | ("v", node) | ("+", *terms) | ("*", *factors) | ("^", base, int) | (fn, arg) | ("round", x, d)
# fn: floor, ceil, abs, exp, log (natural), min, max
Fn = Callable[[list], Any]
REAL = Context(prec=60)  # the reals (softmax) are evaluated with this many digits
Target = Any  # a node id, an int constant, or a tuple of targets (a shape, a vector)


class Invalid(ArithmeticError):
    """A re-derivation that cannot happen (an empty layer, a division by zero)."""


EVAL_ERRORS = (ArithmeticError, ValueError, TypeError, OverflowError)


@dataclass
class Node:
    """One quantity: a leaf (``ir`` is None) or a formula over other nodes."""

    id: int
    symbol: Any  # the sympy symbol (for messages); None for a constant
    name: str  # str(symbol), computed once
    scope: str  # "network", "leaf", a question id, or "qid/assume.x" for another reading
    label: str  # the step's catalogue label ("step.cost"), "network.shape", "network.hyper", "leaf"
    value: Any  # the value the derivation states (exact for ints; the step's rounding for reals)
    ir: IR | None = None
    layer: str | None = None  # the layer a per-layer quantity belongs to
    position: int | None = None  # the layer's position (1-based; 0 = the input)
    cls: str | None = None  # the class of a per-class quantity
    real: bool = False
    inputs: tuple[int, ...] = ()
    consumers: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class View:
    """What one question (or one other reading of it) asks: its target nodes and how it rounds."""

    qid: str
    kind: str
    target: Target
    decimals: int | None
    unit: str | None
    components: tuple[str, ...] = ()  # names of a vector answer's parts (classes)
    scope: str = ""
    assumption: str | None = None  # another reading: the catalogue key of its assumption


# --------------------------------------------------------------------------- formulas → IR


def to_ir(expr: Any, resolve: Callable[[Any], int | None]) -> IR:
    """A sympy expression as plain tuples; ``resolve`` maps a symbol to its node id."""
    import sympy

    if expr.is_Integer:
        return ("n", int(expr))
    if expr.is_Rational:
        return ("n", Fraction(int(expr.p), int(expr.q)))
    if expr.is_Symbol:
        nid = resolve(expr)
        if nid is None:
            raise KeyError(expr)
        return ("v", nid)
    if expr.is_Add:
        return ("+", *(to_ir(a, resolve) for a in expr.args))
    if expr.is_Mul:
        return ("*", *(to_ir(a, resolve) for a in expr.args))
    if expr.is_Pow and expr.exp.is_Integer:
        return ("^", to_ir(expr.base, resolve), int(expr.exp))
    for cls, name in ((sympy.floor, "floor"), (sympy.ceiling, "ceil"), (sympy.Abs, "abs"), (sympy.exp, "exp"),
                      (sympy.log, "log")):
        if isinstance(expr, cls):
            return (name, to_ir(expr.args[0], resolve))
    for cls, name in ((sympy.Min, "min"), (sympy.Max, "max")):
        if isinstance(expr, cls):
            return (name, *(to_ir(a, resolve) for a in expr.args))
    if expr.is_Float:
        return ("n", Fraction(str(expr)))
    raise TypeError(f"cannot re-derive {type(expr).__name__}: {expr}")


def variables(ir: IR) -> Iterator[int]:
    """Every node id the tree reads (with repeats), left to right."""
    if ir[0] == "v":
        yield ir[1]
    elif ir[0] != "n":
        for a in ir[1:]:
            if isinstance(a, tuple):
                yield from variables(a)


def variable_set(ir: IR) -> set[int]:
    """The node ids the tree reads (iterative: a long sum is not a deep recursion)."""
    out: set[int] = set()
    stack = [ir]
    while stack:
        x = stack.pop()
        if x[0] == "v":
            out.add(x[1])
        elif x[0] != "n":
            stack.extend(a for a in x[1:] if isinstance(a, tuple))
    return out


def substitute(ir: IR, mapping: Mapping[int, IR]) -> IR:
    """The tree with some variables replaced by other trees."""
    if ir[0] == "v":
        return mapping.get(ir[1], ir)
    if ir[0] == "n":
        return ir
    return (ir[0], *(substitute(a, mapping) if isinstance(a, tuple) else a for a in ir[1:]))


INFINITE = 1 << 20


def ir_degree(ir: IR, deg: Mapping[int, int]) -> int:
    """Polynomial degree of a tree in the variables ``deg`` gives a degree (others: constants)."""
    op = ir[0]
    if op == "n":
        return 0
    if op == "v":
        return deg.get(ir[1], 0)
    if op == "+":
        return max(ir_degree(a, deg) for a in ir[1:])
    if op == "*":
        return min(INFINITE, sum(ir_degree(a, deg) for a in ir[1:]))
    if op == "^":
        d = ir_degree(ir[1], deg)
        return 0 if d == 0 else (min(INFINITE, d * ir[2]) if ir[2] >= 0 else INFINITE)
    return 0 if ir_degree(ir[1], deg) == 0 else INFINITE


def is_real(ir: IR, real_nodes: Callable[[int], bool]) -> bool:
    if ir[0] in ("exp", "log", "round"):
        return True
    if ir[0] == "v":
        return real_nodes(ir[1])
    if ir[0] == "n":
        return isinstance(ir[1], Decimal)
    return any(is_real(a, real_nodes) for a in ir[1:] if isinstance(a, tuple))


class Term:
    """A tree being built by a rule of :mod:`symcnn.model.rules` called with terms instead of numbers.

    >>> from symcnn.model import rules
    >>> tree = rules.conv_out(Term(("v", 0)), 3, 1, 2).ir  # ⌊(x + 2·1 − 3)/2⌋ + 1, x = node 0
    >>> tree[0], compile_ir(tree)([57])
    ('+', 29)
    """

    __slots__ = ("ir",)

    def __init__(self, ir: IR):
        self.ir = ir

    def __add__(self, other: Any) -> Term:
        return Term(("+", self.ir, _tree(other)))

    def __radd__(self, other: Any) -> Term:
        return Term(("+", _tree(other), self.ir))

    def __sub__(self, other: Any) -> Term:
        return Term(("+", self.ir, ("*", ("n", -1), _tree(other))))

    def __rsub__(self, other: Any) -> Term:
        return Term(("+", _tree(other), ("*", ("n", -1), self.ir)))

    def __mul__(self, other: Any) -> Term:
        return Term(("*", self.ir, _tree(other)))

    def __rmul__(self, other: Any) -> Term:
        return Term(("*", _tree(other), self.ir))

    def __floordiv__(self, other: Any) -> Term:
        return Term(("floor", ("*", self.ir, ("^", _tree(other), -1))))

    def __rfloordiv__(self, other: Any) -> Term:
        return Term(("floor", ("*", _tree(other), ("^", self.ir, -1))))

    def __neg__(self) -> Term:
        return Term(("*", ("n", -1), self.ir))

    def __abs__(self) -> Term:
        return Term(("abs", self.ir))


def _tree(x: Any) -> IR:
    return x.ir if isinstance(x, Term) else ("n", x)


# --------------------------------------------------------------------------- IR → closures


def _const(x: Any, real: bool) -> Any:
    if real and isinstance(x, Fraction):
        with localcontext(REAL):
            return Decimal(x.numerator) / Decimal(x.denominator)
    return x


def _exact(x: Any) -> Any:
    """A fraction that is a whole number, as an int (so that // and indexing stay cheap)."""
    return x.numerator if isinstance(x, Fraction) and x.denominator == 1 else x


def _split(ir: IR) -> tuple[list[IR], list[IR]]:
    """A product's factors as (numerator factors, denominator factors)."""
    factors = ir[1:] if ir[0] == "*" else (ir,)
    num, den = [], []
    for f in factors:
        if f[0] == "^" and f[2] < 0:
            den.append(("^", f[1], -f[2]) if f[2] != -1 else f[1])
        else:
            num.append(f)
    return num, den


def _product(parts: list[IR], real: bool) -> Fn:
    if not parts:
        return lambda v: 1
    consts = [p[1] for p in parts if p[0] == "n"]
    ids = [p[1] for p in parts if p[0] == "v"]
    rest = [compile_ir(p, real) for p in parts if p[0] not in ("n", "v")]
    c = _const(reduce(lambda a, b: a * b, consts, 1), real)
    if len(ids) >= 2:
        g = itemgetter(*ids)
        if not rest:
            return (lambda v: math.prod(g(v))) if c == 1 else (lambda v: c * math.prod(g(v)))
        if len(rest) == 1:
            r0 = rest[0]
            return lambda v: c * math.prod(g(v)) * r0(v)
    fs = [itemgetter(i) for i in ids] + rest
    if len(fs) == 1 and ids:
        i0 = ids[0]
        return fs[0] if c == 1 else (lambda v: c * v[i0])
    if len(fs) == 1:
        f0 = fs[0]
        return f0 if c == 1 else (lambda v: c * f0(v))
    if len(fs) == 2:
        f0, f1 = fs
        return (lambda v: f0(v) * f1(v)) if c == 1 else (lambda v: c * f0(v) * f1(v))
    return lambda v: c * math.prod(f(v) for f in fs)


def _divide(num: Fn, den: Fn, real: bool) -> Fn:
    if real:
        return lambda v: num(v) / den(v)

    def exact(v: list) -> Any:
        d = den(v)
        if d == 0:
            raise Invalid("division by zero")
        return _exact(Fraction(num(v), d))

    return exact


def _floor_parts(ir: IR) -> tuple[IR, IR] | None:
    """``x`` inside a floor or ceiling as (integer numerator, integer denominator) trees."""
    num, den = _split(ir)
    if den:
        inner = num[0] if len(num) == 1 else ("*", *num)
        if inner[0] == "+" and any(t[0] == "n" and isinstance(t[1], Fraction) for t in inner[1:]):
            return None
        return inner, (den[0] if len(den) == 1 else ("*", *den))
    if ir[0] != "+":
        return None
    scale = 1
    for t in ir[1:]:
        c = t[1] if t[0] == "n" else (t[1][1] if t[0] == "*" and t[1][0] == "n" else 1)
        if isinstance(c, Fraction):
            scale = scale * c.denominator // math.gcd(scale, c.denominator)
    if scale == 1:
        return None
    terms: list[IR] = []
    for t in ir[1:]:
        if t[0] == "n":
            terms.append(("n", _exact(t[1] * scale)))
        elif t[0] == "*" and t[1][0] == "n":
            terms.append(("*", ("n", _exact(t[1][1] * scale)), *t[2:]))
        else:
            terms.append(("*", ("n", scale), t))
    return ("+", *terms), ("n", scale)


def compile_ir(ir: IR, real: bool = False) -> Fn:
    """A closure ``values -> value`` computing the tree exactly (decimals when ``real``)."""
    op = ir[0]
    if op == "n":
        c = _const(ir[1], real)
        return lambda v: c
    if op == "v":
        return itemgetter(ir[1])
    if op == "+":
        consts = [t[1] for t in ir[1:] if t[0] == "n"]
        ids = [t[1] for t in ir[1:] if t[0] == "v"]
        rest = [compile_ir(t, real) for t in ir[1:] if t[0] not in ("n", "v")]
        c = _const(sum(consts, 0), real)
        g = itemgetter(*ids) if len(ids) >= 2 else None
        if g is not None and not rest:
            return (lambda v: sum(g(v))) if c == 0 else (lambda v: c + sum(g(v)))
        fs = ([itemgetter(ids[0])] if len(ids) == 1 else []) + rest
        if g is not None:
            return lambda v: c + sum(g(v)) + sum(f(v) for f in fs)
        if len(fs) == 1:
            f0 = fs[0]
            return (lambda v: c + f0(v)) if c != 0 else f0
        if len(fs) == 2:
            f0, f1 = fs
            return (lambda v: c + f0(v) + f1(v)) if c != 0 else (lambda v: f0(v) + f1(v))
        if len(fs) == 3:
            f0, f1, f2 = fs
            return (lambda v: c + f0(v) + f1(v) + f2(v)) if c != 0 else (lambda v: f0(v) + f1(v) + f2(v))
        return lambda v: c + sum(f(v) for f in fs)
    if op == "*":
        num, den = _split(ir)
        top = _product(num, real)
        return _divide(top, _product(den, real), real) if den else top
    if op == "^":
        base, e = compile_ir(ir[1], real), ir[2]
        if e >= 0:
            return lambda v: base(v) ** e
        return _divide(lambda v: 1, lambda v: base(v) ** -e, real)
    if op in ("floor", "ceil"):
        parts = None if real else _floor_parts(ir[1])
        if parts is not None:
            n, d = compile_ir(parts[0]), compile_ir(parts[1])

            def floor_div(v: list) -> int:
                b = d(v)
                if b <= 0:
                    raise Invalid("division by a non-positive number")
                return n(v) // b

            def ceil_div(v: list) -> int:
                b = d(v)
                if b <= 0:
                    raise Invalid("division by a non-positive number")
                return -(-n(v) // b)

            return floor_div if op == "floor" else ceil_div
        inner = compile_ir(ir[1], real)
        rnd = math.floor if op == "floor" else math.ceil
        return lambda v: rnd(inner(v))
    if op == "abs":
        inner = compile_ir(ir[1], real)
        return lambda v: abs(inner(v))
    if op in ("min", "max"):
        args, pick = [compile_ir(a, real) for a in ir[1:]], min if op == "min" else max
        return lambda v: pick(f(v) for f in args)
    if op == "exp":
        inner = compile_ir(ir[1], True)
        return lambda v: Decimal(inner(v)).exp()
    if op == "log":  # the natural logarithm (cross-entropy); a non-positive argument is no re-derivation
        inner = compile_ir(ir[1], True)

        def ln(v: list) -> Decimal:
            x = Decimal(inner(v))
            if x <= 0:
                raise Invalid("logarithm of a non-positive number")
            return x.ln()

        return ln
    if op == "round":  # an intermediate rounded half up (a mistake: the derivation never rounds one)
        inner, q = compile_ir(ir[1], True), Decimal(1).scaleb(-ir[2])
        return lambda v: Decimal(inner(v)).quantize(q, ROUND_HALF_UP)
    raise TypeError(f"unknown operation {op!r}")


def _positive(f: Fn) -> Fn:
    """A size must stay at least 1: a mistake that empties a layer is no re-derivation."""
    def checked(v: list) -> Any:
        x = f(v)
        if x < 1:
            raise Invalid("empty layer")
        return x

    return checked


# --------------------------------------------------------------------------- the graph


SIZE_LABELS = ("network.shape",)


class Graph:
    """Nodes in dependency order, their closures and their values as derived."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.scopes: dict[str, dict[Any, int]] = {}  # nodes each scope defines
        self.links: dict[str, dict[Any, int]] = {}  # symbol → node, as each scope's steps read it
        self.views: dict[str, View] = {}
        self.alternatives: dict[str, tuple[View, ...]] = {}
        self.by_name: dict[str, list[int]] = {}
        self.fn: list[Fn | None] = []
        self.base: list[Any] = []
        self.rank: list[int] = []
        self._ancestors: dict[Any, frozenset[int]] = {}
        self._cones: dict[tuple, tuple[int, ...]] = {}
        self._degrees: dict[tuple, int] = {}
        self._compiled: dict[tuple[int, int], tuple[IR, Fn]] = {}

    # ----------------------------------------------------------------- building

    def add(self, node: Node) -> int:
        node.id = len(self.nodes)
        self.nodes.append(node)
        self.scopes.setdefault(node.scope, {})[node.symbol] = node.id
        self.by_name.setdefault(node.name, []).append(node.id)
        return node.id

    def finish(self) -> None:
        """Order the nodes, compile every formula once and evaluate the derivation."""
        for node in self.nodes:
            if node.ir is not None:
                node.inputs = tuple(dict.fromkeys(variables(node.ir)))
                for i in node.inputs:
                    self.nodes[i].consumers.append(node.id)
        order: list[int] = []
        state = [0] * len(self.nodes)
        for start in range(len(self.nodes)):  # iterative depth-first: deep networks need no recursion
            if state[start]:
                continue
            stack = [(start, iter(self.nodes[start].inputs))]
            state[start] = 1
            while stack:
                nid, it = stack[-1]
                nxt = next((i for i in it if not state[i]), None)
                if nxt is None:
                    stack.pop()
                    state[nid] = 2
                    order.append(nid)
                else:
                    state[nxt] = 1
                    stack.append((nxt, iter(self.nodes[nxt].inputs)))
        self.rank = [0] * len(self.nodes)
        for r, nid in enumerate(order):
            self.rank[nid] = r
        self.order = order
        for nid in order:  # a node is real when its formula or an input is
            node = self.nodes[nid]
            if node.ir is not None:
                node.real = node.real or is_real(node.ir, lambda i: self.nodes[i].real)
        self.fn = [self.closure(n.id, n.ir) if n.ir is not None else None for n in self.nodes]
        values: list[Any] = [n.value for n in self.nodes]
        with localcontext(REAL):
            for nid in order:
                f = self.fn[nid]
                if f is not None:
                    values[nid] = f(values)
        self.base = values

    def closure(self, nid: int, ir: IR) -> Fn:
        """The compiled closure of ``ir`` as node ``nid``'s formula (cached by the tree's identity)."""
        hit = self._compiled.get((nid, id(ir)))
        if hit is not None and hit[0] is ir:
            return hit[1]
        node = self.nodes[nid]
        f = compile_ir(ir, node.real)  # a mistake never makes a count real: the node says which it is
        if node.label in SIZE_LABELS:
            f = _positive(f)
        self._compiled[(nid, id(ir))] = (ir, f)  # the tree is kept, so its id is not reused
        return f

    # ----------------------------------------------------------------- reading

    def ancestors(self, target: Target) -> frozenset[int]:
        """Every node the target depends on (itself included)."""
        key = target
        if key not in self._ancestors:
            seen: set[int] = set()
            stack = list(target_nodes(target))
            while stack:
                nid = stack.pop()
                if nid not in seen:
                    seen.add(nid)
                    stack.extend(self.nodes[nid].inputs)
            self._ancestors[key] = frozenset(seen)
        return self._ancestors[key]

    def cone(self, edited: frozenset[int], target: Target, extra: tuple[tuple[int, int], ...] = (),
             formulas: Mapping[int, IR] | None = None) -> tuple[int, ...]:
        """The nodes to re-evaluate, in order, when ``edited`` change and ``target`` is read.

        ``extra`` are the edges (input, node) the edited nodes' new trees (``formulas``) add: a
        new tree may read nodes the old one did not (pooling windows counted read the layer's
        size), and the cone follows those edges too.
        """
        key = (edited, target, extra)
        found = self._cones.get(key)
        if found is None:
            relevant = set(self.ancestors(target))
            readers: dict[int, list[int]] = {}
            if extra:
                grown = True
                while grown:  # a new edge into a relevant node makes its source's ancestors relevant
                    grown = False
                    for u, x in extra:
                        if x in relevant and u not in relevant:
                            relevant |= self.ancestors(u)
                            grown = True
                for u, x in extra:
                    readers.setdefault(u, []).append(x)
            seen: set[int] = set()
            stack = [e for e in edited if e in relevant]
            while stack:
                nid = stack.pop()
                if nid in seen:
                    continue
                seen.add(nid)
                stack.extend(c for c in self.nodes[nid].consumers if c in relevant)
                stack.extend(c for c in readers.get(nid, ()) if c in relevant)
            found = tuple(sorted(seen, key=self.rank.__getitem__))
            if extra:
                found = self._ordered(found, formulas or {})
            self._cones[key] = found
        return found

    def descendants(self, edited: frozenset[int], within: frozenset[int]) -> frozenset[int]:
        """Every node of ``within`` that depends on an edited one (the edited ones included)."""
        seen: set[int] = set()
        stack = list(edited)
        while stack:
            nid = stack.pop()
            if nid in seen:
                continue
            seen.add(nid)
            stack.extend(c for c in self.nodes[nid].consumers if c in within)
        return frozenset(seen)

    def degree(self, edited: frozenset[int], target: int) -> int:
        """The target's degree as a polynomial in the edited nodes' values (``INFINITE``: not one).

        Degree 1 means the target is affine in them: a change of each moves it by a fixed
        coefficient, whatever the others are. Floors, divisions by an edited quantity and the
        reals are not polynomial.
        """
        key = (edited, target)
        if key not in self._degrees:
            deg = {x: 1 for x in edited}
            for nid in self.cone(edited, target):
                if nid in edited:
                    continue
                node = self.nodes[nid]
                deg[nid] = INFINITE if node.real or node.ir is None else ir_degree(node.ir, deg)
            self._degrees[key] = deg.get(target, 0)
        return self._degrees[key]

    def new_inputs(self, formulas: Mapping[int, IR]) -> tuple[tuple[int, int], ...]:
        """Edges (input, node) that the new trees add to the graph."""
        out = []
        for nid, ir in formulas.items():
            out += [(u, nid) for u in variable_set(ir).difference(self.nodes[nid].inputs)]
        return tuple(sorted(out))

    def _ordered(self, nodes: tuple[int, ...], formulas: Mapping[int, IR]) -> tuple[int, ...]:
        """The nodes in an order where each comes after everything it reads (new trees included)."""
        inside = set(nodes)
        reads = {n: [u for u in (variables(formulas[n]) if n in formulas else self.nodes[n].inputs) if u in inside]
                 for n in nodes}
        done: set[int] = set()
        out: list[int] = []
        for start in nodes:
            stack = [(start, iter(reads[start]))]
            if start in done:
                continue
            done.add(start)
            while stack:
                n, it = stack[-1]
                nxt = next((u for u in it if u not in done), None)
                if nxt is None:
                    stack.pop()
                    out.append(n)
                else:
                    done.add(nxt)
                    stack.append((nxt, iter(reads[nxt])))
        return tuple(out)

    def value(self, target: Target, values: list | None = None) -> Any:
        """The target read from ``values`` (default: as derived)."""
        values = self.base if values is None else values
        if isinstance(target, tuple):
            return tuple(self.value(t, values) for t in target)
        if isinstance(target, Const):
            return target.value
        return values[target]

    def resolve(self, scope: str, symbol: Any) -> int | None:
        """The node ``symbol`` stands for in ``scope``: its own, what its steps read, or the network's."""
        for table in (self.scopes.get(scope, {}), self.links.get(scope, {}), self.scopes["network"]):
            if symbol in table:
                return table[symbol]
        found = self.by_name.get(name_of(symbol), ())
        return found[0] if len(found) == 1 else None

    def rederive(self, parts: Any, target: Target) -> list | None:
        """Every node's value with some edits applied (those between the edits and ``target``).

        ``parts`` are mistakes (anything with ``values``, ``formulas``, ``extra``): leaves or
        nodes given values, nodes given trees, and the edges those trees add. None when the
        re-derivation cannot happen (an empty layer, a division by zero).
        """
        values: dict[int, Any] = {}
        formulas: dict[int, IR] = {}
        for m in parts:
            values.update(m.values)
            formulas.update(m.formulas)
        extra = parts[0].extra if len(parts) == 1 else tuple(sorted({e for m in parts for e in m.extra}))
        vals = self.base.copy()
        for nid, v in values.items():
            vals[nid] = v
        try:
            with localcontext(REAL):
                for nid in self.cone(frozenset(values) | frozenset(formulas), target, extra, formulas):
                    if nid not in values:
                        ir = formulas.get(nid)
                        vals[nid] = (self.closure(nid, ir) if ir is not None else self.fn[nid])(vals)  # type: ignore[misc]
        except EVAL_ERRORS:
            return None
        return vals

    def target(self, qid: str) -> Target:
        return self.views[qid].target

    def node(self, scope: str, name: str) -> int | None:
        """The node called ``name`` as question ``scope`` sees it (its own steps first)."""
        for nid in self.by_name.get(name, ()):
            if self.nodes[nid].scope == scope:
                return nid
        seen = self.ancestors(self.views[scope].target) if scope in self.views else frozenset()
        return next((nid for nid in self.by_name.get(name, ()) if nid in seen), None)

    def describe(self, nid: int) -> str:  # for debugging and error messages
        n = self.nodes[nid]
        return f"{n.name}@{n.scope}"


@dataclass(frozen=True)
class Const:
    """A fixed part of a target (global pooling's 1 × 1)."""

    value: int


def name_of(symbol: Any) -> str:
    """A symbol's name (its ``name`` attribute: printing it with sympy is slow)."""
    name = getattr(symbol, "name", None)
    return name if isinstance(name, str) else str(symbol)


def target_nodes(target: Target) -> Iterator[int]:
    if isinstance(target, tuple):
        for t in target:
            yield from target_nodes(t)
    elif isinstance(target, int):
        yield target


# --------------------------------------------------------------------------- from a solution


def _agrees(a: Any, b: Any) -> bool:
    """Two stated values of one quantity: equal, or equal at the coarser one's rounding."""
    if isinstance(a, tuple) or isinstance(b, tuple):
        return False
    if a == b:
        return True
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        da, db = Decimal(a), Decimal(b)
        places = min(_places(da), _places(db))
        with localcontext(REAL):
            q = Decimal(1).scaleb(-places)
            return da.quantize(q, "ROUND_HALF_UP") == db.quantize(q, "ROUND_HALF_UP")
    return False


def _places(d: Decimal) -> int:
    e = d.as_tuple().exponent
    return max(-e, 0) if isinstance(e, int) else 0


def _leaf_value(v: Any) -> Any:
    return Fraction(v) if isinstance(v, Fraction) else v


class _Builder:
    def __init__(self, solution: Any):
        self.solution = solution
        self.g = Graph()
        self.leaves: dict[tuple[str, Any], int] = {}
        self.defined: dict[str, list[int]] = {}  # name → step nodes of every answer, in order
        self.steps: dict[Any, list[tuple[Any, int]]] = {}  # symbol → (step, node) derived so far
        self.positions = {lf.name: lf.index for lf in solution.formulas.layers}
        self.layers = {lf.name: lf for lf in solution.formulas.layers}
        self.weights: dict[str, int] = {}

    def network(self) -> None:
        f, numbers = self.solution.formulas, self.solution.numbers
        values = numbers.values(f)
        for s in f.input_symbols:
            self.g.add(Node(0, s, name_of(s), "network", "network.input", values[s], layer="input", position=0))
        for s, v in f.hyper_values.items():
            name = name_of(s)
            position = int(name.rsplit("_", 1)[1]) if name.rsplit("_", 1)[-1].isdigit() else None
            layer = f.layers[position - 1].name if position else None
            self.g.add(Node(0, s, name, "network", "network.hyper", v, layer=layer, position=position))
        scope = self.g.scopes["network"]
        from ..exam.steps import Step

        for lf in f.layers:
            for s, formula in lf.definitions.items():
                nid = self.g.add(Node(0, s, name_of(s), "network", "network.shape", values[s], layer=lf.name,
                                      position=lf.index))
                self.g.nodes[nid].ir = to_ir(formula, scope.get)
                used = {x: values[x] for x in getattr(formula, "free_symbols", ()) if x in values}
                self.steps.setdefault(s, []).append((Step("network.shape", s, formula, used, values[s]), nid))

    def answer(self, scope: str, steps: tuple) -> None:
        g = self.g
        local: dict[Any, int] = {}
        links = g.links.setdefault(scope, {})
        fresh = []
        # an answer at another input size (4c) has its own shapes: its layers' steps are its own
        resized = any(st.label == "step.shape" and self.same_step(st) is None for st in steps)
        for st in steps:  # every step gets its node first: a step may read one written after it
            if st.symbol in getattr(st.formula, "free_symbols", ()):
                continue  # a given number restated (T = T): a leaf, below
            constant = not getattr(st.formula, "free_symbols", ())
            same = None if constant or (resized and "layer" in st.args) else self.same_step(st)
            if same is not None:  # the step another answer (or the network) already derives
                local[st.symbol] = links[st.symbol] = same
                continue
            args = st.args
            layer = args.get("layer")
            local[st.symbol] = g.add(Node(0, st.symbol, name_of(st.symbol), scope, st.label, st.value, layer=layer,
                                          position=self.positions.get(layer, 0 if layer == "input" else None),
                                          cls=args.get("cls")))
            fresh.append(st)
        for st in fresh:
            nid = local[st.symbol]

            def resolve(s: Any, st: Any = st) -> int:
                if s in local:
                    return local[s]
                links[s] = self.resolve(s, st.values.get(s))
                return links[s]

            g.nodes[nid].ir = self.cost_ir(st, local, resolve) if st.label == "step.cost" else to_ir(st.formula, resolve)
            self.steps.setdefault(st.symbol, []).append((st, nid))
        for st in fresh:
            self.defined.setdefault(name_of(st.symbol), []).append(local[st.symbol])
        for st in steps:  # the restated givens
            if st.symbol not in local:
                links[st.symbol] = self.resolve(st.symbol, st.value, scope=scope)

    def cost_ir(self, st: Any, local: Mapping[Any, int], resolve: Callable[[Any], int]) -> IR:
        """A layer's cost as Σ weight · count, the convention's weights being leaves of the graph.

        The step says ``F_i = cost(counts)``; written with the weights of the counts a key may
        weigh otherwise (``mac``, biases, pooling windows) as leaves, a change of convention is a
        leaf's value and combines with any mistake in the counts themselves.
        """
        from ..model.conventions import convention

        lf = self.layers.get(st.args.get("layer"))
        if lf is None:
            return to_ir(st.formula, resolve)
        conv = convention(self.solution.exam.convention)

        def find(x: Any) -> int:
            if x in st.values:
                return resolve(x)
            nid = local.get(x, self.g.scopes["network"].get(x))
            if nid is None:
                raise KeyError(x)
            return nid

        terms: list[IR] = []
        try:
            for name, count in lf.counts.items():
                weight = conv.terms.get(name, 0)
                if name in WEIGHTED:
                    terms.append(("*", ("v", self.weight(name, weight)), to_ir(count, find)))
                elif weight:
                    terms.append(("*", ("n", weight), to_ir(count, find)))
        except KeyError:
            return to_ir(st.formula, resolve)
        return ("n", 0) if not terms else terms[0] if len(terms) == 1 else ("+", *terms)

    def weight(self, name: str, value: int) -> int:
        """The leaf holding the convention's weight of one count (``w:mac``)."""
        if name not in self.weights:
            self.weights[name] = self.g.add(Node(0, None, f"w:{name}", "convention", "convention", value))
        return self.weights[name]

    def same_step(self, st: Any) -> int | None:
        """An earlier step with this symbol, formula and inputs (the network's definitions included)."""
        for other, nid in self.steps.get(st.symbol, ()):
            if other.formula == st.formula and other.values.keys() == st.values.keys() and all(
                    _agrees(other.values[k], v) for k, v in st.values.items()):
                return nid
        return None

    def resolve(self, s: Any, value: Any, scope: str | None = None) -> int:
        g = self.g
        name = name_of(s)
        net = g.scopes["network"].get(s)
        if net is not None and _agrees(g.nodes[net].value, value):
            return net
        for nid in reversed(self.defined.get(name, ())):
            if _agrees(g.nodes[nid].value, value):
                return nid
        key = (name, value)
        if key not in self.leaves:
            real = isinstance(value, Decimal) or getattr(s, "is_real", False) and not getattr(s, "is_integer", False)
            v = _leaf_value(value)
            if real and not isinstance(v, Decimal):
                v = Decimal(v) if isinstance(v, int) else _const(v, True)
            cls = name.rsplit("_", 1)[1] if "_" in name and name.rsplit("_", 1)[1] in self.solution.exam.softmax.classes \
                else None
            self.leaves[key] = g.add(Node(0, s, name, scope or "leaf", "leaf", v, real=real, cls=cls))
        return self.leaves[key]


WEIGHTED = ("mac", "conv.bias", "dense.bias", "maxpool.window", "avgpool.window")
"""Counts whose weight in the cost a key may take otherwise: their weights are leaves."""

SUPPORT_KINDS = ("dataset.crops", "dataset.samples", "dataset.bytes", "network.params", "training.forward",
                 "training.batch", "memory.activations", "softmax.delta")
"""Kinds solved behind the scenes when the exam does not ask them, so that every quantity an
answer reads (3c's forward cost, 4b's activations) has its derivation in the graph."""


def build(solution: Any) -> Graph:
    """The graph of every answer of ``solution`` (and of the support answers it reads)."""
    b = _Builder(solution)
    b.network()
    support = _support(solution, {a.kind for a in solution.answers})
    for a in support:  # first, so that the asked answers link to them like to each other
        b.answer("+" + a.kind, a.steps)
    for a in solution.answers:
        b.answer(a.id, a.steps)
        for alt in a.alternatives:
            b.answer(f"{a.id}/{alt.key}", alt.steps)
    g = b.g
    g.finish()
    for a in solution.answers:
        g.views[a.id] = _view(solution, g, a, a.id, a.steps, a.value)
        g.alternatives[a.id] = tuple(
            _view(solution, g, a, f"{a.id}/{alt.key}", alt.steps, alt.value, alt.key) for alt in a.alternatives)
    return g


def _support(solution: Any, asked: set[str]) -> list[Any]:
    from ..exam import Question
    from ..exam.kinds import QUESTION_KINDS
    from ..exam.questions import Context
    from ..model.conventions import convention

    ctx = Context(solution.exam, solution.formulas, solution.numbers, convention(solution.exam.convention))
    out = []
    for kind in SUPPORT_KINDS:
        if kind in asked:
            continue
        try:
            out.append(QUESTION_KINDS[kind].solve(ctx, Question("+" + kind, kind)))
        except Exception:  # noqa: BLE001 - a support answer the exam cannot give is simply not there
            continue
    return out


def _view(solution: Any, g: Graph, answer: Any, scope: str, steps: tuple, value: Any,
          assumption: str | None = None) -> View:
    local = {**g.links.get(scope, {}), **g.scopes.get(scope, {})}
    net = g.scopes["network"]
    seen = {**net, **local}  # an answer at another input size has its own sizes
    if answer.kind == "network.shapes" and assumption is None:
        q = next(q for q in solution.exam.questions if q.id == answer.id)
        from ..exam.questions import asked_layers

        layers = asked_layers(q, solution.numbers)
        target = tuple(tuple(_shape_part(g, seen, s) for s in solution.formulas.layers[i - 1].symbols) for i in layers)
        return View(answer.id, answer.kind, target, None, answer.unit, scope=scope)
    if getattr(answer, "parts", ()) and assumption is None:  # the symbols the value is made of, nested like it
        target = _parts_target(g, seen, answer.parts)
        names = tuple(str(p) for p in answer.parts) if not isinstance(answer.parts[0], tuple) else ()
        return View(answer.id, answer.kind, target, answer.decimals, answer.unit, names, scope)
    if isinstance(value, tuple):
        label = steps[-1].label
        parts = [s for s in steps if s.label == label]
        names = tuple(s.args.get("cls") or s.args.get("layer") or str(s.symbol) for s in parts)
        return View(answer.id, answer.kind, tuple(local[s.symbol] for s in parts), answer.decimals, answer.unit,
                    names, scope)
    nid = local[steps[-1].symbol]
    return View(answer.id, answer.kind, nid, answer.decimals, answer.unit, scope=scope, assumption=assumption)


def _parts_target(g: Graph, seen: Mapping[Any, int], parts: Any) -> Target:
    if isinstance(parts, tuple):
        return tuple(_parts_target(g, seen, p) for p in parts)
    return _shape_part(g, seen, parts)


def _shape_part(g: Graph, net: Mapping[Any, int], s: Any) -> Target:
    if s in net:
        return net[s]
    return Const(int(s))
