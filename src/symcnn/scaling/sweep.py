"""Exact sweeps over many input sizes: the per-layer recurrence on integer arrays.

The layer methods and rules are called with numpy integer arrays for the input height
and width (``//`` on integer arrays is floor division), so a sweep computes exactly
what :func:`symcnn.model.network.evaluate` computes, for a whole chunk of sizes at once.

Exactness. Before a sweep, :func:`plan` evaluates the same calls once at the largest
size with :class:`Tracked` ints, which record the largest magnitude of every
intermediate result. Every rule is a sum of products of non-negative values and floor
divisions by positive constants, so on valid sizes each intermediate is non-decreasing
in the input size and its largest value is reached at the largest size (invalid rows
have their non-positive dimensions replaced by 1, which keeps the same bound). A call
whose bound fits in int64 runs on int64 arrays; a call just beyond (up to 10^32, only +
and ×) runs on :class:`~symcnn.scaling.wide.Wide` int64 limbs; any other call runs on object
arrays of Python ints. Nothing is ever evaluated in floating point.

Output. :class:`RowWriter` writes rows of integers as text without a Python object per
row; :func:`write_csv` streams a sweep through it, chunk by chunk, to a file that
appears only when complete.

>>> from symcnn.exam.spec import load_exam
>>> sw = plan(load_exam(), range(128, 131), range(128, 131), square=True)
>>> [int(v) for v in next(chunks(sw)).columns["conv1.H"]]
[124, 125, 126]
"""

from __future__ import annotations

import dataclasses
import io
import operator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, ClassVar, Iterator, Mapping

import numpy as np

from ..errors import SpecError
from ..exam import Exam
from ..fileio import atomic_stream
from ..model import rules
from ..model.conventions import CONVENTIONS
from ..model.layers import Layer, hyperparameters, size
from ..model.network import Network
from .wide import LIMIT as WIDE_LIMIT
from .wide import Wide, WideUnsupported

INT64_MAX = 2**63 - 1
CHUNK = 1 << 14  # sizes per chunk: bounded memory whatever the sweep's length
MAX_SIZES = 10**9  # per sweep: about 7 minutes in memory, and 1.3 TB as a full CSV

# --------------------------------------------------------------------------- bounds


class Tracked(int):
    """An int whose arithmetic records the largest magnitude it ever produced.

    >>> Tracked.peak = 0
    >>> int(Tracked(3) * 4 - 20), Tracked.peak
    (-8, 12)
    """

    peak: ClassVar[int] = 0


def _tracking(name: str) -> Callable[..., Any]:
    base = getattr(int, name)

    def op(self: int, *args: Any) -> Any:
        value = base(self, *args)
        if value is NotImplemented or not isinstance(value, int):
            return value
        Tracked.peak = max(Tracked.peak, abs(value))
        return Tracked(value)

    return op


for _name in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__floordiv__",
              "__rfloordiv__", "__mod__", "__rmod__", "__pow__", "__neg__", "__abs__"):
    setattr(Tracked, _name, _tracking(_name))


def _tracked_layer(layer: Layer) -> Layer:
    """The layer with every hyperparameter a Tracked int (as ``symbolic`` does with symbols)."""
    return dataclasses.replace(layer, **{n: Tracked(getattr(layer, n)) for n in hyperparameters(layer)})


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, (tuple, list)):
        for v in value:
            yield from _leaves(v)
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _leaves(v)
    else:
        yield value


def _map(value: Any, f: Callable[[Any], Any]) -> Any:
    if isinstance(value, (tuple, list)):
        return type(value)(_map(v, f) for v in value)
    if isinstance(value, Mapping):
        return {k: _map(v, f) for k, v in value.items()}
    return f(value)


class _BoundPass:
    """Evaluates every call once at the largest size and records each call's peak magnitude."""

    def __init__(self) -> None:
        self.peaks: dict[str, int] = {}

    def layer(self, layer: Layer) -> Layer:
        return _tracked_layer(layer)

    def __call__(self, key: str, fn: Callable[..., Any], *args: Any) -> Any:
        Tracked.peak = max((abs(v) for v in _leaves(args) if isinstance(v, int)), default=0)
        result = _map(fn(*args), lambda v: Tracked(v) if isinstance(v, int) else v)
        self.peaks[key] = max([Tracked.peak, *(abs(v) for v in _leaves(result) if isinstance(v, int))])
        return result

    def positive(self, where: str, shape: tuple[Any, ...]) -> tuple[Any, ...]:
        return shape


