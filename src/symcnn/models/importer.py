"""Build a symcnn :class:`~symcnn.model.network.Network` from a PyTorch module.

``from_torch(module, (C, H, W))`` traces the module with torch.fx; a module fx cannot
trace (data-dependent control flow) is imported from forward hooks instead, as a chain
of its leaf modules. Node names are the modules' qualified names (``layer1.0.conv1``;
a module called again gets ``#2``, ``#3`` ...) and, for functions, fx's node names
(``add``, ``cat_1``). Anything symcnn has no layer for raises UnsupportedLayerError
naming it. torch is imported only inside these functions, never when symcnn starts.

After building the network the importer checks every layer's shape against the
shapes PyTorch itself propagated, so a module whose semantics symcnn would get wrong
is an error, not a silent wrong count.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any, Callable, ClassVar

from ..errors import UnsupportedLayerError
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
    MaxPool2d,
    Shape,
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
    return Conv2d(kernel=_square(m.kernel_size, "kernel_size"), filters=m.out_channels,
                  stride=_square(m.stride, "stride"), padding=_square(m.padding, "padding"),
                  dilation=_square(m.dilation, "dilation"), groups=m.groups, bias=m.bias is not None)


def _pool(cls: type[MaxPool2d] | type[AvgPool2d]) -> Callable[[Any, Shape], Layer]:
    def convert(m: Any, shape: Shape) -> Layer:
        if _square(getattr(m, "dilation", 1), "dilation") != 1:
            raise _Unsupported("dilation other than 1")
        if getattr(m, "count_include_pad", True) is False or getattr(m, "divisor_override", None):
            raise _Unsupported("count_include_pad=False / divisor_override: symcnn averages the padding in")
        kernel = _square(m.kernel_size, "kernel_size")
        stride = kernel if m.stride is None else _square(m.stride, "stride")
        return cls(kernel=kernel, stride=stride, padding=_square(m.padding, "padding"), ceil_mode=bool(m.ceil_mode))
    return convert


def _adaptive(size: Any) -> Layer:
    return AdaptiveAvgPool2d(output=_square(size, "output_size"))


def _linear(m: Any, shape: Shape) -> Layer:
    n = 1
    for d in shape:
        n *= d
    if m.in_features != n:
        raise _Unsupported(f"in_features {m.in_features} but its input has {n} values")
    return Dense(units=m.out_features, bias=m.bias is not None)


def _batchnorm(m: Any, shape: Shape) -> Layer:
    if not m.affine:
        raise _Unsupported("affine=False (symcnn's batch norm learns a scale and a shift)")
    return BatchNorm2d()


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


def _activation(name: str) -> Callable[..., Layer]:
    return lambda *_: Activation(function=name)


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
        nn.Softmax: lambda m, s: _softmax(m.dim, s),
        nn.BatchNorm2d: _batchnorm,
        nn.Dropout: lambda m, s: Dropout(),
        nn.ZeroPad2d: _zeropad,
        nn.Identity: lambda m, s: SKIP,
    }


def _arg(args: tuple, kwargs: dict, i: int, name: str, default: Any) -> Any:
    return args[i] if len(args) > i else kwargs.get(name, default)


def _function_converters() -> dict[Any, Callable[[tuple, dict, Shape], Layer | None]]:
    """fx call_function targets and call_method names → converter(args, kwargs, input shape)."""
    import torch
    import torch.nn.functional as F

    add = lambda a, k, s: Add()  # noqa: E731
    relu = lambda a, k, s: Activation(function="relu")  # noqa: E731
    flat = lambda a, k, s: _flatten(_arg(a, k, 1, "start_dim", 0), s)  # noqa: E731
    view = lambda a, k, s: Flatten()  # noqa: E731  (only reached when the output is a vector)
    return {
        operator.add: add, operator.iadd: add, torch.add: add, "add": add, "add_": add,
        torch.cat: lambda a, k, s: Concat() if _arg(a, k, 1, "dim", 0) in (1, -3) else _bad("cat off dim 1"),
        torch.flatten: flat, "flatten": flat, "view": view, "reshape": view, torch.reshape: view,
        F.relu: relu, torch.relu: relu, "relu": relu, "relu_": relu,
        F.relu6: lambda a, k, s: Activation(function="relu6"),
        torch.tanh: lambda a, k, s: Activation(function="tanh"), "tanh": lambda a, k, s: Activation(function="tanh"),
        torch.sigmoid: lambda a, k, s: Activation(function="sigmoid"),
        F.softmax: lambda a, k, s: _softmax(_arg(a, k, 1, "dim", None), s),
        F.adaptive_avg_pool2d: lambda a, k, s: _adaptive(_arg(a, k, 1, "output_size", None)),
        F.dropout: lambda a, k, s: Dropout(),
        "contiguous": lambda a, k, s: SKIP,
    }


def _bad(why: str) -> Layer:
    raise _Unsupported(why)


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


def from_torch(module: Any, input_shape: tuple[int, ...]) -> Network:
    """Build the symcnn network of a torch module fed one (C, H, W) image.

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
        try:
            with torch.no_grad():
                try:
                    graph = _trace(module, x)
                except UnsupportedLayerError:
                    raise
                except Exception:  # fx cannot trace it (control flow, untraceable calls): use hooks
                    graph = _hooked(module, x)
        finally:
            module.train(was_training)
    except UnsupportedLayerError:
        raise
    except (RuntimeError, ValueError, TypeError, OverflowError, IndexError, MemoryError, AttributeError) as e:
        first = (str(e).strip().splitlines() or [type(e).__name__])[0][:300]
        raise UnsupportedLayerError(f"from_torch: PyTorch cannot run the module on a 1×{c}×{h}×{w} input"
                                    f" ({type(e).__name__}: {first})") from None
    if not graph:
        raise UnsupportedLayerError("from_torch: the module's forward never reads its input (no layer to import)")
    net = Network((h, w, c), tuple(node for node, _ in graph))
    numbers = evaluate(net)
    for (node, shape), got in zip(graph, numbers.layers):
        if got.shape != shape:
            raise UnsupportedLayerError(f"{node.name} ({type(node.layer).__name__}): symcnn computes shape {got.shape},"
                                        f" PyTorch gives {shape}")
    return net


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


