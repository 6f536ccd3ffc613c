"""from_torch: import torch modules, then compare symcnn's shapes and parameters with PyTorch's."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from symcnn.errors import UnsupportedLayerError
from symcnn.model.network import evaluate

torch = pytest.importorskip("torch", reason="torch is an optional extra; CI installs torch==2.13.0")
nn = torch.nn
F = torch.nn.functional

import torch_twins  # noqa: E402
from symcnn import from_torch  # noqa: E402


def torch_facts(model, chw, channels_last=frozenset()):
    """Output shape of every module call, as (H, W, C) or (N,), keyed like from_torch names it;
    and the parameter count. Read from a real forward pass, independently of symcnn. The
    modules named in ``channels_last`` read and write N×H×W×C tensors."""
    names = {m: n for n, m in model.named_modules() if not list(m.children())}
    shapes: dict[str, tuple[int, ...]] = {}

    def hook(m, i, o):
        name = names[m]
        k = 2
        while name in shapes:
            name, k = f"{names[m]}#{k}", k + 1
        dims = tuple(o.shape[1:])
        shapes[name] = (dims[1], dims[2], dims[0]) if len(dims) == 3 and names[m] not in channels_last else dims

    handles = [m.register_forward_hook(hook) for m in names]
    param = next(model.parameters(), None)
    with torch.no_grad():
        model.eval()(torch.zeros(1, *chw, device=param.device if param is not None else None))
    for h in handles:
        h.remove()
    return shapes, sum(p.numel() for p in model.parameters())


class Mixed(nn.Module):
    """Functional calls, a concat, dilation, groups, ceil_mode, padded avg pool, dense without bias."""

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 8, 3, padding=2, dilation=2)
        self.b = nn.Conv2d(3, 4, 1, bias=False)
        self.dw = nn.Conv2d(12, 12, 3, stride=2, groups=12)
        self.pool = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.avg = nn.AvgPool2d(3, 1, padding=1)
        self.bn = nn.BatchNorm2d(12)
        self.fc = nn.Linear(12 * 5 * 5, 10, bias=False)  # 21 → 21 → 10 → 5 (ceil) → 5
        self.drop = nn.Dropout()

    def forward(self, x):
        y = torch.cat([F.relu(self.a(x)), self.b(x)], dim=1)
        y = self.avg(self.pool(self.bn(self.dw(y))))
        y = torch.sigmoid(y).view(y.size(0), -1)
        return F.softmax(self.fc(self.drop(y)), dim=1)


MODELS = {
    "exam": (torch_twins.exam_net, (3, 128, 128)),
    "resnet18": (torch_twins.ResNet18, (3, 64, 64)),
    "mobilenet_v2": (torch_twins.MobileNetV2, (3, 32, 32)),
    "mixed": (Mixed, (3, 21, 21)),
    "modern": (torch_twins.Modern, (3, 19, 23)),
}


CHANNELS_LAST = {"modern": {"norm", "up", "gelu", "down"}}  # between its permutes


@pytest.mark.parametrize("model", MODELS)
def test_round_trip_shapes_and_params(model):
    factory, chw = MODELS[model]
    with torch.device("meta"):  # shapes only: no weights to initialise
        module = factory()
    numbers = evaluate(from_torch(module, chw))
    shapes, params = torch_facts(module, chw, CHANNELS_LAST.get(model, frozenset()))
    mine = {lay.name: lay.shape for lay in numbers.layers if lay.name in shapes}
    assert mine == shapes  # every module call, by name
    assert numbers.params == params


def test_docstring_example():
    net = from_torch(torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3)), (3, 32, 32))
    assert (net.nodes[0].name, net.nodes[0].layer.filters) == ("0", 8)


def test_names_and_graph_are_kept():
    net = from_torch(torch_twins.ResNet18(), (3, 32, 32))
    by_name = {n.name: n for n in net.nodes}
    assert "layer1.0.conv1" in by_name and "layer1.0.relu#2" in by_name  # relu is called twice
    assert by_name["add"].inputs == ("layer1.0.bn2", "maxpool")  # the residual reads the block input
    assert by_name["add_2"].inputs == ("layer2.0.bn2", "layer2.0.downsample.1")


def test_mixed_functions_become_layers():
    kinds = [n.layer.kind for n in from_torch(Mixed(), (3, 21, 21)).nodes]
    assert kinds.count("concat") == 1 and kinds.count("activation") == 3 and "flatten" in kinds


class Branchy(nn.Module):
    """Data-dependent control flow: torch.fx cannot trace it."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.relu = nn.ReLU()
        self.fc = nn.Linear(2 * 6 * 6, 3)

    def forward(self, x):
        x = self.conv(x)
        if x.sum() > -1e9:
            x = self.relu(x)
        return self.fc(x.view(x.size(0), -1))


