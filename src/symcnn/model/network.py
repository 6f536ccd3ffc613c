"""The network as a graph of named layers, its symbolic derivation and its evaluation.

``derive`` gives every layer's shape, parameters and operation counts as formulas in
per-layer symbols (``H_1 = floor((H_0 + 2 p_1 - k_1)/s_1) + 1``): one symbol per
layer dimension, so a deep network never builds one giant nested expression.
``evaluate`` computes the same quantities as exact ints by calling the very same
layer methods with numbers, and checks that every layer can be applied.

>>> from symcnn.model.layers import Conv2d
>>> net = Network((32, 32, 3), (Node("conv1", Conv2d(kernel=3, filters=8)),))
>>> evaluate(net).layers[0].shape
(30, 30, 8)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterator, Mapping

from ..errors import Notice, SpecError
from .exact import expr
from .layers import Layer, Num, Shape, size, symbolic


@dataclass(frozen=True)
class Node:
    """A named layer and the names of the nodes it reads (empty: the previous node)."""

    name: str
    layer: Layer
    inputs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Network:
    """An input of shape (H, W, C) followed by nodes in topological order."""

    input_shape: tuple[int, int, int]
    nodes: tuple[Node, ...]
    input_name: str = "input"

    def sources(self, position: int) -> tuple[int, ...]:
        """Positions (0 = input, i = nodes[i-1]) that node ``position`` (1-based) reads."""
        node = self.nodes[position - 1]
        if not node.inputs:
            return (position - 1,)
        return tuple(self._positions[name] for name in node.inputs)

    @cached_property
    def _positions(self) -> dict[str, int]:
        """Name → position, built once so that resolving inputs stays linear in depth."""
        return {self.input_name: 0} | {n.name: i + 1 for i, n in enumerate(self.nodes)}


# --------------------------------------------------------------------------- formulas


@dataclass(frozen=True)
class LayerFormulas:
    """One layer as formulas in its own symbols and those of the shapes it reads."""

    index: int
    name: str
    layer: Layer  # hyperparameters are symbols
    symbols: Shape  # the output shape, one symbol (or atom) per dimension
    shape: Shape  # the formula for each output dimension
    weights: Num
    biases: Num
    counts: Mapping[str, Num]

    @property
    def params(self) -> Num:
        return self.weights + self.biases

    @property
    def definitions(self) -> dict[Any, Num]:
        """Symbol → formula for each output dimension that got its own symbol."""
        return {s: f for s, f in zip(self.symbols, self.shape) if s is not f}


@dataclass(frozen=True)
class NetworkFormulas:
    """The symbolic network: input symbols and one LayerFormulas per node."""

    input_symbols: Shape
    layers: tuple[LayerFormulas, ...]
    hyper_values: Mapping[Any, int]  # hyperparameter symbol → value from the spec

    def closed_form(self, target: Num) -> Num:
        """Expand per-layer symbols into the input symbols (only on request: it nests)."""
        defs: dict[Any, Num] = {}
        for lay in self.layers:
            for sym, formula in lay.definitions.items():
                defs[sym] = formula.xreplace(defs)
        return target.xreplace(defs) if hasattr(target, "xreplace") else target


def shape_symbols(index: int, shape: Shape) -> Shape:
    """Symbols for a layer's output; a dimension that is already an atom keeps it."""
    import sympy

    letters = ("H", "W", "D") if len(shape) == 3 else ("N",)
    out = []
    for letter, dim in zip(letters, shape):
        if isinstance(dim, int):  # a fixed size (global pooling's 1×1)
            out.append(sympy.Integer(dim))
        elif isinstance(dim, sympy.Basic) and dim.is_Atom:
            out.append(dim)
        else:
            out.append(sympy.Symbol(f"{letter}_{index}", integer=True, positive=True))
    return tuple(out)


