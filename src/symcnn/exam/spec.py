"""Read an exam spec (TOML) into an :class:`~symcnn.exam.Exam`, validating every field.

Every error names the file, the field and the value, e.g.
``exam.toml: network.layers[2].stride must be an integer >= 1, got 0``.
Nothing read here is ever evaluated as code: numbers come from tomllib, decimals are
parsed by :class:`decimal.Decimal` and converted to exact fractions. Files, strings,
lists, numbers and networks are bounded (``MAX_*``), so no input can exhaust time,
memory or the stack.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction
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
    _show,
    check_int,
    check_number,
    check_str,
    read_toml,
)
from ..data import SEED_EXAM, seed_exam_text
from ..errors import SpecError
from ..fileio import read_text
from ..model.conventions import convention
from ..model.layers import ACTIVATIONS, LAYER_TYPES, Add, Concat, Layer, Multiply
from ..model.network import Network, Node, evaluate
from . import Dataset, Exam, Question, Softmax, Training, Vary
from .kinds import QUESTION_KINDS
from .paths import PathError, lookup, resolve

LANGUAGES = ("vi", "en")
MULTI_INPUT: tuple[type[Layer], ...] = (Add, Concat, Multiply)  # layer types that read more than one input

EMBEDDED = SEED_EXAM


def embedded_text() -> str:
    """The seed exam spec shipped inside the package."""
    return seed_exam_text()


def load_exam(path: str | Path | None = None) -> Exam:
    """Load and validate a spec file; ``None`` loads the embedded seed exam."""
    if path is None:
        return parse_exam(embedded_text(), "<embedded seed exam>")
    return parse_exam(read_text(path, SpecError), str(path))


# --------------------------------------------------------------------------- sections


def parse_exam(text: str, source: str) -> Exam:
    """Validate a spec's text into an Exam; the first problem raises SpecError."""
    return exam_from_data(read_toml(text, source), source)


def exam_from_data(data: dict[str, Any], source: str) -> Exam:
    """Validate a spec's TOML data (as :func:`read_toml` reads it) into an Exam."""
    root = Table(data, "", source)
    head = root.table("exam")
    title = head.str("title", "Exam")
    language = head.str("language", "vi", LANGUAGES)
    conv = head.str("convention", "macs")
    convention(conv, f"{source}: exam.convention")
    code = head.str("code", None)
    if code is not None and not CODE.fullmatch(code):
        head.fail(head.path("code"), "must be 1 to 16 capital letters, digits or -", code)
    head.done()
    dataset = _dataset(root.table("dataset"))
    network = _network(root.table("network"), dataset)
    training = _training(root.table("training"))
    softmax = _softmax(root.table("softmax"))
    inference = root.table("inference", {})
    inference_bytes = inference.int("bytes_per_value", 4, maximum=64)
    inference.done()
    _classes_fit(network, softmax, source)
    questions = _questions(root, source)
    variants = _variants(root)
    carried_credit = _grading(root)
    root.done()
    return Exam(title, language, conv, dataset, network, training, softmax, inference_bytes, questions, source,
                code, variants, data, carried_credit)


def _grading(root: Table) -> Fraction:
    """``[grading] carried_credit``: the share of a question's points for an error carried forward (0 … 1)."""
    t = root.table("grading", {})
    credit = t.number("carried_credit") if "carried_credit" in t.data else Fraction(1, 2)
    t.used.add("carried_credit")
    if not 0 <= credit <= 1:
        t.fail(t.path("carried_credit"), "must be a number from 0 to 1", t.data["carried_credit"])
    t.done()
    return credit


def _classes_fit(network: Network, softmax: Softmax, source: str) -> None:
    """The softmax has one class per output unit of the network (when the network ends in a vector)."""
    last = evaluate(network).layers[-1]
    if len(last.shape) == 1 and last.shape[0] != len(softmax.classes):
        raise SpecError(f"{source}: softmax.classes has {len(softmax.classes)} classes"
                        f" ({', '.join(softmax.classes)}), but the network's output, layer {len(network.nodes)}"
                        f" ({last.name}), has {last.shape[0]} units: give one class per output unit")


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
        lowest = 0 if fname in ("padding", "index") else 1
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
    t.allow(*_hyper_names(cls), *_flag_names(cls), *({"activation", "function"} & _field_names(cls)))
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
        options = {name: read(t, name) for name, read in QUESTION_KINDS[kind].accepted.items() if name in t.data}
        points = _points(t) if "points" in t.data else None
        text = _question_text(t) if "text" in t.data else None
        t.allow(*QUESTION_KINDS[kind].options, "points", "text")
        t.done()
        out.append(Question(qid, kind, options, points, text))
    return tuple(out)