def _as_int64(v: Any) -> Any:
    """An array argument of a call whose bound fits int64, as int64 (exactly: it fits)."""
    if isinstance(v, Wide):
        return np.array(v.tolist(), dtype=np.int64)
    return v.astype(np.int64) if isinstance(v, np.ndarray) and v.dtype != np.int64 else v


def _as_object(v: Any) -> Any:
    """An array argument as Python ints."""
    if isinstance(v, Wide):
        return v.objects()
    return v.astype(object) if isinstance(v, np.ndarray) and v.dtype != object else v


class _ArrayPass:
    """Evaluates every call on arrays: int64 where the call's bound fits, Python ints otherwise."""

    def __init__(self, peaks: Mapping[str, int], rows: int):
        self.peaks = peaks
        self.valid = np.ones(rows, dtype=bool)

    def layer(self, layer: Layer) -> Layer:
        return layer

    def __call__(self, key: str, fn: Callable[..., Any], *args: Any) -> Any:
        peak = self.peaks[key]
        if peak <= INT64_MAX:
            return fn(*_map(args, _as_int64))
        if peak <= WIDE_LIMIT and not any(isinstance(v, np.ndarray) and v.dtype == object for v in _leaves(args)):
            try:
                return fn(*_map(args, lambda v: Wide.from_int64(v) if isinstance(v, np.ndarray) else v))
            except WideUnsupported:
                pass
        return fn(*_map(args, _as_object))

    def positive(self, where: str, shape: tuple[Any, ...]) -> tuple[Any, ...]:
        """Mark rows with a non-positive dimension invalid and give them dimension 1."""
        out = []
        for d in shape:
            ok = d > 0
            self.valid &= ok
            if isinstance(d, Wide):
                out.append(d.where(ok, 1))
            else:
                out.append(np.where(ok, d, 1).astype(d.dtype) if isinstance(d, np.ndarray) else (d if ok else 1))
        return tuple(out)


# --------------------------------------------------------------------------- the recurrence


def _total(values: list[Any]) -> Any:
    out: Any = 0
    for v in values:
        out = out + v
    return out


def _samples(exam: Exam) -> int:
    d = exam.dataset
    return rules.samples(d.images, d.crops_per_image, rules.augmentation_factor(len(d.transforms), int(d.keep_originals)))


def _layers(network: Network, h: Any, w: Any, call: Any) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """Every layer's columns, in order, and the per-layer values each total sums."""
    cols: dict[str, Any] = {"H": h, "W": w}
    shapes: list[tuple[Any, ...]] = [(h, w, network.input_shape[2])]
    parts: dict[str, list[Any]] = {"params": [], "activations": [call("input.activations", size, shapes[0])]}
    parts.update({f"cost.{name}": [] for name in CONVENTIONS})
    for i, node in enumerate(network.nodes, start=1):
        layer, name = call.layer(node.layer), node.name
        ins = tuple(shapes[j] for j in network.sources(i))
        out = call.positive(name, call(f"{name}.shape", layer.output_shape, ins))
        shapes.append(out)
        letters = ("H", "W", "D") if len(out) == 3 else ("N",)
        cols.update({f"{name}.{letter}": d for letter, d in zip(letters, out)})
        weights = call(f"{name}.weights", layer.weights, ins)
        biases = call(f"{name}.biases", layer.biases, ins)
        counts = call(f"{name}.counts", layer.counts, ins, out)
        cols[f"{name}.params"] = call(f"{name}.params", operator.add, weights, biases)
        cols[f"{name}.activations"] = call(f"{name}.activations", size, out)
        for conv in CONVENTIONS.values():
            cols[f"{name}.cost.{conv.name}"] = call(f"{name}.cost.{conv.name}", conv.cost, counts)
        for key in parts:
            parts[key].append(cols[f"{name}.{key}"])
    return cols, parts


