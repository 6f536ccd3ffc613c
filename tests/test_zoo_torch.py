"""The zoo against PyTorch twins written from torchvision's definitions, layer by layer."""

from __future__ import annotations

import pytest

from symcnn.model.network import evaluate
from symcnn.models.zoo import MODELS, load_model
from test_zoo import macs

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
    return resnet((3, 4, 6, 3))


def resnet152() -> "nn.Module":
    return resnet((3, 8, 36, 3))


def resnet(stages: tuple[int, int, int, int]) -> "nn.Module":
    """torchvision's ResNet with Bottleneck blocks, ``stages`` of them per stage."""
    m = nn.Module()
    m.conv1, m.bn1, m.relu = nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU()
    m.maxpool = nn.MaxPool2d(3, 2, 1)
    cin = 64
    for i, (width, blocks) in enumerate(zip((64, 128, 256, 512), stages), start=1):
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
            "resnet152": resnet152, "mobilenet_v2": MobileNetV2}


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


TWINS = ("alexnet", "vgg16", "resnet18", "resnet50", "resnet152", "mobilenet_v2")
"""Zoo models with a twin written out here; the others are checked against torchvision's own
model (tests/test_torchvision.py), whose parameters and MACs its weights metadata publishes."""


BY_TORCHVISION = ("efficientnet_b0", "mobilenet_v3_large", "densenet121", "convnext_tiny")


def test_every_zoo_model_has_a_twin_or_torchvision():
    assert set(TWINS) | set(BY_TORCHVISION) == set(MODELS)


@pytest.mark.parametrize("name", TWINS)
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
