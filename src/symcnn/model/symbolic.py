"""How the rules become sympy formulas: fast at any depth, and readable.

The rules in :mod:`symcnn.model.rules` are plain arithmetic; this module only changes
how sympy builds their results, never what they are.

* **Fast floors.** ``(n + 2p - k) // s`` with sympy symbols asks sympy's assumption
  system whether the quotient is an integer, zero, positive or negative before it
  returns ``floor((n + 2p - k)/s)`` unchanged: about 90% of a derivation's time.
  When the divisor is a positive symbol that the numerator does not contain, and the
  numerator has a term that can grow without bound on either side (``n`` up, ``k``
  down), none of those can be known, so :func:`divisor` builds the same floor
  directly, with ``evaluate=False``: the very object sympy would have returned.
* **Readable ceilings.** ``pool_out_ceil`` is integer arithmetic (a ``min`` written
  with ``abs``, a ceiling written as a floor), which prints as ``Abs(…)`` and
  ``0/2 + 2/2``. With sympy values it is built as the ceiling it is,
  ``⌈min(n + p, n + 2p − k + s)/s⌉`` (:func:`pool_out_ceil`), equal for every input.
* **Merged floors.** :func:`merge_floors` rewrites ``⌊(⌊y⌋ + r)/c⌋`` as ``⌊(y + r)/c⌋``
  (and the same for ceilings), so a closed form has one floor per axis at any depth.
* **Sums.** :func:`total` adds many terms at once (``sum()`` of sympy terms is
  quadratic in their number).

>>> import sympy
>>> n, k, p, s = sympy.symbols("n k p s", integer=True, positive=True)
>>> (n + 2 * p - k) // divisor(s) == (n + 2 * p - k) // s
True
>>> pool_out_ceil(n, k, p, s)
ceiling(Min(n + p, -k + n + 2*p + s)/s)
"""

from __future__ import annotations

import contextlib
import gc
import sys
from typing import Any, Callable, Iterable, Iterator

from . import rules

FAST = True
"""Build the floors and ceilings that sympy could not simplify directly (tests turn it off to compare)."""


def is_sympy(*values: Any) -> bool:
    """Whether any value is a sympy object (never imports sympy to find out)."""
    sympy = sys.modules.get("sympy")
    return sympy is not None and any(isinstance(v, sympy.Basic) for v in values)


class _FastDivisor:
    """A divisor for the right of ``//`` that builds sympy's floor without asking sympy.

    Sympy's ``Expr.__floordiv__`` declines an operand it cannot convert, so Python hands
    ``numerator // divisor`` to :meth:`__rfloordiv__`.
    """

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __rfloordiv__(self, numerator: Any) -> Any:
        s = self.value
        if is_sympy(s):
            if _unbounded_both_ways(numerator, s):
                import sympy

                return sympy.floor(numerator / s, evaluate=False)
        elif _size_plus_constant(numerator):
            return _floor_by_number(numerator, s)
        return numerator // s


def divisor(s: Any) -> Any:
    """``s`` to divide by in a rule: itself, or a fast one (a positive sympy symbol or int)."""
    if FAST and ((is_sympy(s) and s.is_Symbol and s.is_positive) or (type(s) is int and s > 0)):
        return _FastDivisor(s)
    return s


def _size_plus_constant(numerator: Any) -> bool:
    """Whether ``numerator`` is ``n`` or ``n + q``: a positive integer symbol plus an integer."""
    if not is_sympy(numerator):
        return False
    terms = numerator.args if numerator.is_Add else (numerator,)
    syms = [t for t in terms if t.is_Symbol]
    return (len(terms) <= 2 and len(syms) == 1 and bool(syms[0].is_integer and syms[0].is_positive)
            and all(t.is_Integer for t in terms if t is not syms[0]))


def _floor_by_number(numerator: Any, c: int) -> Any:
    """``(n + q) // c`` for a positive integer symbol n, an integer q and an int c ≥ 1, as sympy builds it.

    n takes every positive value, so sympy can bound (n + q)/c neither above nor, for
    c ≥ 2, prove it an integer: its floor keeps the integer terms of the quotient
    outside and the rest inside, ``floor(n/c + r)``; for c = 1 it is ``n + q`` itself.
    """
    import sympy

    arg = numerator / c
    if c == 1:
        return arg
    terms = sympy.Add.make_args(arg)
    whole = [t for t in terms if t.is_Integer]
    inner = sympy.floor(sympy.Add(*(t for t in terms if not t.is_Integer)), evaluate=False)
    return sympy.Add(*whole, inner) if whole else inner


