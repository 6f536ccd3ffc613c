"""The layers of today's CNNs: counts by hand, spec syntax, formulas in H and W, and how each
preset weighs them (function calls apart from modules)."""

from __future__ import annotations

import pytest

from symcnn.errors import SpecError
from symcnn.model.conventions import CONVENTIONS
from symcnn.model.layers import (
    Activation,
    ChannelShuffle,
    Concat,
    LayerNorm,
    LayerScale,
    Linear,
    Mean,
    Multiply,
    RectConv2d,
    Split,
)
from symcnn.model.network import closed_forms, evaluate
from symcnn.models.zoo import parse_model

MAP = (5, 6, 8)  # H × W × C: 240 values

# (layer, inputs, output shape, weights, biases, counts), each worked by hand
CASES = [
    (Multiply(), ((1, 1, 8), MAP), MAP, 0, 0, {"mul.numel": 240}),
    (Multiply(functional=True), (MAP, MAP), MAP, 0, 0, {"fn.mul.numel": 240}),
    (LayerScale(), (MAP,), MAP, 8, 0, {"scale.numel": 240}),
    (LayerNorm(), (MAP,), MAP, 8, 8, {"layernorm.numel": 240, "layernorm.params": 16}),
    (LayerNorm(functional=True), ((768,),), (768,), 768, 768, {"fn.layernorm.numel": 768, "fn.layernorm.params": 1536}),
    # 8 → 3 at each of 30 positions: 720 MACs, 90 bias adds; torchinfo counts the 27 parameters once,
    # so "reuse" is the other 29 positions: 29 · 27 = 783
    (Linear(units=3), (MAP,), (5, 6, 3), 24, 3, {"mac": 720, "linear.bias": 90, "linear.reuse": 783}),
    (Linear(units=3, bias=False), (MAP,), (5, 6, 3), 24, 0, {"mac": 720, "linear.reuse": 696}),
    (Split(parts=2, index=1), (MAP,), (5, 6, 4), 0, 0, {}),
    (ChannelShuffle(groups=2), (MAP,), MAP, 0, 0, {}),
    (Mean(), (MAP,), (8,), 0, 0, {"mean.in": 240}),
    (Mean(keepdim=True), (MAP,), (1, 1, 8), 0, 0, {"mean.in": 240}),
    (Concat(), (MAP,), MAP, 0, 0, {"concat.numel": 240}),
    (Activation(function="silu", functional=True), (MAP,), MAP, 0, 0, {"fn.silu": 240}),
    (Activation(function="hardswish"), (MAP,), MAP, 0, 0, {"hardswish": 240}),
    # 1×7 kernel, padding (0, 3) on 10×12×3 → 10×12×4: weights 1·7·3·4 = 84, MACs 84·120 = 10,080, bias 4 per value
    (RectConv2d(kernel=1, kernel_width=7, filters=4, padding=0, padding_width=3), ((10, 12, 3),), (10, 12, 4), 84, 4,
     {"mac": 10_080, "conv.bias": 480}),
    # 7×1 stride 2, no padding on 10×12×3: (10 − 7)//2 + 1 = 2 rows, (12 − 1)//2 + 1 = 6 columns
    (RectConv2d(kernel=7, kernel_width=1, filters=4, stride=2, bias=False), ((10, 12, 3),), (2, 6, 4), 84, 0,
     {"mac": 84 * 12}),
]


@pytest.mark.parametrize("layer, inputs, shape, weights, biases, counts", CASES, ids=lambda v: getattr(v, "kind", None))
def test_counts_by_hand(layer, inputs, shape, weights, biases, counts):
    out = layer.output_shape(inputs)
    assert tuple(out) == shape and not layer.problems(inputs)
    assert (layer.weights(inputs), layer.biases(inputs)) == (weights, biases)
    assert layer.counts(inputs, out) == counts


@pytest.mark.parametrize("layer, inputs, problem", [
    (Multiply(), ((5, 6, 8), (5, 5, 8)), "cannot broadcast 5×6×8 with 5×5×8"),
    (Split(parts=3), ((5, 6, 8),), "input channels 8 are not divisible into 3 parts"),
    (ChannelShuffle(groups=3), ((5, 6, 8),), "input channels 8 are not divisible by groups 3"),
    (Mean(), ((8,),), "needs a feature map"),
    (RectConv2d(kernel=1, kernel_width=7, filters=4), ((10, 5, 3),), "kernel 7 is larger than the padded input width 5"),
])
def test_problems_are_named(layer, inputs, problem):
    assert any(problem in p for p in layer.problems(inputs))


