"""Layer types. Each layer is generic in its number type.

A layer built from a spec holds ints; ``symbolic(layer, i)`` returns the same layer
with every hyperparameter replaced by a positive-integer sympy symbol (``k_1``,
``f_1`` ...). The methods below call the plain rules in :mod:`symcnn.model.rules`, so the
same code yields numbers and formulas.

Shapes are tuples: ``(H, W, D)`` for feature maps, ``(N,)`` for vectors.

Count names that ``counts()`` reports (conventions weigh these, nothing else):

========================  ===========================================================
``mac``                   multiply–accumulates of conv and dense weights (groups:
                          c/g input channels per filter)
``conv.bias``             conv bias additions: one per output value (bias = true)
``dense.bias``            dense bias additions: one per unit (bias = true)
``relu`` ``relu6``        one per value of a fused or stand-alone activation
``tanh`` ``sigmoid``
``softmax``               one per value of a softmax; ``softmax.rows``: 1 per row
``maxpool.in``            input values of a max pooling layer; ``.out`` output
                          values; ``.window`` output values × k·k
``avgpool.in`` …          the same three for average pooling
``adaptive_avgpool.in``   input values of adaptive (and global) average pooling;
                          ``adaptive_avgpool.out``: output values
``batchnorm.numel``       values normalised; ``batchnorm.params``: 2 per channel
``dropout.numel``         values dropout passes through
``add.numel``             additions of a residual add: (inputs − 1) × values
``concat.numel``          values a channel concat copies
========================  ===========================================================

>>> Conv2d(kernel=7, filters=16, padding=1).output_shape(((128, 128, 3),))
(124, 124, 16)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..errors import Notice
from . import rules

Num = Any  # an int, or a sympy expression
Shape = tuple[Num, ...]

ACTIVATIONS = ("relu", "relu6", "tanh", "sigmoid", "softmax")


def _hyper(symbol: str, default: Any = dataclasses.MISSING, optional: bool = False) -> Any:
    """A numeric hyperparameter that becomes the sympy symbol ``{symbol}_{i}``.

    An ``optional`` one (groups, dilation) stays a number while it has its default, so
    that a plain convolution's formulas do not grow a ``g_i`` and an ``r_i``.
    """
    return field(default=default, metadata={"symbol": symbol, "optional": optional})


def _flag(default: bool) -> Any:
    """A true/false option read from the spec (``ceil_mode``, ``bias`` ...); never a symbol."""
    return field(default=default, metadata={"flag": True})


POOL_OUT = {False: rules.conv_out, True: rules.pool_out_ceil}
"""Pooling output size along one axis, by ``ceil_mode``."""


def size(shape: Shape) -> Num:
    """Number of values in a shape."""
    if len(shape) == 3:
        return rules.numel(*shape)
    out = shape[0]
    for n in shape[1:]:
        out = out * n
    return out


def _activation_counts(activation: str | None, out: Shape) -> dict[str, Num]:
    """Counts of the element-wise activation fused into a layer (one per output value)."""
    if activation is None:
        return {}
    counts = {activation: size(out)}
    if activation == "softmax":
        counts["softmax.rows"] = 1
    return counts


@dataclass(frozen=True)
class Layer:
    """Base of all layers: no parameters, shape unchanged, no cost."""

    kind: ClassVar[str] = "layer"

    def output_shape(self, inputs: tuple[Shape, ...]) -> Shape:
        return inputs[0]

    def weights(self, inputs: tuple[Shape, ...]) -> Num:
        return 0

    def biases(self, inputs: tuple[Shape, ...]) -> Num:
        return 0

    def counts(self, inputs: tuple[Shape, ...], out: Shape) -> dict[str, Num]:
        """Primitive operation counts, keyed by name; conventions weigh them into a cost."""
        return {}

    def problems(self, inputs: tuple[Shape, ...]) -> list[str]:
        """Why this layer cannot be applied to these (numeric) input shapes; empty if it can."""
        return []

    def warnings(self) -> list[Notice]:
        """Notices about this layer; the network adds the layer's label as ``{layer}``."""
        return []


