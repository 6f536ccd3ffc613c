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


def _int_list(t: Any, name: str) -> tuple[int, ...]:
    return t.list(name, lambda v, f: check_int(v, f, t.source), min_len=1)


def _decimals_option(t: Any, name: str) -> int:
    return t.int(name, minimum=0, maximum=12)


def _int_option(t: Any, name: str) -> int:
    return t.int(name)


def _str_option(t: Any, name: str) -> str:
    return t.str(name)


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


QUESTION_KINDS: dict[str, QuestionKind] = {
    "dataset.crops": QuestionKind("dataset_crops", {}),
    "dataset.samples": QuestionKind("dataset_samples", {}),
    "dataset.bytes": QuestionKind("dataset_bytes", {}),
    "network.shapes": QuestionKind("network_shapes", {"layers": _int_list}, sized=True),
    "network.params": QuestionKind("network_params", {}, sized=True),
    "training.forward": QuestionKind("training_forward", {}, sized=True),
    "training.batch": QuestionKind("training_batch", {}, sized=True),
    "training.run": QuestionKind("training_run", {}, sized=True),
    "softmax.delta": QuestionKind("softmax_delta", {"decimals": _decimals_option}),
    "softmax.step": QuestionKind("softmax_step", {"decimals": _decimals_option, "output": _str_option}),
    "memory.activations": QuestionKind("memory_activations", {}, sized=True),
    "memory.total": QuestionKind("memory_total", {}, sized=True),
    "inference.cost": QuestionKind("inference_cost", {"height": _int_option, "width": _int_option}),
    "layer.shape": QuestionKind("layer_shape", {"layer": _layer_option, "layers": _layers_option},
                                "layer_questions", sized=True),
    "layer.params": QuestionKind("layer_params", LAYER_OPTIONS, "layer_questions", sized=True),
    "layer.weights": QuestionKind("layer_weights", LAYER_OPTIONS, "layer_questions", sized=True),
    "layer.biases": QuestionKind("layer_biases", LAYER_OPTIONS, "layer_questions", sized=True),
    "layer.cost": QuestionKind("layer_cost", LAYER_OPTIONS, "layer_questions", sized=True),
    "layer.values": QuestionKind("layer_values", LAYER_OPTIONS, "layer_questions", sized=True),
    "network.receptive_field": QuestionKind("receptive_field", {"layer": _layer_option}, "layer_questions"),
}
