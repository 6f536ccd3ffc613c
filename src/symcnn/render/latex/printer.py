"""The one LaTeX printer: formulas in symbols, or with chosen symbols printed as numbers.

:class:`SheetPrinter` is a sympy ``LatexPrinter`` whose ``numbers`` setting maps
symbols to exact values. The same expression object is printed twice, once with an
empty map (the general formula) and once with the step's values (numbers substituted,
unsimplified, same order), so the two lines cannot disagree. Numbers follow the
language's format (:data:`symcnn.render.numbers.NUMBER_FORMATS`); a comma inside math is
written ``{,}`` so TeX adds no space after it; a negative number is bracketed.

Sums are printed term by term: :meth:`SheetPrinter.pieces` returns the pieces between
which a long line may break, and ``_print_Add`` joins the same pieces, so breaking never
edits rendered LaTeX.

>>> import sympy
>>> H, k, p, s = sympy.symbols("H_0 k p s", positive=True, integer=True)
>>> f = sympy.floor((H + 2 * p - k) / s) + 1
>>> formula_latex(f)
'\\\\left\\\\lfloor{\\\\frac{H_{0} - k + 2 \\\\cdot p}{s}}\\\\right\\\\rfloor + 1'
>>> formula_latex(f, {H: 57, k: 2, p: 2, s: 2})
'\\\\left\\\\lfloor{\\\\frac{57 - 2 + 2 \\\\cdot 2}{2}}\\\\right\\\\rfloor + 1'
>>> number_latex(12582912000, "en"), number_latex(12582912000, "vi")
('12{,}582{,}912{,}000', '12.582.912.000')
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Mapping, NamedTuple

import sympy
from sympy.printing.latex import LatexPrinter

from ...exam.steps import Solutions, Vector
from ...model.exact import expr as as_expr
from ..numbers import NUMBER_FORMATS
from ..printing import written_key
from .escape import escape

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*'?")  # what may go into math as it is


def number_latex(value: Any, lang: str) -> str:
    """An exact number in ``lang``'s format, for math mode (a comma becomes ``{,}``)."""
    return NUMBER_FORMATS[lang].number(value).replace(",", "{,}")


class Piece(NamedTuple):
    """A run of LaTeX between two places where a long formula may break, and its width.

    ``width`` estimates the printed width in digit widths (a fraction counts its wider
    line, brackets and operators about one each).
    """

    tex: str
    width: int


