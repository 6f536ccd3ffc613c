"""Answers as JSON for machines: exact integers stay integers, shapes are [H, W, D]."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Iterable

from ..errors import Notice
from ..exam.steps import Answer, Solution, Step
from .printing import formula_text


def json_value(value: Any) -> Any:
    """int → int, Decimal → float (already rounded), tuples → lists, recursively."""
    if isinstance(value, tuple):
        return [json_value(v) for v in value]
    if isinstance(value, bool) or isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "is_Integer") and value.is_Integer:
        return int(value)
    return str(value)


def _step(s: Step) -> dict[str, Any]:
    return {
        "label": s.label,
        "symbol": formula_text(s.symbol),
        "formula": formula_text(s.formula, order=s.order),
        "substitution": formula_text(s.formula, s.values, order=s.order),
        "value": json_value(s.value),
        **({"layer": s.args["layer"]} if "layer" in s.args else {}),
    }


def answer_json(a: Answer) -> dict[str, Any]:
    last = a.steps[-1]
    out: dict[str, Any] = {
        "id": a.id,
        "kind": a.kind,
        "value": json_value(a.value),
        "unit": a.unit,
        "formula": f"{formula_text(last.symbol)} = {formula_text(last.formula, order=last.order)}",
        "substitution": formula_text(last.formula, last.values, order=last.order),
        "steps": [_step(s) for s in a.steps],
    }
    if a.decimals is not None:
        out["decimals"] = a.decimals
        out["unrounded"] = json_value(a.unrounded) if isinstance(a.unrounded, tuple) else str(a.unrounded)
        if isinstance(a.unrounded, tuple):
            out["unrounded"] = [str(v) for v in a.unrounded]
    if a.assumption:
        out["assumption"] = a.assumption
    if a.alternatives:
        out["alternatives"] = [
            {
                "assumption": alt.key,
                "value": json_value(alt.value),
                "formula": f"{formula_text(alt.steps[-1].symbol)} = {formula_text(alt.steps[-1].formula)}",
                "substitution": formula_text(alt.steps[-1].formula, alt.steps[-1].values),
                "steps": [_step(s) for s in alt.steps],
            }
            for alt in a.alternatives
        ]
    return out


def warnings_json(warnings: Iterable[Notice], lang: str = "en") -> list[dict[str, Any]]:
    """Each warning: a stable ``code`` (``pool_padding``), its ``message`` in ``lang``, and its blanks.

    >>> warnings_json([Notice("warning.pool_padding", (("layer", "pool2"), ("index", 4), ("padding", 2),
    ...                                                 ("kernel", 2)))])[0]["layer"]
    'pool2'
    """
    return [{"code": w.key.removeprefix("warning."), "message": w.say(lang),
             **{k: json_value(v) for k, v in w.args}} for w in warnings]


def solution_json(solution: Solution, lang: str | None = None) -> str:
    """The exam's answers and warnings as one JSON object.

    ``{"exam": title, "language": …, "convention": …, "answers": [{"id": "1a", "value": 51200, …}, …],
    "warnings": [{"code": "pool_padding", "message": …, "layer": "pool2", "index": 4, …}]}``;
    messages are in ``lang`` (default: the exam's).
    """
    exam = solution.exam
    lang = lang or exam.language
    out = {"exam": exam.title, "language": lang, "convention": exam.convention,
           "answers": [answer_json(a) for a in solution.answers], "warnings": warnings_json(solution.warnings, lang)}
    return json.dumps(out, ensure_ascii=False, indent=2)
