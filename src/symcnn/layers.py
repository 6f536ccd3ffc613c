"""Layer types. Each layer is generic in its number type.

A layer built from a spec holds ints; ``symbolic(layer, i)`` returns the same layer
with every hyperparameter replaced by a positive-integer sympy symbol (``k_1``,
``f_1`` ...). The methods below call the plain rules in :mod:`symcnn.rules`, so the
same code yields numbers and formulas.

Shapes are tuples: ``(H, W, D)`` for feature maps, ``(N,)`` for vectors.

>>> Conv2d(kernel=7, filters=16, padding=1).output_shape(((128, 128, 3),))
(124, 124, 16)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar

from . import rules

Num = Any  # an int, or a sympy expression
Shape = tuple[Num, ...]

ACTIVATIONS = ("relu", "tanh", "sigmoid", "softmax")


def _hyper(symbol: str, default: Any = dataclasses.MISSING) -> Any:
    """A numeric hyperparameter that becomes the sympy symbol ``{symbol}_{i}``."""
    return field(default=default, metadata={"symbol": symbol})


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

    def warnings(self) -> list[str]:
        return []


def _window_problems(layer: Any, shape: Shape, needs_map: bool = True) -> list[str]:
    if len(shape) != 3:
        return [f"needs a feature map (H, W, D) as input, got a vector of {shape[0]}"]
    out: list[str] = []
    h, w, _ = shape
    for axis, n in (("height", h), ("width", w)):
        padded = n + 2 * layer.padding
        if layer.kernel > padded:
            out.append(
                f"kernel {layer.kernel} is larger than the padded input {axis} {padded}"
                f" ({axis} {n}, padding {layer.padding})"
            )
    return out


@dataclass(frozen=True)
class Conv2d(Layer):
    """Square k×k convolution with f filters, stride s and zero padding p, plus bias."""

    kind: ClassVar[str] = "conv2d"
    kernel: Num = _hyper("k")
    filters: Num = _hyper("f")
    stride: Num = _hyper("s", 1)
    padding: Num = _hyper("p", 0)
    activation: str | None = None

    def output_shape(self, inputs: tuple[Shape, ...]) -> Shape:
        h, w, _ = inputs[0]
        k, s, p = self.kernel, self.stride, self.padding
        return (rules.conv_out(h, k, p, s), rules.conv_out(w, k, p, s), self.filters)

    def weights(self, inputs: tuple[Shape, ...]) -> Num:
        return rules.conv_weights(self.kernel, inputs[0][2], self.filters)

    def biases(self, inputs: tuple[Shape, ...]) -> Num:
        return self.filters

    def counts(self, inputs: tuple[Shape, ...], out: Shape) -> dict[str, Num]:
        c = inputs[0][2]
        return {
            "mac": rules.conv_macs(self.kernel, c, out[0], out[1], self.filters),
            "conv.bias": size(out),
            **_activation_counts(self.activation, out),
        }

    def problems(self, inputs: tuple[Shape, ...]) -> list[str]:
        return _window_problems(self, inputs[0])


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
        return _window_problems(self, inputs[0])

    def warnings(self) -> list[str]:
        if 2 * self.padding > self.kernel:
            return [
                f"padding {self.padding} is more than half the kernel {self.kernel}; the formula"
                " still applies, but PyTorch refuses this pooling layer at forward time"
                " (\"pad should be at most half of effective kernel size\")"
            ]
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
class Flatten(Layer):
    """Reshape a feature map into a vector (a view: no cost)."""

    kind: ClassVar[str] = "flatten"

    def output_shape(self, inputs: tuple[Shape, ...]) -> Shape:
        return (size(inputs[0]),)


@dataclass(frozen=True)
class Dense(Layer):
    """Fully connected layer of m units with bias; a feature-map input is flattened."""

    kind: ClassVar[str] = "dense"
    units: Num = _hyper("m")
    activation: str | None = None

    def output_shape(self, inputs: tuple[Shape, ...]) -> Shape:
        return (self.units,)

    def weights(self, inputs: tuple[Shape, ...]) -> Num:
        return rules.dense_weights(size(inputs[0]), self.units)

    def biases(self, inputs: tuple[Shape, ...]) -> Num:
        return self.units

    def counts(self, inputs: tuple[Shape, ...], out: Shape) -> dict[str, Num]:
        return {
            "mac": rules.dense_weights(size(inputs[0]), self.units),
            "dense.bias": self.units,
            **_activation_counts(self.activation, out),
        }


@dataclass(frozen=True)
class Activation(Layer):
    """A stand-alone element-wise activation (relu, tanh, sigmoid) or softmax."""

    kind: ClassVar[str] = "activation"
    function: str = "relu"

    def counts(self, inputs: tuple[Shape, ...], out: Shape) -> dict[str, Num]:
        return _activation_counts(self.function, out)


def hyperparameters(layer: Layer) -> dict[str, str]:
    """The numeric fields of a layer and the letter of their symbol."""
    return {f.name: f.metadata["symbol"] for f in dataclasses.fields(layer) if "symbol" in f.metadata}


def symbolic(layer: Layer, index: int) -> tuple[Layer, dict[Any, int]]:
    """The layer with each hyperparameter replaced by a symbol, and the symbol → value map."""
    import sympy

    replaced: dict[str, Any] = {}
    values: dict[Any, int] = {}
    for name, letter in hyperparameters(layer).items():
        sym = sympy.Symbol(f"{letter}_{index}", integer=True, positive=True)
        replaced[name] = sym
        values[sym] = getattr(layer, name)
    return dataclasses.replace(layer, **replaced), values


LAYER_TYPES: dict[str, type[Layer]] = {
    cls.kind: cls for cls in (Conv2d, MaxPool2d, AvgPool2d, Flatten, Dense, Activation)
}
