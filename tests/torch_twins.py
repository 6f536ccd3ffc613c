"""PyTorch twins of the networks symcnn's tests measure: the exam network, ResNet-18, MobileNetV2.

Written from torchvision's definitions (torchvision itself is not a dependency), so
the peers and FlopCounterMode can be run on them. Imported only by tests that have
already skipped when torch is missing.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="torch is an optional extra; CI installs torch==2.13.0")
nn = torch.nn


def exam_net(h: int = 128, w: int = 128) -> nn.Sequential:
    """The seed exam's network. pool2 pads 2 > kernel/2, which PyTorch's pooling refuses,
    so the twin pads explicitly with ZeroPad2d(2) and then pools without padding."""
    features = nn.Sequential(nn.Conv2d(3, 16, 7, 1, 1), nn.ReLU(), nn.MaxPool2d(3, 2),
                             nn.Conv2d(16, 48, 5), nn.ReLU(), nn.ZeroPad2d(2), nn.AvgPool2d(2, 2), nn.Flatten())
    n = features(torch.zeros(1, 3, h, w, device="meta")).shape[1]
    return nn.Sequential(*features, nn.Linear(n, 4096), nn.Tanh(), nn.Linear(4096, 2), nn.Softmax(dim=1))


class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += x if self.downsample is None else self.downsample(x)  # torchvision's order
        return self.relu(out)


class ResNet18(nn.Module):
    def __init__(self, classes: int = 1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        widths, cin = (64, 128, 256, 512), 64
        for i, c in enumerate(widths, start=1):
            stride = 1 if i == 1 else 2
            setattr(self, f"layer{i}", nn.Sequential(BasicBlock(cin, c, stride), BasicBlock(c, c, 1)))
            cin = c
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def _conv_bn_relu6(cin: int, cout: int, k: int, stride: int, groups: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU6(inplace=True))


class InvertedResidual(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int, expand: int):
        super().__init__()
        hidden = cin * expand
        self.use_res_connect = stride == 1 and cin == cout
        layers: list[nn.Module] = [] if expand == 1 else [_conv_bn_relu6(cin, hidden, 1, 1)]
        layers += [_conv_bn_relu6(hidden, hidden, 3, stride, groups=hidden),
                   nn.Conv2d(hidden, cout, 1, 1, 0, bias=False), nn.BatchNorm2d(cout)]
        self.conv = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class MobileNetV2(nn.Module):
    """torchvision's MobileNetV2 (width 1.0), except that it pools with an nn.AdaptiveAvgPool2d
    module where torchvision calls F.adaptive_avg_pool2d: module-hook tools see the module."""

    SETTINGS = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                (6, 320, 1, 1))

    def __init__(self, classes: int = 1000):
        super().__init__()
        layers: list[nn.Module] = [_conv_bn_relu6(3, 32, 3, 2)]
        cin = 32
        for t, c, n, s in self.SETTINGS:
            for i in range(n):
                layers.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        layers.append(_conv_bn_relu6(cin, 1280, 1, 1))
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d((1, 1))
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.pool(self.features(x)), 1))


def zeroed(factory, *args) -> nn.Module:
    """The twin with real CPU tensors set to zero: counting needs shapes, not values, and
    initialising the exam's 177-million-weight fc1 costs seconds per instance."""
    with torch.device("meta"):
        model = factory(*args).to_empty(device="cpu")
    for t in (*model.parameters(), *model.buffers()):
        t.data.zero_()
    return model


class Assorted(nn.Module):
    """Every other layer symcnn counts, as modules: dilation, groups, no bias, ceil_mode,
    natively padded average pooling, sigmoid, tanh, dropout, a concat and a dense without bias."""

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 8, 3, padding=2, dilation=2)
        self.b = nn.Conv2d(3, 4, 1, bias=False)
        self.dw = nn.Conv2d(12, 12, 3, stride=2, groups=12)
        self.bn = nn.BatchNorm2d(12)
        self.sig = nn.Sigmoid()
        self.pool = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.avg = nn.AvgPool2d(3, 2, padding=1, ceil_mode=True)
        self.flat = nn.Flatten()
        self.drop = nn.Dropout()
        self.fc = nn.Linear(12 * 3 * 3, 10, bias=False)  # 21 → 21 → 10 → 5 (ceil) → 3 (ceil)
        self.tanh = nn.Tanh()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.cat([self.a(x), self.b(x)], dim=1)
        y = self.avg(self.pool(self.sig(self.bn(self.dw(y)))))
        return self.tanh(self.fc(self.drop(self.flat(y))))


class Modern(nn.Module):
    """The layers of today's torchvision CNNs in one small model, as torchvision writes them:
    SiLU, Hardswish, Hardsigmoid, GELU, ReLU6 modules and F.relu / F.silu calls; a
    squeeze-excitation multiply; chunk, concat and ShuffleNet's channel shuffle (view,
    transpose, view); a 1×3 conv; F.avg_pool2d and F.max_pool2d; ConvNeXt's channels-last
    LayerNorm and per-position Linears between permutes, with a layer scale; a concat of one
    input; F.adaptive_avg_pool2d; a mean over height and width; torch.add and torch.mul."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.silu = nn.SiLU()
        self.se_pool = nn.AdaptiveAvgPool2d(1)
        self.se_fc1 = nn.Conv2d(8, 4, 1)
        self.se_fc2 = nn.Conv2d(4, 8, 1)
        self.se_gate = nn.Hardsigmoid()
        self.hswish = nn.Hardswish()
        self.branch = nn.Conv2d(4, 4, 3, padding=1, groups=4, bias=False)
        self.wide = nn.Conv2d(8, 8, (1, 3), padding=(0, 1))
        self.relu6 = nn.ReLU6()
        self.norm = nn.LayerNorm(8)
        self.up = nn.Linear(8, 16)
        self.gelu = nn.GELU()
        self.down = nn.Linear(16, 8)
        self.gamma = nn.Parameter(torch.ones(8, 1, 1))
        self.sig = nn.Sigmoid()
        self.fc = nn.Linear(8, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        F = nn.functional
        x = self.silu(self.bn(self.stem(x)))
        s = self.se_gate(self.se_fc2(F.relu(self.se_fc1(self.se_pool(x)))))
        x = self.hswish(s * x)
        a, b = x.chunk(2, dim=1)
        x = torch.cat((a, self.branch(b)), dim=1)
        n, c, h, w = x.size()
        x = torch.transpose(x.view(n, 2, c // 2, h, w), 1, 2).contiguous().view(n, c, h, w)
        x = self.relu6(self.wide(x))
        x = F.max_pool2d(F.avg_pool2d(x, 3, 1, 1), 2)
        y = self.down(self.gelu(self.up(self.norm(x.permute(0, 2, 3, 1))))).permute(0, 3, 1, 2)
        x = torch.add(self.gamma * y, x)
        x = F.silu(torch.cat([x], 1))
        x = torch.mul(self.sig(F.adaptive_avg_pool2d(x, 1)), x)
        return self.fc(x.mean([2, 3]))
