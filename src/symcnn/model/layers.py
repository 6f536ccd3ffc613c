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
``tanh`` ``sigmoid``      (``silu``, ``gelu``, ``hardswish``, ``hardsigmoid`` alike)
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
``mul.numel``             products of an element-wise multiply (broadcast: output values)
``scale.numel``           products of a learned per-channel scale (layer scale)
``layernorm.numel``       values layer-normalised; ``layernorm.params``: 2 per channel
``mean.in``               input values of a mean over the spatial axes
``linear.bias``           bias additions of a linear layer applied at every position
                          (one per output value); ``linear.reuse``: its weights and bias
                          once more per position after the first (torchinfo's quirk)
========================  ===========================================================

A layer written as a function call in PyTorch (``F.relu``, ``F.avg_pool2d``,
``torch.add``) has ``functional = true``: its counts carry the prefix ``fn.``
(``fn.relu``), because some tools charge a function call differently from the module
that calls it (ptflops counts ``nn.ReLU`` twice, ``F.relu`` once; thop sees no
function at all). A convention weighs ``fn.X`` as ``X`` unless it says otherwise.

>>> Conv2d(kernel=7, filters=16, padding=1).output_shape(((128, 128, 3),))
(124, 124, 16)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..errors import Notice
from . import rules
from .symbolic import window_out

Num = Any  # an int, or a sympy expression
Shape = tuple[Num, ...]

ACTIVATIONS = ("relu", "relu6", "tanh", "sigmoid", "softmax", "silu", "gelu", "hardswish", "hardsigmoid")

FUNCTIONAL = "fn."
"""Prefix of the counts of a layer written as a function call (``functional = true``)."""


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


def _tagged(functional: bool, counts: dict[str, Num]) -> dict[str, Num]:
    """A function call's counts under ``fn.`` (the MACs stay ``mac``: every tool counts them alike)."""
    if not functional:
        return counts
    return {(k if k == "mac" else FUNCTIONAL + k): v for k, v in counts.items()}


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
        return self.kernel if self.dilation == 1 else rules.dilated_kernel(self.kernel, self.dilation)  # 1·(k − 1) + 1 is k

    def output_shape(self, inputs: tuple[Shape, ...]) -> Shape:
        h, w, _ = inputs[0]
        k, s, p = self.span(), self.stride, self.padding
        return (window_out(rules.conv_out, h, k, p, s), window_out(rules.conv_out, w, k, p, s),
                self.filters)

    def channels_per_filter(self, inputs: tuple[Shape, ...]) -> Num:
        """Input channels each filter sees: all of them unless the convolution is grouped."""
        c = inputs[0][2]
        return c if self.groups == 1 else rules.group_channels(c, self.groups)  # c // 1 is c: no floor to build

    def weights(self, inputs: tuple[Shape, ...]) -> Num:
        return rules.conv_weights(self.kernel, self.channels_per_filter(inputs), self.filters)

    def biases(self, inputs: tuple[Shape, ...]) -> Num:
        return self.filters if self.bias else 0

    def counts(self, inputs: tuple[Shape, ...], out: Shape) -> dict[str, Num]:
        c = self.channels_per_filter(inputs)
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
class RectConv2d(Conv2d):
    """A convolution whose kernel has a rows and b columns (Inception's 1×7 and 7×1), padded by
    p rows above and below and q columns left and right; stride and dilation as for ``conv2d``."""

    kind: ClassVar[str] = "conv2d_rect"
    kernel: Num = _hyper("a")
    kernel_width: Num = _hyper("b", 1)
    padding_width: Num = _hyper("q", 0)

    def output_shape(self, inputs: tuple[Shape, ...]) -> Shape:
        h, w, _ = inputs[0]
        r, s = self.dilation, self.stride
        a = self.kernel if r == 1 else rules.dilated_kernel(self.kernel, r)
        b = self.kernel_width if r == 1 else rules.dilated_kernel(self.kernel_width, r)
        return (window_out(rules.conv_out, h, a, self.padding, s),
                window_out(rules.conv_out, w, b, self.padding_width, s), self.filters)

    def weights(self, inputs: tuple[Shape, ...]) -> Num:
        return rules.rect_conv_weights(self.kernel, self.kernel_width, self.channels_per_filter(inputs), self.filters)

    def counts(self, inputs: tuple[Shape, ...], out: Shape) -> dict[str, Num]:
        c = self.channels_per_filter(inputs)
        bias = {"conv.bias": size(out)} if self.bias else {}
        return {
            "mac": rules.rect_conv_macs(self.kernel, self.kernel_width, c, out[0], out[1], self.filters),
            **bias,
            **_activation_counts(self.activation, out),
        }

    def problems(self, inputs: tuple[Shape, ...]) -> list[str]:
        shape = inputs[0]
        if len(shape) != 3:
            return [f"needs a feature map (H, W, D) as input, got a vector of {shape[0]}"]
        out = []
        for axis, n, k, p in (("height", shape[0], self.kernel, self.padding),
                              ("width", shape[1], self.kernel_width, self.padding_width)):
            if self.dilation * (k - 1) + 1 > n + 2 * p:
                out.append(f"kernel {k} is larger than the padded input {axis} {n + 2 * p} ({axis} {n}, padding {p})")
        return out or [f"{what} {n} is not divisible by groups {self.groups}"
                       for what, n in (("input channels", shape[2]), ("filters", self.filters)) if n % self.groups]


@dataclass(frozen=True)
class _Pool2d(Layer):
    kernel: Num = _hyper("k")
    stride: Num = _hyper("s", None)
    padding: Num = _hyper("p", 0)
    ceil_mode: bool = _flag(False)
    functional: bool = _flag(False)

    def __post_init__(self) -> None:
        if self.stride is None:  # PyTorch's default: stride = kernel
            object.__setattr__(self, "stride", self.kernel)

    def output_shape(self, inputs: tuple[Shape, ...]) -> Shape:
        h, w, d = inputs[0]
        k, s, p = self.kernel, self.stride, self.padding
        out = POOL_OUT[self.ceil_mode]
        return (window_out(out, h, k, p, s), window_out(out, w, k, p, s), d)

    def counts(self, inputs: tuple[Shape, ...], out: Shape) -> dict[str, Num]:
        return _tagged(self.functional, {
            f"{self.kind}.in": size(inputs[0]),
            f"{self.kind}.out": size(out),
            f"{self.kind}.window": size(out) * self.kernel * self.kernel,
        })

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
    functional: bool = _flag(False)

    def output_shape(self, inputs: tuple[Shape, ...]) -> Shape:
        return (self.output, self.output, inputs[0][2])

    def counts(self, inputs: tuple[Shape, ...], out: Shape) -> dict[str, Num]:
        return _tagged(self.functional,
                       {"adaptive_avgpool.in": size(inputs[0]), "adaptive_avgpool.out": size(out)})

    def problems(self, inputs: tuple[Shape, ...]) -> list[str]:
        return _map_problem(inputs[0])


@dataclass(frozen=True)
class GlobalAvgPool2d(AdaptiveAvgPool2d):
    """Average of each channel: adaptive average pooling to 1×1 (counted as such)."""

    kind: ClassVar[str] = "global_avgpool"
    output: Num = 1  # not a hyperparameter: always 1
    functional: bool = _flag(False)


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
class StochasticDepth(Dropout):
    """Stochastic depth (drop a whole residual branch at random): the identity at inference."""

    kind: ClassVar[str] = "stochastic_depth"


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
    """A stand-alone element-wise activation (relu, relu6, tanh, sigmoid, silu, gelu, hardswish,
    hardsigmoid) or softmax; ``functional`` when PyTorch calls it as a function (``F.relu``)."""

    kind: ClassVar[str] = "activation"
    function: str = "relu"
    functional: bool = _flag(False)

    def counts(self, inputs: tuple[Shape, ...], out: Shape) -> dict[str, Num]:
        return _tagged(self.functional, _activation_counts(self.function, out))


def _same_shapes(inputs: tuple[Shape, ...], upto: int, fewest: int = 2) -> list[str]:
    """Problems if the inputs differ in their first ``upto`` dimensions (or are too few)."""
    if len(inputs) < fewest:
        return [f"needs at least {fewest} inputs, got {len(inputs)}"]
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
    functional: bool = _flag(False)

    def counts(self, inputs: tuple[Shape, ...], out: Shape) -> dict[str, Num]:
        return _tagged(self.functional, {"add.numel": (len(inputs) - 1) * size(out)})

    def problems(self, inputs: tuple[Shape, ...]) -> list[str]:
        return _same_shapes(inputs, len(inputs[0]))


@dataclass(frozen=True)
class Concat(Layer):
    """Feature maps of one height and width stacked along the channels (one input: a copy)."""

    kind: ClassVar[str] = "concat"

    def output_shape(self, inputs: tuple[Shape, ...]) -> Shape:
        return (*inputs[0][:2], sum_of(s[2] for s in inputs))

    def counts(self, inputs: tuple[Shape, ...], out: Shape) -> dict[str, Num]:
        return {"concat.numel": size(out)}

    def problems(self, inputs: tuple[Shape, ...]) -> list[str]:
        if any(len(s) != 3 for s in inputs):
            return ["needs feature maps (H, W, D) as inputs"]
        return _same_shapes(inputs, 2, fewest=1)


def _broadcast_problems(inputs: tuple[Shape, ...]) -> list[str]:
    if len(inputs) != 2:
        return [f"needs 2 inputs, got {len(inputs)}"]
    a, b = inputs
    if len(a) != len(b) or any(x != y and 1 not in (x, y) for x, y in zip(a, b)):
        return [f"cannot broadcast {'×'.join(map(str, a))} with {'×'.join(map(str, b))}"]
    return []


@dataclass(frozen=True)
class Multiply(Layer):
    """Element-wise product of two tensors, broadcast where one has size 1 (a squeeze-excitation
    scale of 1×1×C times an H×W×C map)."""

    kind: ClassVar[str] = "mul"
    functional: bool = _flag(False)

    def output_shape(self, inputs: tuple[Shape, ...]) -> Shape:
        a, b = inputs[0], inputs[-1]
        return tuple(y if x == 1 else x for x, y in zip(a, b))

    def counts(self, inputs: tuple[Shape, ...], out: Shape) -> dict[str, Num]:
        return _tagged(self.functional, {"mul.numel": size(out)})

    def problems(self, inputs: tuple[Shape, ...]) -> list[str]:
        return _broadcast_problems(inputs)


@dataclass(frozen=True)
class LayerScale(Layer):
    """A learned scale per channel, multiplied into every value (ConvNeXt's layer scale)."""

    kind: ClassVar[str] = "scale"

    def weights(self, inputs: tuple[Shape, ...]) -> Num:
        return inputs[0][-1]

    def counts(self, inputs: tuple[Shape, ...], out: Shape) -> dict[str, Num]:
        return {"scale.numel": size(out)}


@dataclass(frozen=True)
class LayerNorm(Layer):
    """Layer normalisation over the channels of each position, with a learned scale and shift
    per channel. PyTorch holds the channels first or last (a permute, free, moves them); the
    counts are the same."""

    kind: ClassVar[str] = "layernorm"
    functional: bool = _flag(False)

    def weights(self, inputs: tuple[Shape, ...]) -> Num:
        return inputs[0][-1]

    def biases(self, inputs: tuple[Shape, ...]) -> Num:
        return inputs[0][-1]

    def counts(self, inputs: tuple[Shape, ...], out: Shape) -> dict[str, Num]:
        return _tagged(self.functional,
                       {"layernorm.numel": size(out), "layernorm.params": rules.batchnorm_params(out[-1])})


@dataclass(frozen=True)
class Linear(Layer):
    """A dense layer of m units applied to the channels of every position (PyTorch's
    ``nn.Linear`` on a channels-last map): a 1×1 convolution, counted as its tools count a Linear."""

    kind: ClassVar[str] = "linear"
    units: Num = _hyper("m")
    bias: bool = _flag(True)

    def output_shape(self, inputs: tuple[Shape, ...]) -> Shape:
        return (*inputs[0][:-1], self.units)

    def weights(self, inputs: tuple[Shape, ...]) -> Num:
        return rules.dense_weights(inputs[0][-1], self.units)

    def biases(self, inputs: tuple[Shape, ...]) -> Num:
        return self.units if self.bias else 0

    def counts(self, inputs: tuple[Shape, ...], out: Shape) -> dict[str, Num]:
        positions = size(out[:-1]) if len(out) > 1 else 1
        params = self.weights(inputs) + self.biases(inputs)
        bias = {"linear.bias": size(out)} if self.bias else {}
        return {"mac": rules.dense_weights(inputs[0][-1], self.units) * positions, **bias,
                "linear.reuse": (positions - 1) * params}

    def problems(self, inputs: tuple[Shape, ...]) -> list[str]:
        return _map_problem(inputs[0])


@dataclass(frozen=True)
class Reshape(Layer):
    """A move of the data that costs nothing and keeps the map (H, W, D): permute, transpose,
    view, contiguous. symcnn's shapes are logical, so its output shape is its input's."""

    kind: ClassVar[str] = "reshape"


@dataclass(frozen=True)
class ChannelShuffle(Layer):
    """ShuffleNet's channel shuffle in g groups (view, transpose, view): free, shape unchanged."""

    kind: ClassVar[str] = "channel_shuffle"
    groups: Num = _hyper("g", 2, optional=True)

    def problems(self, inputs: tuple[Shape, ...]) -> list[str]:
        out = _map_problem(inputs[0])
        if not out and inputs[0][2] % self.groups:
            out.append(f"input channels {inputs[0][2]} are not divisible by groups {self.groups}")
        return out


@dataclass(frozen=True)
class Split(Layer):
    """Part ``index`` (from 0) of the channels cut into ``parts`` equal parts (chunk/split): a view, free."""

    kind: ClassVar[str] = "split"
    parts: Num = _hyper("n", 2, optional=True)
    index: Num = _hyper("i", 0, optional=True)

    def output_shape(self, inputs: tuple[Shape, ...]) -> Shape:
        *rest, c = inputs[0]
        return (*rest, c // self.parts)

    def problems(self, inputs: tuple[Shape, ...]) -> list[str]:
        c = inputs[0][-1]
        if c % self.parts:
            return [f"input channels {c} are not divisible into {self.parts} parts"]
        if self.index >= self.parts:
            return [f"index {self.index} must be below parts {self.parts}"]
        return []


@dataclass(frozen=True)
class Mean(Layer):
    """Mean of each channel over the height and width: a vector of D (``x.mean([2, 3])``), or a
    1×1×D map with ``keepdim``."""

    kind: ClassVar[str] = "mean"
    keepdim: bool = _flag(False)

    def output_shape(self, inputs: tuple[Shape, ...]) -> Shape:
        c = inputs[0][2]
        return (1, 1, c) if self.keepdim else (c,)

    def counts(self, inputs: tuple[Shape, ...], out: Shape) -> dict[str, Num]:
        return {"mean.in": size(inputs[0])}

    def problems(self, inputs: tuple[Shape, ...]) -> list[str]:
        return _map_problem(inputs[0])


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
    for cls in (Conv2d, RectConv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, GlobalAvgPool2d, BatchNorm2d, Dropout,
                Flatten, Dense, Activation, Add, Concat, StochasticDepth, Multiply, LayerScale, LayerNorm, Linear,
                Reshape, ChannelShuffle, Split, Mean)
}
