"""Turn steps into text: a sympy printer that writes chosen symbols as numbers.

The LaTeX counterpart lives in :mod:`symcnn.render.latex`; both print a formula once with
symbols and once with every symbol replaced by its number, unsimplified.

>>> import sympy
>>> H, k, s = sympy.symbols("H k s")
>>> formula_text((H - k) // s + 1, {H: 57, k: 2, s: 2})
'floor((57 - 2)/2) + 1'

For people at a terminal the same formula reads as mathematics; JSON keeps the plain
form above, which sympy can read back:

>>> H1, d = sympy.symbols("H_1 delta_HT")
>>> formula_text(sympy.floor((H1 + 2 - k**2) / s) + 1, unicode=True)
'⌊(H₁ - k² + 2)/s⌋ + 1'
>>> formula_text(3 * H1 * k**2 * d, {H1: 124, k: 7}, "vi", unicode=True)
'3·124·δ_HT·7²'
"""

from __future__ import annotations

from typing import Any, Mapping

from sympy.printing.str import StrPrinter

from ..exam.steps import Solutions, Step, Vector
from .numbers import NUMBER_FORMATS, NumberFormat
from .order import PrintOrder, print_mul


def written_key(order: tuple[Any, ...]) -> Any:
    """Sort key putting terms and factors in the order a rule writes its symbols (``o − η·δ``)."""

    def key(term: Any) -> int:
        found = [order.index(x) for x in getattr(term, "free_symbols", ()) if x in order]
        return min(found) if found else len(order)

    return key


class NumberSubstitutingPrinter(StrPrinter):
    """StrPrinter that prints mapped symbols as (formatted) numbers, keeping the order.

    With the ``written`` setting (symbols), sums and products follow it instead of sympy's.
    """

    _default_settings = {**StrPrinter._default_settings, "numbers": {}, "number_format": None, "written": ()}

    def _print_Add(self, expr: Any, order: Any = None) -> str:
        written = self._settings["written"]
        if not written:
            return super()._print_Add(expr, order)
        out = ""
        for i, term in enumerate(sorted(expr.args, key=written_key(written))):
            negative = term.could_extract_minus_sign()
            tex = self.parenthesize(-term if negative else term, 40, strict=False)  # PRECEDENCE["Add"]
            out += (("-" if negative else "") + tex) if i == 0 else (" - " if negative else " + ") + tex
        return out

    def _print_Mul(self, expr: Any) -> str:
        written = self._settings["written"]
        if written and all(f.is_Symbol for f in expr.args):
            return "*".join(self._print(f) for f in sorted(expr.args, key=written_key(written)))
        if self.order is not None:
            return super()._print_Mul(expr)
        return print_mul(self, expr, self._order.factors)  # sympy's order, without its O(n²)

    natural_order = False  # symbol names compared as text, as sympy prints them (JSON stays sympy's)

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        super().__init__(settings)
        self._order = PrintOrder(self.natural_order)  # sympy's order of terms and factors, without its O(n²)

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        if (order or self.order) is None:
            return self._order.terms(expr)
        return super()._as_ordered_terms(expr, order)

    def _print_Symbol(self, expr: Any) -> str:
        numbers: Mapping[Any, Any] = self._settings["numbers"]
        if expr in numbers:
            fmt: NumberFormat = self._settings["number_format"] or NUMBER_FORMATS["plain"]
            text = fmt.number(numbers[expr])
            return f"({text})" if text.startswith("-") else text
        return super()._print_Symbol(expr)


_SUBSCRIPT_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUPERSCRIPTS = {2: "²", 3: "³"}


class UnicodeFormulaPrinter(NumberSubstitutingPrinter):
    """Formulas for reading: ⌊x⌋, a·b, k², Greek letters, numeric subscripts (H₁) in numeric order."""

    natural_order = True  # H₄ before H₄₀ and H₁₄₄

    def _print_Symbol(self, expr: Any) -> str:
        if expr in self._settings["numbers"]:
            return super()._print_Symbol(expr)
        from sympy.printing.pretty.pretty_symbology import greek_unicode

        head, sep, tail = expr.name.partition("_")
        head = greek_unicode.get(head, head)
        return head + (tail.translate(_SUBSCRIPT_DIGITS) if tail.isdigit() else sep + tail)

    def _print_Mul(self, expr: Any) -> str:  # operands are printed by this printer: no '**' left
        return super()._print_Mul(expr).replace("*", "·")

    def _print_Pow(self, expr: Any, rational: bool = False) -> str:
        if expr.exp.is_Integer and int(expr.exp) in _SUPERSCRIPTS:
            from sympy.printing.precedence import PRECEDENCE

            return self.parenthesize(expr.base, PRECEDENCE["Pow"], strict=False) + _SUPERSCRIPTS[int(expr.exp)]
        return super()._print_Pow(expr, rational).replace("**", "^")

    def _print_floor(self, expr: Any) -> str:
        return f"⌊{self._print(expr.args[0])}⌋"

    def _print_ceiling(self, expr: Any) -> str:
        return f"⌈{self._print(expr.args[0])}⌉"

    def _print_Min(self, expr: Any) -> str:
        return f"min({', '.join(self._print(a) for a in expr.args)})"

    def _print_Max(self, expr: Any) -> str:
        return f"max({', '.join(self._print(a) for a in expr.args)})"


