"""The mistake grammar: each kind of mistake is one entry of :data:`KINDS`, applied to the graph.

A mistake is not a list of this exam's errors. It is a small edit of the exam's dataflow
graph (:mod:`.graph`): some leaves get another value (padding 1 for 2), some nodes another
formula (the channels dropped from a product, ``⌈x⌉`` for ``⌊x⌋``), or the answer is read
another way at the end (in MB, rounded to 2 decimals, the other reading of the question).
Each generator walks the graph and yields every place its kind applies, so the same kind is
found in the dataset, the parameters, the memory and the cost alike. A mistake has a
stable ``code`` (the kind, like the answer notes of Moodle STACK), a catalogue ``key`` for
its sentence (``diagnosis.<key>`` in ``catalogue/{en,vi}/verify.toml``) and the sentence's
blanks in ``args``.

=============================  ======================================================
kind (code)                    where it applies
=============================  ======================================================
``AUG_FACTOR``                 transforms t and originals o of the augmentation
``BYTES_PER_VALUE``            each bytes-per-value leaf, and each use of it apart
``BATCH_SIZE`` ``EPOCHS``      the mini-batch, the epochs
``OPTIMIZER_STATE``            the optimiser's state tensors per parameter (Adam: 2, momentum: 1)
``ITERATIONS``                 iterations per epoch: one, ⌊N/B⌋, ⌈N/B⌉ + 1, N
``BACKWARD_OMITTED`` …FACTOR   the backward factor r
``CONV_PADDING`` …             padding of each window layer; one side only
``CEIL_FLOOR``                 ⌊⌋ ↔ ⌈⌉ in each window rule (pooling: PyTorch's ceil mode)
``OFF_BY_ONE``                 a layer's output size one less or more
``BIAS_COUNTED`` …             the cost convention: bias, pooling windows, 2 per MAC
``PARAMS_BIAS``                the biases in the parameters (all layers, or one)
``FACTOR_OMITTED``             a factor of any product (channels, crops, k of k², 1/s)
``WRONG_SOURCE``               a layer reading the shape before its input
``WRONG_QUANTITY``             a count or cost of another question (B·E for T·E)
``TERM_OMITTED`` …             a term of a sum left out, twice, or replaced
``SIGN`` ``UPDATE_SIGN``       the sign of a gradient component or vector; + in the update
``WRONG_CLASS`` …TARGET        another class's quantity; another true class
``ROUNDING`` ``TRUNCATION``    the answer or an intermediate rounded; truncated
``UNIT_BITS`` ``UNIT_SCALE``   bits for bytes; KB, MB, GB with 1000 or 1024
``FACTOR_ADDED``               the answer multiplied by a factor that does not belong
``ALT_READING``                the question's other reading
=============================  ======================================================

``CARRIED_OVER`` (right given the key's own earlier answer) and the slips of the pen
(:mod:`.slips`) are added by the search (:mod:`.diagnose`), which combines these.

>>> from symcnn import load_exam, solve
>>> found = single_mistakes(solve(load_exam()), "2a")  # every shape list one mistake gives
>>> sorted({e[0].code for e, _ in found})
['CONV_PADDING', 'OFF_BY_ONE', 'POOL_PADDING', 'WRONG_SOURCE']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import Any, Callable, Iterator, Mapping

from .graph import IR, Graph, Node, Term, View, substitute, to_ir, variables

# --------------------------------------------------------------------------- values of messages


@dataclass(frozen=True)
class Diagnosis:
    """One cause: a stable code, the catalogue key of its sentence, and the sentence's blanks."""

    code: str
    key: str
    args: Mapping[str, Any] = field(default_factory=dict)


Explanation = tuple[Diagnosis, ...]


@dataclass(frozen=True)
class Quantity:
    """A quantity of the derivation as a message names it: its symbol, and its layer if any."""

    symbol: Any  # a sympy Symbol: printed as mathematics (V₄, δ_HG), never as a field name
    layer: str | None = None


@dataclass(frozen=True)
class Count:
    """A number of things, worded with the right plural ("1 byte", "4 bytes")."""

    n: int
    unit: str  # catalogue key under verify.count


@dataclass(frozen=True)
class Reading:
    """How the answer is read off the derivation: ``round``/``trunc`` to decimals, ``scale``
    (divided by a unit), ``times`` (a node's value), ``view`` (another reading of the question)."""

    kind: str
    arg: Any


