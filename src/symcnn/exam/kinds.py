"""The question kinds a spec may ask: each kind's solver and the options it takes.

The spec loader checks ``kind`` and its options against :data:`QUESTION_KINDS` without
loading the solvers (they need sympy); :meth:`QuestionKind.solve` loads them on first use.
A new kind is one entry here and one function ``(Context, Question) -> Answer`` in
:mod:`symcnn.exam.questions`, or in another module of :mod:`symcnn.exam` named by ``module``.
A kind whose answer depends on the input size is tagged ``sized=True`` and so takes
``height``/``width``; every kind takes ``unit``/``decimals`` for an answer in bytes or a count
(:mod:`symcnn.exam.generic` does both, for every kind, by the unit its answer is tagged with).

>>> sorted(QUESTION_KINDS)[:3]
['dataset.bytes', 'dataset.crops', 'dataset.samples']
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Callable, Mapping

from ..checked import check_int
from .units import UNITS

if TYPE_CHECKING:
    from . import Question
    from .questions import Context
    from .steps import Answer


@dataclass(frozen=True)
class QuestionKind:
    """A question kind: its solver's name in ``symcnn.exam.<module>``, and its options.

    ``sized``: the answer depends on the input size, so the kind also takes ``height`` and
    ``width`` (:data:`SIZE_OPTIONS`) and is solved at that size (:mod:`symcnn.exam.generic`).
    Every kind takes ``unit`` and ``decimals`` (:data:`UNIT_OPTIONS`) unless it defines them
    itself: an answer in bytes or a count is then converted (``MB``, ``M``).
    """

    solver: str
    options: Mapping[str, Callable[[Any, str], Any]]
    module: str = "questions"
    blanks: str | None = None  # a function of the module: (exam, question, lang, number) -> its text's blanks
    sized: bool = False

    @property
    def accepted(self) -> dict[str, Callable[[Any, str], Any]]:
        """Every option a question of this kind may set: its own, the size's, the unit's."""
        out = dict(UNIT_OPTIONS)
        if self.sized:
            out.update(SIZE_OPTIONS)
        out.update(self.options)
        return out

    def solve(self, ctx: Context, q: Question) -> Answer:
        from importlib import import_module

        from .generic import at_size, in_unit

        solver = getattr(import_module(f"{__package__}.{self.module}"), self.solver)
        own = set(self.options)
        answer: Answer = (at_size(ctx, q, solver, QUESTION_KINDS) if self.sized and not own & set(SIZE_OPTIONS)
                          else solver(ctx, q))
        return in_unit(ctx, q, answer, "decimals" in own) if "unit" not in own else answer

    def text_blanks(self, exam: Any, q: Question, lang: str, number: Callable[[Any], str]) -> dict[str, str]:
        """Blanks the kind's question text fills beyond its options (defaults, words for choices)."""
        if self.blanks is None:
            return {}
        from importlib import import_module

        found: dict[str, str] = getattr(import_module(f"{__package__}.{self.module}"), self.blanks)(exam, q, lang, number)
        return found


def _int_list(t: Any, name: str) -> tuple[int, ...]:
    return t.list(name, lambda v, f: check_int(v, f, t.source), min_len=1)


def _shapes_layers_option(t: Any, name: str) -> tuple[int, ...] | str:
    """``layers = [1, 2, 3, 4]`` (numbered as in the layer table) or ``layers = "all"``."""
    value = t.raw(name)
    if value == "all":
        return "all"
    if not isinstance(value, list):
        t.fail(t.path(name), 'must be a list of layer numbers (as in the layer table) or "all"', value)
    return _int_list(t, name)


def _decimals_option(t: Any, name: str) -> int:
    return t.int(name, minimum=0, maximum=12)


def _int_option(t: Any, name: str) -> int:
    return t.int(name)


def _str_option(t: Any, name: str) -> str:
    return t.str(name)