def _window_problems(layer: Any, shape: Shape, kernel: Num) -> list[str]:
    if len(shape) != 3:
        return [f"needs a feature map (H, W, D) as input, got a vector of {shape[0]}"]
    out: list[str] = []
    h, w, _ = shape
    for axis, n in (("height", h), ("width", w)):
        padded = n + 2 * layer.padding
        if kernel > padded:
            out.append(
                f"kernel {kernel} is larger than the padded input {axis} {padded}"
                f" ({axis} {n}, padding {layer.padding})"
            )
    return out


def _map_problem(shape: Shape) -> list[str]:
    if len(shape) != 3:
        return [f"needs a feature map (H, W, D) as input, got a vector of {shape[0]}"]
    return []


@dataclass(frozen=True)
class Conv2d(Layer):
    """Square k×k convolution with f filters, stride s, zero padding p, dilation r, g groups, bias.

    ``groups = channels`` is a depthwise convolution; each filter sees c/g channels.
    """

    kind: ClassVar[str] = "conv2d"
    kernel: Num = _hyper("k")
    filters: Num = _hyper("f")
    stride: Num = _hyper("s", 1)
    padding: Num = _hyper("p", 0)
    dilation: Num = _hyper("r", 1, optional=True)
    groups: Num = _hyper("g", 1, optional=True)
    bias: bool = _flag(True)
    activation: str | None = None

    def span(self) -> Num:
        """The kernel's extent in the input once dilated."""
        return rules.dilated_kernel(self.kernel, self.dilation)

    def output_shape(self, inputs: tuple[Shape, ...]) -> Shape:
        h, w, _ = inputs[0]
        k, s, p = self.span(), self.stride, self.padding
        return (rules.conv_out(h, k, p, s), rules.conv_out(w, k, p, s), self.filters)

    def weights(self, inputs: tuple[Shape, ...]) -> Num:
        return rules.conv_weights(self.kernel, rules.group_channels(inputs[0][2], self.groups), self.filters)

    def biases(self, inputs: tuple[Shape, ...]) -> Num:
        return self.filters if self.bias else 0

    def counts(self, inputs: tuple[Shape, ...], out: Shape) -> dict[str, Num]:
        c = rules.group_channels(inputs[0][2], self.groups)
        bias = {"conv.bias": size(out)} if self.bias else {}
        return {
            "mac": rules.conv_macs(self.kernel, c, out[0], out[1], self.filters),
            **bias,
            **_activation_counts(self.activation, out),
        }

    def problems(self, inputs: tuple[Shape, ...]) -> list[str]:
        shape = inputs[0]
        out = _window_problems(self, shape, self.span())
        if not out:
            out += [
                f"{what} {n} is not divisible by groups {self.groups}"
                for what, n in (("input channels", shape[2]), ("filters", self.filters))
                if n % self.groups
            ]
        return out


@dataclass(frozen=True)
class _Pool2d(Layer):
    kernel: Num = _hyper("k")
    stride: Num = _hyper("s", None)
    padding: Num = _hyper("p", 0)
    ceil_mode: bool = _flag(False)

    def __post_init__(self) -> None:
        if self.stride is None:  # PyTorch's default: stride = kernel
            object.__setattr__(self, "stride", self.kernel)

    def output_shape(self, inputs: tuple[Shape, ...]) -> Shape:
        h, w, d = inputs[0]
        k, s, p = self.kernel, self.stride, self.padding
        out = POOL_OUT[self.ceil_mode]
        return (out(h, k, p, s), out(w, k, p, s), d)

    def counts(self, inputs: tuple[Shape, ...], out: Shape) -> dict[str, Num]:
        return {
            f"{self.kind}.in": size(inputs[0]),
            f"{self.kind}.out": size(out),
            f"{self.kind}.window": size(out) * self.kernel * self.kernel,
        }

    def problems(self, inputs: tuple[Shape, ...]) -> list[str]:
        return _window_problems(self, inputs[0], self.kernel)

    def warnings(self) -> list[Notice]:
        if 2 * self.padding > self.kernel:  # PyTorch refuses it at forward time (docs/facts.md)
            return [Notice("warning.pool_padding", (("padding", self.padding), ("kernel", self.kernel)))]
        return []


