"""Steps as rows of an ``align*``: ``symbol = formula = numbers substituted = result``.

A step fits on one row when it is short. Otherwise the formula, the substituted line
and the result each start a row of their own (``&= …``), and a part still too wide is
split between the pieces the printer gives (the terms of a sum), continuing on rows
that start ``&\\quad``. Rounded (decimal) results are written with ``\\approx``.

>>> import sympy
>>> a, b = sympy.symbols("a b")
>>> from symcnn.exam.steps import Step
>>> step_rows(Step("step.sum", sympy.Symbol("S"), a + b, {a: 1200, b: 34}, 1234), "en")
['S &= a + b = 1{,}200 + 34 = 1{,}234']
"""

from __future__ import annotations

from typing import Any

from ...catalogue import unit_name
from ...exam.steps import Step
from ..printing import shows_formula, shows_substitution
from .escape import escape
from .printer import Piece, is_rounded, printer, value_latex

LINE = 68  # widest row, in digit widths (A4, 2 cm margins, 11 pt)
GAP = 3  # width of " = " between parts


def unit_latex(unit: str | None, lang: str) -> str:
    """A unit as text inside math (``\\;\\text{mẫu}``), or '' for none."""
    name = unit_name(lang, unit) if unit else ""
    return rf"\;\text{{{escape(name)}}}" if name else ""


def result_piece(value: Any, unit: str | None, lang: str) -> tuple[str, Piece]:
    """The relation (= or \\approx) and the value with its unit, as one piece."""
    tex = value_latex(value, lang) + unit_latex(unit, lang)
    return (r"\approx" if is_rounded(value) else "="), Piece(tex, len(tex) // 3 + 2)


def _pack(pieces: list[Piece], room: int) -> list[str]:
    """Greedily join pieces into lines at most ``room`` wide (a wider piece gets a line of its own)."""
    lines: list[list[str]] = [[]]
    used = 0
    for p in pieces:
        if lines[-1] and used + p.width > room:
            lines.append([])
            used = 0
        lines[-1].append(p.tex)
        used += p.width + 1
    return [" ".join(line) for line in lines]


def step_rows(s: Step, lang: str, width: int = LINE) -> list[str]:
    """The align rows of one step (no trailing ``\\\\``)."""
    symbol = printer(lang=lang).doprint(s.symbol)
    parts: list[tuple[str, list[Piece]]] = []
    if shows_formula(s):
        parts.append(("=", printer(lang=lang, order=s.order).pieces(s.formula)))
    if shows_substitution(s):
        parts.append(("=", printer(s.values, lang, s.order).pieces(s.formula)))
    relation, result = result_piece(s.value, s.unit, lang)
    parts.append((relation, [result]))
    head = len(symbol) // 2 + GAP
    total = head + sum(GAP + sum(p.width + 1 for p in pieces) for _, pieces in parts)
    if total <= width:
        body = " ".join(f"{rel} {' '.join(p.tex for p in pieces)}" for rel, pieces in parts)
        return [f"{symbol} &{body}"]
    rows = []
    for i, (rel, pieces) in enumerate(parts):
        lines = _pack(pieces, width - head - GAP)
        rows.append(f"{symbol} &{rel} {lines[0]}" if i == 0 else f"&{rel} {lines[0]}")
        rows.extend(rf"&\quad {line}" for line in lines[1:])
    return rows
