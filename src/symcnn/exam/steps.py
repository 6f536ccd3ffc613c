"""A solution as values: each step is (label, symbol, formula, substitution, value, unit).

Derivations build these; the terminal table, the JSON and the LaTeX sheet all render
the same steps, and no printer computes anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, Callable, Mapping

from ..errors import Notice

Value = Any  # int | Decimal | tuple of those | tuple of shapes


class Vector(tuple):  # type: ignore[type-arg]
    """A list of numbers that is not a shape: one count per layer, (size, jump, start).

    Printers write a plain tuple of ints as a shape (``124 × 124 × 16``) and a vector as a
    list (``(2,368; 19,248)``); it equals the plain tuple, so keys and grading compare it as one.
    """

    __slots__ = ()

DISPLAYS: dict[str, Callable[[Any], str]] = {}
"""How Jupyter shows a step, an answer and a solution as LaTeX: filled in by the rendering
layer (:mod:`symcnn.render.latex.notebook`), so that the values here never import a printer."""


def _display(what: str, value: Any) -> str | None:
    show = DISPLAYS.get(what)
    return show(value) if show is not None else None


@dataclass(frozen=True)
class Step:
    """``symbol = formula = formula with values substituted = value``.

    ``label`` is a catalogue key (``step.conv_out``) and ``args`` fill its blanks,
    e.g. the layer name. ``order`` lists symbols in the order the rule writes them
    (``o − η·δ``): printers write terms and factors in that order (empty: sympy's).
    """

    label: str
    symbol: Any  # sympy Symbol (or tuple of symbols for a shape)
    formula: Any  # sympy expression in symbols
    values: Mapping[Any, Any]  # symbol → number, for the substituted line
    value: Value
    unit: str | None = None
    args: Mapping[str, str] = field(default_factory=dict)
    order: tuple[Any, ...] = ()
    language: str | None = None  # the exam's, set by solve(): how Jupyter words and writes numbers

    def _repr_latex_(self) -> str | None:  # Jupyter
        return _display("step", self)


@dataclass(frozen=True)
class Alternative:
    """Another reading of an ambiguous question, with its own steps and value."""

    key: str  # catalogue key of the assumption, e.g. "assume.tile"
    value: Value
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Answer:
    """A question's answer: the value, how it was derived, and any alternatives."""

    id: str
    kind: str
    value: Value
    steps: tuple[Step, ...]
    unit: str | None = None
    decimals: int | None = None  # rounded to this many decimals; None = exact
    unrounded: Value = None
    assumption: str | None = None  # catalogue key of the reading used for ``value``
    alternatives: tuple[Alternative, ...] = ()
    language: str | None = None  # the exam's, set by solve(): how Jupyter words and writes numbers
    parts: Any = ()  # the symbols a tuple value is made of, nested like it (empty: the steps of the last label)

    def _repr_latex_(self) -> str | None:  # Jupyter
        return _display("answer", self)


@dataclass(frozen=True)
class Solution:
    """Every answer of an exam, plus what the sheet shows around them."""

    exam: Any  # symcnn.exam.Exam
    answers: tuple[Answer, ...]
    formulas: Any  # NetworkFormulas
    numbers: Any  # NetworkNumbers at the training size
    warnings: tuple[Notice, ...] = ()

    def _repr_latex_(self) -> str | None:  # Jupyter, in the exam's language
        return _display("solution", self)

    def answer(self, qid: str) -> Answer:
        for a in self.answers:
            if a.id == qid:
                return a
        raise KeyError(qid)


class Solutions(tuple):  # type: ignore[type-arg]
    """The integer solutions ``solve.for`` found, in increasing order; empty: none.

    A tuple, so JSON writes a list; printers write ``3, 5`` (not a shape ``3 × 5``) or the word for none.
    """

    def __repr__(self) -> str:
        return f"Solutions({tuple(self)!r})"


def in_language(a: Answer, lang: str) -> Answer:
    """``a`` and its steps marked with the exam's language (for their Jupyter displays)."""
    from dataclasses import replace

    def steps(rows: tuple[Step, ...]) -> tuple[Step, ...]:
        return tuple(replace(s, language=lang) for s in rows)

    alternatives = tuple(replace(alt, steps=steps(alt.steps)) for alt in a.alternatives)
    return replace(a, steps=steps(a.steps), alternatives=alternatives, language=lang)


def round_decimal(value: Any, decimals: int) -> Decimal:
    """Round half away from zero, as exams do: 0.125 → 0.13."""
    from decimal import ROUND_HALF_UP, localcontext

    if isinstance(value, Fraction):  # exactly, in integers: a count divided by a unit (10^6, 2^20)
        scaled = abs(value) * 10**decimals
        whole = (2 * scaled.numerator + scaled.denominator) // (2 * scaled.denominator)  # half away from zero
        return Decimal(-whole if value < 0 else whole).scaleb(-decimals)
    d = Decimal(str(value))
    with localcontext() as ctx:  # enough digits for any (bounded) value: quantize never overflows
        ctx.prec = max(ctx.prec, d.adjusted() + decimals + 3)
        return d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def exact_decimal(value: Any) -> Decimal:
    """An int, a Decimal or a Fraction as a Decimal (a fraction to 60 significant digits)."""
    from decimal import localcontext

    if isinstance(value, Fraction):
        with localcontext() as ctx:
            ctx.prec = 60
            return Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value)