def formula_text(formula: Any, numbers: Mapping[Any, Any] | None = None, lang: str = "plain",
                 unicode: bool = False, order: tuple[Any, ...] = ()) -> str:
    """A formula as text; with ``numbers``, those symbols are written as numbers.

    ``unicode`` writes it for reading (terminal tables) rather than for machines (JSON);
    ``order`` writes terms and factors in that order of symbols (a step's ``order``).

    >>> import sympy
    >>> o, eta, d = sympy.symbols("o eta delta")
    >>> formula_text(o - eta * d, unicode=True), formula_text(o - eta * d, unicode=True, order=(o, eta, d))
    ('-δ·η + o', 'o - η·δ')
    """
    kind = UnicodeFormulaPrinter if unicode else NumberSubstitutingPrinter
    return kind({"numbers": numbers or {}, "number_format": NUMBER_FORMATS[lang], "written": order}).doprint(formula)


def value_text(value: Any, lang: str = "plain") -> str:
    """A step's or answer's value: a number, a vector, a shape or a list of shapes."""
    fmt = NUMBER_FORMATS[lang]
    if isinstance(value, Vector):  # numbers that are not a shape
        return "[" + "; ".join(fmt.number(v) for v in value) + "]"
    if isinstance(value, Solutions):
        return ", ".join(fmt.number(v) for v in value) or _none(lang)
    if isinstance(value, tuple):
        if value and all(isinstance(v, tuple) for v in value):
            return "; ".join(value_text(v, lang) for v in value)
        if value and all(isinstance(v, int) for v in value):
            return " × ".join(fmt.number(v) for v in value)
        return "[" + "; ".join(fmt.number(v) for v in value) + "]"
    return fmt.number(value)


def _none(lang: str) -> str:
    from ..catalogue import text

    return text("en" if lang == "plain" else lang, "solve_for.none")


def unit_text(lang: str, unit: str | None, value: Any = None) -> str:
    """A unit's name in ``lang`` (``byte`` for one, ``bytes`` for more), or '' for none."""
    if not unit:
        return ""
    from ..catalogue import unit_name

    return unit_name(lang, unit, value)


def total_name(lang: str, key: str) -> str:
    """A total's column key in words: ``cost.macs`` → ``chi phí (macs)``, ``memory_bytes`` → ``bộ nhớ …``."""
    from ..catalogue import catalogue, text

    head, _, convention = key.partition(".")
    found = f"sweep.col.{head}" in catalogue(lang) or f"sweep.col.{head}" in catalogue("en")
    return text(lang, f"sweep.col.{head}", convention=convention) if found else key


def step_text(s: Step, lang: str = "plain", unicode: bool = False) -> tuple[str, str, str, str]:
    """(symbol, formula, substituted formula, value) of a step, as text."""
    return (
        formula_text(s.symbol, unicode=unicode),
        formula_text(s.formula, unicode=unicode, order=s.order),
        formula_text(s.formula, s.values, lang, unicode, s.order),
        value_text(s.value, lang),
    )


# --------------------------------------------------------------------------- what every surface shows


def shows_formula(s: Step) -> bool:
    """Whether a step has a formula worth writing (not ``P₂ = 0``, not ``T = T``)."""
    return bool(getattr(s.formula, "free_symbols", None)) and s.formula != s.symbol


def shows_substitution(s: Step) -> bool:
    """Whether the numbers-substituted line says more than the result (not ``V₅ = m₅ = 4.096 = 4.096``)."""
    return shows_formula(s) and bool(s.values) and not getattr(s.formula, "is_Symbol", False)


def same_label(a: Step | None, b: Step) -> bool:
    """Whether step ``b`` continues ``a`` under one label (the H and W of a layer)."""
    return a is not None and a.label == b.label and dict(a.args) == dict(b.args)