def _unbounded_both_ways(numerator: Any, s: Any) -> bool:
    """Whether ``numerator/s`` can be positive, negative and non-integer, whatever sympy knows.

    True when ``s`` is a positive symbol absent from the numerator, every term of the
    numerator is a rational times a product of positive symbols, and some symbol that
    appears in one term only sits in a term with a positive coefficient, another in a
    term with a negative one: growing the first makes the sum positive, the second
    negative, and then a large enough ``s`` makes the quotient a non-integer. Sympy's
    assumptions are sound, so it can prove none of ``integer``, ``zero``, ``positive``
    or ``negative``, and its ``floor`` returns ``floor(numerator/s)`` unevaluated.
    """
    if not (is_sympy(numerator) and numerator.is_Add):
        return False
    terms = []
    for term in numerator.args:
        coeff, rest = term.as_coeff_Mul()
        factors = () if rest == 1 else rest.args if rest.is_Mul else (rest,)
        if not (coeff.is_Rational and all(f.is_Symbol and f.is_positive for f in factors)):
            return False
        terms.append((coeff, set(factors)))
    if any(s in factors for _, factors in terms):
        return False
    seen: dict[Any, int] = {}
    for _, factors in terms:
        for f in factors:
            seen[f] = seen.get(f, 0) + 1
    signs = {coeff > 0 for coeff, factors in terms if any(seen[f] == 1 for f in factors)}
    return signs == {True, False}


def window_out(rule: Callable[..., Any], n: Any, k: Any, p: Any, s: Any) -> Any:
    """A window rule (``conv_out`` or ``pool_out_ceil``): numbers as the rule gives them,
    sympy values built fast (a fast divisor) or readably (the ceiling as a ceiling)."""
    if not is_sympy(n, k, p, s):
        return rule(n, k, p, s)
    if rule is rules.pool_out_ceil:
        return pool_out_ceil(n, k, p, s)
    return rule(n, k, p, divisor(s))


def pool_out_ceil(n: Any, k: Any, p: Any, s: Any) -> Any:
    """:func:`symcnn.model.rules.pool_out_ceil` as sympy writes a ceiling: ⌈min(n + p, n + 2p − k + s)/s⌉.

    Equal to the rule for all sizes (tests/test_layers_pool.py checks it against PyTorch's formula).
    """
    import sympy

    if FAST and all(is_sympy(x) and x.is_Symbol and x.is_positive for x in (n, k, p, s)) and len({n, k, p, s}) == 4:
        # Four free positive symbols: k − p − s takes both signs, so sympy can order neither
        # term of the min, and the quotient can be negative, positive or a fraction: sympy
        # would return both unevaluated, so build them so (tests compare the two).
        return sympy.ceiling(sympy.Min(n + p, n + 2 * p - k + s, evaluate=False) / s, evaluate=False)
    return sympy.ceiling(sympy.Min(n + p, n + 2 * p - k + s) / s)


@contextlib.contextmanager
def building() -> Iterator[None]:
    """Build many sympy objects without the cyclic garbage collector's pauses.

    A derivation allocates tens of thousands of small acyclic objects that all stay alive;
    each full collection walks every one of them, so with the collector on, the time per
    layer grows with the depth. It is switched off while they are built and back on after
    (the state is restored as found).
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def total(values: Iterable[Any]) -> Any:
    """The sum of ``values``: an int for ints, one sympy ``Add`` (linear in their number) otherwise."""
    values = list(values)
    if not is_sympy(*values):
        return sum(values)
    import sympy

    return sympy.Add(*values)


def merge_floors(expr: Any) -> Any:
    """Rewrite ``floor((floor(y) + r)/c)`` as ``floor((y + r)/c)`` wherever it is exact (ceilings alike).

    For an integer r and a positive integer c, ⌊(⌊y⌋ + r)/c⌋ = ⌊(y + r)/c⌋ and
    ⌈(⌈y⌉ + r)/c⌉ = ⌈(y + r)/c⌉.

    >>> import sympy
    >>> H = sympy.Symbol("H_0", integer=True, positive=True)
    >>> merge_floors(sympy.floor((sympy.floor((H - 7) / 2) - 1) / 2))
    floor(H_0/4 - 9/4)
    >>> merge_floors(sympy.ceiling((sympy.ceiling((H - 1) / 2) - 1) / 2))
    ceiling(H_0/4 - 3/4)
    """
    import sympy

    def merge(e: Any) -> Any:
        inner = list(e.args[0].atoms(type(e)))
        if len(inner) != 1:
            return e
        f, d = inner[0], sympy.Dummy()
        linear = e.args[0].xreplace({f: d})
        a = sympy.expand(linear).coeff(d)
        c = 1 / a if a != 0 else sympy.zoo
        rest = sympy.expand((linear - a * d) * c)
        if c.is_integer and c.is_positive and rest.is_integer and not rest.has(d):
            return type(e)((f.args[0] + rest) / c)
        return e

    if not is_sympy(expr):
        return expr
    return expr.replace(lambda e: isinstance(e, (sympy.floor, sympy.ceiling)), merge)
