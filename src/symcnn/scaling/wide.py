"""Exact non-negative integers a little wider than int64, as int64 limbs in base 10^8.

A sweep column whose bound exceeds int64 (a whole training run's cost, say) is usually
a product of an int64 column and Python int constants. :class:`Wide` does exactly that
(+ and ×) on whole arrays at numpy speed, and its base-10^8 limbs split straight into
the 4-digit groups the CSV writer prints. Every other operation a rule may use (−, //,
%, unary −, abs, comparisons, with ints, int64 arrays or Wide on either side) is exact
too, computed on Python ints: its result is a Wide again when it is non-negative and
below 10^32, else an object array of Python ints (which the sweep handles everywhere).

>>> x = Wide.from_int64(np.array([9_223_372_036_854_775_807, 5]))
>>> (x * 10**12 + 1).tolist() == [9_223_372_036_854_775_807 * 10**12 + 1, 5 * 10**12 + 1]
True
>>> ((x - 7) // 2).tolist(), (1 - x).tolist()[1], (x > 6).tolist()
([4611686018427387900, -1], -4, [True, False])
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

BASE = 10**8
LIMBS = 4  # values below 10^32
LIMIT = BASE**LIMBS - 1


class WideUnsupported(TypeError):
    """An operation or value Wide does not handle exactly; the caller uses Python ints instead."""


def _limbs_of(value: int) -> list[int]:
    out = []
    while True:
        value, r = divmod(value, BASE)
        out.append(r)
        if not value:
            return out


class Wide:
    """An array of non-negative integers below 10^32: ``limbs[j]`` holds the digits of BASE**j."""

    __array_ufunc__ = None  # numpy hands ``array * wide`` back to Wide.__rmul__

    def __init__(self, limbs: list[np.ndarray]):
        self.limbs = limbs

    @classmethod
    def from_int64(cls, x: np.ndarray) -> "Wide":
        if x.dtype != np.int64 or (x.size and x.min() < 0):
            raise WideUnsupported("only non-negative int64 arrays become Wide")
        return cls([x % BASE, (x // BASE) % BASE, x // BASE**2])

    @classmethod
    def of(cls, value: Any, n: int) -> "Wide":
        if isinstance(value, Wide):
            return value
        if isinstance(value, np.ndarray):
            return cls.from_int64(value)
        if isinstance(value, (int, np.integer)) and 0 <= int(value) <= LIMIT:
            return cls([np.full(n, limb, dtype=np.int64) for limb in _limbs_of(int(value))])
        raise WideUnsupported(f"cannot make {type(value).__name__} Wide")

    def __len__(self) -> int:
        return len(self.limbs[0])

    @staticmethod
    def _carry(limbs: list[np.ndarray]) -> "Wide":
        """Normalise limbs to 0 … BASE−1, carrying upward; trim all-zero top limbs."""
        out, carry = [], np.zeros_like(limbs[0])
        for limb in limbs:
            limb = limb + carry
            carry = limb // BASE
            out.append(limb - carry * BASE)
        while carry.any():
            nxt = carry // BASE
            out.append(carry - nxt * BASE)
            carry = nxt
        while len(out) > 1 and not out[-1].any():
            out.pop()
        if len(out) > LIMBS:
            raise WideUnsupported("value beyond 10^32")
        return Wide(out)

    # ---- exact fallbacks: every other operation, on Python ints

    def objects(self) -> np.ndarray:
        """The values as an object array of Python ints."""
        out = np.empty(len(self), dtype=object)
        out[:] = self.tolist()
        return out

    @staticmethod
    def _plain(other: Any) -> Any:
        if isinstance(other, Wide):
            return other.objects()
        if isinstance(other, np.ndarray):
            return other.astype(object)
        if isinstance(other, (int, np.integer)):
            return int(other)
        raise WideUnsupported(f"cannot combine Wide with {type(other).__name__}")

    @staticmethod
    def back(values: np.ndarray) -> Any:
        """Python-int results as Wide where every one is in 0 … 10^32 − 1, else as they are."""
        ints = values.tolist()
        if all(isinstance(v, int) and 0 <= v <= LIMIT for v in ints):
            if not ints:
                return Wide([np.zeros(0, dtype=np.int64)])
            return Wide._carry([np.array([(v // BASE**j) % BASE for v in ints], dtype=np.int64) for j in range(LIMBS)])
        return values

    def _exact(self, other: Any, op: Any, reflected: bool = False) -> Any:
        a, b = self.objects(), Wide._plain(other)
        return Wide.back(op(b, a) if reflected else op(a, b))

    def __sub__(self, other: Any) -> Any:
        return self._exact(other, operator.sub)

    def __rsub__(self, other: Any) -> Any:
        return self._exact(other, operator.sub, True)

    def __floordiv__(self, other: Any) -> Any:
        return self._exact(other, operator.floordiv)

    def __rfloordiv__(self, other: Any) -> Any:
        return self._exact(other, operator.floordiv, True)

    def __mod__(self, other: Any) -> Any:
        return self._exact(other, operator.mod)

    def __rmod__(self, other: Any) -> Any:
        return self._exact(other, operator.mod, True)

    def __pow__(self, other: Any) -> Any:
        return self._exact(other, operator.pow)

    def __neg__(self) -> Any:
        return Wide.back(-self.objects())

    def __pos__(self) -> "Wide":
        return self

    def __abs__(self) -> "Wide":
        return self  # never negative

    def _compare(self, other: Any, op: Any) -> np.ndarray:
        return np.array(op(self.objects(), Wide._plain(other)), dtype=bool)

    def __lt__(self, other: Any) -> np.ndarray:  # type: ignore[override,unused-ignore]
        return self._compare(other, operator.lt)

    def __le__(self, other: Any) -> np.ndarray:  # type: ignore[override,unused-ignore]
        return self._compare(other, operator.le)

    def __gt__(self, other: Any) -> np.ndarray:  # type: ignore[override,unused-ignore]
        return self._compare(other, operator.gt)

    def __ge__(self, other: Any) -> np.ndarray:  # type: ignore[override,unused-ignore]
        return self._compare(other, operator.ge)

    def __eq__(self, other: Any) -> np.ndarray:  # type: ignore[override]
        return self._compare(other, operator.eq)

    def __ne__(self, other: Any) -> np.ndarray:  # type: ignore[override]
        return self._compare(other, operator.ne)

    __hash__ = None  # type: ignore[assignment]

    def __bool__(self) -> bool:
        raise ValueError("the truth value of a Wide array is ambiguous (as for numpy arrays)")

    def where(self, keep: np.ndarray, other: int) -> Any:
        """``np.where(keep, self, other)`` (numpy cannot see inside a Wide)."""
        return Wide.back(np.where(keep, self.objects(), other))

    # ---- + and ×, on the limbs

    def __add__(self, other: Any) -> Any:
        if not isinstance(other, (Wide, int, np.integer)) and not (
                isinstance(other, np.ndarray) and other.dtype == np.int64 and not (other.size and other.min() < 0)):
            return self._exact(other, operator.add)
        if isinstance(other, (int, np.integer)) and not 0 <= int(other) <= LIMIT:
            return self._exact(other, operator.add)
        try:
            return self._add(other)
        except WideUnsupported:
            return self._exact(other, operator.add)

    def _add(self, other: Any) -> "Wide":
        o = Wide.of(other, len(self))
        size = max(len(self.limbs), len(o.limbs))
        zero = np.zeros(len(self), dtype=np.int64)
        pad = [*self.limbs, *[zero] * (size - len(self.limbs))], [*o.limbs, *[zero] * (size - len(o.limbs))]
        return Wide._carry([a + b for a, b in zip(*pad)])

    __radd__ = __add__

    def __mul__(self, other: Any) -> Any:
        if isinstance(other, (int, np.integer)) and not 0 <= int(other) <= LIMIT:
            return self._exact(other, operator.mul)
        if isinstance(other, np.ndarray) and (other.dtype != np.int64 or (other.size and other.min() < 0)):
            return self._exact(other, operator.mul)
        try:
            return self._mul(other)
        except WideUnsupported:
            return self._exact(other, operator.mul)

    def _mul(self, other: Any) -> "Wide":
        o = Wide.of(other, len(self))
        out = [np.zeros(len(self), dtype=np.int64) for _ in range(len(self.limbs) + len(o.limbs) - 1)]
        for i, a in enumerate(self.limbs):
            for j, b in enumerate(o.limbs):  # each product < 10^16; at most 4 summed per limb
                out[i + j] += a * b
        return Wide._carry(out)

    __rmul__ = __mul__

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, (int, np.integer)):
            return sum(int(limb[index]) * BASE**j for j, limb in enumerate(self.limbs))
        return Wide([limb[index] for limb in self.limbs])

    def __iter__(self) -> Any:
        return iter(self.tolist())

    def tolist(self) -> list[int]:
        return [sum(int(v) * BASE**j for j, v in enumerate(vs)) for vs in zip(*(x.tolist() for x in self.limbs))]

    def groups(self) -> tuple[np.ndarray, np.ndarray]:
        """(4-digit groups, most significant first, as indices 0…9999; digits per value)."""
        cols = []
        for limb in reversed(self.limbs):
            hi = limb // 10_000
            cols += [hi, limb - hi * 10_000]
        groups = np.stack(cols, axis=1) if cols else np.zeros((len(self), 1), dtype=np.int64)
        nonzero = groups != 0
        first = np.where(nonzero.any(axis=1), nonzero.argmax(axis=1), groups.shape[1] - 1)
        top = groups[np.arange(len(self)), first]
        digits = (groups.shape[1] - 1 - first) * 4 + 1
        for k in (10, 100, 1000):
            digits += top >= k
        return groups, digits