def _trace(module: Any, x: Any) -> Imported:
    """torch.fx: every op in the graph, edges and names kept."""
    from torch.fx import symbolic_trace
    from torch.fx.passes.shape_prop import ShapeProp

    gm = symbolic_trace(module)
    ShapeProp(gm).propagate(x)
    modules = dict(gm.named_modules())
    by_type, by_function = _module_converters(), _function_converters()
    alias: dict[str, str] = {}  # fx node name → the symcnn node (or input) holding its value
    shapes: dict[str, Shape] = {}
    uses: dict[str, int] = {}
    out: Imported = []
    previous = "input"
    for n in gm.graph.nodes:
        meta = n.meta.get("tensor_meta")
        if n.op == "placeholder":
            alias[n.name], shapes["input"] = "input", _hwc(meta.shape)
            continue
        if n.op in ("output", "get_attr") or not hasattr(meta, "shape"):
            continue  # sizes, shapes and other non-tensor values
        sources = [alias[a.name] for a in n.all_input_nodes if a.name in alias]
        shape_in = shapes[sources[0]] if sources else shapes["input"]
        if n.op == "call_module":
            sub = modules[n.target]
            layer = _convert(f"{n.target} ({type(sub).__name__})", by_type.get(type(sub)), sub, shape_in)
            node_name = _unique(uses, n.target)
        else:
            layer = _convert(f"{n.name} ({_describe(n.target)})", by_function.get(n.target), n.args, n.kwargs,
                             shape_in)
            node_name = n.name
        if layer is SKIP:
            alias[n.name] = sources[0]
            continue
        inputs = () if sources == [previous] else tuple(sources)
        out.append((Node(node_name, layer, inputs), _hwc(meta.shape)))
        alias[n.name] = previous = node_name
        shapes[node_name] = _hwc(meta.shape)
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
