"""The zoo against torchvision's published numbers, its closed forms, and PyTorch twins."""

from __future__ import annotations

import pytest

from symcnn.errors import SpecError
from symcnn.network import closed_forms, derive, evaluate
from symcnn.zoo import MODELS, load_model, parse_model

# torchvision's model docs (REFERENCE.md §3): params and "GFLOPS" (= MACs) at 224×224
PUBLISHED = {
    "alexnet": (61_100_840, 714_188_480),
    "vgg16": (138_357_544, 15_470_264_320),
    "resnet18": (11_689_512, 1_814_073_344),
    "resnet50": (25_557_032, 4_089_184_256),
    "mobilenet_v2": (3_504_872, 300_774_272),
}


def macs(numbers) -> int:
    return sum(lay.counts.get("mac", 0) for lay in numbers.layers)


def test_every_zoo_model_is_pinned():
    assert set(PUBLISHED) == set(MODELS)


@pytest.mark.parametrize("name", MODELS)
def test_published_params_and_macs(name):
    numbers = evaluate(load_model(name).network)
    assert numbers.input_shape == (224, 224, 3)
    assert (numbers.params, macs(numbers)) == PUBLISHED[name]
    assert numbers.layers[-1].shape == (1000,)


@pytest.mark.parametrize("name", MODELS)
def test_closed_forms_in_h_and_w_equal_numbers_at_any_size(name):
    model = load_model(name)
    forms = closed_forms(model.network)
    for h, w in ((224, 224), (160, 192), (97, 131), (512, 320)):
        numbers = evaluate(model.network, (h, w, 3))
        at = forms.at(h, w)
        assert forms.value(forms.expand(sum(forms.count("mac"))), at) == macs(numbers)
        assert forms.value(forms.expand(forms.numbers.params), at) == numbers.params
        assert forms.value(forms.expand(forms.numbers.activations), at) == numbers.activations
        for lf, ln in zip(forms.numbers.layers, numbers.layers):
            assert tuple(forms.value(d, at) for d in lf.shape) == ln.shape, lf.name


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v2"])
def test_per_layer_symbols_substitute_to_the_numbers(name):
    """derive(): every layer in its own symbols (k_5, H_4 …), substituted, equals evaluate()."""
    net = load_model(name).network
    formulas, numbers = derive(net), evaluate(net)
    values = numbers.values(formulas)
    for lf, ln in zip(formulas.layers, numbers.layers):
        assert lf.params.xreplace(values) == ln.params, lf.name
        assert {k: v.xreplace(values) for k, v in lf.counts.items()} == dict(ln.counts), lf.name


def test_closed_form_is_in_h_and_w_only():
    forms = closed_forms(load_model("resnet18").network)
    total = forms.expand(sum(forms.count("mac")))
    assert {str(s) for s in total.free_symbols} == {"H", "W"}
    # by hand: conv1 is 7×7, 3 → 64, stride 2, padding 3: out = floor((H + 6 - 7)/2) + 1
    assert forms.value(forms.expand(forms.numbers.layers[0].shape[0]), forms.at(224, 224)) == 112


def test_model_spec_errors_name_file_field_and_value(tmp_path):
    text = """
[blocks.b]
layers = [ { name = "c", type = "conv2d", kernel = 3, filters = "$width" } ]
[network]
input = { height = 32, width = 32, channels = 3 }
layers = [ { block = "b", name = "s", args = { planes = 8 } } ]
"""
    with pytest.raises(SpecError, match=r"m.toml: blocks.b.layers\[0\].filters \(in s.0\) needs an argument"
                                        r" the block use does not give \(args: planes\), got '\$width'"):
        parse_model(text, "m.toml", "m")
    with pytest.raises(SpecError, match=r"m.toml: network.layers\[0\].block names no block \(known: b\), got 'x'"):
        parse_model(text.replace('block = "b"', 'block = "x"'), "m.toml", "m")
    with pytest.raises(SpecError, match=r"nope.toml: no such file, and not a zoo model \(known: alexnet"):
        load_model(tmp_path / "nope.toml")


def test_block_copies_are_named_and_wired():
    net = load_model("resnet18").network
    names = [n.name for n in net.nodes]
    assert names[4:8] == ["layer1.0.conv1", "layer1.0.bn1", "layer1.0.relu1", "layer1.0.conv2"]
    add = net.nodes[names.index("layer1.1.add")]
    assert add.inputs == ("layer1.1.bn2", "layer1.0.relu2")  # "in" is the previous block's output
    down = net.nodes[names.index("layer2.0.downsample.0")]
    assert down.inputs == ("layer1.1.relu2",)


# --------------------------------------------------------------------------- PyTorch twins

torch = pytest.importorskip("torch", reason="torch is an optional extra; CI installs torch==2.13.0")
nn = torch.nn