@dataclass(frozen=True, eq=False)
class Mistake:
    """One kind of mistake at one place: leaves' values, nodes' formulas, or how the answer is read."""

    code: str
    key: str
    args: Mapping[str, Any]
    values: Mapping[int, Any] = field(default_factory=dict)
    formulas: Mapping[int, IR] = field(default_factory=dict)
    reading: Reading | None = None
    rank: int = 0  # the kind's place in KINDS: conceptual kinds first
    extra: tuple[tuple[int, int], ...] = ()  # edges (input, node) its new formulas add to the graph

    @cached_property
    def edited(self) -> frozenset[int]:
        return frozenset(self.values) | frozenset(self.formulas)

    @cached_property
    def signature(self) -> tuple:
        return (tuple(sorted(self.values.items())), tuple(sorted(self.formulas.items())), self.reading)

    @property
    def diagnosis(self) -> Diagnosis:
        return Diagnosis(self.code, self.key, dict(self.args))


# --------------------------------------------------------------------------- walking trees


def paths(ir: IR, path: tuple[int, ...] = ()) -> Iterator[tuple[tuple[int, ...], IR]]:
    """Every subtree with its position (indices into the tuples)."""
    yield path, ir
    if ir[0] not in ("n", "v"):
        for i, a in enumerate(ir[1:], start=1):
            if isinstance(a, tuple):
                yield from paths(a, path + (i,))


def replace_at(ir: IR, path: tuple[int, ...], new: IR) -> IR:
    if not path:
        return new
    i = path[0]
    return ir[:i] + (replace_at(ir[i], path[1:], new),) + ir[i + 1:]


def drop(ir: IR, i: int) -> IR:
    """The sum or product without its i-th operand (1-based)."""
    rest = ir[1:i] + ir[i + 1:]
    if not rest:
        return ("n", 0 if ir[0] == "+" else 1)
    return rest[0] if len(rest) == 1 else (ir[0], *rest)


def swap_rounding(ir: IR) -> IR:
    if ir[0] in ("floor", "ceil"):
        return ("ceil" if ir[0] == "floor" else "floor", swap_rounding(ir[1]))
    if ir[0] in ("n", "v"):
        return ir
    return (ir[0], *(swap_rounding(a) if isinstance(a, tuple) else a for a in ir[1:]))


# --------------------------------------------------------------------------- context


class Context:
    """What the generators read: the graph, the solution, and lookups built once."""

    def __init__(self, graph: Graph, solution: Any):
        self.g, self.solution = graph, solution
        self.exam = solution.exam
        self.formulas = solution.formulas
        self.layers = {lf.name: lf for lf in solution.formulas.layers}

    def nodes(self, label: str | tuple[str, ...], layer: str | None = None) -> list[Node]:
        labels = (label,) if isinstance(label, str) else label
        return [n for n in self.g.nodes if n.label in labels and (layer is None or n.layer == layer)]

    def leaves(self, name: str) -> list[Node]:
        return [self.g.nodes[i] for i in self.g.by_name.get(name, ()) if self.g.nodes[i].ir is None]

    def symbol_ir(self, scope: str, formula: Any) -> IR | None:
        """A sympy formula as a tree in ``scope``'s nodes (None if it reads an unknown symbol)."""
        try:
            return to_ir(formula, lambda s: self.g.resolve(scope, s))
        except KeyError:
            return None

    def term(self, scope: str, x: Any) -> Term | int | None:
        """A number or symbol as an operand for a rule called with terms (None: unknown symbol)."""
        if isinstance(x, int):
            return x
        if getattr(x, "is_Integer", False):
            return int(x)
        nid = self.g.resolve(scope, x)
        return None if nid is None else Term(("v", nid))

    def quantity(self, node: Node) -> Quantity:
        return Quantity(node.symbol, node.layer)

    def input_symbols(self, position: int) -> tuple[Any, ...]:
        if position == 0:
            return tuple(self.formulas.input_symbols)
        return tuple(self.formulas.layers[position - 1].symbols)


Generator = Callable[[Context], Iterator[Mistake]]


def _mistake(code: str, key: str, args: Mapping[str, Any], **edits: Any) -> Mistake:
    return Mistake(code, key, args, **edits)


def _choices(right: int, options: tuple[int, ...]) -> list[int]:
    return [v for v in dict.fromkeys(options) if v != right and v >= 1]


# --------------------------------------------------------------------------- the given numbers


def aug_factor(ctx: Context) -> Iterator[Mistake]:
    for t_leaf in ctx.leaves("t"):
        for o_leaf in ctx.leaves("o"):
            t, o = int(t_leaf.value), int(o_leaf.value)
            for t2 in range(0, t + 4):
                for o2 in (o, 1 - o):
                    if (t2, o2) == (t, o) or t2 + o2 == 0 or (o2 != o and abs(t2 - t) > 2):
                        continue
                    yield _mistake("AUG_FACTOR", "AUG_FACTOR" if o2 else "AUG_FACTOR_NO_ORIGINALS",
                                   {"factor": t2 + o2, "transforms": Count(t2, "transform"), "right": t + o},
                                   values={t_leaf.id: t2, o_leaf.id: o2})