def test_untraceable_module_is_imported_from_hooks():
    net = from_torch(Branchy(), (1, 8, 8))
    assert [n.name for n in net.nodes] == ["conv", "relu", "fc.flatten", "fc"]
    assert evaluate(net).params == (9 * 2 + 2) + (72 * 3 + 3)  # conv 3·3·1·2 + 2, fc 72·3 + 3


@pytest.mark.parametrize(
    ("module", "message"),
    [
        (nn.Sequential(nn.Conv2d(3, 4, 3), nn.Upsample(scale_factor=2)), r"^1 \(Upsample\): symcnn has no layer"),
        (nn.Sequential(nn.Conv2d(3, 4, 3, stride=(2, 1))), r"^0 \(Conv2d\): stride \(2, 1\) is not the same on both axes"),
        (nn.Sequential(nn.AvgPool2d(3, padding=1, count_include_pad=False)), r"^0 \(AvgPool2d\): count_include_pad"),
        (nn.Sequential(nn.Conv2d(3, 4, 3, padding_mode="reflect")), r"^0 \(Conv2d\): padding .*reflect"),
        (nn.Sequential(nn.BatchNorm2d(3, affine=False)), r"^0 \(BatchNorm2d\): affine=False"),
    ],
)
def test_unsupported_module_is_named(module, message):
    with pytest.raises(UnsupportedLayerError, match=message):
        from_torch(module, (3, 16, 16))


class Doubles(nn.Module):
    def forward(self, x):
        return x * 2


def test_unsupported_function_is_named():
    with pytest.raises(UnsupportedLayerError, match=r"^mul \(mul\): symcnn has no layer"):
        from_torch(Doubles(), (3, 8, 8))


@pytest.mark.parametrize("shape", [(3, 8), (0, 8, 8), (2, 3, 8, 8), ("3", 8, 8)])
def test_bad_input_shape(shape):
    with pytest.raises(UnsupportedLayerError, match="input_shape must be"):
        from_torch(nn.Sequential(nn.ReLU()), shape)


def test_import_symcnn_does_not_import_torch():
    code = "import sys, symcnn; assert 'torch' not in sys.modules; symcnn.__all__.index('from_torch')"
    subprocess.run([sys.executable, "-c", code], check=True)


convs = st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(0, 2), st.integers(1, 2), st.booleans())


@given(layers=st.lists(convs, min_size=1, max_size=3), hw=st.integers(10, 24), pool=st.booleans())
@settings(max_examples=15, deadline=None)
def test_random_chains_round_trip(layers, hw, pool):
    mods, c = [], 3
    for k, s, p, d, bias in layers:
        mods += [nn.Conv2d(c, 4, k, s, p, dilation=d, bias=bias), nn.ReLU()]
        c = 4
    mods += [nn.MaxPool2d(2, ceil_mode=True)] if pool else []
    model = nn.Sequential(*mods)
    try:
        shapes, params = torch_facts(model, (3, hw, hw))
    except RuntimeError:
        return  # the map vanished in PyTorch too
    # PyTorch's ceil_mode pools a map smaller than the kernel (1×1 → 1×1); symcnn refuses it (reported)
    assume(not pool or min(list(shapes.values())[-2][:2]) >= 2)
    numbers = evaluate(from_torch(model, (3, hw, hw)))
    assert {lay.name: lay.shape for lay in numbers.layers} == shapes
    assert numbers.params == params


class BranchyResidual(Branchy):
    """Untraceable and with a residual add: hooks cannot see the add."""

    def __init__(self):
        super().__init__()
        self.conv2 = nn.Conv2d(2, 2, 3, padding=1)

    def forward(self, x):
        x = self.conv(x)
        if x.sum() > -1e9:
            x = x + self.conv2(x)
        return self.conv2(x)


def test_untraceable_module_with_a_residual_is_refused_by_name():
    with pytest.raises(UnsupportedLayerError, match=r"^conv2 \(Conv2d\): reads a tensor that no module before it"):
        from_torch(BranchyResidual(), (1, 8, 8))