def derive(network: Network) -> NetworkFormulas:
    """Symbolic derivation of every layer, in time linear in the depth."""
    import sympy

    inputs = tuple(sympy.Symbol(f"{c}_0", integer=True, positive=True) for c in "HWD")
    shapes: list[Shape] = [inputs]
    layers: list[LayerFormulas] = []
    hyper: dict[Any, int] = {}
    for i, node in enumerate(network.nodes, start=1):
        layer, values = symbolic(node.layer, i)
        hyper.update(values)
        ins = tuple(shapes[j] for j in network.sources(i))
        formula = layer.output_shape(ins)
        syms = shape_symbols(i, formula)
        layers.append(
            LayerFormulas(
                index=i,
                name=node.name,
                layer=layer,
                symbols=syms,
                shape=formula,
                weights=expr(layer.weights(ins)),
                biases=expr(layer.biases(ins)),
                counts={k: expr(v) for k, v in layer.counts(ins, syms).items()},
            )
        )
        shapes.append(syms)
    return NetworkFormulas(inputs, tuple(layers), hyper)


# --------------------------------------------------------------------------- numbers


@dataclass(frozen=True)
class LayerNumbers:
    """One layer's exact numbers for a concrete input size."""

    index: int
    name: str
    kind: str
    shape: tuple[int, ...]
    weights: int
    biases: int
    counts: Mapping[str, int]

    @property
    def params(self) -> int:
        return self.weights + self.biases

    @property
    def activations(self) -> int:
        return size(self.shape)


@dataclass(frozen=True)
class NetworkNumbers:
    """Exact numbers of every layer for one input shape."""

    input_shape: tuple[int, int, int]
    layers: tuple[LayerNumbers, ...]
    warnings: tuple[Notice, ...] = field(default=())

    @property
    def params(self) -> int:
        return sum(lay.params for lay in self.layers)

    @property
    def activations(self) -> int:
        """Values in the input and every layer output (layers 0…L)."""
        return size(self.input_shape) + sum(lay.activations for lay in self.layers)

    def shapes(self) -> Iterator[tuple[int, ...]]:
        yield self.input_shape
        for lay in self.layers:
            yield lay.shape

    def values(self, formulas: NetworkFormulas) -> dict[Any, int]:
        """Symbol → number for every symbol of ``formulas`` (hyperparameters and shapes)."""
        out: dict[Any, int] = dict(formulas.hyper_values)
        out.update(zip(formulas.input_symbols, self.input_shape))
        for lf, ln in zip(formulas.layers, self.layers):
            out.update(zip(lf.symbols, ln.shape))
        return out


def layer_label(network: Network, position: int) -> str:
    """How errors name a layer: as the layer table numbers it (the input is 0), ``layer 3 (conv3)``."""
    return f"layer {position} ({network.nodes[position - 1].name})"


def evaluate(network: Network, input_shape: tuple[int, int, int] | None = None) -> NetworkNumbers:
    """Exact numbers for every layer; raises SpecError naming the first impossible layer."""
    shape_in = tuple(input_shape or network.input_shape)
    shapes: list[Shape] = [shape_in]
    layers: list[LayerNumbers] = []
    warnings: list[Notice] = []
    for i, node in enumerate(network.nodes, start=1):
        ins = tuple(shapes[j] for j in network.sources(i))
        for problem in node.layer.problems(ins):
            raise SpecError(f"{layer_label(network, i)}: {problem} (input {_fmt(ins[0])})")
        warnings.extend(Notice(w.key, (("layer", node.name), ("index", i), *w.args)) for w in node.layer.warnings())
        out = tuple(int(d) for d in node.layer.output_shape(ins))
        if any(d <= 0 for d in out):
            raise SpecError(
                f"{layer_label(network, i)}: output shape {_fmt(out)} is empty"
                f" (input {_fmt(ins[0])})"
            )
        layers.append(
            LayerNumbers(
                index=i,
                name=node.name,
                kind=node.layer.kind,
                shape=out,
                weights=int(node.layer.weights(ins)),
                biases=int(node.layer.biases(ins)),
                counts={k: int(v) for k, v in node.layer.counts(ins, out).items()},
            )
        )
        shapes.append(out)
    return NetworkNumbers(shape_in, tuple(layers), tuple(dict.fromkeys(warnings)))  # type: ignore[arg-type]


