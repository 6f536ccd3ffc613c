"""Cost of one training step (forward + backward) per sample, layer by layer.

Two named backward rules (``BACKWARD_RULES``):

* ``pytorch`` — what autograd really runs. A layer with weights computes their
  gradient (as costly as its forward pass) and, when its input requires grad, the
  gradient with respect to its input (as costly again): 2× forward. The first
  layer's input is the image, which requires no grad, so it computes only the
  weight gradient: 1× forward. A layer requires grad on its input when some layer
  before it has parameters. Under the ``torch`` convention this equals
  FlopCounterMode around ``loss.backward()`` exactly (``tests/test_training.py``),
  including its quirk of charging a grouped (depthwise) conv's weight gradient as if
  the conv had one group: g× forward (``Convention.ungrouped_weight_grad``).
* ``exam`` — the seed exam's statement "backpropagation costs the same as the forward
  pass": backward = forward for every layer.

Works on exact numbers (``evaluate``) and on formulas (``derive``) alike.

>>> from symcnn.model.layers import Conv2d, Dense
>>> from symcnn.model.network import Network, Node, evaluate
>>> net = Network((4, 4, 1), (Node("c", Conv2d(kernel=3, filters=2)), Node("d", Dense(units=3))))
>>> cost = training_cost(net, evaluate(net).layers, "macs")
>>> [(lay.forward, lay.backward) for lay in cost.layers]  # c: 3·3·1·2·2·2 = 72; d: 8·3 = 24
[(72, 72), (24, 48)]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from ..errors import UnsupportedLayerError
from .conventions import Convention, convention
from .layers import Num
from .network import Network


@dataclass(frozen=True)
class BackwardRule:
    """How a layer's backward cost follows from its forward cost."""

    name: str
    description: str
    backward: Callable[[Num, bool, bool, Num], Num]  # (forward, has weights, input grad, weight-grad scale)


BACKWARD_RULES: dict[str, BackwardRule] = {
    r.name: r
    for r in (
        BackwardRule(
            "pytorch",
            "weight gradient (= forward) if the layer has parameters, plus input gradient (= forward)"
            " if its input requires grad; the first layer's input (the image) does not",
            lambda f, weights, input_grad, scale: f * (scale * int(weights) + int(input_grad)),
        ),
        BackwardRule(
            "exam",
            "backward = forward for every layer (the exam's statement)",
            lambda f, weights, input_grad, scale: f,
        ),
    )
}


@dataclass(frozen=True)
class LayerTraining:
    """One layer's forward and backward cost per sample."""

    name: str
    forward: Num
    backward: Num
    input_grad: bool  # whether autograd computes the gradient with respect to its input

    @property
    def total(self) -> Num:
        return self.forward + self.backward


@dataclass(frozen=True)
class TrainingCost:
    """Forward + backward cost per sample, by layer, under one convention and rule."""

    convention: str
    rule: str
    unit: str
    layers: tuple[LayerTraining, ...]

    @property
    def forward(self) -> Num:
        return sum(lay.forward for lay in self.layers)

    @property
    def backward(self) -> Num:
        return sum(lay.backward for lay in self.layers)

    @property
    def total(self) -> Num:
        return self.forward + self.backward


def training_cost(network: Network, layers: Sequence[Any], conv: str | Convention = "torch",
                  rule: str = "pytorch") -> TrainingCost:
    """Training cost of ``network`` per sample; ``layers`` are its ``evaluate`` or ``derive`` layers."""
    conv = conv if isinstance(conv, Convention) else convention(conv)
    try:
        backward = BACKWARD_RULES[rule]
    except KeyError:
        known = ", ".join(sorted(BACKWARD_RULES))
        raise UnsupportedLayerError(f"backward rule: unknown rule {rule!r} (known: {known})") from None
    needs_grad = [False]  # position 0 is the input image
    out: list[LayerTraining] = []
    for i, lay in enumerate(layers, start=1):
        has_weights = bool(lay.params != 0)
        input_grad = any(needs_grad[j] for j in network.sources(i))
        needs_grad.append(has_weights or input_grad)
        forward = conv.cost(lay.counts)
        layer = getattr(lay, "layer", network.nodes[i - 1].layer)  # formulas carry their symbolic layer
        scale = getattr(layer, "groups", 1) if conv.ungrouped_weight_grad else 1
        cost = backward.backward(forward, has_weights, input_grad, scale)
        out.append(LayerTraining(lay.name, forward, cost, input_grad))
    return TrainingCost(conv.name, rule, conv.unit, tuple(out))
