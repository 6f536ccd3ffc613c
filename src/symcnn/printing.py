"""Turn steps into text: a sympy printer that writes chosen symbols as numbers.

The LaTeX counterpart lives in :mod:`symcnn.latex`; both print a formula once with
symbols and once with every symbol replaced by its number, unsimplified.

>>> import sympy
>>> H, k, s = sympy.symbols("H k s")
>>> formula_text((H - k) // s + 1, {H: 57, k: 2, s: 2})
'floor((57 - 2)/2) + 1'
"""

from __future__ import annotations

from typing import Any, Mapping

from sympy.printing.str import StrPrinter

from .numbers import NUMBER_FORMATS, NumberFormat
from .steps import Step


class NumberSubstitutingPrinter(StrPrinter):
    """StrPrinter that prints mapped symbols as (formatted) numbers, keeping the order."""

    _default_settings = {**StrPrinter._default_settings, "numbers": {}, "number_format": None}

    def _print_Symbol(self, expr: Any) -> str:
        numbers: Mapping[Any, Any] = self._settings["numbers"]
        if expr in numbers:
            fmt: NumberFormat = self._settings["number_format"] or NUMBER_FORMATS["plain"]
            text = fmt.number(numbers[expr])
            return f"({text})" if text.startswith("-") else text
        return super()._print_Symbol(expr)


def formula_text(formula: Any, numbers: Mapping[Any, Any] | None = None, lang: str = "plain") -> str:
    """A formula as text; with ``numbers``, those symbols are written as numbers."""
    printer = NumberSubstitutingPrinter({"numbers": numbers or {}, "number_format": NUMBER_FORMATS[lang]})
    return printer.doprint(formula)


def value_text(value: Any, lang: str = "plain") -> str:
    """A step's or answer's value: a number, a vector, a shape or a list of shapes."""
    fmt = NUMBER_FORMATS[lang]
    if isinstance(value, tuple):
        if value and all(isinstance(v, tuple) for v in value):
            return "; ".join(value_text(v, lang) for v in value)
        if value and all(isinstance(v, int) for v in value):
            return " × ".join(fmt.number(v) for v in value)
        return "[" + "; ".join(fmt.number(v) for v in value) + "]"
    return fmt.number(value)


def step_text(s: Step, lang: str = "plain") -> tuple[str, str, str, str]:
    """(symbol, formula, substituted formula, value) of a step, as text."""
    return (
        formula_text(s.symbol),
        formula_text(s.formula),
        formula_text(s.formula, s.values, lang),
        value_text(s.value, lang),
    )
