"""Read an exam spec (TOML) into an :class:`~symcnn.exam.Exam`, validating every field.

Every error names the file, the field and the value, e.g.
``exam.toml: network.layers[2].stride must be an integer >= 1, got 0``.
Nothing read here is ever evaluated as code: numbers come from tomllib, decimals are
parsed by :class:`decimal.Decimal` and converted to exact fractions.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any, Callable

from .conventions import convention
from .errors import SpecError, SymcnnError
from .exam import Dataset, Exam, Question, Softmax, Training
from .layers import ACTIVATIONS, LAYER_TYPES, Layer
from .network import Network, Node, evaluate

LANGUAGES = ("vi", "en")
MAX_SIZE = 2**64  # larger sizes are surely a typo
MAX_TEXT = 200  # characters in a name, title or label

EMBEDDED = "seed_exam.toml"


def embedded_text() -> str:
    """The seed exam spec shipped inside the package."""
    return resources.files("symcnn.data").joinpath(EMBEDDED).read_text(encoding="utf-8")


def load_exam(path: str | Path | None = None) -> Exam:
    """Load and validate a spec file; ``None`` loads the embedded seed exam."""
    if path is None:
        return parse_exam(embedded_text(), "<embedded seed exam>")
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"{p}: no such file") from None
    except UnicodeDecodeError as e:
        raise SpecError(f"{p}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    except OSError as e:
        raise SpecError(f"{p}: cannot read ({e.strerror})") from None
    return parse_exam(text, str(p))


def read_toml(text: str, source: str, error: type[SymcnnError] = SpecError) -> dict[str, Any]:
    """Parse TOML, with decimals as exact :class:`Decimal`; a syntax error names the file."""
    try:
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as e:
        raise error(f"{source}: not valid TOML ({e})") from None


class Table:
    """A TOML table being read: typed getters whose errors name file, field and value."""

    def __init__(self, data: Any, where: str, source: str):
        self.source, self.where = source, where
        if not isinstance(data, dict):
            self.fail(where, "must be a table", data)
        self.data: dict[str, Any] = data
        self.used: set[str] = set()

    def path(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def fail(self, field: str, why: str, value: Any = ..., error: type[SymcnnError] = SpecError) -> None:
        got = "" if value is ... else f", got {_show(value)}"
        raise error(f"{self.source}: {field} {why}{got}")

    def raw(self, key: str, default: Any = ...) -> Any:
        self.used.add(key)
        if key not in self.data:
            if default is ...:
                self.fail(self.path(key), "is missing")
            return default
        return self.data[key]

    def table(self, key: str, default: Any = ...) -> "Table":
        value = self.raw(key, {} if default is ... else default)
        if key not in self.data and default is ...:
            self.fail(self.path(key), "is missing")
        return Table(value, self.path(key), self.source)

    def int(self, key: str, default: Any = ..., minimum: int = 1, maximum: int = MAX_SIZE) -> int:
        value = self.raw(key, default)
        if key not in self.data:
            return value
        return check_int(value, self.path(key), self.source, minimum, maximum)

    def str(self, key: str, default: Any = ..., choices: tuple[str, ...] | None = None) -> str:
        value = self.raw(key, default)
        if key not in self.data:
            return value
        return check_str(value, self.path(key), self.source, choices)

    def bool(self, key: str, default: Any = ...) -> bool:
        value = self.raw(key, default)
        if not isinstance(value, bool):
            self.fail(self.path(key), "must be true or false", value)
        return value

    def number(self, key: str, default: Any = ...) -> Fraction:
        value = self.raw(key, default)
        return check_number(value, self.path(key), self.source)

    def list(self, key: str, item: Callable[[Any, str], Any], default: Any = ..., min_len: int = 0) -> tuple[Any, ...]:
        value = self.raw(key, default)
        if not isinstance(value, list):
            self.fail(self.path(key), "must be a list", value)
        if len(value) < min_len:
            self.fail(self.path(key), f"must have at least {min_len} item(s)", value)
        return tuple(item(v, f"{self.path(key)}[{i}]") for i, v in enumerate(value))

    def done(self) -> None:
        """Reject keys nobody read: a typo must not be silently ignored."""
        extra = sorted(set(self.data) - self.used)
        if extra:
            known = ", ".join(sorted(self.used)) or "none"
            self.fail(self.path(extra[0]), f"is not a known field (known here: {known})")


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    if isinstance(value, Decimal):
        text = format(value, "f") if abs(value.adjusted()) < 30 else str(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return text


def check_int(value: Any, field: str, source: str, minimum: int = 1, maximum: int = MAX_SIZE) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(f"{source}: {field} must be an integer, got {_show(value)}")
    if value < minimum:
        raise SpecError(f"{source}: {field} must be an integer >= {minimum}, got {_show(value)}")
    if value > maximum:
        raise SpecError(f"{source}: {field} must be at most {maximum}, got {_show(value)}")
    return value


def check_str(value: Any, field: str, source: str, choices: tuple[str, ...] | None = None) -> str:
    if not isinstance(value, str):
        raise SpecError(f"{source}: {field} must be a string, got {_show(value)}")
    if choices is not None and value not in choices:
        raise SpecError(f"{source}: {field} must be one of {', '.join(choices)}, got {_show(value)}")
    if not value.strip() or len(value) > MAX_TEXT or not value.isprintable():
        raise SpecError(
            f"{source}: {field} must be printable text of 1 to {MAX_TEXT} characters, got {_show(value)}"
        )
    return value


def check_number(value: Any, field: str, source: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise SpecError(f"{source}: {field} must be a number, got {_show(value)}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise SpecError(f"{source}: {field} must be a finite number, got {_show(value)}")
    if abs(value) > 10**6:
        raise SpecError(f"{source}: {field} must be at most 1000000 in size, got {_show(value)}")
    return Fraction(value)


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
        transforms=t.list("transforms", lambda v, f: check_str(v, f, t.source), default=[]),
        keep_originals=t.bool("keep_originals", True),
    )
    t.done()
    if not out.keep_originals and not out.transforms:
        t.fail(t.path("transforms"), "must list at least one transform when keep_originals is false", [])
    return out


def _network(t: Table, dataset: Dataset) -> Network:
    shape = (dataset.crop_height, dataset.crop_width, dataset.channels)
    if "input" in t.data:
        inp = t.table("input")
        shape = (inp.int("height"), inp.int("width"), inp.int("channels"))
        inp.done()
    raw = t.raw("layers")
    if not isinstance(raw, list) or not raw:
        t.fail(t.path("layers"), "must be a non-empty list of [[network.layers]] tables", raw)
    nodes: list[Node] = []
    names = {"input"}
    for i, item in enumerate(raw):
        node = _layer(Table(item, f"{t.path('layers')}[{i}]", t.source), i, names)
        names.add(node.name)
        nodes.append(node)
    t.done()
    network = Network(shape, tuple(nodes))
    try:
        evaluate(network)  # every layer must apply to the input it receives
    except SpecError as e:
        raise SpecError(f"{t.source}: {e}") from None
    return network


def _layer(t: Table, i: int, names: set[str]) -> Node:
    kind = t.str("type", choices=tuple(LAYER_TYPES))
    name = t.str("name", f"layer{i + 1}")
    if name in names:
        t.fail(t.path("name"), "is used twice", name)
    inputs = t.list("inputs", lambda v, f: check_str(v, f, t.source), default=[])
    for j, ref in enumerate(inputs):
        if ref not in names:
            t.fail(f"{t.path('inputs')}[{j}]", "names no earlier layer", ref)
    cls = LAYER_TYPES[kind]
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
    if len(set(classes)) != len(classes):
        t.fail(t.path("classes"), "has a class twice", list(classes))
    logits = t.list("logits", lambda v, f: check_number(v, f, t.source))
    if len(logits) != len(classes):
        t.fail(t.path("logits"), f"must have one value per class ({len(classes)})", len(logits))
    target = t.str("target", choices=classes)
    t.done()
    return Softmax(classes, logits, target)


def _questions(root: Table, source: str) -> tuple[Question, ...]:
    from .questions import QUESTION_KINDS

    raw = root.raw("questions", [])
    if not isinstance(raw, list):
        root.fail("questions", "must be a list of [[questions]] tables", raw)
    out: list[Question] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        t = Table(item, f"questions[{i}]", source)
        qid = t.str("id")
        if qid in seen:
            t.fail(t.path("id"), "is used twice", qid)
        seen.add(qid)
        kind = t.str("kind", choices=tuple(QUESTION_KINDS))
        options = {name: read(t, name) for name, read in QUESTION_KINDS[kind].options.items() if name in t.data}
        t.done()
        out.append(Question(qid, kind, options))
    return tuple(out)