class SheetPrinter(LatexPrinter):
    """LatexPrinter that prints mapped symbols as formatted numbers and products with ``\\cdot``."""

    printmethod = "_sheet_latex"
    _default_settings = {**LatexPrinter._default_settings, "mul_symbol": "dot", "numbers": {}, "lang": "en",
                         "written": ()}

    def _print_Symbol(self, expr: Any, style: str = "plain") -> str:
        numbers: Mapping[Any, Any] = self._settings["numbers"]
        if expr in numbers:
            tex = number_latex(numbers[expr], self._settings["lang"])
            return rf"\left({tex}\right)" if tex.startswith("-") else tex
        base, _, sub = expr.name.partition("_")
        if not _NAME.fullmatch(base):  # names may carry spec text (class names): print it, never run it
            return rf"\text{{{escape(expr.name)}}}"
        if sub and not sub.isdigit():  # a word, not an index: upright (N_crop, delta_HG)
            word = sub if _NAME.fullmatch(sub) and "'" not in sub else rf"\text{{{escape(sub)}}}"
            return rf"{self._print(sympy.Symbol(base))}_{{\mathrm{{{word}}}}}"
        return super()._print_Symbol(expr, style=style)

    def _print_Integer(self, expr: Any) -> str:
        """An integer constant in the language's format too (``196{,}608 \\cdot H_{0}``)."""
        return number_latex(int(expr), self._settings["lang"])

    def _terms(self, expr: Any) -> list[Any]:
        """A sum's terms in the terminal's order (sympy's printing order), constants last (``B + N - 1``).

        A sum of plain symbols goes by their indices (``P_2`` before ``P_10``); with the
        ``written`` setting, terms follow the order of its symbols (``o - \\eta \\cdot \\delta``).
        """
        ordered = expr.as_ordered_terms()
        terms = [t for t in ordered if not t.is_Number]
        if self._settings["written"]:
            terms.sort(key=written_key(self._settings["written"]))
        elif all(t.is_Symbol for t in terms):
            terms.sort(key=lambda t: [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", t.name)])
        return terms + [t for t in ordered if t.is_Number]

    def _print_Mul(self, expr: Any) -> str:
        written = self._settings["written"]
        if written and all(f.is_Symbol for f in expr.args):
            return r" \cdot ".join(self._print(f) for f in sorted(expr.args, key=written_key(written)))
        return super()._print_Mul(expr)

    def _add_pieces(self, expr: Any) -> list[str]:
        out = []
        for i, term in enumerate(self._terms(expr)):
            sign = ""
            if i and term.could_extract_minus_sign():
                sign, term = "- ", -term
            elif i:
                sign = "+ "
            tex = self._print(term)
            if self._needs_add_brackets(term):
                tex = rf"\left({tex}\right)"
            out.append(sign + tex)
        return out

    def _print_Add(self, expr: Any, order: Any = None) -> str:
        return " ".join(self._add_pieces(expr))

    def pieces(self, expr: Any) -> list[Piece]:
        """``expr`` as break-separated pieces: the terms of a sum, or of the one sum in a product.

        Joining the pieces' ``tex`` with spaces gives a formula equal in meaning to
        ``doprint(expr)``; a product's sum gets ``\\bigl( … \\bigr)`` so it can span lines.
        """
        expr = as_expr(expr)
        if expr.is_Add:
            return [Piece(t, _width(t)) for t in self._add_pieces(expr)]
        sums = [a for a in expr.args if a.is_Add] if expr.is_Mul else []
        if len(sums) == 1 and len(sums[0].args) > 2:
            rest = sympy.Mul(*(a for a in expr.args if a is not sums[0]), evaluate=False)
            inner = self._add_pieces(sums[0])
            inner[0] = rf"{self._print(rest)} \cdot \bigl({inner[0]}"
            inner[-1] = rf"{inner[-1]}\bigr)"
            return [Piece(t, _width(t)) for t in inner]
        tex = self._print(expr)
        return [Piece(tex, _width(tex))]


def printer(numbers: Mapping[Any, Any] | None = None, lang: str = "en", order: tuple[Any, ...] = ()) -> SheetPrinter:
    """A SheetPrinter writing the symbols of ``numbers`` as numbers in ``lang``'s format.

    ``order`` (a step's) writes terms and factors in that order of symbols.
    """
    return SheetPrinter({"numbers": dict(numbers or {}), "lang": lang, "written": order})


def formula_latex(expr: Any, numbers: Mapping[Any, Any] | None = None, lang: str = "en") -> str:
    """A formula as LaTeX math; with ``numbers``, those symbols are printed as numbers."""
    return printer(numbers, lang).doprint(expr)


def value_latex(value: Any, lang: str) -> str:
    """A step's or answer's value as math: a number, a shape ``a \\times b``, a list of either.

    >>> value_latex(((124, 124, 16), (61, 61, 16)), "en")
    '124 \\\\times 124 \\\\times 16;\\\\; 61 \\\\times 61 \\\\times 16'
    >>> value_latex((Decimal("-0.87"), Decimal("0.87")), "vi")
    '\\\\left(-0{,}87;\\\\; 0{,}87\\\\right)'
    """
    if isinstance(value, Vector):  # numbers that are not a shape
        return r"\left(" + r";\; ".join(number_latex(v, lang) for v in value) + r"\right)"
    if isinstance(value, Solutions):
        from ...catalogue import text

        return r",\; ".join(number_latex(v, lang) for v in value) or rf"\text{{{text(lang, 'solve_for.none')}}}"
    if isinstance(value, tuple):
        if value and all(isinstance(v, tuple) for v in value):
            return r";\; ".join(value_latex(v, lang) for v in value)
        if value and all(isinstance(v, int) for v in value):
            return r" \times ".join(number_latex(v, lang) for v in value)
        return r"\left(" + r";\; ".join(number_latex(v, lang) for v in value) + r"\right)"
    return number_latex(value, lang)


def is_rounded(value: Any) -> bool:
    """Whether a value is shown rounded (a decimal), so the sheet writes ``\\approx``."""
    if isinstance(value, tuple):
        return any(is_rounded(v) for v in value)
    return isinstance(value, Decimal)


_COMMANDS = (r"\left", r"\right", r"\bigl", r"\bigr", r"\mathopen{}", r"\mathclose{}", r"\cdot", "{,}")


def _width(tex: str) -> int:
    """Rough printed width of math LaTeX, in digit widths (for line breaking only)."""
    return _measure(tex, 0)[0]


def _measure(tex: str, i: int) -> tuple[int, int]:
    """Width of ``tex`` from ``i`` to the matching ``}`` (or the end), and where it stopped."""
    width = 0
    while i < len(tex):
        c = tex[i]
        skip = next((cmd for cmd in _COMMANDS if tex.startswith(cmd, i)), None)
        if skip:
            width += 1 if skip in (r"\cdot", "{,}") else 0
            i += len(skip)
            continue
        if c == "}":
            return width, i + 1
        if c == "{":
            w, i = _measure(tex, i + 1)
            width += w
            continue
        if tex.startswith(r"\frac", i):
            num, i = _measure(tex, i + len(r"\frac") + 1)
            den, i = _measure(tex, i + 1)
            width += max(num, den) + 1
            continue
        if c in "^_":
            w, i = _measure(tex, i + 2) if tex.startswith("{", i + 1) else (1, i + 2)
            width += (w + 1) // 2
            continue
        if c == "\\":
            j = i + 1
            while j < len(tex) and tex[j].isalpha():
                j += 1
            width += 1
            i = max(j, i + 2)
            continue
        width += 0 if c == " " else 1
        i += 1
    return width, i
