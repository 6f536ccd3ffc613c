"""The question kinds a spec may ask: each kind's solver and the options it takes.

The spec loader checks ``kind`` and its options against :data:`QUESTION_KINDS` without
loading the solvers (they need sympy); :meth:`QuestionKind.solve` loads them on first use.
A new kind is one entry here and one function ``(Context, Question) -> Answer`` in
:mod:`symcnn.exam.questions`, or in another module of :mod:`symcnn.exam` named by ``module``.

>>> sorted(QUESTION_KINDS)[:3]
['dataset.bytes', 'dataset.crops', 'dataset.samples']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

from ..checked import check_int

if TYPE_CHECKING:
    from . import Question
    from .questions import Context
    from .steps import Answer


@dataclass(frozen=True)
class QuestionKind:
    """A question kind: its solver's name in ``symcnn.exam.<module>``, and its options."""

    solver: str
    options: Mapping[str, Callable[[Any, str], Any]]
    module: str = "questions"

    def solve(self, ctx: Context, q: Question) -> Answer:
        from importlib import import_module

        answer: Answer = getattr(import_module(f"{__package__}.{self.module}"), self.solver)(ctx, q)
        return answer


def _int_list(t: Any, name: str) -> tuple[int, ...]:
    return t.list(name, lambda v, f: check_int(v, f, t.source), min_len=1)


def _layers_option(t: Any, name: str) -> tuple[int, ...] | str:
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


QUESTION_KINDS: dict[str, QuestionKind] = {
    "dataset.crops": QuestionKind("dataset_crops", {}),
    "dataset.samples": QuestionKind("dataset_samples", {}),
    "dataset.bytes": QuestionKind("dataset_bytes", {}),
    "network.shapes": QuestionKind("network_shapes", {"layers": _layers_option}),
    "network.params": QuestionKind("network_params", {}),
    "training.forward": QuestionKind("training_forward", {}),
    "training.batch": QuestionKind("training_batch", {}),
    "training.run": QuestionKind("training_run", {}),
    "softmax.delta": QuestionKind("softmax_delta", {"decimals": _decimals_option}),
    "softmax.step": QuestionKind("softmax_step", {"decimals": _decimals_option, "output": _str_option}),
    "memory.activations": QuestionKind("memory_activations", {}),
    "memory.total": QuestionKind("memory_total", {}),
    "inference.cost": QuestionKind("inference_cost", {"height": _int_option, "width": _int_option}),
}
