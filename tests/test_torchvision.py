"""Every torchvision CNN: imported, its parameters and shapes against PyTorch's, its formulas in
H and W against the numbers, and (a representative subset) every preset against its real tool.

Sizes: 224×224 and an odd 193×251. The full table of every CNN against every tool is
benchmarks/torchvision_bench.py (README, "Every torchvision CNN"). torchvision is the
optional ``torchvision`` extra (CI installs torch 2.14.1 + torchvision 0.29.1); without it
these tests skip, except under SYMCNN_REQUIRE_ALL=1, where a skip fails the run.
"""

from __future__ import annotations

import pytest

from symcnn.errors import UnsupportedLayerError
from symcnn.model.conventions import CONVENTIONS
from symcnn.model.network import closed_forms, evaluate

torch = pytest.importorskip("torch", reason="torch is an optional extra; CI installs torch==2.14.1")
torchvision = pytest.importorskip("torchvision", reason="torchvision is the optional 'torchvision' extra;"
                                                        " CI installs torchvision==0.29.1")

import peer_tools  # noqa: E402
from symcnn.models.importer import from_torch  # noqa: E402
from symcnn.models.vision import CNNS, build  # noqa: E402
from test_importer import torch_facts  # noqa: E402
from test_peers import TOOL_MODULES  # noqa: E402

SIZES = [(224, 224), (193, 251)]
ALL = CNNS()

# One model per layer type and per quirk, so that every tool meets every layer in CI:
SUBSET = {
    "googlenet": "F.relu in every conv block, ceil_mode max pools, 4-way concat",
    "mobilenet_v2": "ReLU6, F.adaptive_avg_pool2d, residual adds, depthwise convs",
    "mobilenet_v3_small": "Hardswish, Hardsigmoid, squeeze-excitation multiply",
    "efficientnet_b0": "SiLU, Sigmoid, stochastic depth, dropout",
    "shufflenet_v2_x0_5": "chunk, channel shuffle (view, transpose, view), concat",
    "mnasnet0_5": "x.mean([2, 3])",
    "densenet121": "concat of one input, F.relu, F.adaptive_avg_pool2d, avg pool",
    "convnext_tiny": "permute, LayerNorm channels-last and LayerNorm2d, Linear per position, GELU, layer scale",
    "inception_v3": "1×7 and 7×1 convs, F.avg_pool2d, F.max_pool2d",
    "regnet_y_400mf": "grouped convs, squeeze-excitation",
    "squeezenet1_0": "ceil_mode, concat, no dense layer",
}


def test_the_subset_is_torchvision_cnns():
    assert set(SUBSET) <= set(ALL)
    assert len(ALL) >= 60 and not [n for n in ALL if n.startswith(("vit", "swin", "maxvit"))]


@pytest.fixture(scope="module")
def meta_models():
    return {}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", ALL)
def test_imports_with_params_shapes_and_formulas(name, size, meta_models):
    """On the meta device (shapes only): parameters as PyTorch counts them; every module's
    output shape as PyTorch's own forward pass gives it; and the closed forms in H and W give
    the same shapes, parameters and MACs at this size as the numbers do."""
    if name not in meta_models:
        meta_models.clear()
        meta_models[name] = build(name, "meta")
    model = meta_models[name]
    h, w = size
    net = from_torch(model, (3, h, w))
    numbers = evaluate(net)
    shapes, params = torch_facts(model, (3, h, w))
    assert numbers.params == params
    mine = {lay.name: lay.shape for lay in numbers.layers if lay.name in shapes}
    assert len(mine) >= len(shapes) // 2  # most module calls keep their names (others are traced into)
    # torch_facts reads every 4-d output as N×C×H×W; a module on a channels-last map (ConvNeXt's
    # Linear, LayerNorm, GELU) gives N×H×W×C, so there the same sizes come in another order
    assert {k: v if v == mine[k] else tuple(sorted(v)) for k, v in shapes.items() if k in mine} == {
        k: v if v == shapes[k] else tuple(sorted(v)) for k, v in mine.items()}
    with torch.no_grad():
        out = model(torch.zeros(1, 3, h, w, device="meta"))
    assert numbers.layers[-1].shape == tuple(out.shape[1:]) == (1000,)
    forms = closed_forms(net)
    at = forms.at(h, w)
    assert forms.value(forms.expand(forms.numbers.params), at) == params
    macs = CONVENTIONS["macs"]
    assert forms.value(forms.expand(sum(macs.cost(lay.counts) for lay in forms.numbers.layers)), at) == sum(
        macs.cost(lay.counts) for lay in numbers.layers)


