"""Build a symcnn :class:`~symcnn.model.network.Network` from a PyTorch module.

``from_torch(module, (C, H, W))`` traces the module with torch.fx; a module fx cannot
trace (data-dependent control flow) is imported from forward hooks instead, as a chain
of its leaf modules. Node names are the modules' qualified names (``layer1.0.conv1``;
a module called again gets ``#2``, ``#3`` ...) and, for functions, fx's node names
(``add``, ``cat_1``). Anything symcnn has no layer for raises UnsupportedLayerError
naming it. torch is imported only inside these functions, never when symcnn starts.

After building the network the importer checks every layer's shape against the
shapes PyTorch itself propagated, so a module whose semantics symcnn would get wrong
is an error, not a silent wrong count; and it runs the traced module once more at 32
pixels more per side, so a forward that works at one size only is refused in one line.

symcnn's shapes are logical, (H, W, C): the importer follows each tensor's layout through
permutes, transposes and views (channels first, channels last as in ConvNeXt's blocks, a
vector), which cost nothing, and reads ``nn.Linear`` and ``LayerNorm`` on a channels-last
map as acting on the channels. Function calls (``F.relu``, ``F.avg_pool2d``, ``torch.add``)
become layers marked ``functional``, since tools count them apart from modules.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any, Callable, ClassVar

from ..errors import SpecError, UnsupportedLayerError
from ..model.layers import (
    Activation,
    AdaptiveAvgPool2d,
    Add,
    AvgPool2d,
    BatchNorm2d,
    Concat,
    Conv2d,
    Dense,
    Dropout,
    Flatten,
    Layer,
    LayerNorm,
    LayerScale,
    Linear,
    MaxPool2d,
    Mean,
    Multiply,
    RectConv2d,
    Shape,
    Split,
    StochasticDepth,
)
from ..model.network import Network, Node, evaluate


@dataclass(frozen=True)
class ZeroPad2d(Layer):
    """Explicit zero padding of p on every side (PyTorch's ``nn.ZeroPad2d``); no cost in any tool.

    The exam's pool2 (padding 2 > kernel/2) can only run in PyTorch as ZeroPad2d(2)
    followed by unpadded pooling; importing that twin keeps the pad as its own layer.
    """

    kind: ClassVar[str] = "zeropad"
    padding: Any = 0

    def output_shape(self, inputs: tuple[Shape, ...]) -> Shape:
        h, w, d = inputs[0]
        return (h + 2 * self.padding, w + 2 * self.padding, d)


SKIP = None  # a converter result: the node is the identity (its output is its input)


class _Unsupported(Exception):
    """Raised by converters with the reason; from_torch names the module."""


def _square(value: Any, field: str) -> int:
    """An int or a pair of equal ints (PyTorch's ``_pair``), else unsupported."""
    if isinstance(value, (tuple, list)):
        if len(set(value)) != 1:
            raise _Unsupported(f"{field} {tuple(value)} is not the same on both axes")
        value = value[0]
    if not isinstance(value, int):
        raise _Unsupported(f"{field} {value!r} is not an integer")
    return value


def _conv(m: Any, shape: Shape) -> Layer:
    if m.padding_mode != "zeros" or isinstance(m.padding, str):
        raise _Unsupported(f"padding {m.padding!r} with padding_mode {m.padding_mode!r}; symcnn pads with zeros by"
                           " a number")
    if len(set(m.kernel_size)) > 1 or len(set(m.padding)) > 1:
        return RectConv2d(kernel=m.kernel_size[0], kernel_width=m.kernel_size[1], filters=m.out_channels,
                          stride=_square(m.stride, "stride"), padding=m.padding[0], padding_width=m.padding[1],
                          dilation=_square(m.dilation, "dilation"), groups=m.groups, bias=m.bias is not None)
    return Conv2d(kernel=_square(m.kernel_size, "kernel_size"), filters=m.out_channels,
                  stride=_square(m.stride, "stride"), padding=_square(m.padding, "padding"),
                  dilation=_square(m.dilation, "dilation"), groups=m.groups, bias=m.bias is not None)


def _pool_layer(cls: type[MaxPool2d] | type[AvgPool2d], kernel: Any, stride: Any, padding: Any, ceil_mode: Any,
                dilation: Any = 1, count_include_pad: Any = True, divisor_override: Any = None,
                functional: bool = False) -> Layer:
    if _square(dilation, "dilation") != 1:
        raise _Unsupported("dilation other than 1")
    if count_include_pad is False or divisor_override:
        raise _Unsupported("count_include_pad=False / divisor_override: symcnn averages the padding in")
    k = _square(kernel, "kernel_size")
    s = k if stride is None or stride == [] or stride == () else _square(stride, "stride")
    return cls(kernel=k, stride=s, padding=_square(padding, "padding"), ceil_mode=bool(ceil_mode),
               functional=functional)


def _pool(cls: type[MaxPool2d] | type[AvgPool2d]) -> Callable[[Any, Shape], Layer]:
    def convert(m: Any, shape: Shape) -> Layer:
        return _pool_layer(cls, m.kernel_size, m.stride, m.padding, m.ceil_mode, getattr(m, "dilation", 1),
                           getattr(m, "count_include_pad", True), getattr(m, "divisor_override", None))
    return convert


def _adaptive(size: Any, functional: bool = False) -> Layer:
    return AdaptiveAvgPool2d(output=_square(size, "output_size"), functional=functional)


def _linear(m: Any, shape: Shape) -> Layer:
    n = 1
    for d in shape:
        n *= d
    if m.in_features != n:
        raise _Unsupported(f"in_features {m.in_features} but its input has {n} values")
    return Dense(units=m.out_features, bias=m.bias is not None)


def _batchnorm(m: Any, shape: Shape) -> Layer:
    if len(shape) != 3 or m.num_features != shape[2]:
        raise _Unsupported(f"num_features {m.num_features} but its input is {'×'.join(map(str, shape))}")
    if not m.affine:
        raise _Unsupported("affine=False (symcnn's batch norm learns a scale and a shift)")
    return BatchNorm2d()


def _layernorm(normalized: Any, affine: bool, shape: Shape, functional: bool = False) -> Layer:
    if tuple(normalized) != (shape[-1],):
        raise _Unsupported(f"normalized_shape {tuple(normalized)}; symcnn normalises over the channels ({shape[-1]})")
    if not affine:
        raise _Unsupported("no elementwise affine (symcnn's layer norm learns a scale and a shift)")
    return LayerNorm(functional=functional)


def _softmax(dim: Any, shape: Shape) -> Layer:
    if dim not in (1, -len(shape) - 1) and not (len(shape) == 1 and dim == -1):
        raise _Unsupported(f"softmax over dim {dim}; symcnn's softmax is over the channels/features (dim 1)")
    return Activation(function="softmax")


def _flatten(start: int, shape: Shape) -> Layer:
    if start != 1:
        raise _Unsupported(f"flatten from dim {start}; symcnn flattens everything but the batch")
    return Flatten()


def _zeropad(m: Any, shape: Shape) -> Layer:
    return ZeroPad2d(padding=_square(tuple(m.padding), "padding"))


def _activation(name: str, functional: bool = False) -> Callable[..., Layer]:
    return lambda *_: Activation(function=name, functional=functional)


CHANNELS_FIRST = ("N", "C", "H", "W")
CHANNELS_LAST = ("N", "H", "W", "C")
VECTOR = ("N", "C")
Layout = tuple[str, ...]  # what each torch dimension holds; symcnn's shapes are (H, W, C) or (C,)

_FIRST_ONLY = ("Conv2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "BatchNorm2d", "ZeroPad2d")
"""Modules that read a channels-first map (a channels-last one would be misread)."""


def _module_converters() -> dict[type, Callable[[Any, Shape], Layer | None]]:
    """nn.Module type → converter(module, input shape in symcnn's (H, W, C) order)."""
    from torch import nn

    return {
        nn.Conv2d: _conv,
        nn.MaxPool2d: _pool(MaxPool2d),
        nn.AvgPool2d: _pool(AvgPool2d),
        nn.AdaptiveAvgPool2d: lambda m, s: _adaptive(m.output_size),
        nn.Linear: _linear,
        nn.Flatten: lambda m, s: _flatten(m.start_dim, s),
        nn.ReLU: _activation("relu"),
        nn.ReLU6: _activation("relu6"),
        nn.Tanh: _activation("tanh"),
        nn.Sigmoid: _activation("sigmoid"),
        nn.SiLU: _activation("silu"),
        nn.GELU: lambda m, s: _gelu(m.approximate),
        nn.Hardswish: _activation("hardswish"),
        nn.Hardsigmoid: _activation("hardsigmoid"),
        nn.Softmax: lambda m, s: _softmax(m.dim, s),
        nn.BatchNorm2d: _batchnorm,
        nn.LayerNorm: lambda m, s: _layernorm(m.normalized_shape, m.weight is not None, s),
        nn.Dropout: lambda m, s: Dropout(),
        nn.ZeroPad2d: _zeropad,
        nn.Identity: lambda m, s: SKIP,
    }


def _gelu(approximate: str, functional: bool = False) -> Layer:
    if approximate != "none":
        raise _Unsupported(f"approximate={approximate!r}; symcnn's GELU is the exact one")
    return Activation(function="gelu", functional=functional)


def _arg(args: tuple, kwargs: dict, i: int, name: str, default: Any) -> Any:
    return args[i] if len(args) > i else kwargs.get(name, default)


def _function_converters() -> dict[Any, Callable[[tuple, dict, Shape], Layer | None]]:
    """fx call_function targets and call_method names → converter(args, kwargs, input shape).

    A function that torch also offers as a module is marked ``functional``: some tools count
    the two differently (conventions.py)."""
    import torch
    import torch.nn.functional as F

    add = lambda a, k, s: Add()  # noqa: E731  (the operator +: no tool sees it)
    relu = _activation("relu", functional=True)
    flat = lambda a, k, s: _flatten(_arg(a, k, 1, "start_dim", 0), s)  # noqa: E731
    out: dict[Any, Callable[[tuple, dict, Shape], Layer | None]] = {
        operator.add: add, operator.iadd: add, "add": add, "add_": add,
        torch.add: lambda a, k, s: Add(functional=True),
        torch.mul: lambda a, k, s: Multiply(functional=True),
        torch.flatten: flat, "flatten": flat,
        F.relu: relu, torch.relu: relu, "relu": relu, "relu_": relu,
        F.relu6: _activation("relu6", functional=True),
        torch.tanh: _activation("tanh", True), "tanh": _activation("tanh", True),
        torch.sigmoid: _activation("sigmoid", True), "sigmoid": _activation("sigmoid", True),
        F.silu: _activation("silu", True), F.hardswish: _activation("hardswish", True),
        F.hardsigmoid: _activation("hardsigmoid", True),
        F.gelu: lambda a, k, s: _gelu(k.get("approximate", "none"), functional=True),
        F.softmax: lambda a, k, s: _softmax(_arg(a, k, 1, "dim", None), s),
        F.adaptive_avg_pool2d: lambda a, k, s: _adaptive(_arg(a, k, 1, "output_size", None), functional=True),
        F.avg_pool2d: lambda a, k, s: _pool_layer(
            AvgPool2d, _arg(a, k, 1, "kernel_size", None), _arg(a, k, 2, "stride", None),
            _arg(a, k, 3, "padding", 0), _arg(a, k, 4, "ceil_mode", False),
            count_include_pad=_arg(a, k, 5, "count_include_pad", True),
            divisor_override=_arg(a, k, 6, "divisor_override", None), functional=True),
        F.max_pool2d: lambda a, k, s: _pool_layer(
            MaxPool2d, _arg(a, k, 1, "kernel_size", None), _arg(a, k, 2, "stride", None),
            _arg(a, k, 3, "padding", 0), _arg(a, k, 5, "ceil_mode", False), _arg(a, k, 4, "dilation", 1),
            functional=True),
        F.dropout: lambda a, k, s: Dropout(),
    }
    try:
        from torchvision.ops import stochastic_depth  # wrapped for fx: one call_function node
    except ImportError:
        pass
    else:
        out[stochastic_depth] = lambda a, k, s: StochasticDepth()
    return out


def _reshapes() -> set[Any]:
    """Ops that move data without computing: their output is their input, laid out anew."""
    import torch

    return {"permute", "transpose", "view", "reshape", "contiguous", torch.permute, torch.transpose,
            torch.reshape}


def _hwc(shape: Any) -> Shape:
    """A torch shape (1, C, H, W) or (1, N) as symcnn's (H, W, C) or (N,)."""
    dims = tuple(int(d) for d in shape[1:])
    return (dims[1], dims[2], dims[0]) if len(dims) == 3 else dims


def _input_shape(input_shape: tuple[int, ...]) -> tuple[int, int, int]:
    dims = tuple(input_shape)
    if len(dims) == 4 and dims[0] == 1:
        dims = dims[1:]
    if len(dims) != 3 or not all(isinstance(d, int) and d > 0 for d in dims):
        raise UnsupportedLayerError(f"input_shape must be (C, H, W) of positive ints, got {input_shape!r}")
    return dims  # type: ignore[return-value]


MAX_CPU_VALUES = 2**27  # input values fed on the CPU (512 MiB of float32); beyond, use the meta device


def from_torch(module: Any, input_shape: tuple[int, ...], check_size: bool = True) -> Network:
    """Build the symcnn network of a torch module fed one (C, H, W) image.

    With ``check_size`` (the default) the traced module is run once more at 32 pixels more in
    height and width, and every layer's shape is compared there too: a module whose forward
    works at one size only (a fixed position embedding, a size check, a hard-coded view) is
    refused, since its formulas in H and W would be wrong.

    For example (tests/test_importer.py runs it where torch is installed)::

        net = from_torch(torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3)), (3, 32, 32))
        net.nodes[0].name, net.nodes[0].layer.filters  # ('0', 8)

    Every failure is one :class:`~symcnn.errors.SymcnnError` line: something that is not
    an ``nn.Module``, an input too large to feed on the CPU (a module on the meta device
    takes any size torch can index), an error PyTorch raises while running the module,
    and a forward that never reads its input.
    """
    import torch

    if not isinstance(module, torch.nn.Module):
        raise UnsupportedLayerError(f"from_torch: expects a torch.nn.Module, got {type(module).__name__}")
    c, h, w = _input_shape(input_shape)
    try:
        param = next(module.parameters(), None)  # a module on the meta device is fed a meta tensor
        device = param.device if param is not None else None
        if (device is None or device.type != "meta") and c * h * w > MAX_CPU_VALUES:
            raise UnsupportedLayerError(
                f"from_torch: an input of {c}×{h}×{w} values is too large to run on the CPU (at most"
                f" {MAX_CPU_VALUES:,} values); move the module to the meta device (module.to('meta')) first")
        x = torch.zeros(1, c, h, w, device=device)
        was_training = module.training
        module.eval()
        traced = True
        try:
            with torch.no_grad():
                try:
                    gm, graph = _trace(module, x)
                except UnsupportedLayerError:
                    raise
                except Exception:  # fx cannot trace it (control flow, untraceable calls): use hooks
                    gm, graph, traced = None, _hooked(module, x), False
                if not graph:
                    raise UnsupportedLayerError("from_torch: the module's forward never reads its input (no layer to"
                                                " import)")
                net = Network((h, w, c), tuple(node for node, _ in graph))
                _check_shapes(net, graph, None)
                if check_size and traced:
                    _check_other_size(gm, net, torch.zeros(1, c, h + 32, w + 32, device=device))
        finally:
            module.train(was_training)
    except UnsupportedLayerError:
        raise
    except (RuntimeError, ValueError, TypeError, OverflowError, IndexError, MemoryError, AttributeError) as e:
        first = (str(e).strip().splitlines() or [type(e).__name__])[0][:300]
        raise UnsupportedLayerError(f"from_torch: PyTorch cannot run the module on a 1×{c}×{h}×{w} input"
                                    f" ({type(e).__name__}: {first})") from None
    return net


def _check_shapes(net: Network, graph: Imported, size: tuple[int, int] | None) -> None:
    numbers = evaluate(net, (*size, net.input_shape[2]) if size else None)  # type: ignore[arg-type]
    for (node, shape), got in zip(graph, numbers.layers):
        if got.shape != shape:
            at = f" at {size[0]}x{size[1]}" if size else ""
            raise UnsupportedLayerError(f"{node.name} ({type(node.layer).__name__}): symcnn computes shape {got.shape},"
                                        f" PyTorch gives {shape}{at}")


def _check_other_size(gm: Any, net: Network, x: Any) -> None:
    """The same graph at another size: a size-bound forward fails here or gives other shapes."""
    h, w = int(x.shape[2]), int(x.shape[3])
    size = f"{h}x{w}"
    here = f"{net.input_shape[0]}x{net.input_shape[1]}"
    why = (f"the forward works at {here} but {{}} at {size}: it depends on the input size in a way that is no formula"
           " in H and W (a fixed position embedding, a size check, a hard-coded view); symcnn refuses it")
    try:
        graph = _walk(gm, x, strict=False)
    except UnsupportedLayerError as e:
        raise UnsupportedLayerError(why.format(f"not ({e})")) from None
    except Exception as e:
        first = (str(e).strip().splitlines() or [type(e).__name__])[0][:160]
        raise UnsupportedLayerError(why.format(f"fails ({first})")) from None
    if [node for node, _ in graph] != list(net.nodes):
        raise UnsupportedLayerError(why.format("builds other layers"))
    try:
        _check_shapes(net, graph, (h, w))
    except (UnsupportedLayerError, SpecError) as e:
        raise UnsupportedLayerError(why.format(f"not ({e})")) from None


Imported = list[tuple[Node, Shape]]  # each node with the (H, W, C) shape PyTorch gave it


def _describe(target: Any) -> str:
    return getattr(target, "__name__", None) or repr(target)


def _unique(uses: dict[str, int], name: str) -> str:
    """``name`` on its first call, then ``name#2``, ``name#3`` ... (a module called again)."""
    uses[name] = uses.get(name, 0) + 1
    return name if uses[name] == 1 else f"{name}#{uses[name]}"


def _convert(label: str, convert: Any, *args: Any) -> Layer | None:
    """Run a converter; a missing one or its reason for refusing becomes an error naming ``label``."""
    if convert is None:
        raise UnsupportedLayerError(f"{label}: symcnn has no layer for it")
    try:
        return convert(*args)
    except _Unsupported as e:
        raise UnsupportedLayerError(f"{label}: {e}") from None


def _logical(shape: Any, layout: Layout | None) -> Shape | None:
    """A torch shape read through its layout as symcnn's (H, W, C) or (C,); None if it is neither."""
    dims = tuple(int(d) for d in shape)
    if layout is None or len(dims) != len(layout) or dims[0] != 1:
        return None
    size = dict(zip(layout, dims))
    return (size["H"], size["W"], size["C"]) if len(dims) == 4 else (size["C"],)


def _layout_of(shape: Any, logical: Shape, keep: Layout | None) -> Layout | None:
    """The layout in which a reshaped tensor holds ``logical`` (the current one preferred), if any."""
    for layout in (keep, CHANNELS_FIRST, CHANNELS_LAST, VECTOR):
        if layout is not None and _logical(shape, layout) == logical:
            return layout
    return None


class _Meta:
    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape


class _Graph:
    """What the fx walk knows about each fx value: the symcnn node holding it, and its layout."""

    def __init__(self) -> None:
        self.alias: dict[str, str] = {}  # fx node name → symcnn node name ("input" for the image)
        self.layout: dict[str, Layout | None] = {}
        self.shapes: dict[str, Shape] = {}  # symcnn node name → logical shape
        self.chunks: dict[str, tuple[Any, int]] = {}  # fx chunk node → (its input fx name, parts)
        self.strict = True  # False at the second size: a dense layer's in_features may differ


SAME_SHAPE = ("ReLU", "ReLU6", "SiLU", "GELU", "Hardswish", "Hardsigmoid", "Sigmoid", "Tanh", "Dropout", "Identity",
              "BatchNorm2d", "LayerNorm")
"""Modules whose output has their input's shape by definition: shapes are propagated past them
without running them (on the meta device their reference kernels are slow). Their converters
check what PyTorch would check (channels, normalized_shape)."""


def _propagate(gm: Any, x: Any) -> None:
    """Run the traced module once, recording each node's output shape (``meta["shape"]``), as
    torch.fx's ShapeProp does but skipping the shape-keeping modules, and letting a dense
    layer after a flatten read any number of values."""
    import torch
    from torch.fx import Interpreter

    modules = dict(gm.named_modules())
    elementwise = _elementwise()

    class Shapes(Interpreter):
        def run_node(self, n: Any) -> Any:
            sub = modules.get(n.target) if n.op == "call_module" else None
            tensors = [self.env[a] for a in n.all_input_nodes if isinstance(self.env.get(a), torch.Tensor)]
            if sub is not None and type(sub).__name__ in SAME_SHAPE and not n.kwargs and len(n.args) == 1:
                out = _blank(self.env[n.args[0]], self.env[n.args[0]].shape)
            elif n.op in ("call_function", "call_method") and n.target in elementwise and tensors \
                    and all(t.device.type == "meta" for t in tensors):
                out = _blank(tensors[0], torch.broadcast_shapes(*(t.shape for t in tensors)))
            elif n.target is torch.cat and tensors and all(t.device.type == "meta" for t in tensors) \
                    and len({t.dim() for t in tensors}) == 1:
                dim = _arg(n.args, n.kwargs, 1, "dim", 0) % tensors[0].dim()
                shape = list(tensors[0].shape)
                shape[dim] = sum(int(t.shape[dim]) for t in tensors)
                if any(tuple(t.shape[:dim]) + tuple(t.shape[dim + 1:]) != tuple(shape[:dim] + shape[dim + 1:])
                       for t in tensors):
                    raise RuntimeError(f"torch.cat: sizes {[tuple(t.shape) for t in tensors]} differ off dim {dim}")
                out = _blank(tensors[0], shape)
            elif isinstance(sub, torch.nn.Linear) and tensors[0].device.type == "meta" \
                    and tensors[0].shape[-1] == sub.in_features:
                out = _blank(tensors[0], (*tensors[0].shape[:-1], sub.out_features))
            elif isinstance(sub, torch.nn.Linear) and self.env[n.args[0]].dim() == 2:
                # a dense layer after a flatten reads however many values there are (symcnn's rule:
                # its weights grow with the map), so at another size its in_features is not checked
                out = _blank(self.env[n.args[0]], (1, sub.out_features))
            else:
                out = super().run_node(n)
            n.meta["shape"] = tuple(out.shape) if isinstance(out, torch.Tensor) else None
            return out

    Shapes(gm).run(x)


def _blank(like: Any, shape: Any) -> Any:
    """A tensor of ``shape`` on ``like``'s device: torch.empty (``empty_like`` and ``new_empty``
    go through Python reference kernels on the meta device, 20–50 times slower)."""
    import torch

    return torch.empty(tuple(shape), dtype=like.dtype, device=like.device)


def _elementwise() -> set[Any]:
    """Functions whose output has the broadcast shape of their tensor inputs (on meta tensors,
    computed without running them)."""
    import torch
    import torch.nn.functional as F

    out: set[Any] = {operator.add, operator.iadd, operator.mul, operator.imul, torch.add, torch.mul, F.relu, F.relu6,
                     F.silu, F.gelu, F.hardswish, F.hardsigmoid, torch.sigmoid, torch.relu, torch.tanh, F.dropout,
                     "add", "add_", "mul", "mul_", "relu", "relu_", "sigmoid", "contiguous"}
    try:
        from torchvision.ops import stochastic_depth
    except ImportError:
        pass
    else:
        out.add(stochastic_depth)
    return out


def _trace(module: Any, x: Any) -> tuple[Any, Imported]:
    """torch.fx: the traced module, and every op in its graph with edges and names kept."""
    from torch.fx import symbolic_trace

    gm = symbolic_trace(module)
    return gm, _walk(gm, x)


def _walk(gm: Any, x: Any, strict: bool = True) -> Imported:
    """The nodes of a traced module fed ``x``. A tensor's layout (channels first, channels
    last, a vector) is followed through permutes and views, which cost nothing."""
    import torch

    _propagate(gm, x)
    modules = dict(gm.named_modules())
    by_type, by_function, reshapes = _module_converters(), _function_converters(), _reshapes()
    g = _Graph()
    g.strict = strict
    uses: dict[str, int] = {}
    out: Imported = []
    previous = "input"
    for n in gm.graph.nodes:
        meta: Any = _Meta(n.meta["shape"]) if n.meta.get("shape") is not None else None
        label = f"{n.target} ({type(modules[n.target]).__name__})" if n.op == "call_module" else \
            f"{n.name} ({_describe(n.target)})"
        if n.op == "placeholder":
            g.alias[n.name], g.layout[n.name], g.shapes["input"] = "input", CHANNELS_FIRST, _hwc(meta.shape)
            continue
        tensors = [a for a in n.all_input_nodes if a.name in g.alias]
        src = tensors[0].name if tensors else None
        if n.op == "call_method" and n.target == "chunk" or n.op == "call_function" and n.target in (
                torch.chunk, torch.split, torch.Tensor.split) or n.op == "call_method" and n.target == "split":
            g.chunks[n.name] = (src, _chunk_parts(n, g, label))  # type: ignore[arg-type]
            continue
        if n.op in ("output", "get_attr") or not hasattr(meta, "shape"):
            continue  # sizes, shapes and other non-tensor values
        if n.op == "call_function" and n.target is operator.getitem and n.args[0].name in g.chunks:
            src, parts = g.chunks[n.args[0].name]
            tensors = [n.args[0].all_input_nodes[0]]
            layer: Layer | None = Split(parts=parts, index=n.args[1])
            node_name = n.name
        elif n.target in reshapes:
            shape_in = g.shapes[g.alias[src]]  # type: ignore[index]
            if n.target in ("permute", torch.permute, "transpose", torch.transpose):
                layout = _permuted(g.layout[src], n)  # type: ignore[index]
            else:
                layout = _layout_of(meta.shape, shape_in, g.layout[src])  # type: ignore[index]
            if layout is None and len(meta.shape) == 2 and _logical(meta.shape, VECTOR) is not None:
                layer, node_name = Flatten(), n.name  # x.view(n, -1): the map as a vector
            else:
                g.alias[n.name], g.layout[n.name] = g.alias[src], layout  # type: ignore[index]
                continue
        else:
            layer, node_name = _convert_node(n, g, modules, by_type, by_function, label, uses)
        if layer is SKIP:
            g.alias[n.name], g.layout[n.name] = g.alias[src], g.layout[src]  # type: ignore[index]
            continue
        srcs = [g.alias[a.name] for a in tensors]
        inputs = () if srcs == [previous] else tuple(srcs)
        layout = _out_layout(meta.shape, [g.layout[a.name] for a in tensors])
        shape = _logical(meta.shape, layout)
        if shape is None:
            raise UnsupportedLayerError(f"{label}: its output {tuple(meta.shape)} is not a feature map or a vector"
                                        " that symcnn can follow")
        out.append((Node(node_name, layer, inputs), shape))  # type: ignore[arg-type]
        g.alias[n.name] = previous = node_name
        g.layout[n.name], g.shapes[node_name] = layout, shape
    return out


def _chunk_parts(n: Any, g: _Graph, label: str) -> int:
    """chunk(x, parts, dim) or split(x, size, dim) into equal parts along the channels."""
    src = n.all_input_nodes[0].name
    layout = g.layout.get(src)
    shape = g.shapes[g.alias[src]]
    dim = _arg(n.args, n.kwargs, 2, "dim", 0)
    if layout is None or layout[dim] != "C":
        raise UnsupportedLayerError(f"{label}: splits along dim {dim}, not the channels")
    amount = _arg(n.args, n.kwargs, 1, "chunks" if "chunk" in _describe(n.target) else "split_size_or_sections", 1)
    c = shape[-1]
    parts = amount if "chunk" in _describe(n.target) else (c // amount if isinstance(amount, int) else 0)
    if not isinstance(parts, int) or parts < 1 or c % parts:
        raise UnsupportedLayerError(f"{label}: splits {c} channels into unequal parts")
    return parts


def _permuted(layout: Layout | None, n: Any) -> Layout | None:
    if layout is None:
        return None
    if _describe(n.target) == "transpose":
        a, b = (d % len(layout) for d in n.args[1:3])
        order = list(range(len(layout)))
        order[a], order[b] = b, a
    else:
        order = list(n.args[1] if len(n.args) == 2 and isinstance(n.args[1], (list, tuple)) else n.args[1:])
        order = [d % len(layout) for d in order]
    return tuple(layout[d] for d in order)


def _out_layout(shape: Any, ins: list[Layout | None]) -> Layout | None:
    """A layer keeps the layout of its (widest) input; one that makes a vector makes ``VECTOR``."""
    if len(shape) == 2:
        return VECTOR
    return next((lay for lay in ins if lay is not None and len(lay) == len(shape)), None)


def _convert_node(n: Any, g: _Graph, modules: dict, by_type: dict, by_function: dict, label: str,
                  uses: dict[str, int]) -> tuple[Layer | None, str]:
    """The layer of one fx call (a module, a function or a method) and the node's name."""
    tensors = [a for a in n.all_input_nodes if a.name in g.alias]
    src = tensors[0].name if tensors else "input"
    shape_in = g.shapes[g.alias[src]] if tensors else g.shapes["input"]
    layout = g.layout.get(src)
    if n.op == "call_module":
        sub = modules[n.target]
        kind = type(sub).__name__
        if kind in _FIRST_ONLY and layout != CHANNELS_FIRST:
            raise UnsupportedLayerError(f"{label}: reads a tensor {_axes(layout)}, not channels first")
        if kind == "Linear" and layout == CHANNELS_LAST:
            return _convert(label, lambda m: Linear(units=m.out_features, bias=m.bias is not None), sub), \
                _unique(uses, n.target)
        if kind == "Linear" and layout == VECTOR and not g.strict:
            return Dense(units=sub.out_features, bias=sub.bias is not None), _unique(uses, n.target)
        if kind in ("Linear", "LayerNorm") and layout not in (VECTOR, CHANNELS_LAST):
            raise UnsupportedLayerError(f"{label}: reads a tensor {_axes(layout)}: it would act on"
                                        " the width, not the channels")
        return _convert(label, by_type.get(type(sub)), sub, shape_in), _unique(uses, n.target)
    target, name = n.target, _describe(n.target)
    params = [a for a in n.all_input_nodes if a.op == "get_attr"]
    if target in (operator.mul, operator.imul, "mul", "mul_"):
        return _product(n, tensors, params, shape_in, layout, label), n.name
    if target is torch_cat():
        dim = _arg(n.args, n.kwargs, 1, "dim", 0)
        if layout is None or layout[dim] != "C":
            raise UnsupportedLayerError(f"{label}: concatenates along dim {dim}, not the channels")
        return Concat(), n.name
    if name == "mean" or target == "mean":
        dims = _arg(n.args, n.kwargs, 1, "dim", None)
        dims = [dims] if isinstance(dims, int) else list(dims or [])
        if layout is None or len(layout) != 4 or sorted(layout[d] for d in dims) != ["H", "W"]:
            raise UnsupportedLayerError(f"{label}: a mean over dims {dims}; symcnn takes means over height and"
                                        " width")
        return Mean(keepdim=bool(_arg(n.args, n.kwargs, 2, "keepdim", False))), n.name
    if name == "layer_norm":
        norm = _arg(n.args, n.kwargs, 1, "normalized_shape", ())
        affine = _arg(n.args, n.kwargs, 2, "weight", None) is not None
        if layout not in (VECTOR, CHANNELS_LAST):
            raise UnsupportedLayerError(f"{label}: normalises a tensor {_axes(layout)}, not over the"
                                        " channels")
        return _convert(label, lambda: _layernorm(norm, affine, shape_in, functional=True)), n.name
    if params and target in (operator.add, operator.iadd, operator.sub, "add", "add_", "sub"):
        shape = "×".join(map(str, params[0].meta.get("shape") or ()))
        raise UnsupportedLayerError(f"{label}: adds the parameter {params[0].target} of fixed shape {shape} (a position"
                                    " embedding): the forward depends on the input size in a way that is no formula"
                                    " in H and W; symcnn refuses it")
    if params:
        raise UnsupportedLayerError(f"{label}: computes with the parameter {params[0].target}; symcnn has no layer"
                                    " for it")
    return _convert(label, by_function.get(target), n.args, n.kwargs, shape_in), n.name


def torch_cat() -> Any:
    import torch

    return torch.cat


def _axes(layout: Layout | None) -> str:
    if layout is None:
        return "in a layout symcnn cannot follow (not N×C×H×W, N×H×W×C or N×C: windows or tokens)"
    return "laid out as " + "×".join(layout)


def _product(n: Any, tensors: list, params: list, shape: Shape, layout: Layout | None, label: str) -> Layer:
    """``a * b``: a learned per-channel scale (a parameter of C values), or a broadcast product."""
    if params and len(tensors) == 1:
        values = params[0].meta.get("shape")
        c = shape[-1]
        if values is not None and int(_numel(values)) == c and int(values[0] if layout == CHANNELS_FIRST
                                                                    else values[-1]) == c:
            return LayerScale()
        raise UnsupportedLayerError(f"{label}: multiplies by the parameter {params[0].target} of shape"
                                    f" {tuple(values) if values is not None else '?'}, not one value per channel")
    if len(tensors) != 2:
        raise UnsupportedLayerError(f"{label}: symcnn has no layer for a product with a constant")
    return Multiply()


def _numel(shape: Any) -> int:
    out = 1
    for d in shape:
        out *= int(d)
    return out


def _hooked(module: Any, x: Any) -> Imported:
    """Forward hooks on the leaf modules: a chain in call order. Each module must read the
    tensor the module before it returned (or a flattened view of it), so an add or a concat
    between modules, which hooks cannot see, is refused rather than silently dropped."""
    calls: list[tuple[Any, Any, Any]] = []  # (module, input tensor, output tensor), kept alive
    leaves = {m: name for name, m in module.named_modules() if not list(m.children())}
    hooks = [m.register_forward_hook(lambda m, i, o: calls.append((m, i[0], o))) for m in leaves]
    try:
        module(x)
    except Exception as e:
        dims = "×".join(map(str, x.shape))
        first = (str(e).strip().splitlines() or [type(e).__name__])[0].split("Traceback (most recent call last)")[0]
        raise UnsupportedLayerError(f"PyTorch cannot run the module on a {dims} input: {first[:300]}") from None
    finally:
        for hk in hooks:
            hk.remove()
    by_type = _module_converters()
    out: Imported = []
    uses: dict[str, int] = {}
    previous = x
    for m, tensor_in, tensor_out in calls:
        name = leaves[m]
        node_name, label = _unique(uses, name), f"{name} ({type(m).__name__})"
        shape_in = _hwc(tensor_in.shape)
        if tensor_in is not previous:
            base = tensor_in._base  # a view (x.view(n, -1)) of the previous output is a flatten
            if tensor_in.dim() == 2 and base is not None and (base is previous or base is previous._base):
                out.append((Node(f"{node_name}.flatten", Flatten()), shape_in))
            else:
                raise UnsupportedLayerError(f"{label}: reads a tensor that no module before it produced; without"
                                            " torch.fx, symcnn can import only a chain of modules")
        layer = _convert(label, by_type.get(type(m)), m, shape_in)
        if layer is not SKIP:
            out.append((Node(node_name, layer), _hwc(tensor_out.shape)))
        previous = tensor_out
    return out
