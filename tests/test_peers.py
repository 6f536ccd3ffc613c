"""Every peer preset against its real tool, layer by layer (tools measured in eval mode, batch 1).

Each test imports a torch twin with ``from_torch`` (names kept), weighs every layer's
counts with the tool's preset and compares with what the tool charged each module.
The models: the exam network, ResNet-18, MobileNetV2 and an assorted model (dilation,
groups, ceil_mode, native pool padding, sigmoid, dropout, concat, dense without bias).
Then the twins are tied to the networks symcnn reads from specs: the exam network and
the zoo's ResNet-18 and MobileNetV2. The tools are the ``peers`` extra (CI installs it);
a missing one skips with a reason.
"""

from __future__ import annotations

from collections import Counter

import pytest

from symcnn.model.conventions import CONVENTIONS
from symcnn.model.network import evaluate

torch = pytest.importorskip("torch", reason="torch is an optional extra; CI installs torch==2.13.0")

import peer_tools  # noqa: E402  (imports torch)
import torch_twins  # noqa: E402
from symcnn.models.importer import from_torch  # noqa: E402
from symcnn.models.zoo import load_model  # noqa: E402

TOOL_MODULES = {  # preset → what must be importable, and why it may not be
    "torchinfo": ("torchinfo", "torchinfo 1.8.0 not installed (pip install '.[peers]')"),
    "fvcore": ("fvcore", "fvcore 0.1.5 not installed (pip install '.[peers]')"),
    "ptflops": ("ptflops", "ptflops 0.7.5 not installed (pip install '.[peers]')"),
    "thop": ("thop", "thop 0.1.1 not installed (pip install '.[peers]')"),
    "calflops": ("calflops", "calflops 0.3.2 not installed or transformers not importable (pip install '.[peers]')"),
    "torch": ("torch.utils.flop_counter", "torch without FlopCounterMode"),
}

MODELS = {  # name → (twin factory, (C, H, W)); small inputs keep the suite quick
    "exam": (torch_twins.exam_net, (3, 128, 128)),
    "resnet18": (torch_twins.ResNet18, (3, 64, 64)),
    "mobilenet_v2": (torch_twins.MobileNetV2, (3, 64, 64)),
    "assorted": (torch_twins.Assorted, (3, 21, 21)),
    "modern": (torch_twins.Modern, (3, 19, 23)),
}


@pytest.fixture(scope="module")
def imported():
    """Each twin imported once: its leaf module names and the symcnn network's numbers."""
    out = {}
    for name, (factory, shape) in MODELS.items():
        with torch.device("meta"):  # from_torch needs shapes only
            twin = factory()
        leaves = {n for n, m in twin.named_modules() if not list(m.children())}
        out[name] = (leaves, evaluate(from_torch(twin, shape)))
    return out


def per_module(numbers, preset: str, modules: set[str]) -> dict[str, int]:
    """The preset's nonzero costs summed per torch module (``relu#2`` is ``relu`` called
    again); function nodes such as ``add`` or ``flatten`` belong to no module: key ""."""
    conv = CONVENTIONS[preset]
    per: dict[str, int] = {}
    for lay in numbers.layers:
        base = lay.name.split("#")[0]
        key = base if base in modules else ""
        per[key] = per.get(key, 0) + conv.cost(lay.counts)
    return nonzero(per)


def nonzero(d: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in d.items() if v}


def total(numbers, preset: str) -> int:
    return sum(CONVENTIONS[preset].cost(lay.counts) for lay in numbers.layers)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("preset", TOOL_MODULES)
def test_preset_matches_tool_layer_by_layer(preset, model, imported):
    module, reason = TOOL_MODULES[preset]
    pytest.importorskip(module, reason=reason)
    factory, shape = MODELS[model]
    tool_total, tool_per_module = peer_tools.TOOLS[preset](torch_twins.zeroed(factory).eval(), shape)
    modules, numbers = imported[model]
    assert per_module(numbers, preset, modules) == nonzero(tool_per_module)
    assert total(numbers, preset) == tool_total


def test_every_tool_preset_is_tested():
    tool_presets = {name for name, c in CONVENTIONS.items() if c.tool}
    assert tool_presets == set(TOOL_MODULES) == set(peer_tools.TOOLS)


# pool2 pads 2 on a 57×57×48 map. The spec's preset counts what a tool counts for a natively
# padded pool, the unpadded input: 57·57·48 = 155,952. The twin pads explicitly, so ptflops
# and calflops see the padded 61·61·48 = 178,608: 22,656 more per counted input value.
EXAM_TWIN_EXTRA = {"ptflops": 2 * 22_656, "calflops": 22_656}


@pytest.mark.parametrize("preset", CONVENTIONS)
def test_exam_spec_counts_like_its_twin_but_the_padding(preset, exam, imported):
    spec = evaluate(exam.network)
    _, twin = imported["exam"]
    assert spec.params == twin.params
    assert total(twin, preset) - total(spec, preset) == EXAM_TWIN_EXTRA.get(preset, 0)


@pytest.mark.parametrize("model", ["resnet18", "mobilenet_v2"])
def test_zoo_spec_counts_like_its_twin(model, imported):
    """The zoo's spec and the twin the tools ran on have the same layers (in any order, any
    kind name: the spec pools globally where the twin's module is adaptive), so every preset
    charges the spec what its tool charged the twin."""
    _, twin = imported[model]
    spec = evaluate(load_model(model).network, (64, 64, 3))
    assert spec.params == twin.params
    assert Counter(tuple(sorted(lay.counts.items())) for lay in spec.layers) == Counter(
        tuple(sorted(lay.counts.items())) for lay in twin.layers)