@dataclass(frozen=True)
class MaxPool2d(_Pool2d):
    """Max pooling over k×k windows with stride s and padding p."""

    kind: ClassVar[str] = "maxpool"


@dataclass(frozen=True)
class AvgPool2d(_Pool2d):
    """Average pooling over k×k windows with stride s and zero padding p (padding averaged in)."""

    kind: ClassVar[str] = "avgpool"


@dataclass(frozen=True)
class AdaptiveAvgPool2d(Layer):
    """Average pooling to a fixed o×o output, whatever the input size (PyTorch's windows)."""

    kind: ClassVar[str] = "adaptive_avgpool"
    output: Num = _hyper("o")

    def output_shape(self, inputs: tuple[Shape, ...]) -> Shape:
        return (self.output, self.output, inputs[0][2])

    def counts(self, inputs: tuple[Shape, ...], out: Shape) -> dict[str, Num]:
        return {"adaptive_avgpool.in": size(inputs[0]), "adaptive_avgpool.out": size(out)}

    def problems(self, inputs: tuple[Shape, ...]) -> list[str]:
        return _map_problem(inputs[0])


@dataclass(frozen=True)
class GlobalAvgPool2d(AdaptiveAvgPool2d):
    """Average of each channel: adaptive average pooling to 1×1 (counted as such)."""

    kind: ClassVar[str] = "global_avgpool"
    output: Num = 1  # not a hyperparameter: always 1


@dataclass(frozen=True)
class BatchNorm2d(Layer):
    """Batch normalisation of each channel: a learned scale and shift per channel."""

    kind: ClassVar[str] = "batchnorm"
    activation: str | None = None

    def weights(self, inputs: tuple[Shape, ...]) -> Num:
        return inputs[0][-1]

    def biases(self, inputs: tuple[Shape, ...]) -> Num:
        return inputs[0][-1]

    def counts(self, inputs: tuple[Shape, ...], out: Shape) -> dict[str, Num]:
        return {
            "batchnorm.numel": size(out),
            "batchnorm.params": rules.batchnorm_params(out[-1]),
            **_activation_counts(self.activation, out),
        }


@dataclass(frozen=True)
class Dropout(Layer):
    """Dropout: the identity at inference; during training one mask value per element."""

    kind: ClassVar[str] = "dropout"

    def counts(self, inputs: tuple[Shape, ...], out: Shape) -> dict[str, Num]:
        return {"dropout.numel": size(out)}


@dataclass(frozen=True)
class Flatten(Layer):
    """Reshape a feature map into a vector (a view: no cost)."""

    kind: ClassVar[str] = "flatten"

    def output_shape(self, inputs: tuple[Shape, ...]) -> Shape:
        return (size(inputs[0]),)


@dataclass(frozen=True)
class Dense(Layer):
    """Fully connected layer of m units, with bias unless ``bias = false``; a map is flattened."""

    kind: ClassVar[str] = "dense"
    units: Num = _hyper("m")
    bias: bool = _flag(True)
    activation: str | None = None

    def output_shape(self, inputs: tuple[Shape, ...]) -> Shape:
        return (self.units,)

    def weights(self, inputs: tuple[Shape, ...]) -> Num:
        return rules.dense_weights(size(inputs[0]), self.units)

    def biases(self, inputs: tuple[Shape, ...]) -> Num:
        return self.units if self.bias else 0

    def counts(self, inputs: tuple[Shape, ...], out: Shape) -> dict[str, Num]:
        bias = {"dense.bias": self.units} if self.bias else {}
        return {
            "mac": rules.dense_weights(size(inputs[0]), self.units),
            **bias,
            **_activation_counts(self.activation, out),
        }