def _choice(*choices: str) -> Callable[[Any, str], str]:
    def read(t: Any, name: str) -> str:
        return t.str(name, choices=choices)

    return read


def _bool_option(t: Any, name: str) -> bool:
    return t.bool(name)


def _layer_ref(value: Any, field: str, source: str) -> int | str:
    """A layer named as the spec names it (``"conv2"``) or by its position in the layer table (``3``)."""
    from ..checked import check_str
    from ..errors import SpecError

    if isinstance(value, int) and not isinstance(value, bool):
        return check_int(value, field, source)
    if isinstance(value, str):
        return check_str(value, field, source)
    raise SpecError(f"{source}: {field} must be a layer name or its position (1, 2, …), got {value!r}"[:300])


def _layer_option(t: Any, name: str) -> int | str:
    return _layer_ref(t.raw(name), t.path(name), t.source)


def _layers_option(t: Any, name: str) -> tuple[int | str, ...]:
    refs: tuple[int | str, ...] = t.list(name, lambda v, f: _layer_ref(v, f, t.source), min_len=1)
    for i, ref in enumerate(refs):
        if ref in refs[:i]:
            t.fail(f"{t.path(name)}[{i}]", "repeats an earlier layer", ref)
    return refs




def _unit_option(t: Any, name: str) -> str:
    return t.str(name, choices=tuple(UNITS))


UNIT_OPTIONS: dict[str, Callable[[Any, str], Any]] = {"unit": _unit_option, "decimals": _decimals_option}
SIZE_OPTIONS: dict[str, Callable[[Any, str], Any]] = {"height": _int_option, "width": _int_option}
LAYER_OPTIONS: dict[str, Callable[[Any, str], Any]] = {"layer": _layer_option, "layers": _layers_option,
                                                       "sum": _bool_option}


def _bytes_option(t: Any, name: str) -> int:
    return t.int(name, maximum=64)


MAX_THROUGHPUT = 10**30  # operations per second: far beyond any machine


def _throughput_option(t: Any, name: str) -> Fraction:
    """A positive rate such as ``1.2e13``, read exactly (a Decimal from TOML, never a float)."""
    from decimal import Decimal

    raw = t.raw(name)
    bad = isinstance(raw, bool) or not isinstance(raw, (int, Decimal)) or (
        isinstance(raw, Decimal) and (not raw.is_finite() or len(raw.as_tuple().digits) > 30))
    if bad or not 0 < raw <= MAX_THROUGHPUT:
        t.fail(t.path(name), "must be a number of operations per second above 0 and at most 1e30 (e.g. 1.2e13)", raw)
    return Fraction(raw)


def _fraction_option(t: Any, name: str) -> Fraction:
    value = t.number(name)
    if not 0 < value <= 1:
        t.fail(t.path(name), "must be a number above 0 and at most 1", t.data[name])
    return value


TRAINING_MEMORY = {"optimizer": _choice("sgd", "momentum", "adam"), "bytes_per_value": _bytes_option,
                   "master_weights": _bool_option, "batch_size": _int_option}
TRAINING_TIME = {"throughput": _throughput_option, "utilization": _fraction_option,
                 "of": _choice("iteration", "epoch", "run"), "unit": _choice("s", "min", "h"),
                 "decimals": _decimals_option}


MAX_CANDIDATES = 10**7  # values of the unknown solve.for may scan


def _unknown_option(t: Any, name: str) -> str:
    return t.str(name)


def _quantity_option(t: Any, name: str) -> Any:
    """Another kind and its options, as an inline table: ``quantity = { kind = "network.params" }``."""
    from . import Question

    inner = t.table(name)
    kind = inner.str("kind", choices=tuple(k for k in QUESTION_KINDS if k != "solve.for"))
    options = {n: read(inner, n) for n, read in QUESTION_KINDS[kind].accepted.items() if n in inner.data}
    inner.done()
    return Question("quantity", kind, options)


