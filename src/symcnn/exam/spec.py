"""Read an exam spec (TOML) into an :class:`~symcnn.exam.Exam`, validating every field.

Every error names the file, the field and the value, e.g.
``exam.toml: network.layers[2].stride must be an integer >= 1, got 0``.
Nothing read here is ever evaluated as code: numbers come from tomllib, decimals are
parsed by :class:`decimal.Decimal` and converted to exact fractions. Files, strings,
lists, numbers and networks are bounded (``MAX_*``), so no input can exhaust time,
memory or the stack.
"""

from __future__ import annotations

from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from ..checked import (  # noqa: F401  (re-exported: the readers' names, as before the layout)
    MAX_DIGITS,
    MAX_EXPONENT,
    MAX_ITEMS,
    MAX_LAYERS,
    MAX_SIZE,
    MAX_TEXT,
    Table,
    check_int,
    check_number,
    check_str,
    read_toml,
)
from ..errors import SpecError
from ..fileio import read_text
from ..model.conventions import convention
from ..model.layers import ACTIVATIONS, LAYER_TYPES, Add, Concat, Layer
from ..model.network import Network, Node, evaluate
from . import Dataset, Exam, Question, Softmax, Training
from .kinds import QUESTION_KINDS

LANGUAGES = ("vi", "en")
MULTI_INPUT: tuple[type[Layer], ...] = (Add, Concat)  # layer types that read more than one input

EMBEDDED = "seed_exam.toml"


def embedded_text() -> str:
    """The seed exam spec shipped inside the package."""
    return resources.files("symcnn.data").joinpath(EMBEDDED).read_text(encoding="utf-8")


def load_exam(path: str | Path | None = None) -> Exam:
    """Load and validate a spec file; ``None`` loads the embedded seed exam."""
    if path is None:
        return parse_exam(embedded_text(), "<embedded seed exam>")
    return parse_exam(read_text(path, SpecError), str(path))


# --------------------------------------------------------------------------- sections


def parse_exam(text: str, source: str) -> Exam:
    """Validate a spec's text into an Exam; the first problem raises SpecError."""
    root = Table(read_toml(text, source), "", source)
    head = root.table("exam")
    title = head.str("title", "Exam")
    language = head.str("language", "vi", LANGUAGES)
    conv = head.str("convention", "macs")
    convention(conv, f"{source}: exam.convention")
    head.done()
    dataset = _dataset(root.table("dataset"))
    network = _network(root.table("network"), dataset)
    training = _training(root.table("training"))
    softmax = _softmax(root.table("softmax"))
    inference = root.table("inference", {})
    inference_bytes = inference.int("bytes_per_value", 4, maximum=64)
    inference.done()
    questions = _questions(root, source)
    root.done()
    return Exam(title, language, conv, dataset, network, training, softmax, inference_bytes, questions, source)


def _dataset(t: Table) -> Dataset:
    out = Dataset(
        images=t.int("images"),
        crops_per_image=t.int("crops_per_image"),
        crop_height=t.int("crop_height"),
        crop_width=t.int("crop_width"),
        channels=t.int("channels"),
        bytes_per_value=t.int("bytes_per_value", maximum=64),
        transforms=_distinct(t, "transforms", t.list("transforms", lambda v, f: check_str(v, f, t.source), default=[])),
        keep_originals=t.bool("keep_originals", True),
    )
    t.done()
    if not out.keep_originals and not out.transforms:
        t.fail(t.path("transforms"), "must list at least one transform when keep_originals is false", [])
    return out


def _distinct(t: Table, key: str, items: tuple[str, ...]) -> tuple[str, ...]:
    """The items, unless one is listed twice (a transform counted twice is a silent error)."""
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item in seen:
            t.fail(f"{t.path(key)}[{i}]", "repeats an earlier item", item)
        seen.add(item)
    return items


def _network(t: Table, dataset: Dataset) -> Network:
    shape = (dataset.crop_height, dataset.crop_width, dataset.channels)
    if "input" in t.data:
        inp = t.table("input")
        shape = (inp.int("height"), inp.int("width"), inp.int("channels"))
        inp.done()
    raw = t.raw("layers")
    if not isinstance(raw, list) or not raw:
        t.fail(t.path("layers"), "must be a non-empty list of [[network.layers]] tables", raw)
    if len(raw) > MAX_LAYERS:
        t.fail(t.path("layers"), f"must have at most {MAX_LAYERS} layers", f"{len(raw)} layers")
    nodes: list[Node] = []
    names = {"input"}
    for i, item in enumerate(raw):
        node = _layer(Table(item, layer_where(i + 1, item), t.source), i, names)
        names.add(node.name)
        nodes.append(node)
    t.done()
    network = Network(shape, tuple(nodes))
    try:
        evaluate(network)  # every layer must apply to the input it receives
    except SpecError as e:
        raise SpecError(f"{t.source}: {e}") from None
    return network