def bytes_per_value(ctx: Context) -> Iterator[Mistake]:
    for leaf in ctx.leaves("b"):
        b = int(leaf.value)
        for v in _choices(b, (1, 2, 4, 8)):
            yield _mistake("BYTES_PER_VALUE", "BYTES_PER_VALUE", {"got": Count(v, "byte"), "right": Count(b, "byte")},
                           values={leaf.id: v})
        users = [ctx.g.nodes[c] for c in leaf.consumers]
        if len(users) < 2:
            continue
        for user in users:  # the parameters stored with one size, the activations with another
            for v in _choices(b, (1, 2, 4, 8)):
                yield _mistake("BYTES_PER_VALUE", "BYTES_PER_VALUE_IN",
                               {"got": Count(v, "byte"), "right": Count(b, "byte"), "quantity": ctx.quantity(user)},
                               formulas={user.id: substitute(user.ir or ("n", 0), {leaf.id: ("n", v)})})


def _leaf_values(code: str, name: str, options: Callable[[int], tuple[int, ...]], unit: str | None = None
                 ) -> Generator:
    def generate(ctx: Context) -> Iterator[Mistake]:
        for leaf in ctx.leaves(name):
            right = int(leaf.value)
            for v in _choices(right, options(right)):
                shown = (Count(v, unit), Count(right, unit)) if unit else (v, right)
                yield _mistake(code, code, {"got": shown[0], "right": shown[1]}, values={leaf.id: v})

    generate.__name__ = code.lower()
    return generate


