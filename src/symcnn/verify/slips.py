"""Slips of the pen between a right number and the number written down.

Each slip is a rule ``(right, written, decimals) -> bool``; :data:`SLIPS` is the table,
keyed by the diagnosis code.

>>> slip_code(12345, 12945, 0), slip_code(5.0913, 5.0913, 4)
('DIGIT_SLIP', None)
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any, Callable, Iterator

from ..exam.steps import round_decimal

POWERS = range(-9, 10)


def _dec(x: Any) -> Decimal:
    if isinstance(x, Fraction):
        return Decimal(x.numerator) / Decimal(x.denominator)
    return Decimal(str(x)) if not isinstance(x, (int, Decimal)) else Decimal(x)


def places(v: Any) -> int:
    """Decimal places written in a Decimal (0 for anything else)."""
    exponent = v.as_tuple().exponent if isinstance(v, Decimal) else 0
    return max(-exponent, 0) if isinstance(exponent, int) else 0


def digits(x: Any, decimals: int) -> str:
    """The digits of |x| written with ``decimals`` places (no separators, no sign)."""
    d = round_decimal(_dec(x), decimals) if decimals else _dec(x)  # any size: no quantize overflow
    return format(abs(d), "f").replace(".", "") if decimals else format(abs(d.to_integral_value()), "f")


def _same_sign(a: Any, b: Any) -> bool:
    return (_dec(a) < 0) == (_dec(b) < 0)


def digit_slip(right: Any, written: Any, decimals: int) -> bool:
    a, b = digits(right, decimals), digits(written, decimals)
    return _same_sign(right, written) and len(a) == len(b) and sum(x != y for x, y in zip(a, b)) == 1


def digit_swap(right: Any, written: Any, decimals: int) -> bool:
    a, b = digits(right, decimals), digits(written, decimals)
    diff = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
    return (_same_sign(right, written) and len(a) == len(b) and len(diff) == 2 and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])


def power_of_ten(right: Any, written: Any, decimals: int) -> bool:
    r, w = _dec(right), _dec(written)
    return r != 0 and any(k and r.scaleb(k) == w for k in POWERS)


SLIPS: dict[str, Callable[[Any, Any, int], bool]] = {
    "DIGIT_SLIP": digit_slip,
    "DIGIT_SWAP": digit_swap,
    "POWER_OF_TEN": power_of_ten,
}


def slip_code(right: Any, written: Any, decimals: int) -> str | None:
    """The first slip that turns ``right`` into ``written``, or None."""
    r = _dec(right)
    if r == _dec(written) or (decimals == 0 and r != r.to_integral_value()):
        return None  # the same, or a fraction that an integer result cannot state
    return next((code for code, rule in SLIPS.items() if rule(right, written, decimals)), None)


def variants(value: Fraction, decimals: int) -> Iterator[tuple[str, Fraction]]:
    """Every number one slip away from ``value`` as written (for operands of a line)."""
    text = digits(value, decimals)
    sign = -1 if value < 0 else 1
    scale = Fraction(1, 10**decimals)

    def number(t: str) -> Fraction:
        return sign * int(t) * scale

    for i, c in enumerate(text):
        for d in "0123456789":
            if d != c and not (i == 0 and d == "0" and len(text) > 1):
                yield "DIGIT_SLIP", number(text[:i] + d + text[i + 1:])
    for i in range(len(text) - 1):
        if text[i] != text[i + 1] and not (i == 0 and text[1] == "0"):
            yield "DIGIT_SWAP", number(text[:i] + text[i + 1] + text[i] + text[i + 2:])
    for k in POWERS:
        if k:
            yield "POWER_OF_TEN", value * Fraction(10) ** k


def whole_variants(n: int) -> set[int]:
    """Every whole number one slip away from ``n`` (the integer case of :func:`variants`, kept fast).

    >>> sorted(whole_variants(12))[:4], 21 in whole_variants(12), 120 in whole_variants(12)
    ([10, 11, 13, 14], True, True)
    """
    text, sign = str(abs(n)), -1 if n < 0 else 1
    out: set[int] = set()
    for i, c in enumerate(text):
        for d in "0123456789":
            if d != c and not (i == 0 and d == "0" and len(text) > 1):
                out.add(sign * int(text[:i] + d + text[i + 1:]))
    for i in range(len(text) - 1):
        if text[i] != text[i + 1] and not (i == 0 and text[1] == "0"):
            out.add(sign * int(text[:i] + text[i + 1] + text[i] + text[i + 2:]))
    for k in range(1, POWERS.stop):
        out.add(n * 10**k)
        if n % 10**k == 0:
            out.add(n // 10**k)
    return out
