"""Single mistakes and the values they give: what the variant generator keeps apart.

``single_mistakes(solution, qid)`` lists, for one question, every single mistake of the
mistake model (:mod:`symcnn.verify.mistakes`: the same grammar the key review and grading
diagnose with) that touches what the question's answer is derived from, with the value a
student making it would write. Unlike :func:`symcnn.verify.mistakes.single_mistakes`, which
gives each distinct wrong value once, every mistake is listed, also when its value equals the
right answer or another mistake's: those coincidences are what a variant must avoid.
Unit scalings are left out (a way of writing a value, not another value).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

from ..exam.steps import Solution, exact_decimal, round_decimal
from ..verify.mistakes import READING_RANK, Explanation, prepared, readings


def single_mistakes(solution: Solution, qid: str, skip: Callable[[Explanation], bool] | None = None
                    ) -> list[tuple[Explanation, Any]]:
    """Every single mistake on question ``qid`` with its value, in the mistake model's order.

    A mistake for which ``skip(explanation)`` is true is left out and its value never
    computed (the variant generator skips mistakes an earlier question already showed).

    >>> from symcnn import load_exam, solve
    >>> found = single_mistakes(solve(load_exam()), "1b")
    >>> found[0][0][0].code, found[0][1]  # no transform counted, originals kept: 200·256·1
    ('AUG_FACTOR', 51200)
    """
    graph, mistakes = prepared(solution)
    view = graph.views[qid]
    target, decimals = view.target, view.decimals

    def written(v: Any) -> Any:
        if decimals is None or v is None:
            return v
        return tuple(written(x) for x in v) if isinstance(v, tuple) else round_decimal(v, decimals)

    base = graph.value(target)
    relevant = graph.ancestors(target)
    out: list[tuple[Explanation, Any]] = []
    for m in mistakes:
        explanation = (m.diagnosis,)
        if not (m.edited & relevant) or (skip is not None and skip(explanation)):
            continue
        state = graph.rederive((m,), target)
        if state is not None:
            out.append((explanation, written(graph.value(target, state))))
    for r in readings(view, graph, READING_RANK):
        explanation = (r.diagnosis,)
        reading = r.reading
        if reading is None or (skip is not None and skip(explanation)):
            continue
        if reading.kind == "times":
            out.append((explanation, written(base * reading.arg)))
        elif reading.kind in ("round", "trunc") and not isinstance(base, tuple):
            mode = "ROUND_HALF_UP" if reading.kind == "round" else "ROUND_DOWN"
            out.append((explanation, exact_decimal(base).quantize(Decimal(1).scaleb(-reading.arg), mode)))
    return out