def alexnet() -> "nn.Module":
    """torchvision.models.alexnet, written out."""
    m = nn.Module()
    m.features = nn.Sequential(
        nn.Conv2d(3, 64, 11, 4, 2), nn.ReLU(), nn.MaxPool2d(3, 2), nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(),
        nn.MaxPool2d(3, 2), nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(), nn.Conv2d(384, 256, 3, padding=1),
        nn.ReLU(), nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2))
    m.avgpool = nn.AdaptiveAvgPool2d(6)
    m.classifier = nn.Sequential(nn.Dropout(), nn.Linear(256 * 36, 4096), nn.ReLU(), nn.Dropout(),
                                 nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, 1000))
    m.forward = lambda x: m.classifier(torch.flatten(m.avgpool(m.features(x)), 1))
    return m


def vgg16() -> "nn.Module":
    """torchvision.models.vgg16 (configuration D), written out."""
    layers: list = []
    c = 3
    for v in (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"):
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(c, v, 3, padding=1), nn.ReLU()]
            c = v
    m = nn.Module()
    m.features = nn.Sequential(*layers)
    m.avgpool = nn.AdaptiveAvgPool2d(7)
    m.classifier = nn.Sequential(nn.Linear(512 * 49, 4096), nn.ReLU(), nn.Dropout(), nn.Linear(4096, 4096),
                                 nn.ReLU(), nn.Dropout(), nn.Linear(4096, 1000))
    m.forward = lambda x: m.classifier(torch.flatten(m.avgpool(m.features(x)), 1))
    return m


class Bottleneck(nn.Module):
    """torchvision's ResNet-50 block (stride on the 3×3 conv)."""

    def __init__(self, cin: int, width: int, stride: int):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(cin, width, 1, bias=False), nn.BatchNorm2d(width)
        self.conv2, self.bn2 = nn.Conv2d(width, width, 3, stride, 1, bias=False), nn.BatchNorm2d(width)
        self.conv3, self.bn3 = nn.Conv2d(width, 4 * width, 1, bias=False), nn.BatchNorm2d(4 * width)
        self.relu = nn.ReLU()
        self.downsample = None
        if stride != 1 or cin != 4 * width:
            self.downsample = nn.Sequential(nn.Conv2d(cin, 4 * width, 1, stride, bias=False),
                                            nn.BatchNorm2d(4 * width))

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))


def resnet50() -> "nn.Module":
    m = nn.Module()
    m.conv1, m.bn1, m.relu = nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU()
    m.maxpool = nn.MaxPool2d(3, 2, 1)
    cin = 64
    for i, (width, blocks) in enumerate(((64, 3), (128, 4), (256, 6), (512, 3)), start=1):
        stage = []
        for j in range(blocks):
            stage.append(Bottleneck(cin, width, 2 if j == 0 and i > 1 else 1))
            cin = 4 * width
        setattr(m, f"layer{i}", nn.Sequential(*stage))
    m.avgpool, m.fc = nn.AdaptiveAvgPool2d(1), nn.Linear(2048, 1000)

    def forward(x):
        x = m.maxpool(m.relu(m.bn1(m.conv1(x))))
        x = m.layer4(m.layer3(m.layer2(m.layer1(x))))
        return m.fc(torch.flatten(m.avgpool(x), 1))

    m.forward = forward
    return m


def twins():
    from torch_twins import MobileNetV2, ResNet18

    return {"alexnet": alexnet, "vgg16": vgg16, "resnet18": ResNet18, "resnet50": resnet50,
            "mobilenet_v2": MobileNetV2}


def torch_run(model: "nn.Module", h: int, w: int):
    """Leaf module name → (output shape as H, W, D or N; own parameters), and MACs, on meta tensors."""
    from torch.utils.flop_counter import FlopCounterMode

    seen: dict[str, tuple] = {}

    def hook(name):
        def record(mod, args, out):
            shape = tuple(out.shape[2:]) + (out.shape[1],) if out.dim() == 4 else (out.shape[1],)
            seen.setdefault(name, (shape, sum(p.numel() for p in mod.parameters())))
        return record

    for name, mod in model.named_modules():
        if not list(mod.children()):
            mod.register_forward_hook(hook(name))
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model.eval()(torch.zeros(1, 3, h, w, device="meta"))
    return seen, counter.get_total_flops() // 2  # FlopCounterMode counts 2 per MAC


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("size", [(224, 224), (193, 251)])
def test_zoo_matches_torch_layer_by_layer(name, size):
    with torch.device("meta"):
        model = twins()[name]()
    seen, total_macs = torch_run(model, *size)
    numbers = evaluate(load_model(name).network, (*size, 3))
    ours = {lay.name: (lay.shape, lay.params) for lay in numbers.layers}
    with_params = {n for n, (_, p) in seen.items() if p}
    assert with_params <= set(ours), "every torch layer with parameters has a symcnn twin of that name"
    shared = set(seen) & set(ours)
    assert len(shared) >= len(with_params)
    for layer in shared:
        assert ours[layer] == seen[layer], layer
    assert numbers.params == sum(p.numel() for p in model.parameters())
    assert macs(numbers) == total_macs