@dataclass(frozen=True)
class Activation(Layer):
    """A stand-alone element-wise activation (relu, relu6, tanh, sigmoid) or softmax."""

    kind: ClassVar[str] = "activation"
    function: str = "relu"

    def counts(self, inputs: tuple[Shape, ...], out: Shape) -> dict[str, Num]:
        return _activation_counts(self.function, out)


def _same_shapes(inputs: tuple[Shape, ...], upto: int) -> list[str]:
    """Problems if the inputs differ in their first ``upto`` dimensions (or are too few)."""
    if len(inputs) < 2:
        return [f"needs at least 2 inputs, got {len(inputs)}"]
    first = inputs[0][:upto]
    return [
        f"input {i} has shape {'×'.join(map(str, s))}, unlike input 0's {'×'.join(map(str, inputs[0]))}"
        for i, s in enumerate(inputs)
        if len(s) != len(inputs[0]) or s[:upto] != first
    ][:1]


@dataclass(frozen=True)
class Add(Layer):
    """Element-wise sum of two or more tensors of one shape (a residual connection)."""

    kind: ClassVar[str] = "add"

    def counts(self, inputs: tuple[Shape, ...], out: Shape) -> dict[str, Num]:
        return {"add.numel": (len(inputs) - 1) * size(out)}

    def problems(self, inputs: tuple[Shape, ...]) -> list[str]:
        return _same_shapes(inputs, len(inputs[0]))


@dataclass(frozen=True)
class Concat(Layer):
    """Feature maps of one height and width stacked along the channels."""

    kind: ClassVar[str] = "concat"

    def output_shape(self, inputs: tuple[Shape, ...]) -> Shape:
        return (*inputs[0][:2], sum_of(s[2] for s in inputs))

    def counts(self, inputs: tuple[Shape, ...], out: Shape) -> dict[str, Num]:
        return {"concat.numel": size(out)}

    def problems(self, inputs: tuple[Shape, ...]) -> list[str]:
        if any(len(s) != 3 for s in inputs):
            return ["needs feature maps (H, W, D) as inputs"]
        return _same_shapes(inputs, 2)


def sum_of(values: Any) -> Num:
    """Sum that keeps the number type (no leading int 0 for sympy terms)."""
    values = iter(values)
    out = next(values)
    for v in values:
        out = out + v
    return out


def hyperparameters(layer: Layer) -> dict[str, str]:
    """The numeric fields of a layer and the letter of their symbol."""
    return {f.name: f.metadata["symbol"] for f in dataclasses.fields(layer) if "symbol" in f.metadata}


def _keeps_default(layer: Layer, name: str) -> bool:
    f = next(f for f in dataclasses.fields(layer) if f.name == name)
    return bool(f.metadata.get("optional")) and getattr(layer, name) == f.default


def symbolic(layer: Layer, index: int) -> tuple[Layer, dict[Any, int]]:
    """The layer with each hyperparameter replaced by a symbol, and the symbol → value map."""
    import sympy

    replaced: dict[str, Any] = {}
    values: dict[Any, int] = {}
    for name, letter in hyperparameters(layer).items():
        if _keeps_default(layer, name):
            continue
        sym = sympy.Symbol(f"{letter}_{index}", integer=True, positive=True)
        replaced[name] = sym
        values[sym] = getattr(layer, name)
    return dataclasses.replace(layer, **replaced), values


LAYER_TYPES: dict[str, type[Layer]] = {
    cls.kind: cls
    for cls in (Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, GlobalAvgPool2d, BatchNorm2d, Dropout,
                Flatten, Dense, Activation, Add, Concat)
}