def layer_where(position: int, item: Any) -> str:
    """How a spec's layer is named while it is read: as the layer table numbers it, with its name.

    >>> layer_where(4, {"name": "pool2"}), layer_where(1, {})
    ('layer 4 (pool2)', 'layer 1')
    """
    name = item.get("name") if isinstance(item, dict) else None
    shown = isinstance(name, str) and 0 < len(name) <= 60 and name.isprintable()
    return f"layer {position} ({name})" if shown else f"layer {position}"


def _layer(t: Table, i: int, names: set[str]) -> Node:
    if i >= MAX_LAYERS:
        t.fail(t.where, f"is one layer too many: a network has at most {MAX_LAYERS} layers")
    kind = t.str("type", choices=tuple(LAYER_TYPES))
    name = t.str("name", f"layer{i + 1}")
    if name in names:
        t.fail(t.path("name"), "is used twice", name)
    inputs = t.list("inputs", lambda v, f: check_str(v, f, t.source), default=[])
    for j, ref in enumerate(inputs):
        if ref not in names:
            t.fail(f"{t.path('inputs')}[{j}]", "names no earlier layer", ref)
    cls = LAYER_TYPES[kind]
    if len(inputs) > 1 and not issubclass(cls, MULTI_INPUT):
        t.fail(t.path("inputs"), f"must name one layer: type {kind} reads a single input", list(inputs))
    kwargs: dict[str, Any] = {}
    for fname in _hyper_names(cls):
        lowest = 0 if fname == "padding" else 1
        if fname in t.data or not _has_default(cls, fname):
            kwargs[fname] = t.int(fname, minimum=lowest)
    for fname in _flag_names(cls):
        if fname in t.data:
            kwargs[fname] = t.bool(fname)
    if "activation" in _field_names(cls):
        kwargs["activation"] = t.str("activation", None, ACTIVATIONS)
    if "function" in _field_names(cls):
        kwargs["function"] = t.str("function", choices=ACTIVATIONS)
    layer: Layer = cls(**kwargs)
    t.done()
    return Node(name, layer, inputs)


def _field_names(cls: type) -> set[str]:
    import dataclasses

    return {f.name for f in dataclasses.fields(cls)}


def _hyper_names(cls: type) -> list[str]:
    import dataclasses

    return [f.name for f in dataclasses.fields(cls) if "symbol" in f.metadata]


def _flag_names(cls: type) -> list[str]:
    import dataclasses

    return [f.name for f in dataclasses.fields(cls) if "flag" in f.metadata]


def _has_default(cls: type, name: str) -> bool:
    import dataclasses

    f = next(f for f in dataclasses.fields(cls) if f.name == name)
    return f.default is not dataclasses.MISSING


def _training(t: Table) -> Training:
    out = Training(
        batch_size=t.int("batch_size"),
        epochs=t.int("epochs"),
        backward_factor=t.int("backward_factor", 1, minimum=0, maximum=100),
        learning_rate=t.number("learning_rate", Decimal("0.01")),
        iterations_per_epoch=t.int("iterations_per_epoch", None),
    )
    t.done()
    return out


def _softmax(t: Table) -> Softmax:
    classes = t.list("classes", lambda v, f: check_str(v, f, t.source), min_len=2)
    _distinct(t, "classes", classes)
    logits = t.list("logits", lambda v, f: check_number(v, f, t.source))
    if len(logits) != len(classes):
        t.fail(t.path("logits"), f"must have one value per class ({len(classes)})", len(logits))
    target = t.str("target", choices=classes)
    labels = t.list("labels", lambda v, f: check_str(v, f, t.source), default=[])
    if labels and len(labels) != len(classes):
        t.fail(t.path("labels"), f"must give one name per class ({len(classes)}: {', '.join(classes)})", len(labels))
    _distinct(t, "labels", labels)
    t.done()
    return Softmax(classes, logits, target, labels)


def _questions(root: Table, source: str) -> tuple[Question, ...]:
    raw = root.raw("questions", [])
    if not isinstance(raw, list):
        root.fail("questions", "must be a list of [[questions]] tables", raw)
    if len(raw) > MAX_ITEMS:
        root.fail("questions", f"must have at most {MAX_ITEMS} questions", f"{len(raw)} questions")
    out: list[Question] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        t = Table(item, f"question {i + 1}", source)  # its place, until its id is known
        qid = t.str("id")
        if qid in seen:
            t.fail(t.path("id"), "is used twice", qid)
        seen.add(qid)
        t.where = f"question {qid}"  # users name questions by their ids
        kind = t.str("kind", choices=tuple(QUESTION_KINDS))
        options = {name: read(t, name) for name, read in QUESTION_KINDS[kind].options.items() if name in t.data}
        t.done()
        out.append(Question(qid, kind, options))
    return tuple(out)
