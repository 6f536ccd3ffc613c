"""The `solve` pipeline: spec → symbolic model → derivations → answers."""

from __future__ import annotations

from ..model.conventions import convention
from ..model.network import derive, evaluate
from . import Exam
from .kinds import QUESTION_KINDS
from .questions import Context, shapes_warnings
from .steps import Solution, in_language


def solve(exam: Exam) -> Solution:
    """Answer every question of ``exam``, each with the steps that derive it.

    >>> from symcnn.exam.spec import load_exam
    >>> solve(load_exam()).answer("1a").value
    51200
    """
    formulas = derive(exam.network)
    numbers = evaluate(exam.network)
    ctx = Context(exam, formulas, numbers, convention(exam.convention))
    answers = tuple(in_language(QUESTION_KINDS[q.kind].solve(ctx, q), exam.language) for q in exam.questions)
    asked = tuple(w for q in exam.questions for w in shapes_warnings(ctx, q))
    return Solution(exam, answers, formulas, numbers, numbers.warnings + asked)