def _equals_option(t: Any, name: str) -> Any:
    """An integer, or a list of them (nested like the answer: a shape, a list of shapes)."""
    def read(v: Any, where: str) -> Any:
        if isinstance(v, list) and v and len(v) <= 1000:
            return tuple(read(x, f"{where}[{i}]") for i, x in enumerate(v))
        return check_int(v, where, t.source, minimum=0, maximum=2**256)

    return read(t.raw(name), t.path(name))


def _range_option(t: Any, name: str) -> tuple[int, int]:
    low, high = t.list(name, lambda v, f: check_int(v, f, t.source, minimum=0), min_len=2, max_len=2)
    if high < low:
        t.fail(t.path(name), "must be [low, high] with low <= high", [low, high])
    if high - low + 1 > MAX_CANDIDATES:
        t.fail(t.path(name), f"holds {high - low + 1} candidates; solve.for scans at most {MAX_CANDIDATES}", [low, high])
    return low, high


SOLVE_FOR = {"unknown": _unknown_option, "quantity": _quantity_option, "equals": _equals_option,
             "range": _range_option, "solutions": _choice("all", "smallest")}


QUESTION_KINDS: dict[str, QuestionKind] = {
    "dataset.crops": QuestionKind("dataset_crops", {}),
    "dataset.samples": QuestionKind("dataset_samples", {}),
    "dataset.bytes": QuestionKind("dataset_bytes", {}),
    "network.shapes": QuestionKind("network_shapes", {"layers": _shapes_layers_option}, sized=True),
    "network.params": QuestionKind("network_params", {}, sized=True),
    "training.forward": QuestionKind("training_forward", {}, sized=True),
    "training.batch": QuestionKind("training_batch", {}, sized=True),
    "training.run": QuestionKind("training_run", {}, sized=True),
    "softmax.delta": QuestionKind("softmax_delta", {"decimals": _decimals_option}),
    "softmax.step": QuestionKind("softmax_step", {"decimals": _decimals_option, "output": _str_option}),
    "memory.activations": QuestionKind("memory_activations", {}, sized=True),
    "memory.total": QuestionKind("memory_total", {}, sized=True),
    "inference.cost": QuestionKind("inference_cost", {"height": _int_option, "width": _int_option}),
    # one quantity of chosen layers, and the receptive field (symcnn.exam.layer_questions)
    "layer.shape": QuestionKind("layer_shape", {"layer": _layer_option, "layers": _layers_option},
                                "layer_questions", sized=True),
    "layer.params": QuestionKind("layer_params", LAYER_OPTIONS, "layer_questions", sized=True),
    "layer.weights": QuestionKind("layer_weights", LAYER_OPTIONS, "layer_questions", sized=True),
    "layer.biases": QuestionKind("layer_biases", LAYER_OPTIONS, "layer_questions", sized=True),
    "layer.cost": QuestionKind("layer_cost", LAYER_OPTIONS, "layer_questions", sized=True),
    "layer.values": QuestionKind("layer_values", LAYER_OPTIONS, "layer_questions", sized=True),
    "network.receptive_field": QuestionKind("receptive_field", {"layer": _layer_option}, "layer_questions"),
    # training memory and time, the softmax and its loss (symcnn.exam.training_questions)
    "training.memory": QuestionKind("training_memory", TRAINING_MEMORY, "training_questions",
                                     "memory_blanks", sized=True),
    "training.time": QuestionKind("training_time", TRAINING_TIME, "training_questions", "time_blanks", sized=True),
    "softmax.probabilities": QuestionKind("softmax_probabilities", {"decimals": _decimals_option},
                                          module="training_questions"),
    "softmax.loss": QuestionKind("softmax_loss", {"decimals": _decimals_option}, module="training_questions"),
    # a question solved for an unknown field of the spec (symcnn.exam.solve_for)
    "solve.for": QuestionKind("solve_for", SOLVE_FOR, "solve_for", "solve_for_blanks"),
}
