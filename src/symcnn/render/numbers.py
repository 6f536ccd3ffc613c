"""How numbers are written, per language, in one place.

>>> NUMBER_FORMATS["vi"].integer(12582912000)
'12.582.912.000'
>>> NUMBER_FORMATS["en"].decimal(Decimal("-0.87"))
'-0.87'
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class NumberFormat:
    """Thousands and decimal separators of one language ('' = no grouping)."""

    thousands: str
    point: str

    def integer(self, n: int) -> str:
        text = f"{abs(n):,}".replace(",", self.thousands)
        return ("-" if n < 0 else "") + text

    def decimal(self, d: Decimal) -> str:
        sign = "-" if d < 0 else ""
        whole, _, frac = format(abs(d), "f").partition(".")
        text = self.integer(int(whole))
        return sign + (text + self.point + frac if frac else text)

    def number(self, value: Any) -> str:
        """Any exact value a step holds: int, Decimal, Fraction-like or sympy number."""
        if isinstance(value, bool):
            return str(int(value))
        if isinstance(value, int):
            return self.integer(value)
        if isinstance(value, Decimal):
            return self.decimal(value)
        if hasattr(value, "is_Integer") and value.is_Integer:
            return self.integer(int(value))
        if hasattr(value, "is_Rational") and value.is_Rational:
            return self.decimal(Decimal(int(value.p)) / Decimal(int(value.q)))
        return str(value)


NUMBER_FORMATS: dict[str, NumberFormat] = {
    "vi": NumberFormat(".", ","),
    "en": NumberFormat(",", "."),
    "plain": NumberFormat("", "."),  # JSON text and working lines
}
