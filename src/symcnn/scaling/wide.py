"""Exact non-negative integers a little wider than int64, as int64 limbs in base 10^8.

A sweep column whose bound exceeds int64 (a whole training run's cost, say) is usually
a product of an int64 column and Python int constants. :class:`Wide` does exactly that
(+ and ×) on whole arrays at numpy speed, and its base-10^8 limbs split straight into
the 4-digit groups the CSV writer prints. Any other operation raises
:class:`WideUnsupported`, and the sweep falls back to Python ints.

>>> x = Wide.from_int64(np.array([9_223_372_036_854_775_807, 5]))
>>> (x * 10**12 + 1).tolist() == [9_223_372_036_854_775_807 * 10**12 + 1, 5 * 10**12 + 1]
True
"""

from __future__ import annotations

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

    def __add__(self, other: Any) -> "Wide":
        o = Wide.of(other, len(self))
        size = max(len(self.limbs), len(o.limbs))
        zero = np.zeros(len(self), dtype=np.int64)
        pad = [*self.limbs, *[zero] * (size - len(self.limbs))], [*o.limbs, *[zero] * (size - len(o.limbs))]
        return Wide._carry([a + b for a, b in zip(*pad)])

    __radd__ = __add__

    def __mul__(self, other: Any) -> "Wide":
        if isinstance(other, (int, np.integer)) and not 0 <= int(other) <= LIMIT:
            raise WideUnsupported("factor out of range")
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
