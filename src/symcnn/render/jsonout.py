"""Answers as JSON for machines: exact integers stay integers, shapes are [H, W, D]."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

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
        "formula": formula_text(s.formula),
        "substitution": formula_text(s.formula, s.values),
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
        "formula": f"{formula_text(last.symbol)} = {formula_text(last.formula)}",
        "substitution": formula_text(last.formula, last.values),
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


def solution_json(solution: Solution) -> str:
    """The answers as a JSON list of objects with ``id`` and ``value`` (and how)."""
    return json.dumps([answer_json(a) for a in solution.answers], ensure_ascii=False, indent=2)