@pytest.mark.parametrize("preset, counts, cost", [
    # ptflops: nn.ReLU counted by its hook and again by the patched F.relu; F.relu alone once
    ("ptflops", {"relu": 10}, 20), ("ptflops", {"fn.relu": 10}, 10),
    ("ptflops", {"gelu": 10, "silu": 10, "hardswish": 10}, 30), ("ptflops", {"fn.layernorm.numel": 10}, 0),
    ("ptflops", {"fn.add.numel": 10, "add.numel": 10, "mul.numel": 10, "fn.mul.numel": 10}, 20),
    # thop: modules only
    ("thop", {"fn.adaptive_avgpool.in": 49, "fn.adaptive_avgpool.out": 1}, 0), ("thop", {"layernorm.numel": 10}, 40),
    ("calflops", {"relu6": 10, "fn.relu6": 10}, 10), ("fvcore", {"layernorm.numel": 10, "fn.layernorm.numel": 10}, 100),
    # torchinfo: a per-position Linear's parameters once (720 + 90 − 783 = 27 = 8·3 + 3)
    ("torchinfo", {"mac": 720, "linear.bias": 90, "linear.reuse": 783}, 27),
])
def test_presets_weigh_functions_and_new_counts(preset, counts, cost):
    assert CONVENTIONS[preset].cost(counts) == cost


SPEC = """
[model]
title = "every new layer"
[network]
input = { height = 64, width = 48, channels = 3 }
layers = [
  { name = "stem", type = "conv2d", kernel = 3, filters = 8, stride = 2, padding = 1 },
  { name = "act", type = "activation", function = "silu" },
  { name = "squeeze", type = "adaptive_avgpool", output = 1 },
  { name = "gate", type = "activation", function = "hardsigmoid" },
  { name = "se", type = "mul", inputs = ["gate", "act"] },
  { name = "half", type = "split", parts = 2, index = 1 },
  { name = "wide", type = "conv2d_rect", kernel = 1, kernel_width = 7, padding_width = 3, filters = 4 },
  { name = "tall", type = "conv2d_rect", kernel = 7, kernel_width = 1, padding = 3, filters = 4, stride = 2 },
  { name = "join", type = "concat", inputs = ["tall"] },
  { name = "shuffle", type = "channel_shuffle", groups = 2 },
  { name = "last", type = "reshape" },
  { name = "norm", type = "layernorm" },
  { name = "up", type = "linear", units = 16 },
  { name = "gelu", type = "activation", function = "gelu" },
  { name = "down", type = "linear", units = 4 },
  { name = "gamma", type = "scale" },
  { name = "drop", type = "stochastic_depth" },
  { name = "sum", type = "add", inputs = ["drop", "join"], functional = true },
  { name = "pool", type = "avgpool", kernel = 3, stride = 1, padding = 1, functional = true },
  { name = "mean", type = "mean" },
  { name = "fc", type = "dense", units = 10 },
]
"""


def test_spec_syntax_and_formulas_in_h_and_w():
    net = parse_model(SPEC, "<spec>", "modern").network
    numbers = evaluate(net)
    by = {lay.name: lay for lay in numbers.layers}
    # 64×48 → stem 32×24×8 → half 32×24×4 → wide 32×24×4 → tall (32 + 6 − 7)//2 + 1 = 16 by (24 − 1)//2 + 1 = 12
    assert by["tall"].shape == (16, 12, 4) and by["mean"].shape == (4,) and by["fc"].shape == (10,)
    # up: 16·12 positions × 4·16 = 12,288 MACs; tall: 7·1·4·4 · 16·12 = 21,504
    assert by["up"].counts["mac"] == 12_288 and by["tall"].counts["mac"] == 21_504
    assert by["sum"].counts == {"fn.add.numel": 16 * 12 * 4}
    forms = closed_forms(net)
    for h, w in ((64, 48), (97, 131), (33, 35)):
        at, numbers = forms.at(h, w), evaluate(net, (h, w, 3))
        for conv in CONVENTIONS.values():
            formula = sum(conv.cost(lay.counts) for lay in forms.numbers.layers)
            assert forms.value(forms.expand(formula), at) == sum(conv.cost(lay.counts) for lay in numbers.layers)
        assert forms.value(forms.expand(forms.numbers.params), at) == numbers.params


@pytest.mark.parametrize("change, message", [
    (('"split", parts = 2, index = 1', '"split", parts = 3'), "input channels 8 are not divisible into 3 parts"),
    (('function = "gelu"', 'function = "swish"'), "function"),
    (('inputs = ["gate", "act"]', 'inputs = ["gate", "stem"], functional = "yes"'), "functional"),
])
def test_spec_errors_name_the_layer(change, message):
    with pytest.raises(SpecError, match=message):
        parse_model(SPEC.replace(*change), "<spec>", "modern")