batch_size = _leaf_values("BATCH_SIZE", "B", lambda b: (1, b // 2, 2 * b))
epochs = _leaf_values("EPOCHS", "E", lambda e: (1, e - 1, e + 1), "epoch")


def optimizer_state(ctx: Context) -> Iterator[Mistake]:
    """The optimiser's state tensors miscounted: Adam's two moments counted once, momentum's velocity left out."""
    for leaf in ctx.leaves("n_opt"):
        right = int(leaf.value)
        for v in range(3):
            if v != right:
                yield _mistake("OPTIMIZER_STATE", "OPTIMIZER_STATE", {"got": v, "right": right}, values={leaf.id: v})


def iterations(ctx: Context) -> Iterator[Mistake]:
    for leaf in ctx.leaves("T"):
        if int(leaf.value) != 1:
            yield _mistake("ITERATIONS", "ITERATIONS", {}, values={leaf.id: 1})
    for node in ctx.nodes("step.iterations"):
        ir = node.ir
        assert ir is not None
        divisors = [p for _, p in paths(ir) if p[0] == "^" and p[2] == -1 and p[1][0] == "v"]
        ids = list(dict.fromkeys(i for _, p in paths(ir) if p[0] == "v" for i in (p[1],)))
        if len(divisors) != 1 or len(ids) != 2:
            continue
        b = divisors[0][1]
        n = next(v for v in (("v", i) for i in ids) if v != b)
        right = ctx.g.base[node.id]
        floor_ir = ("floor", ("*", n, ("^", b, -1)))
        for key, new in (("ITERATIONS", ("n", 1)), ("ITERATIONS_FLOOR", floor_ir), ("ITERATIONS_EXTRA", ("+", ir, ("n", 1))),
                         ("ITERATIONS_PER_SAMPLE", n)):
            yield _mistake("ITERATIONS", key, {"right": right, "samples": ctx.g.nodes[n[1]].symbol,
                                               "batch": ctx.g.nodes[b[1]].symbol}, formulas={node.id: new})


def backward(ctx: Context) -> Iterator[Mistake]:
    for leaf in ctx.leaves("r"):
        r = int(leaf.value)
        if r != 0:
            yield _mistake("BACKWARD_OMITTED", "BACKWARD_OMITTED", {"right": r}, values={leaf.id: 0})
        for v in _choices(r, (1, 2)):
            yield _mistake("BACKWARD_FACTOR", "BACKWARD_FACTOR", {"got": v, "right": r}, values={leaf.id: v})


# --------------------------------------------------------------------------- window rules


def _window_layers(ctx: Context) -> Iterator[tuple[Any, Any, list[Node]]]:
    """(numeric node, symbolic formulas, shape nodes in every scope) of each conv or pooling layer."""
    for node, lf in zip(ctx.exam.network.nodes, ctx.formulas.layers):
        if not hasattr(lf.layer, "padding"):
            continue
        shapes = ctx.nodes(("network.shape", "step.shape"), lf.name)
        if shapes:
            yield node, lf, shapes


def padding(ctx: Context) -> Iterator[Mistake]:
    for node, lf, shapes in _window_layers(ctx):
        code = "CONV_PADDING" if node.layer.kind == "conv2d" else "POOL_PADDING"
        p_leaf = ctx.g.scopes["network"].get(lf.layer.padding)
        if p_leaf is None:
            continue
        p = int(ctx.g.base[p_leaf])
        for v in dict.fromkeys((0, p - 1, p + 1)):
            if v != p and v >= 0:
                yield _mistake(code, code, {"layer": lf.name, "got": v, "right": p}, values={p_leaf: v})
        if p:  # 2p written as p: padding on one side only
            edits = {}
            for n in shapes:
                assert n.ir is not None
                for path, sub in paths(n.ir):
                    if sub[0] == "*" and ("n", 2) in sub[1:] and ("v", p_leaf) in sub[1:]:
                        edits[n.id] = replace_at(n.ir, path, ("v", p_leaf))
            if edits:
                yield _mistake(code, "PADDING_ONE_SIDE", {"layer": lf.name}, formulas=edits)


def ceil_floor(ctx: Context) -> Iterator[Mistake]:
    from ..model.layers import POOL_OUT

    for _node, lf, shapes in _window_layers(ctx):
        ceil_mode = getattr(lf.layer, "ceil_mode", None)
        edits: dict[int, IR] = {}
        for n in shapes:
            assert n.ir is not None
            if ceil_mode is None:
                edits[n.id] = swap_rounding(n.ir)
                continue
            axis = 0 if n.name.startswith("H") else 1
            src = ctx.exam.network.sources(lf.index)[0]
            layer = lf.layer
            parts = [ctx.term(n.scope, s) for s in (ctx.input_symbols(src)[axis], layer.kernel, layer.padding,
                                                    layer.stride)]
            if all(p is not None for p in parts):  # the rule itself, called with terms: no sympy
                edits[n.id] = POOL_OUT[not ceil_mode](*parts).ir
        if edits:
            up = ceil_mode is None or not ceil_mode
            yield _mistake("CEIL_FLOOR", "CEIL" if up else "FLOOR", {"layer": lf.name}, formulas=edits)


def off_by_one(ctx: Context) -> Iterator[Mistake]:
    for _node, lf, shapes in _window_layers(ctx):
        for delta, key in ((-1, "OFF_BY_ONE_LESS"), (1, "OFF_BY_ONE_MORE")):
            edits = {n.id: ("+", n.ir, ("n", delta)) for n in shapes if n.ir is not None}
            yield _mistake("OFF_BY_ONE", key, {"layer": lf.name}, formulas=edits)


# --------------------------------------------------------------------------- counting conventions


def _weights(ctx: Context, names: tuple[str, ...]) -> list[Node]:
    return [n for n in ctx.nodes("convention") if n.name[2:] in names]


def _toggle(ctx: Context, code: str, names: tuple[str, ...], omitted: str) -> Iterator[Mistake]:
    """Count ``names`` once each in the cost where the convention leaves them out, or the reverse."""
    leaves = _weights(ctx, names)
    if not leaves:
        return
    counted = any(n.value for n in leaves)
    yield _mistake(code, omitted if counted else code, {}, values={n.id: 0 if counted else 1 for n in leaves})


def bias_counted(ctx: Context) -> Iterator[Mistake]:
    yield from _toggle(ctx, "BIAS_COUNTED", ("conv.bias", "dense.bias"), "BIAS_OMITTED")


def pool_counted(ctx: Context) -> Iterator[Mistake]:
    yield from _toggle(ctx, "POOL_COUNTED", ("maxpool.window", "avgpool.window"), "POOL_OMITTED")


def mac_vs_flop(ctx: Context) -> Iterator[Mistake]:
    for n in _weights(ctx, ("mac",)):
        doubled = n.value == 2
        yield _mistake("MAC_VS_FLOP", "FLOP_AS_MAC" if doubled else "MAC_VS_FLOP", {}, values={n.id: 1 if doubled else 2})


def params_bias(ctx: Context) -> Iterator[Mistake]:
    every: dict[int, IR] = {}
    for lf in ctx.formulas.layers:
        nodes = ctx.nodes("step.params", lf.name)
        if not nodes:
            continue
        if lf.biases != 0:
            edits = {n.id: ir for n in nodes if (ir := ctx.symbol_ir(n.scope, lf.weights)) is not None}
            every.update(edits)
            yield _mistake("PARAMS_BIAS", "PARAMS_BIAS_OMITTED_IN", {"layer": lf.name}, formulas=edits)
        elif lf.weights != 0:
            extra = getattr(lf.layer, "filters", None) or getattr(lf.layer, "units", None)
            if extra is not None:
                extra_ir = ctx.symbol_ir(nodes[0].scope, extra)
                edits = {n.id: ("+", ir, extra_ir) for n in nodes
                         if (ir := ctx.symbol_ir(n.scope, lf.weights)) is not None and extra_ir is not None}
                yield _mistake("PARAMS_BIAS", "PARAMS_BIAS_ADDED_IN", {"layer": lf.name}, formulas=edits)
    if len({ctx.g.nodes[i].layer for i in every}) > 1:
        yield _mistake("PARAMS_BIAS", "PARAMS_BIAS_OMITTED", {}, formulas=every)


# --------------------------------------------------------------------------- products


UPDATE_LABELS = ("step.update", "step.update_unrounded")  # o' = o − η·δ, before or after rounding
FACTOR_LABELS = ("step.crops", "step.samples", "step.dataset_bytes", "step.params", "step.weights", "step.cost",
                 "step.numel",
                 "step.numel_input",
                 "step.batch", "step.run", "step.activation_bytes", "step.param_bytes", "step.tiled_cost")
COVERED = {"B", "E", "b", "r"}  # leaves whose value 1 (or 0) another kind already tries


def _factor_role(ctx: Context, node: Node, factor: IR) -> str:
    """The catalogue key of a dropped factor's sentence, from what the factor is."""
    if factor[0] == "v":
        f = ctx.g.nodes[factor[1]]
        if f.name == "c":
            return "FACTOR_OMITTED_CROPS"
        if f.name == "C":
            return "FACTOR_OMITTED_CHANNELS"
        if node.position is not None and node.position > 0:
            for src in ctx.exam.network.sources(node.position):
                depth = ctx.input_symbols(src)[-1]
                if ctx.g.resolve(node.scope, depth) == f.id and len(ctx.input_symbols(src)) == 3:
                    return "FACTOR_OMITTED_CHANNELS"
    return "FACTOR_OMITTED"


def factor_omitted(ctx: Context) -> Iterator[Mistake]:
    groups: dict[tuple, tuple[str, dict, dict[int, IR]]] = {}
    for node in ctx.nodes(FACTOR_LABELS):
        assert node.ir is not None
        for path, sub in paths(node.ir):
            if sub[0] != "*":
                continue
            for i, f in enumerate(sub[1:], start=1):
                variants: list[tuple[str, IR, IR]] = []  # (key, shown factor, new product)
                if f[0] == "n":
                    continue
                if f[0] == "v" and (ctx.g.nodes[f[1]].name in COVERED or ctx.g.nodes[f[1]].label == "convention"):
                    continue
                if f[0] == "+" and any(ctx.g.nodes[i2].name in COVERED for i2 in _vars(f)):
                    continue
                if f[0] == "^" and f[2] >= 2 and f[1][0] == "v":
                    lower = f[1] if f[2] == 2 else ("^", f[1], f[2] - 1)
                    variants.append(("FACTOR_SQUARE", f[1], replace_at(sub, (i,), lower)))
                if f[0] == "^" and f[2] < 0:
                    variants.append(("DIVISOR_OMITTED", f[1] if f[2] == -1 else ("^", f[1], -f[2]), drop(sub, i)))
                else:
                    variants.append((_factor_role(ctx, node, f), f, drop(sub, i)))
                for key, shown, new in variants:
                    if shown[0] != "v":
                        continue
                    symbol = ctx.g.nodes[shown[1]].symbol
                    ident = (node.label, node.layer, node.name, key, ctx.g.nodes[shown[1]].name, i)
                    entry = groups.setdefault(ident, (key, {"factor": symbol, "quantity": ctx.quantity(node)}, {}))
                    entry[2][node.id] = replace_at(node.ir, path, new)
    for key, args, edits in groups.values():
        yield _mistake("FACTOR_OMITTED", key, args, formulas=edits)


def _vars(ir: IR) -> list[int]:
    return list(variables(ir))


# --------------------------------------------------------------------------- sources


def wrong_source(ctx: Context) -> Iterator[Mistake]:
    """A layer's quantities computed from the shape one layer further back than its input."""
    net = ctx.exam.network
    for lf in ctx.formulas.layers:
        sources = net.sources(lf.index)
        if len(sources) != 1 or sources[0] == 0:
            continue
        src = sources[0]
        before = net.sources(src)
        if len(before) != 1:
            continue
        old, new = ctx.input_symbols(src), ctx.input_symbols(before[0])
        if len(old) != len(new):
            continue
        edits: dict[int, IR] = {}
        for n in ctx.nodes(("step.params", "step.weights", "step.cost", "network.shape", "step.shape"), lf.name):
            assert n.ir is not None
            mapping = {}
            for a, b in zip(old, new):
                ia, ib = ctx.g.resolve(n.scope, a), ctx.g.resolve(n.scope, b)
                if ia is not None and ib is not None and ia != ib:
                    mapping[ia] = ("v", ib)
            changed = substitute(n.ir, mapping)
            if changed != n.ir:
                edits[n.id] = changed
        if edits:
            used = "input" if before[0] == 0 else ctx.formulas.layers[before[0] - 1].name
            yield _mistake("WRONG_SOURCE", "WRONG_SOURCE",
                           {"layer": lf.name, "used": used, "right": ctx.formulas.layers[src - 1].name},
                           formulas=edits)


CONFUSABLE = (("N", "N_crop", "B", "T", "E"), ("F", "F_B"))
"""Quantities of one kind that a key may take one for the other (batch × epochs for iterations × epochs)."""


def wrong_quantity(ctx: Context) -> Iterator[Mistake]:
    names = {name: group for group in CONFUSABLE for name in group}
    for node in ctx.g.nodes:
        if node.ir is None or not node.label.startswith("step."):
            continue
        for nid in dict.fromkeys(_vars(node.ir)):
            used = ctx.g.nodes[nid]
            for other in names.get(used.name, ()):
                if other == used.name:
                    continue
                oid = ctx.g.resolve(node.scope, _like(used.symbol, other))
                if oid is None:
                    found = ctx.g.by_name.get(other, ())
                    oid = found[0] if found else None
                if oid is None or oid == nid or node.id in ctx.g.ancestors(oid):
                    continue
                yield _mistake("WRONG_QUANTITY", "WRONG_QUANTITY",
                               {"used": ctx.g.nodes[oid].symbol, "got": ctx.g.base[oid], "symbol": used.symbol,
                                "right": ctx.g.base[nid], "quantity": ctx.quantity(node)},
                               formulas={node.id: substitute(node.ir, {nid: ("v", oid)})})


# --------------------------------------------------------------------------- sums


SUM_LABELS = ("step.sum", "step.activation_bytes", "step.memory_total")


def _family(name: str) -> tuple[str, str] | None:
    head, _, tail = name.rpartition("_")
    return (head, tail) if head and tail.isdigit() else None


def sums(ctx: Context) -> Iterator[Mistake]:
    groups: dict[tuple, tuple[str, str, dict, dict[int, IR]]] = {}

    def add(ident: tuple, code: str, key: str, args: dict, nid: int, ir: IR) -> None:
        entry = groups.setdefault(ident, (code, key, args, {}))
        entry[3][nid] = ir

    for node in ctx.nodes(SUM_LABELS):
        assert node.ir is not None
        for path, sub in paths(node.ir):
            if sub[0] != "+" or not all(t[0] == "v" for t in sub[1:]) or len(sub) < 3:
                continue
            terms = [ctx.g.nodes[t[1]] for t in sub[1:]]
            for i, term in enumerate(terms, start=1):
                q, t = ctx.quantity(node), ctx.quantity(term)
                add((node.name, "omit", term.name), "TERM_OMITTED", "TERM_OMITTED", {"term": t, "quantity": q},
                    node.id, replace_at(node.ir, path, drop(sub, i)))
                add((node.name, "twice", term.name), "TERM_DUPLICATED", "TERM_DUPLICATED", {"term": t, "quantity": q},
                    node.id, replace_at(node.ir, path, sub + (("v", term.id),)))
                for other in _replacements(ctx, node, term, terms):
                    add((node.name, "replace", term.name, other.name), "TERM_REPLACED", "TERM_REPLACED",
                        {"term": t, "used": ctx.quantity(other), "quantity": q}, node.id,
                        replace_at(node.ir, path, replace_at(sub, (i,), ("v", other.id))))
    for code, key, args, edits in groups.values():
        yield _mistake(code, key, args, formulas=edits)


def _replacements(ctx: Context, node: Node, term: Node, terms: list[Node]) -> Iterator[Node]:
    """What a term may have been taken for: a neighbour in the sum, or the same layer's other quantity."""
    i = terms.index(term)
    for j in (i - 1, i + 1):
        if 0 <= j < len(terms):
            yield terms[j]
    fam = _family(term.name)
    if fam is None:
        return
    for head in ("P", "F", "V"):
        if head != fam[0]:
            other = ctx.g.resolve(node.scope, _like(term.symbol, f"{head}_{fam[1]}"))
            if other is not None and other != term.id:
                yield ctx.g.nodes[other]


def _like(symbol: Any, name: str) -> Any:
    import sympy

    return sympy.Symbol(name, **symbol.assumptions0)


# --------------------------------------------------------------------------- vectors and reals


def signs(ctx: Context) -> Iterator[Mistake]:
    deltas = ctx.nodes("step.delta")
    by_scope: dict[str, list[Node]] = {}
    for n in deltas:
        by_scope.setdefault(n.scope, []).append(n)
        yield _mistake("SIGN", "SIGN", {"symbol": n.symbol}, formulas={n.id: ("*", ("n", -1), n.ir)})
    every = {n.id: ("*", ("n", -1), n.ir) for n in deltas if n.ir is not None}
    if len({n.cls for n in deltas}) > 1:
        yield _mistake("SIGN", "SIGN_VECTOR", {}, formulas=every)
    for n in ctx.nodes(UPDATE_LABELS):
        assert n.ir is not None
        if n.ir[0] == "+":
            for i, t in enumerate(n.ir[1:], start=1):
                if t[0] == "*" and t[1] == ("n", -1):
                    yield _mistake("UPDATE_SIGN", "UPDATE_SIGN", {"symbol": n.symbol},
                                   formulas={n.id: replace_at(n.ir, (i,), drop(t, 1))})


def wrong_class(ctx: Context) -> Iterator[Mistake]:
    classes = ctx.exam.softmax.classes
    for n in ctx.nodes(("step.delta", *UPDATE_LABELS)):
        assert n.ir is not None
        for nid in dict.fromkeys(_vars(n.ir)):
            used = ctx.g.nodes[nid]
            stem, _, cls = used.name.rpartition("_")
            if cls not in classes or not stem or stem == "y":
                continue
            for other in classes:
                if other == cls:
                    continue
                oid = ctx.g.resolve(n.scope, _like(used.symbol, f"{stem}_{other}"))
                if oid is None:
                    continue
                yield _mistake("WRONG_CLASS", "WRONG_CLASS", {"used": ctx.g.nodes[oid].symbol, "symbol": used.symbol},
                               formulas={n.id: substitute(n.ir, {nid: ("v", oid)})})


def wrong_target(ctx: Context) -> Iterator[Mistake]:
    s = ctx.exam.softmax
    ys = {c: ctx.leaves(f"y_{c}") for c in s.classes}
    for other in s.classes:
        if other == s.target:
            continue
        values = {n.id: type(n.value)(int(c == other)) for c, nodes in ys.items() for n in nodes}
        if values:
            yield _mistake("WRONG_TARGET", "WRONG_TARGET", {"got": other, "right": s.target}, values=values)


def rounding(ctx: Context) -> Iterator[Mistake]:
    """An intermediate real (a probability, a gradient) rounded before it is used."""
    for n in ctx.nodes(("step.softmax", "step.delta")):
        assert n.ir is not None
        for d in range(0, 5):
            yield _mistake("ROUNDING", "ROUNDING_INTERMEDIATE", {"symbol": n.symbol, "decimals": d},
                           formulas={n.id: ("round", n.ir, d)})


# --------------------------------------------------------------------------- readings of the answer


UNITS = (("KB", 1000, 1), ("MB", 1000, 2), ("GB", 1000, 3), ("KiB", 1024, 1), ("MiB", 1024, 2), ("GiB", 1024, 3))
SCALED = tuple(u for u, _, _ in UNITS)  # an answer asked in one of these (exam/units.py) may be given in another
FACTORS = ("B", "E", "c", "b", "T")  # what a key may multiply by where it does not belong


def readings(view: View, graph: Graph, base: int = 0) -> Iterator[Mistake]:
    """The ways one question's answer may be read off the derivation wrongly (ranked after the rest)."""
    rank = base
    if view.decimals is not None:
        for d in range(0, view.decimals + 3):
            if d != view.decimals:
                yield Mistake("ROUNDING", "ROUNDING", {"decimals": d, "right": view.decimals}, reading=Reading("round", d),
                              rank=rank)
        yield Mistake("TRUNCATION", "TRUNCATION", {"decimals": view.decimals}, reading=Reading("trunc", view.decimals),
                      rank=rank + 1)
    if view.unit == "B" and isinstance(view.target, int):
        yield Mistake("UNIT_BITS", "UNIT_BITS", {}, reading=Reading("times", 8), rank=rank + 2)
        for unit, base_, power in UNITS:
            yield Mistake("UNIT_SCALE", "UNIT_SCALE", {"unit": unit, "size": base_ ** power},
                          reading=Reading("scale", Fraction(base_ ** power)), rank=rank + 2)
    if view.unit in SCALED and isinstance(view.target, int):  # asked in MB: given in MiB, KB … instead
        from ..exam.units import UNITS as ASKED

        b, p, _ = ASKED[view.unit]
        for unit, base_, power in UNITS:
            if unit != view.unit:
                yield Mistake("UNIT_SCALE", "UNIT_SCALE", {"unit": unit, "size": base_ ** power},
                              reading=Reading("scale", Fraction(base_ ** power, b ** p)), rank=rank + 2)
    if isinstance(view.target, int) and view.decimals is None:
        seen = graph.ancestors(view.target)
        for name in FACTORS:
            for nid in graph.by_name.get(name, ()):
                value = graph.base[nid]
                if nid in seen or not isinstance(value, int) or value <= 1:
                    continue
                yield Mistake("FACTOR_ADDED", "FACTOR_ADDED", {"factor": graph.nodes[nid].symbol, "value": value},
                              reading=Reading("times", value), rank=rank + 3)
                break


# --------------------------------------------------------------------------- the table of kinds


@dataclass(frozen=True)
class Kind:
    """One kind of mistake: its code and the generator of every place it applies."""

    code: str
    generate: Generator


KINDS: tuple[Kind, ...] = (
    Kind("BYTES_PER_VALUE", bytes_per_value),
    Kind("AUG_FACTOR", aug_factor),
    Kind("BATCH_SIZE", batch_size),
    Kind("EPOCHS", epochs),
    Kind("OPTIMIZER_STATE", optimizer_state),
    Kind("ITERATIONS", iterations),
    Kind("BACKWARD_OMITTED", backward),
    Kind("CONV_PADDING", padding),
    Kind("CEIL_FLOOR", ceil_floor),
    Kind("BIAS_COUNTED", bias_counted),
    Kind("POOL_COUNTED", pool_counted),
    Kind("MAC_VS_FLOP", mac_vs_flop),
    Kind("PARAMS_BIAS", params_bias),
    Kind("WRONG_TARGET", wrong_target),
    Kind("WRONG_CLASS", wrong_class),
    Kind("SIGN", signs),
    Kind("WRONG_SOURCE", wrong_source),
    Kind("WRONG_QUANTITY", wrong_quantity),
    Kind("FACTOR_OMITTED", factor_omitted),
    Kind("TERM_OMITTED", sums),
    Kind("OFF_BY_ONE", off_by_one),
    Kind("ROUNDING", rounding),
)
"""Every kind, conceptual mistakes first: of two equally small explanations, the earlier kind leads."""
READING_RANK = len(KINDS)


def generate(graph: Graph, solution: Any) -> list[Mistake]:
    """Every single mistake of the graph, once (two edits that are the same are one mistake)."""
    ctx = Context(graph, solution)
    out: list[Mistake] = []
    seen: set[tuple] = set()
    for rank, kind in enumerate(KINDS):
        for m in kind.generate(ctx):
            if not m.edited or m.signature in seen:
                continue
            seen.add(m.signature)
            out.append(Mistake(m.code, m.key, m.args, m.values, m.formulas, m.reading, rank,
                               graph.new_inputs(m.formulas) if m.formulas else ()))
    return out


_KEPT: dict[tuple[int, str], tuple[Any, Any]] = {}


def keep(solution: Any, what: str, make: Callable[[], Any]) -> Any:
    """What ``make`` builds for ``solution``, built once and kept while the solution lives."""
    import weakref

    key = (id(solution), what)
    hit = _KEPT.get(key)
    if hit is not None and hit[0]() is solution:
        return hit[1]
    value = make()
    _KEPT[key] = (weakref.ref(solution), value)
    weakref.finalize(solution, _KEPT.pop, key, None)
    return value


def prepared(solution: Any) -> tuple[Graph, list[Mistake]]:
    """The graph of ``solution`` and every single mistake of it (built once per solution)."""
    from .graph import build

    def make() -> tuple[Graph, list[Mistake]]:
        graph = build(solution)
        return graph, generate(graph, solution)

    result: tuple[Graph, list[Mistake]] = keep(solution, "prepared", make)
    return result


def single_mistakes(solution: Any, qid: str, component: str | None = None) -> list[tuple[Explanation, Any]]:
    """Every value one mistake gives question ``qid`` (one component of a vector, if asked), once.

    Values equal to the right answer are left out; of several mistakes giving one value, the
    first by rank explains it, and values are written as the question asks (rounded where it
    rounds). For papers and variants: a variant is discriminating when these values differ
    from each other's right answers. Unit scalings (the value in MB) are left out: they are a
    way of writing a value, not another value.
    """
    from ..exam.steps import exact_decimal, round_decimal

    graph, mistakes = prepared(solution)
    view = graph.views[qid]
    if component is not None:
        view = View(view.qid, view.kind, view.target[view.components.index(component)], view.decimals, view.unit,
                    scope=view.scope)
    target, decimals = view.target, view.decimals

    def written(v: Any) -> Any:
        if decimals is None or v is None:
            return v
        return tuple(written(x) for x in v) if isinstance(v, tuple) else round_decimal(v, decimals)

    base = graph.value(target)
    right = written(base)
    relevant = graph.ancestors(target)
    entries: list[tuple[Mistake, Any]] = []
    for m in mistakes:
        if m.edited & relevant:
            state = graph.rederive((m,), target)
            entries.append((m, written(graph.value(target, state)) if state is not None else None))
    for r in readings(view, graph, READING_RANK):
        reading = r.reading
        assert reading is not None
        if reading.kind == "times":
            entries.append((r, written(base * reading.arg)))
        elif reading.kind in ("round", "trunc") and not isinstance(base, tuple):
            mode = "ROUND_HALF_UP" if reading.kind == "round" else "ROUND_DOWN"
            entries.append((r, exact_decimal(base).quantize(Decimal(1).scaleb(-reading.arg), mode)))
    seen: dict[Any, tuple[Explanation, Any]] = {}
    for m, v in sorted(entries, key=lambda e: e[0].rank):
        if v is not None and written(v) != right:  # another value at the question's precision
            seen.setdefault(v, ((m.diagnosis,), v))
    return list(seen.values())