def _walk(exam: Exam, h: Any, w: Any, call: Any) -> dict[str, Any]:
    """Every column of one sweep row (or chunk of rows), in order; ``call`` evaluates each step."""
    t = exam.training
    cols, parts = _layers(exam.network, h, w, call)
    for key, values in parts.items():
        cols[key] = call(key, _total, values)
    b = exam.inference_bytes
    cols["activation_bytes"] = call("activation_bytes", rules.memory_bytes, cols["activations"], b)
    cols["param_bytes"] = call("param_bytes", rules.memory_bytes, cols["params"], b)
    cols["memory_bytes"] = call("memory_bytes", operator.add, cols["param_bytes"], cols["activation_bytes"])
    its = t.iterations_per_epoch or rules.iterations(_samples(exam), t.batch_size)
    for name in CONVENTIONS:
        batch = call(f"batch.{name}", rules.batch_cost, cols[f"cost.{name}"], t.batch_size, t.backward_factor)
        cols[f"batch.{name}"] = batch
        cols[f"run.{name}"] = call(f"run.{name}", rules.run_cost, batch, its, t.epochs)
    return cols


# --------------------------------------------------------------------------- sweeps


@dataclass(frozen=True)
class Sweep:
    """A planned sweep: the exam, the sizes (square, or the grid heights × widths) and the bounds."""

    exam: Exam
    heights: range
    widths: range
    square: bool
    peaks: Mapping[str, int]
    columns: tuple[str, ...]

    @property
    def rows(self) -> int:
        return len(self.heights) if self.square else len(self.heights) * len(self.widths)

    @property
    def wide(self) -> tuple[str, ...]:
        """Calls whose bound exceeds int64 (they run on Wide limbs or Python ints)."""
        return tuple(k for k, v in self.peaks.items() if v > INT64_MAX)

    def sizes(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """Input heights and widths of rows ``start`` … ``stop - 1``."""
        idx = np.arange(start, stop, dtype=np.int64)
        if self.square:
            h = _axis(self.heights, idx)
            return h, h
        n = len(self.widths)
        return _axis(self.heights, idx // n), _axis(self.widths, idx % n)


def _axis(r: range, idx: np.ndarray) -> np.ndarray:
    if max(r[-1], abs(r.step) * len(r)) <= INT64_MAX:
        return r.start + idx * r.step
    return np.array([r[i] for i in idx.tolist()], dtype=object)


@dataclass(frozen=True)
class Chunk:
    """The valid rows among ``total`` consecutive sizes: column → array (or int if constant)."""

    start: int
    total: int
    rows: int
    columns: Mapping[str, Any]


def plan(exam: Exam, heights: range, widths: range, square: bool = False, option: str = "sweep") -> Sweep:
    """Check the sizes and bound every intermediate at the largest size (see the module doc).

    ``option`` names the sizes in errors (``--size`` from the command line).
    """
    from ..model.network import evaluate

    def length(r: range) -> int:  # len() raises OverflowError beyond 2^63 sizes
        return max(0, -(-(r.stop - r.start) // r.step)) if r.step > 0 else len(r)

    if not length(heights) or not length(widths):
        raise SpecError(f"{option}: the size range is empty")
    count = length(heights) if square else length(heights) * length(widths)
    if count > MAX_SIZES:
        raise SpecError(f"{option}: {count:,} input sizes is more than {MAX_SIZES:,} per sweep; "
                        "take a STEP (A:B:STEP) or a smaller range")
    corner = (max(heights), max(widths), exam.network.input_shape[2])
    try:
        evaluate(exam.network, corner)
    except SpecError as e:
        raise SpecError(f"sweep: even the largest size {corner[0]}×{corner[1]} is invalid: {e}") from None
    bound = _BoundPass()
    cols = _walk(exam, Tracked(corner[0]), Tracked(corner[1]), bound)
    return Sweep(exam, heights, widths, square, bound.peaks, tuple(cols))


def select(sw: Sweep, patterns: str, option: str = "--columns") -> Sweep:
    """The sweep writing only the columns matching comma-separated globs (H and W always first).

    >>> from symcnn.exam.spec import load_exam
    >>> select(plan(load_exam(), range(20, 30), range(20, 30), True), "cost.macs,fc*.N").columns
    ('H', 'W', 'fc1.N', 'fc2.N', 'cost.macs')
    """
    from fnmatch import fnmatchcase

    globs = [g.strip() for g in patterns.split(",")]
    for g in globs:
        if not g or not any(fnmatchcase(c, g) for c in sw.columns):
            raise SpecError(f"{option}: {g!r} matches no column (names like H, conv1.H, conv1.cost.macs, "
                            f"cost.flops, memory_bytes, run.macs)")
    keep = tuple(c for c in sw.columns if c in ("H", "W") or any(fnmatchcase(c, g) for g in globs))
    return dataclasses.replace(sw, columns=keep)


def evaluate_sizes(sw: Sweep, h: np.ndarray, w: np.ndarray, start: int = 0) -> Chunk:
    """Every column at the sizes ``h[i] × w[i]``, keeping only the valid rows."""
    p = _ArrayPass(sw.peaks, len(h))
    cols = _walk(sw.exam, h, w, p)
    if not p.valid.all():
        cols = {k: v[p.valid] if isinstance(v, (np.ndarray, Wide)) else v for k, v in cols.items()}
    return Chunk(start, len(h), int(p.valid.sum()), cols)


def chunks(sw: Sweep, chunk: int = CHUNK) -> Iterator[Chunk]:
    """The sweep in consecutive chunks of at most ``chunk`` sizes (memory stays bounded)."""
    for start in range(0, sw.rows, chunk):
        stop = min(start + chunk, sw.rows)
        yield evaluate_sizes(sw, *sw.sizes(start, stop), start=start)


def sample(sw: Sweep, points: int = 400) -> Chunk:
    """At most ``points`` rows spread evenly on a log scale of the row index (for plots)."""
    idx = np.unique(np.geomspace(1, sw.rows, num=min(points, sw.rows)).astype(np.int64) - 1)
    parts = [sw.sizes(int(i), int(i) + 1) for i in idx]
    h = np.concatenate([p[0] for p in parts])
    w = np.concatenate([p[1] for p in parts])
    return evaluate_sizes(sw, h, w)


# --------------------------------------------------------------------------- integers as text
#
# Rows are written without a Python object per row or per value: within a run of rows
# where every column has the same number of digits, each column is a fixed-width slice
# of one byte matrix, filled from 4-digit groups looked up in a table.

_GROUPS = np.array([f"{i:04d}".encode() for i in range(10_000)], dtype="S4").view(np.uint32)


@dataclass(frozen=True)
class _Field:
    """One column prepared for writing: constant bytes, 4-digit groups, or digit strings."""

    value: Any  # bytes | (n, groups) uint32 digit groups | (n, width) uint8 matrix, left-aligned
    lengths: Any  # digits per row (array) or the constant's length (int)


def _field(col: Any, n: int) -> _Field:
    if isinstance(col, bytes):
        return _Field(col, len(col))
    if isinstance(col, Wide):
        groups, lengths = col.groups()
        first = min(int(np.argmax(groups.any(axis=0))), groups.shape[1] - (int(lengths.max(initial=1)) + 3) // 4)
        return _Field(_GROUPS.take(groups[:, first:]), lengths)
    if not isinstance(col, np.ndarray):
        raw = str(int(col)).encode()
        return _Field(raw, len(raw))
    lo, hi = (int(col.min()), int(col.max())) if n else (0, 0)
    if col.dtype == object or lo < 0:
        mat = np.array([str(v) for v in col.tolist()] or [""], dtype="S").view(np.uint8).reshape(max(n, 1), -1)[:n]
        return _Field(mat, (mat != 0).sum(axis=1))
    fewest, most = len(str(lo)), len(str(hi))
    if fewest == most:  # the usual case within a chunk: one width for every row
        return _Field(_groups(col, most), most)
    lengths = np.full(n, fewest, dtype=np.int64)
    for k in range(fewest, most):
        lengths += col >= 10**k
    return _Field(_groups(col, most), lengths)


def _groups(x: np.ndarray, width: int) -> np.ndarray:
    """The last ``width`` digits of each value, zero-padded to whole 4-digit groups: (n, groups) uint32."""
    groups = (width + 3) // 4
    out = np.empty((x.size, groups), dtype=np.uint32)
    for g in range(groups - 1, -1, -1):
        q = x // 10_000
        out[:, g] = _GROUPS.take(x - q * 10_000)
        x = q
    return out


def _put(buf: np.ndarray, row: int, off: int, src: np.ndarray, n: int) -> None:
    """Copy one fixed-width item per row (or the same item to every row) into ``buf`` at byte ``off``."""
    np.ndarray((n,), dtype=src.dtype, buffer=buf, offset=off, strides=(row,))[...] = src


def _items(mat: np.ndarray) -> np.ndarray:
    """An (n, w) byte matrix as n items of w bytes."""
    return np.ascontiguousarray(mat).view(f"V{mat.shape[1]}").reshape(mat.shape[0])


class RowWriter:
    """Writes rows of integers to a binary stream through one reused scratch buffer."""

    def __init__(self, stream: Any, sep: bytes = b",", end: bytes = b"\n", start: bytes = b""):
        self.stream, self.sep, self.end, self.start = stream, sep, end, start
        self.scratch = np.empty(0, dtype=np.uint8)

    def _run(self, fields: list[_Field], a: int, b: int) -> None:
        """Rows a … b−1, in which every field has a fixed width.

        Fields are written right to left, so a number may be written with its leading
        zero digits spilling over the field to its left, which is written afterwards;
        the first field goes last and is copied exactly.
        """
        n = b - a
        widths = [f.lengths if isinstance(f.lengths, int) else int(f.lengths[a]) for f in fields]
        offsets = np.cumsum([0, *widths]).tolist()
        row = offsets[-1]
        if self.scratch.size < n * row:
            self.scratch = np.empty(n * row, dtype=np.uint8)
        buf = self.scratch[: n * row]
        for k in [*range(len(fields) - 1, 0, -1), 0]:
            f, w, off = fields[k], widths[k], offsets[k]
            if isinstance(f.value, bytes):
                _put(buf, row, off, np.frombuffer(f.value, dtype=f"V{w}"), n)
            elif f.value.dtype == np.uint8:
                _put(buf, row, off, _items(f.value[a:b, :w]), n)
            else:
                groups = f.value[a:b]
                spill = 4 * groups.shape[1] - w
                if k and off >= spill:
                    _put(buf, row, off - spill, groups.view(f"V{4 * groups.shape[1]}").reshape(n), n)
                else:
                    _put(buf, row, off, _items(groups.view(np.uint8).reshape(n, -1)[:, spill:]), n)
        self.stream.write(buf.data)

    def write(self, columns: list[Any], n: int) -> None:
        """Write n rows; ``columns`` holds arrays of n values or constants."""
        fields = [_field(self.start, n)] if self.start else []
        for i, col in enumerate(columns):
            if i:
                fields.append(_field(self.sep, n))
            fields.append(_field(col, n))
        fields.append(_field(self.end, n))
        merged: list[_Field] = []
        for f in fields:  # adjacent constants become one piece of text
            if merged and isinstance(f.value, bytes) and isinstance(merged[-1].value, bytes):
                merged[-1] = _field(merged[-1].value + f.value, n)
            else:
                merged.append(f)
        change = np.zeros(max(n - 1, 0), dtype=bool)
        for f in merged:
            if not isinstance(f.lengths, int):
                change |= f.lengths[1:] != f.lengths[:-1]
        bounds = [0, *(np.flatnonzero(change) + 1).tolist(), n]
        for a, b in zip(bounds, bounds[1:]):
            if b > a:
                self._run(merged, a, b)


def format_rows(columns: list[Any], n: int, sep: bytes = b",", end: bytes = b"\n", start: bytes = b"") -> bytes:
    """Rows of integers as text, every value written in full, without a Python object per row.

    >>> format_rows([np.array([7, 10**12, 8]), 5], 3)
    b'7,5\\n1000000000000,5\\n8,5\\n'
    """
    out = io.BytesIO()
    RowWriter(out, sep, end, start).write(columns, n)
    return out.getvalue()


# --------------------------------------------------------------------------- output files


def csv_header(sw: Sweep) -> bytes:
    """The header row, quoted by the csv module's rules (a layer name may hold commas or quotes).

    The rows below it are integers only, which never need quoting.
    """
    import csv

    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(sw.columns)  # "\r\n": a name holding \r or \n is quoted
    return out.getvalue().removesuffix("\r\n").encode("utf-8") + b"\n"


def write_csv(sw: Sweep, path: str | Path, observe: Callable[[Chunk], None] | None = None) -> int:
    """Stream the whole sweep to a CSV file (header row, then one row per valid size).

    One chunk at a time is evaluated, formatted through one reused buffer and written,
    then handed to ``observe``: memory stays bounded whatever the sweep's length.
    (Worker threads were tried: copying chunks between threads cost more than they saved.)
    """
    written = 0
    with atomic_stream(path) as f:
        f.write(csv_header(sw))
        rows = RowWriter(f)
        for c in chunks(sw):
            rows.write([c.columns[k] for k in sw.columns], c.rows)
            written += c.rows
            if observe:
                observe(c)
    return written
