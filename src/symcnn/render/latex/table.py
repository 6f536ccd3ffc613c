"""The per-layer table's numbers: one row per layer (input first) and a total row.

A derivation, not a printer: rows hold exact ints and are rendered by the sheet.

>>> from symcnn import load_exam, solve
>>> rows = layer_rows(solve(load_exam()))
>>> rows[0].kind, rows[0].values
('input', 49152)
>>> sum(r.weights for r in rows[:-1]) == rows[-1].weights
True
"""

from __future__ import annotations

from dataclasses import dataclass

from ...exam.steps import Solution
from ...model.conventions import convention
from ...model.layers import size


@dataclass(frozen=True)
class LayerRow:
    """One table row; ``shape`` is None on the total row."""

    index: int | None
    name: str
    kind: str
    activation: str | None
    shape: tuple[int, ...] | None
    weights: int
    biases: int
    cost: int
    values: int


def layer_rows(solution: Solution) -> tuple[LayerRow, ...]:
    """Input row, one row per layer (cost under the exam's convention), then the totals."""
    conv = convention(solution.exam.convention)
    numbers = solution.numbers
    nodes = solution.exam.network.nodes
    rows = [LayerRow(0, solution.exam.network.input_name, "input", None, numbers.input_shape, 0, 0, 0,
                     size(numbers.input_shape))]
    for node, lay in zip(nodes, numbers.layers):
        activation = getattr(node.layer, "activation", None) or getattr(node.layer, "function", None)
        rows.append(LayerRow(lay.index, lay.name, lay.kind, activation, lay.shape, lay.weights, lay.biases,
                             int(conv.cost(lay.counts)), lay.activations))
    total = LayerRow(None, "", "", None, None, sum(r.weights for r in rows), sum(r.biases for r in rows),
                     sum(r.cost for r in rows), sum(r.values for r in rows))
    return (*rows, total)
