"""Exact numbers as sympy objects, without ever parsing text.

``sympy.sympify`` (and ``S``, ``parse_expr``) turn a string into code and run it;
symcnn calls none of them. :func:`expr` converts only values that are already
numbers or sympy objects, and refuses anything else, text above all.

>>> expr(2**70), expr(Fraction(1, 3))
(1180591620717411303424, 1/3)
>>> expr("__import__('os')")
Traceback (most recent call last):
TypeError: refusing to turn a str into a sympy expression (symcnn never parses text as code)
"""

from __future__ import annotations

import numbers
from decimal import Decimal
from fractions import Fraction
from typing import Any


def expr(x: Any) -> Any:
    """``x`` as a sympy object: sympy objects as they are, ints, fractions and decimals exactly."""
    import sympy  # here, not above: reading a spec or sweeping needs no sympy

    if isinstance(x, sympy.Basic):
        return x
    if isinstance(x, numbers.Integral):  # int, bool, numpy integers
        return sympy.Integer(int(x))
    if isinstance(x, Fraction):
        return sympy.Rational(x.numerator, x.denominator)
    if isinstance(x, Decimal) and x.is_finite():
        return sympy.Float(x)
    raise TypeError(f"refusing to turn a {type(x).__name__} into a sympy expression"
                    " (symcnn never parses text as code)")
