"""Sympy's printing order of terms and factors, in time linear-logarithmic in their number.

``StrPrinter`` orders a sum by ``Expr.as_ordered_terms`` and a product by
``Mul.as_ordered_factors``. The first compares dense exponent vectors over every
generator of the sum, so a sum of n per-layer terms ``c·H_i·W_i`` costs O(n²); the
second sorts by ``Expr.sort_key``, which orders each sum it meets the same way, and
sympy's cache of those keys holds 1,000 entries, fewer than a deep network's factors.
:class:`PrintOrder` gives the very same orders (tests compare them on random
expressions): sparse exponent vectors, and every key computed once per printer.

>>> import sympy
>>> x, y = sympy.symbols("x y")
>>> e = 3 * x * y + x**2 / y + 5 - y
>>> PrintOrder().terms(e) == e.as_ordered_terms()
True
"""

from __future__ import annotations

import re
from typing import Any

from sympy import Add, Basic, Expr, Function, Mul, Number, NumberSymbol, S, Symbol
from sympy.core.exprtools import decompose_power
from sympy.core.sorting import default_sort_key


def _complex(number: Any) -> complex:
    """``complex(number)`` as ``Expr.as_terms`` takes it (evalf), quickly for a rational: p/q rounded once."""
    if number.is_Rational:
        try:
            return complex(int(number.p) / int(number.q))
        except OverflowError:
            pass
    return complex(number)


def _not_number(a: Any) -> bool:
    return not isinstance(a, (Number, NumberSymbol))


def natural(name: str) -> tuple[Any, ...]:
    """A name's digit runs as numbers, so that ``H_4`` sorts before ``H_40`` and ``H_144``."""
    return tuple(int(part) if i % 2 else part for i, part in enumerate(re.split(r"(\d+)", name)))


class PrintOrder:
    """``as_ordered_terms()``, ``as_ordered_factors()`` and ``sort_key()`` for sympy's default order.

    ``natural`` compares symbol names by :func:`natural` instead of as strings: the order
    people read (``H_1, H_4, H_40, H_144``), sympy's order otherwise.

    >>> import sympy
    >>> h1, h4, h144 = sympy.symbols("H_1 H_4 H_144")
    >>> PrintOrder().terms(2 * h1 + h4 + h144), PrintOrder(natural=True).terms(2 * h1 + h4 + h144)
    ([2*H_1, H_144, H_4], [2*H_1, H_4, H_144])
    """

    def __init__(self, natural: bool = False) -> None:
        self._keys: dict[Any, Any] = {}
        self._natural = natural

    def sort_key(self, e: Any) -> Any:
        """``e.sort_key()``: the same tuple, with the sums inside ordered by :meth:`terms`."""
        if not isinstance(e, Basic):
            return default_sort_key(e)
        if self._natural and type(e).sort_key is Symbol.sort_key:
            return e.class_key(), (1, (natural(e.name),)), S.One.sort_key(), S.One
        if type(e).sort_key is not Expr.sort_key:  # atoms and non-expressions have their own
            return e.sort_key()
        key = self._keys.get(e)
        if key is None:
            key = self._keys[e] = self._expr_key(e)
        return key

    def _expr_key(self, e: Any) -> Any:
        """``Expr.sort_key``, step for step."""
        coeff, x = e.as_coeff_Mul()
        if x.is_Pow:
            base, exp = x.as_base_exp()
            if base is S.Exp1:
                base, exp = Function("exp")(exp), S.One
            x = base
        else:
            exp = S.One
        if x.is_Dummy:
            args: tuple[Any, ...] = (x.sort_key(),)
        elif x.is_Atom:
            args = (natural(str(x)) if self._natural and type(x).sort_key is Symbol.sort_key else str(x),)
        else:
            parts = self.terms(x) if x.is_Add else self.factors(x) if x.is_Mul else x.args
            args = tuple(self.sort_key(a) for a in parts)
        return x.class_key(), (len(args), args), self.sort_key(exp), coeff

    def factors(self, e: Any) -> list[Any]:
        """``Mul.as_ordered_factors()``: commutative factors by sort key, then the others."""
        cpart, ncpart = e.args_cnc()
        cpart.sort(key=self.sort_key)
        return cpart + ncpart

    def terms(self, e: Any) -> list[Any]:
        """``Expr.as_ordered_terms()``, from sparse exponent vectors.

        Lexicographic order of the negated dense vectors compares the first index where two
        differ. An entry (j, −x) met where the other vector has 0 sorts first when x > 0, so
        it is keyed ``(−(k − j), −x)`` if x > 0 and ``(k − j, −x)`` if x < 0, and ``(0, 0)``
        ends every key (k generators, 0 ≤ j < k).
        """
        args = Add.make_args(e)
        if any(t.is_Order for t in args):
            return list(e.as_ordered_terms())
        if len(args) == 2:  # sympy's special case: 1 - x stays as it is
            first, second = sorted(args, key=_not_number)
            if not _not_number(first) and isinstance(second, Mul):
                factors = sorted(Mul.make_args(second), key=_not_number)
                if len(factors) == 2 and isinstance(factors[0], Number) and first.is_positive \
                        and factors[0].is_negative:
                    return [first, second]
        rows = []
        gens: set[Any] = set()
        for term in args:  # as Expr.as_terms splits them
            number, rest = term.as_coeff_Mul()
            coeff = _complex(number)
            cpart: dict[Any, int] = {}
            ncpart = []
            if rest is not S.One:
                for factor in Mul.make_args(rest):
                    if factor.is_number:
                        try:
                            coeff *= complex(factor)
                        except (TypeError, ValueError):
                            pass
                        else:
                            continue
                    if factor.is_commutative:
                        base, exp = decompose_power(factor)
                        cpart[base] = exp
                        gens.add(base)
                    else:
                        ncpart.append(factor)
            rows.append((term, coeff, cpart, tuple(ncpart)))
        index = {g: i for i, g in enumerate(sorted(gens, key=self.sort_key))}
        k = len(index)

        def key(row: tuple[Any, complex, dict[Any, int], tuple[Any, ...]]) -> Any:
            _, coeff, cpart, ncpart = row
            entries = sorted((index[base], -exp) for base, exp in cpart.items() if exp)
            monom = tuple((-(k - j), x) if x < 0 else (k - j, x) for j, x in entries) + ((0, 0),)
            return (monom, tuple(self.sort_key(f) for f in ncpart),
                    ((bool(coeff.imag), coeff.imag), (coeff.real, coeff.imag)))

        return [row[0] for row in sorted(rows, key=key)]


