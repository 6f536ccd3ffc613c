"""The model zoo: torchvision's classic CNNs as symcnn model specs (TOML data files).

A model spec is data, read here, never executed::

    [model]                      # title and source, for the report
    title = "ResNet-18"
    [blocks.basic]               # a block: layers in which "$name" stands for an argument
    defaults = { stride = 1 }
    layers = [ { name = "conv1", type = "conv2d", kernel = 3, filters = "$planes", ... }, ... ]
    [network]                    # as in an exam spec: input size, then layers and block uses
    input = { height = 224, width = 224, channels = 3 }
    layers = [
      { name = "conv1", type = "conv2d", kernel = 7, filters = 64, stride = 2, padding = 3 },
      { block = "basic", name = "layer1", repeat = 2, args = { planes = 64 } },
    ]

A block use makes copies named ``{name}.{first}``, ``{name}.{first + 1}`` … (``first``
defaults to 0, ``repeat`` to 1); inside a block, layer names get that prefix and the
input name ``"in"`` means the block's input.

>>> load_model("resnet18").network.nodes[0].name
'conv1'
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Sequence

from ...checked import MAX_LAYERS, Table, _show, check_int, read_toml
from ...errors import SpecError
from ...exam.spec import _layer
from ...fileio import read_text
from ...model.network import Network, Node, evaluate

MODELS = ("alexnet", "vgg16", "resnet18", "resnet50", "resnet152", "mobilenet_v2", "efficientnet_b0", "mobilenet_v3_large",
          "densenet121", "convnext_tiny")
"""The zoo, in the order reports list it."""

BLOCK_INPUT = "in"


@dataclass(frozen=True)
class Model:
    """A named network read from a model spec."""

    name: str
    title: str
    source: str
    network: Network


def load_model(name: str | Path) -> Model:
    """A zoo model by name (``resnet50``) or a model spec file by path."""
    if str(name) in MODELS:
        text = resources.files(__name__).joinpath(f"{name}.toml").read_text(encoding="utf-8")
        return parse_model(text, f"<zoo {name}>", str(name))
    p = Path(name)
    if not p.exists():
        known = ", ".join(MODELS)
        raise SpecError(f"{p}: no such file, and not a zoo model (known: {known})")
    return parse_model(read_text(p, SpecError), str(p), p.stem)


def parse_model(text: str, source: str, name: str) -> Model:
    """Validate a model spec's text into a Model; the first problem raises SpecError."""
    root = Table(read_toml(text, source), "", source)
    head = root.table("model", {})
    title = head.str("title", name)
    origin = head.str("source", source)
    head.done()
    blocks = root.table("blocks", {})
    net = root.table("network")
    inp = net.table("input")
    shape = (inp.int("height"), inp.int("width"), inp.int("channels"))
    inp.done()
    items = net.list("layers", lambda v, f: v, min_len=1)
    net.done()
    root.done()
    expanded_size(items, blocks, source, net.path("layers"))
    nodes: list[Node] = []
    names = {"input"}
    for i, item in enumerate(items):
        for where, table in _expand(Table(item, f"{net.path('layers')}[{i}]", source), blocks, nodes):
            node = _layer(Table(table, where, source), len(nodes), names)
            names.add(node.name)
            nodes.append(node)
    network = Network(shape, tuple(nodes))
    try:
        evaluate(network)
    except SpecError as e:
        raise SpecError(f"{source}: {e}") from None
    return Model(name, title, origin, network)