MAX_POINTS = 1000
MAX_QUESTION_TEXT = 2000  # characters: a question may be a paragraph


def _points(t: Table) -> Fraction:
    """A question's marks: a positive number with at most two decimals (0.5, 1.25, 2)."""
    value = t.number("points")
    if value <= 0 or value > MAX_POINTS or (value * 100).denominator != 1:
        t.fail(t.path("points"), f"must be a number above 0 and at most {MAX_POINTS}, with at most two decimals",
               t.data["points"])
    return value


def _question_text(t: Table) -> str:
    value = t.raw("text")
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_QUESTION_TEXT or not value.isprintable():
        t.fail(t.path("text"), f"must be printable text of 1 to {MAX_QUESTION_TEXT} characters (one line)", value)
    return value


# --------------------------------------------------------------------------- [variants]

CODE = re.compile(r"[A-Z0-9-]{1,16}")
RANGE_KEYS = {"from", "to", "step"}
FIXED = ("id", "kind")  # question fields a variant keeps: every variant asks the same questions


def _variants(root: Table) -> tuple[Vary, ...]:
    """The ``[variants]`` table: ``"path" = [choices]`` or ``"path" = { from = a, to = b, step = c }``.

    Paths are checked against the spec's own data (they must name a field it sets), and
    each choice must be of the field's type; whether a choice makes a valid exam is up to
    the variant generator, which draws and checks whole exams.
    """
    if "variants" not in root.data:
        return ()
    t = root.table("variants")
    out: list[Vary] = []
    seen: dict[tuple[str | int, ...], str] = {}
    for path, raw in _entries(t.data, ""):
        where = f"variants.{_show(path)}"
        if len(out) >= MAX_ITEMS:
            t.fail("variants", f"must have at most {MAX_ITEMS} entries")
        try:
            steps = resolve(root.data, path)
        except PathError as e:
            raise SpecError(f"{t.source}: {where} {e}") from None
        if steps[0] == "variants":
            t.fail(where, "cannot vary the [variants] table itself")
        if steps[0] == "questions" and steps[-1] in FIXED:
            t.fail(where, "cannot vary: every variant asks the same questions (same ids and kinds)")
        if steps in seen:
            t.fail(where, f"names the same field as {_show(seen[steps])}")
        seen[steps] = path
        choices = _choices(t, where, raw)
        base = lookup(root.data, steps)
        for i, c in enumerate(choices):
            if _type(c) != _type(base):
                t.fail(f"{where}[{i}]", f"must be {_type(base)}, like the field it varies", c)
        out.append(Vary(path, steps, choices))
    if not out:
        t.fail("variants", "must list at least one field to vary (or leave the table out: the default policy)")
    return tuple(out)


def _entries(data: dict[str, Any], prefix: str) -> list[tuple[str, Any]]:
    """``(path, value)`` pairs; an unquoted dotted key (``dataset.images = [...]``) is a nested table in TOML."""
    out = []
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and not (set(value) & RANGE_KEYS):
            out += _entries(value, path)
        else:
            out.append((path, value))
    return out


def _type(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, Decimal)):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "a table"


def _choices(t: Table, where: str, raw: Any) -> tuple[Any, ...]:
    if isinstance(raw, list):
        if not raw or len(raw) > MAX_ITEMS:
            t.fail(where, f"must list 1 to {MAX_ITEMS} choices", raw)
        return tuple(raw)
    if not isinstance(raw, dict):
        t.fail(where, "must be a list of choices or a range { from = a, to = b, step = c }", raw)
    extra = sorted(set(raw) - RANGE_KEYS)
    if extra or "from" not in raw or "to" not in raw:
        t.fail(where, "a range must have exactly from, to and optionally step", raw)
    numbers = []
    for key in ("from", "to", "step"):
        v = raw.get(key, 1)
        if isinstance(v, bool) or not isinstance(v, (int, Decimal)) or not Decimal(v).is_finite():
            t.fail(f"{where}.{key}", "must be a number", v)
        check_number(v, f"{where}.{key}", t.source)
        numbers.append(Decimal(v))
    lo, hi, step = numbers
    if step <= 0 or hi < lo:
        t.fail(where, "must have from <= to and step > 0", raw)
    count = int((hi - lo) // step) + 1
    if count > MAX_ITEMS:
        t.fail(where, f"allows {count} values; a range may hold at most {MAX_ITEMS}", raw)
    if all(isinstance(raw.get(k, 1), int) for k in ("from", "to", "step")):
        return tuple(range(int(lo), int(hi) + 1, int(step)))
    places = max(-min(n.as_tuple().exponent for n in numbers), 0)  # type: ignore[operator]
    quantum = Decimal(1).scaleb(-places)
    return tuple((lo + i * step).quantize(quantum) for i in range(count))