def print_mul(printer: Any, expr: Any, factors: Any) -> str:
    """``StrPrinter._print_Mul`` (sympy 1.14) with ``factors(expr)`` for ``expr.as_ordered_factors()``.

    Transcribed line for line, so that the text is sympy's; tests compare the two.
    """
    from sympy import Pow, Rational
    from sympy.core.mul import _keep_coeff
    from sympy.printing.precedence import precedence
    from sympy.utilities.iterables import sift

    prec = precedence(expr)
    args = expr.args
    if args[0] is S.One or any(isinstance(a, Number) or a.is_Pow and all(ai.is_Integer for ai in a.args)
                               for a in args[1:]):  # an unevaluated Mul: printed as it stands
        d, n = sift(args, lambda x: isinstance(x, Pow) and bool(x.exp.as_coeff_Mul()[0] < 0), binary=True)
        for i, di in enumerate(d):
            if di.exp.is_Number:
                e = -di.exp
            else:
                dargs = list(di.exp.args)
                dargs[0] = -dargs[0]
                e = Mul._from_args(dargs)
            d[i] = Pow(di.base, e, evaluate=False) if e - 1 else di.base
        pre = []
        if n and not n[0].is_Add and n[0].could_extract_minus_sign():
            pre = [printer._print(n.pop(0))]
        nfactors = pre + [printer.parenthesize(a, prec, strict=False) for a in n] or ["1"]
        pre = [printer._print(d.pop(0))] if len(d) > 1 and d[0].could_extract_minus_sign() else []
        dfactors = pre + [printer.parenthesize(a, prec, strict=False) for a in d]
        num, den = "*".join(nfactors), "*".join(dfactors)
        if len(dfactors) > 1:
            return f"{num}/({den})"
        return f"{num}/{den}" if dfactors else num

    c, e = expr.as_coeff_Mul()
    sign = ""
    if c < 0:
        expr = _keep_coeff(-c, e)
        sign = "-"
    a: list[Any] = []  # numerator
    b: list[Any] = []  # denominator
    pow_paren = []  # powers with exponent -1 of a base of more than one factor

    def apow(i: Any) -> Any:
        base, exp = i.as_base_exp()
        eargs = list(Mul.make_args(exp))
        if eargs[0] is S.NegativeOne:
            eargs = eargs[1:]
        else:
            eargs[0] = -eargs[0]
        exp = Mul._from_args(eargs)
        return i.func(base, exp, evaluate=False) if isinstance(i, Pow) else i.func(exp, evaluate=False)

    for item in factors(expr) if expr.is_Mul else [expr]:
        if item.is_commutative and isinstance(item, Pow) and bool(item.exp.as_coeff_Mul()[0] < 0):
            if item.exp is not S.NegativeOne:
                b.append(apow(item))
            else:
                if len(item.args[0].args) != 1 and isinstance(item.base, (Mul, Pow)):
                    pow_paren.append(item)
                b.append(item.base)
        elif item.is_Rational and item is not S.Infinity:
            if item.p != 1:
                a.append(Rational(item.p))
            if item.q != 1:
                b.append(Rational(item.q))
        else:
            a.append(item)
    a = a or [S.One]
    a_str = [printer.parenthesize(x, prec, strict=False) for x in a]
    b_str = [printer.parenthesize(x, prec, strict=False) for x in b]
    for item in pow_paren:
        if item.base in b:
            b_str[b.index(item.base)] = f"({b_str[b.index(item.base)]})"
    if not b:
        return sign + "*".join(a_str)
    if len(b) == 1:
        return sign + "*".join(a_str) + "/" + b_str[0]
    return sign + "*".join(a_str) + "/({})".format("*".join(b_str))