def expanded_size(items: Sequence[Any], blocks: Table, source: str, where: str, limit: int = MAX_LAYERS) -> int:
    """The number of layers the network expands to, counted before anything is expanded.

    A plain layer counts 1, a block use its block's layers times ``repeat``; blocks do not
    nest (a block's layer that uses a block is refused), so the count is one pass over the
    list. Above ``limit`` it stops at once, naming the use that crosses it:

    >>> blocks = Table({"b": {"layers": [{}] * 1000}}, "blocks", "m.toml")
    >>> expanded_size([{"block": "b", "name": "x", "repeat": 10_000}], blocks, "m.toml", "network.layers")
    Traceback (most recent call last):
    symcnn.errors.SpecError: m.toml: network.layers[0] (block b, 1000 layers × repeat 10000) expands the network to 10000000 layers; a network has at most 2500 layers
    """
    total = 0
    for i, item in enumerate(items):
        count, shown = 1, ""
        if isinstance(item, dict) and isinstance(item.get("block"), str):  # another value: refused by _expand
            block = blocks.data.get(item["block"])
            layers = block.get("layers") if isinstance(block, dict) else None
            repeat = item.get("repeat", 1)
            if isinstance(layers, list) and isinstance(repeat, int) and not isinstance(repeat, bool):
                for j, layer in enumerate(layers):
                    if isinstance(layer, dict) and "block" in layer:
                        raise SpecError(f"{source}: {blocks.path(str(item['block']))}.layers[{j}] uses block"
                                        f" {_show(layer['block'])}: a block's layers cannot use blocks")
                count = len(layers) * max(repeat, 0)
                shown = f" (block {item['block']}, {len(layers)} layers × repeat {repeat})"
        total += count
        if total > limit:
            raise SpecError(f"{source}: {where}[{i}]{shown} expands the network to {total} layers;"
                            f" a network has at most {limit} layers")
    return total


def _expand(use: Table, blocks: Table, nodes: list[Node]) -> list[tuple[str, dict[str, Any]]]:
    """A plain layer as is, or a block use as the layer tables of its copies."""
    if "block" not in use.data:
        return [(use.where, use.data)]
    block_name = use.str("block")
    if block_name not in blocks.data:
        known = ", ".join(sorted(blocks.data)) or "none"
        use.fail(use.path("block"), f"names no block (known: {known})", block_name)
    block = Table(blocks.data[block_name], blocks.path(block_name), use.source)
    prefix = use.str("name")
    first = use.int("first", 0, minimum=0)
    repeat = use.int("repeat", 1, maximum=MAX_LAYERS)
    given = use.table("args", {})
    layers = block.list("layers", lambda v, f: Table(v, f, use.source), min_len=1)
    for t in layers:
        t.str("name")  # a block's layers must be named: copies are told apart by prefix
    defaults = block.table("defaults", {})
    block.done()
    use.done()
    args = {k: check_int(v, defaults.path(k), use.source, minimum=0) for k, v in defaults.data.items()}
    args |= {k: check_int(v, given.path(k), use.source, minimum=0) for k, v in given.data.items()}
    last = nodes[-1].name if nodes else "input"
    out: list[tuple[str, dict[str, Any]]] = []
    for copy in range(first, first + repeat):
        name = f"{prefix}.{copy}"
        local = {t.data.get("name"): f"{name}.{t.data.get('name')}" for t in layers}
        local[BLOCK_INPUT] = last
        for t in layers:
            out.append((f"{t.where} (as {name})", _instantiate(t, args, local, name)))
        last = out[-1][1]["name"]
    return out


def _instantiate(t: Table, args: dict[str, int], local: dict[Any, str], copy: str) -> dict[str, Any]:
    """A block's layer table with arguments filled in and names made global."""
    out: dict[str, Any] = {}
    for key, value in t.data.items():
        if key == "name":
            value = local[value]
        elif key == "inputs" and isinstance(value, list):
            value = [local.get(v, v) if isinstance(v, str) else v for v in value]  # others: rejected by _layer
        elif isinstance(value, str) and value.startswith("$"):
            if value[1:] not in args:
                t.fail(f"{t.path(key)} (in {copy})", f"needs an argument the block use does not give (args: {', '.join(args) or 'none'})",
                       value)
            value = args[value[1:]]
        out[key] = value
    return out