@dataclass(frozen=True)
class SizeFormulas:
    """Every layer's quantities as formulas in the input's height ``H`` and width ``W``.

    Hyperparameters and channels are numbers. Each distinct feature-map size gets one
    symbol (``H_1 = floor((H - 1)/2) + 1``) defined in terms of the one before, so a
    count is a flat monomial such as ``9408*H_1*W_1``; :meth:`expand` gives the closed
    form in ``H`` and ``W`` on request.
    """

    input_symbols: tuple[Any, Any]
    sizes: Mapping[Any, Num]  # size symbol → formula in H, W and earlier size symbols
    numbers: NetworkNumbers  # same structure as evaluate()'s, with formulas as values

    def count(self, name: str) -> list[Num]:
        """The named count of every layer that has it."""
        return [lay.counts[name] for lay in self.numbers.layers if name in lay.counts]

    def expand(self, formula: Num) -> Num:
        """The closed form in H and W: every size symbol replaced by its nested formula."""
        return formula.xreplace(self._closed_sizes) if hasattr(formula, "xreplace") else formula

    @cached_property
    def _closed_sizes(self) -> dict[Any, Num]:
        closed: dict[Any, Num] = {}
        for sym, formula in self.sizes.items():  # each in terms of earlier ones: one pass
            closed[sym] = formula.xreplace(closed)
        return closed

    def value(self, formula: Num, at: Mapping[Any, int]) -> int:
        """A formula's number, given ``at(height, width)``."""
        return int(formula.xreplace(at)) if hasattr(formula, "xreplace") else int(formula)

    def at(self, height: int, width: int) -> dict[Any, int]:
        """Symbol → number for every size symbol at this input size."""
        values: dict[Any, int] = dict(zip(self.input_symbols, (height, width)))
        for sym, formula in self.sizes.items():
            values[sym] = int(formula.xreplace(values))
        return values


def closed_forms(network: Network) -> SizeFormulas:
    """One pass over the layers with a symbolic input size; linear in depth, nothing simplified.

    >>> from symcnn.model.layers import Conv2d
    >>> forms = closed_forms(Network((32, 32, 3), (Node("c", Conv2d(kernel=3, filters=8, stride=2)),)))
    >>> forms.sizes[forms.numbers.layers[0].shape[0]], sum(forms.count("mac"))
    (floor(H/2 - 3/2) + 1, 216*H_1*W_1)
    >>> forms.value(sum(forms.count("mac")), forms.at(32, 32))  # 3·3·3·8 · 15·15
    48600
    """
    import sympy

    h, w = (sympy.Symbol(c, integer=True, positive=True) for c in "HW")
    sizes: dict[Any, Num] = {}
    named: dict[Any, Any] = {}

    def name(dim: Num, letter: str) -> Num:
        if not isinstance(dim, sympy.Basic) or dim.is_Atom:
            return dim
        if dim not in named:
            named[dim] = sympy.Symbol(f"{letter}_{sum(s.name[0] == letter for s in sizes) + 1}",
                                      integer=True, positive=True)
            sizes[named[dim]] = dim
        return named[dim]

    def apply(layer: Layer, ins: tuple[Shape, ...]) -> tuple[Shape, Num, Num, Mapping[str, Num]]:
        out = layer.output_shape(ins)
        if len(out) == 3:
            out = (name(out[0], "H"), name(out[1], "W"), out[2])
        return out, layer.weights(ins), layer.biases(ins), layer.counts(ins, out)

    shapes: list[Shape] = [(h, w, network.input_shape[2])]
    layers: list[LayerNumbers] = []
    seen: dict[tuple[Layer, tuple[Shape, ...]], Any] = {}  # repeated blocks are derived once
    for i, node in enumerate(network.nodes, start=1):
        ins = tuple(shapes[j] for j in network.sources(i))
        key = (node.layer, ins)
        if key not in seen:
            seen[key] = apply(node.layer, ins)
        out, weights, biases, counts = seen[key]
        layers.append(LayerNumbers(i, node.name, node.layer.kind, out, weights, biases, counts))
        shapes.append(out)
    return SizeFormulas((h, w), sizes, NetworkNumbers(shapes[0], tuple(layers)))  # type: ignore[arg-type]


def _fmt(shape: Shape) -> str:
    return "×".join(str(d) for d in shape)
