"""Named cost conventions: how a counter weighs a layer's primitive operation counts.

A convention is data: a linear combination of the count names that layers report
(``mac``, ``conv.bias``, ``relu``, ``maxpool.in`` ...). A new counter is one entry.

>>> CONVENTIONS["flops"].cost({"mac": 10, "conv.bias": 3})
23
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from .errors import UnsupportedLayerError


@dataclass(frozen=True)
class Convention:
    """A named way of counting cost, as weights on primitive counts."""

    name: str
    unit: str
    description: str
    terms: Mapping[str, int] = field(default_factory=dict)

    def cost(self, counts: Mapping[str, Any]) -> Any:
        total: Any = 0
        for key, weight in self.terms.items():
            if key in counts:
                total = total + weight * counts[key]
        return total


CONVENTIONS: dict[str, Convention] = {
    c.name: c
    for c in (
        Convention(
            "macs",
            "MAC",
            "multiply–accumulates of the conv and dense weights; bias, pooling and"
            " activations count 0 (the exam key's convention)",
            {"mac": 1},
        ),
        Convention(
            "flops",
            "FLOP",
            "2 × multiply–accumulates, plus one addition per bias",
            {"mac": 2, "conv.bias": 1, "dense.bias": 1},
        ),
    )
}


def convention(name: str, where: str = "convention") -> Convention:
    """Look a convention up by name; an unknown name is an error listing the known ones."""
    try:
        return CONVENTIONS[name]
    except KeyError:
        known = ", ".join(sorted(CONVENTIONS))
        raise UnsupportedLayerError(f"{where}: unknown convention {name!r} (known: {known})") from None
