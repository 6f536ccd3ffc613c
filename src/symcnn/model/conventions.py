"""Named cost conventions: how a counter weighs a layer's primitive operation counts.

A convention is data: a linear combination of the count names that layers report
(``mac``, ``conv.bias``, ``relu``, ``maxpool.in`` ...). A new counter is one entry.
Each peer tool's preset lists, beside its weights, how the tool was called and the
quirks the weights reproduce; every rule was re-measured against the installed tool
(torch 2.13.0 and 2.14.1, eval mode, batch 1) and ``tests/test_peers.py`` checks each
preset against its tool layer by layer on the exam network, ResNet-18, MobileNetV2 and an
assorted model (dilation, groups, ceil_mode, sigmoid, dropout, concat, no bias);
``tests/test_torchvision.py`` checks the totals on every torchvision CNN.

A layer PyTorch calls as a function (``F.relu``, ``F.avg_pool2d``, ``torch.add``) reports
its counts as ``fn.X``; a preset weighs ``fn.X`` like ``X`` unless its ``functional``
table says otherwise (each such entry is a quirk listed beside it).

All tools count per module call, so a fused activation (``activation = "relu"`` on a
conv) costs what the tool charges its separate ``nn.ReLU``; a module used twice
(ResNet's ``relu``) is charged twice; residual adds, concats, flatten, dropout,
padding, tanh, sigmoid, hardswish, hardsigmoid, permutes and views, chunks, ``x.mean``,
stochastic depth, layer scale and ``*`` (squeeze-excitation) cost 0 in every tool.
Parameter counts agree everywhere.

>>> CONVENTIONS["flops"].cost({"mac": 10, "conv.bias": 3})
23
>>> CONVENTIONS["thop"].cost({"softmax": 2, "softmax.rows": 1})  # 3n − 1 per row
5
>>> CONVENTIONS["ptflops"].cost({"relu": 10}), CONVENTIONS["ptflops"].cost({"fn.relu": 10})  # nn.ReLU, F.relu
(20, 10)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ..errors import UnsupportedLayerError
from .layers import FUNCTIONAL


@dataclass(frozen=True)
class Convention:
    """A named way of counting cost, as weights on primitive counts, and how it was found."""

    name: str
    unit: str
    description: str
    terms: Mapping[str, int] = field(default_factory=dict)
    tool: str = ""  # the peer tool and version this preset reproduces ("" for symcnn's own)
    call: str = ""  # the exact call measured
    quirks: tuple[str, ...] = ()  # what the tool does that a reader would not expect
    ungrouped_weight_grad: bool = False  # backward: a grouped conv's weight gradient counted as if g = 1
    functional: Mapping[str, int] = field(default_factory=dict)  # weights of fn.X that differ from X's

    def __post_init__(self) -> None:  # every weighed count also weighs its function-call form
        terms = dict(self.terms)
        for key, weight in list(terms.items()):
            if key != "mac" and not key.startswith(FUNCTIONAL):
                terms.setdefault(FUNCTIONAL + key, self.functional.get(key, weight))
        for key, weight in self.functional.items():
            terms.setdefault(FUNCTIONAL + key, weight)
        object.__setattr__(self, "terms", terms)

    def describe(self, lang: str) -> str:
        """The description in ``lang``, from the catalogue where it has one."""
        from ..catalogue import catalogue

        return catalogue(lang).get("convention." + self.name, self.description)

    def cost(self, counts: Mapping[str, Any]) -> Any:
        total: Any = 0
        for key, weight in self.terms.items():
            if key in counts:
                total = total + weight * counts[key]
        return total

    def parts(self, counts: Mapping[str, Any]) -> dict[str, Any]:
        """The cost split by count name (zero terms left out): what ``--compare`` explains.

        >>> CONVENTIONS["ptflops"].parts({"mac": 10, "relu": 4, "tanh": 4})
        {'mac': 10, 'relu': 8}
        """
        return {k: w * counts[k] for k, w in self.terms.items() if k in counts and w * counts[k] != 0}


_POOLS_IN = ("maxpool.in", "avgpool.in", "adaptive_avgpool.in")

CONVENTIONS: dict[str, Convention] = {
    c.name: c
    for c in (
        Convention(
            "macs",
            "MAC",
            "multiply–accumulates of the conv and dense weights; bias, pooling and"
            " activations count 0; the exam key's convention",
            {"mac": 1},
            quirks=("torchvision's published \"GFLOPS\" are this count (FlopCounterMode / 2)",),
        ),
        Convention(
            "flops",
            "FLOP",
            "2 × multiply–accumulates, plus one addition per bias",
            {"mac": 2, "conv.bias": 1, "dense.bias": 1, "linear.bias": 1},
        ),
        Convention(
            "torchinfo",
            "MAC",
            "torchinfo's Mult-Adds: each parameter once per output position",
            {"mac": 1, "conv.bias": 1, "dense.bias": 1, "batchnorm.params": 1, "linear.bias": 1,
             "linear.reuse": -1, "layernorm.params": 1},
            tool="torchinfo 1.8.0",
            call="summary(model, input_size=(1, C, H, W)).total_mult_adds",
            quirks=(
                "conv: (weights + bias) × output positions, so bias adds 1 per output value",
                "dense: batch × (weights + bias)",
                "BatchNorm has no rule but has parameters: batch × 2C, not per value; LayerNorm (and"
                " torchvision's LayerNorm2d) alike: 2C",
                "nn.Linear on a channels-last map: batch × (weights + bias) once, not per position",
                "activations, pooling (adaptive too), softmax and x.mean: 0; a parameter held by a"
                " module with children (ConvNeXt's layer_scale): 0",
            ),
        ),
        Convention(
            "fvcore",
            "MAC",
            "fvcore's \"flops\", which are MACs of conv and matmul, plus BatchNorm and adaptive pooling",
            {"mac": 1, "batchnorm.numel": 2, "adaptive_avgpool.in": 1, "layernorm.numel": 5},
            tool="fvcore 0.1.5",
            call="FlopCountAnalysis(model, x).total()",
            quirks=(
                "named \"flops\" but counts one per multiply–accumulate",
                "bias never counted",
                "BatchNorm in eval mode: 2 per value (1 without affine; training mode differs)",
                "adaptive avg pool: 1 per input value, F.adaptive_avg_pool2d too; max and avg pool: 0,"
                " reported as unsupported ops (F.avg_pool2d, F.max_pool2d as well)",
                "LayerNorm (module or F.layer_norm): 5 per value (\"a rough estimate\" in its source)",
                "activations (SiLU, GELU, Hardswish … too), softmax, mul and mean: 0, reported as unsupported;"
                " fails on meta tensors",
            ),
        ),
        Convention(
            "ptflops",
            "MAC",
            "ptflops' MACs (pytorch backend, default options)",
            {"mac": 1, "conv.bias": 1, "dense.bias": 1, "linear.bias": 1, "relu": 2, "relu6": 1, "softmax": 1,
             "silu": 1, "gelu": 2, "batchnorm.numel": 2, "layernorm.numel": 1, **{k: 2 for k in _POOLS_IN}},
            tool="ptflops 0.7.5",
            call="get_model_complexity_info(model, (C, H, W), as_strings=False)",
            quirks=(
                "bias: +1 per output value (conv) and per unit (dense)",
                "count_functional=True by default: nn.ReLU and every pooling module are counted by"
                " their module hook and again through the patched F.relu / F.*pool*: 2 per value",
                "ReLU6 calls F.hardtanh, which is not patched: 1 per value",
                "pooling counts its input (for a padded pool the unpadded input; after an explicit"
                " ZeroPad2d the padded one)",
                "softmax: 1 per value, from F.softmax only; tanh, sigmoid, hardswish, hardsigmoid: 0",
                "BatchNorm: 2 per value (affine); batch is always 1",
                "a function call (F.relu, F.avg_pool2d, F.adaptive_avg_pool2d) has no module hook: 1 per"
                " value, half the module's 2; F.relu6 is patched: 1",
                "nn.SiLU: no module rule, F.silu patched: 1 per value; nn.GELU: module rule and F.gelu: 2",
                "nn.LayerNorm: the BatchNorm rule, which doubles only for a module with `affine`;"
                " LayerNorm has `elementwise_affine`, so 1 per value; F.layer_norm (LayerNorm2d): 0",
                "nn.Linear on a map: (in·out + bias) per position, so bias is 1 per output value",
                "torch.add and torch.mul (functions): 1 per output value; the operators + and *: 0",
            ),
            functional={"relu": 1, "relu6": 1, "gelu": 1, "layernorm.numel": 0, "add.numel": 1, "mul.numel": 1,
                        **{k: 1 for k in _POOLS_IN}},
        ),
        Convention(
            "thop",
            "MAC",
            "thop's MACs",
            {"mac": 1, "batchnorm.numel": 4, "avgpool.out": 1, "adaptive_avgpool.in": 1,
             "adaptive_avgpool.out": 1, "softmax": 3, "softmax.rows": -1, "layernorm.numel": 4},
            tool="thop 0.1.1",
            call="profile(model, inputs=(x,))",
            quirks=(
                "bias never counted; ReLU, ReLU6 and max pool: zero rules; tanh, sigmoid: no rule",
                "BatchNorm: 4 per value (2 for the normalisation, doubled when affine)",
                "avg pool: 1 per output value; adaptive avg pool: (kh·kw + 1) per output value,"
                " kh·kw = in/out sizes in float (exact when they divide)",
                "softmax: 3n − 1 per row of n (n exp, n − 1 adds, n divisions)",
                "counts in float64; leaves total_ops buffers on modules it has no rule for",
                "sees modules only: every function call (F.relu, F.avg_pool2d, F.adaptive_avg_pool2d,"
                " F.layer_norm in LayerNorm2d, torch.add) is 0",
                "looks rules up by exact type: LayerNorm2d, a subclass of nn.LayerNorm, gets none (0);"
                " nn.LayerNorm: 4 per value like BatchNorm",
                "SiLU, GELU, Hardswish, Hardsigmoid: no rule, 0; nn.Linear on a map: in × output values",
            ),
            functional={"avgpool.out": 0, "adaptive_avgpool.in": 0, "adaptive_avgpool.out": 0, "softmax": 0,
                        "softmax.rows": 0, "layernorm.numel": 0},
        ),
        Convention(
            "calflops",
            "FLOP",
            "calflops' FLOPs",
            {"mac": 2, "conv.bias": 1, "relu": 1, "softmax": 1, "batchnorm.numel": 2, "silu": 1, "gelu": 1,
             "layernorm.numel": 5, **{k: 1 for k in _POOLS_IN}},
            tool="calflops 0.3.2",
            call="calculate_flops(model, input_shape=(1, C, H, W))[0] (needs transformers importable)",
            quirks=(
                "FLOPs = 2 per MAC; its MACs figure is the plain mac count",
                "conv bias: 1 per output value; dense bias ignored (F.linear counted as 2·MAC)",
                "ReLU: 1 per value; ReLU6 calls F.hardtanh, not patched: 0; tanh, sigmoid: 0",
                "pooling (max, avg, adaptive): 1 per input value; softmax: 1 per value",
                "BatchNorm: calflops calls model.eval(), then 2 per value (affine)",
                "patches functions only, so F.relu and nn.ReLU both cost 1 per value; F.relu6 is patched (1),"
                " nn.ReLU6 is not (0); SiLU, GELU: 1 per value; Hardswish, Hardsigmoid: 0",
                "LayerNorm (module or F.layer_norm): 5 per value; nn.Linear on a map: 2·MAC, bias ignored",
                "torch.add and torch.mul (functions): 1 per output value; the operators + and *: 0",
            ),
            functional={"relu6": 1, "add.numel": 1, "mul.numel": 1},
        ),
        Convention(
            "torch",
            "FLOP",
            "PyTorch's FlopCounterMode: 2 per MAC of convolution and matmul ops only",
            {"mac": 2},
            tool="torch 2.13.0 / 2.14.1",
            call="with FlopCounterMode() as c: model(x); c.get_total_flops()",
            quirks=(
                "counts only convolution and matmul (addmm) ops: bias, BatchNorm, LayerNorm, pooling,"
                " activations and softmax are 0; nn.Linear on a map: 2·MAC",
                "counts the backward pass too when run around loss.backward() (see symcnn.model.training);"
                " there it charges a grouped conv's weight gradient as if it had one group (g× too much)",
            ),
            ungrouped_weight_grad=True,
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