@pytest.fixture(scope="module")
def cpu_models():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the tools' forward passes: one thread is quickest on a shared machine
    yield {}
    torch.set_num_threads(threads)


@pytest.mark.parametrize("tool", TOOL_MODULES)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", SUBSET)
def test_every_preset_equals_its_tool(name, size, tool, cpu_models):
    """Random weights, eval mode, batch 1: the tool's public call against symcnn's preset."""
    module, reason = TOOL_MODULES[tool]
    pytest.importorskip(module, reason=reason)
    if name not in cpu_models:
        cpu_models.clear()
        cpu_models[name] = build(name), build(name, "meta")  # the tools run the first, symcnn imports the twin
    model, twin = cpu_models[name]
    numbers = evaluate(from_torch(twin, (3, *size)))
    with torch.no_grad():
        got = peer_tools.TOTALS[tool](model, (3, *size))
    assert sum(CONVENTIONS[tool].cost(lay.counts) for lay in numbers.layers) == got


@pytest.mark.parametrize("name", ["vit_b_16", "swin_t", "maxvit_t"])
def test_transformers_are_refused_in_one_line(name):
    with pytest.raises(UnsupportedLayerError) as e:
        from_torch(build(name, "meta"), (3, 224, 224))
    assert "\n" not in str(e.value) and len(str(e.value)) < 300


ZOO = {"efficientnet_b0": "EfficientNet_B0_Weights", "mobilenet_v3_large": "MobileNet_V3_Large_Weights",
       "densenet121": "DenseNet121_Weights", "convnext_tiny": "ConvNeXt_Tiny_Weights"}


def test_the_zoo_models_without_a_twin_are_these():
    from test_zoo_torch import BY_TORCHVISION

    assert set(ZOO) == set(BY_TORCHVISION)


@pytest.mark.parametrize("name", ZOO)
def test_zoo_spec_equals_torchvision(name):
    """The zoo's spec: parameters and MACs (GFLOPS, 3 decimals) as torchvision's weights meta
    publishes them, and every convention's total as on torchvision's own model, at two sizes."""
    from symcnn.models.zoo import load_model
    from test_zoo import PUBLISHED

    meta = getattr(torchvision.models, ZOO[name]).IMAGENET1K_V1.meta
    spec = load_model(name).network
    numbers = evaluate(spec)
    macs = sum(CONVENTIONS["macs"].cost(lay.counts) for lay in numbers.layers)
    assert (numbers.params, macs) == PUBLISHED[name]
    assert numbers.params == meta["num_params"] and round(macs / 1e9, 3) == meta["_ops"]
    model = build(name, "meta")
    for h, w in SIZES:
        mine, theirs = evaluate(spec, (h, w, 3)), evaluate(from_torch(model, (3, h, w)))
        assert mine.params == theirs.params
        for conv in CONVENTIONS.values():
            assert sum(conv.cost(lay.counts) for lay in mine.layers) == sum(conv.cost(lay.counts) for lay in theirs.layers)


def test_report_torchvision_name_from_the_command_line(capsys):
    """``symcnn report torchvision:NAME --size HxW --json``: the numbers at that size (PyTorch's
    parameter count; FlopCounterMode's MACs on the real model) and the formulas in H and W."""
    import json

    from symcnn.cli import main

    assert main(["report", "torchvision:mnasnet0_5", "--size", "193x251", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    model = build("mnasnet0_5")
    assert data["input"] == [193, 251, 3]
    assert data["totals"]["params"] == sum(p.numel() for p in model.parameters())
    with torch.no_grad():
        assert data["totals"]["cost"]["macs"] * 2 == peer_tools.total_torch(model, (3, 193, 251))
    assert "H_0" in data["formulas"]["closed_form"]["cost"] and "W_0" in data["formulas"]["closed_form"]["cost"]


def test_unknown_torchvision_name_is_one_line(capsys):
    from symcnn.cli import main

    assert main(["report", "torchvision:resnet19"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "torchvision:resnet19: no such torchvision model (known: alexnet" in err
