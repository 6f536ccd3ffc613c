"""network.receptive_field against a gradient measurement with PyTorch.

The field of an output is the set of input pixels it depends on: the nonzero region of
∂out/∂in. Each network is rebuilt in PyTorch from its layers' geometry alone (one channel
per layer, positive weights, no activation, max pooling replaced by average pooling over
the same windows: the dependency region is the same and no gradient is zero by chance).
For an output near the centre, the region's extent is R, its first pixel is A + i·J, and
the next output's region starts J further on.
"""

from __future__ import annotations

import dataclasses

import pytest

from symcnn import load_exam, solve
from symcnn.errors import SpecError
from symcnn.exam import Question
from symcnn.exam.kinds import QUESTION_KINDS
from symcnn.exam.questions import Context
from symcnn.model.conventions import convention
from symcnn.model.network import derive, evaluate
from symcnn.models.report import load_target

torch = pytest.importorskip("torch", reason="torch is an optional extra; CI installs torch==2.13.0")
F = torch.nn.functional


def ask(exam, layer):
    """The receptive field the kind derives for ``layer`` of ``exam``'s network: (R, J, A)."""
    ctx = Context(exam, derive(exam.network), evaluate(exam.network), convention("macs"))
    return QUESTION_KINDS["network.receptive_field"].solve(ctx, Question("q", "network.receptive_field",
                                                                         {"layer": layer}))


def measured(network, target: int, n: int) -> tuple[int, int, int]:
    """(R, J, A) of layer ``target`` (1-based) from ∂out/∂in on an n × n input, along the height."""
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(1, 1, n, n, generator=gen, dtype=torch.float64) + 0.5
    x.requires_grad_(True)
    outs = [x]
    for i, node in enumerate(network.nodes[:target], start=1):
        layer = node.layer
        ins = [outs[j] for j in network.sources(i)]
        kind = layer.kind
        if kind == "conv2d":
            k, d = layer.kernel, layer.dilation
            w = torch.rand(1, 1, k, k, generator=gen, dtype=torch.float64) + 0.5
            p = layer.padding
            y = F.conv2d(F.pad(ins[0], (p, p, p, p)), w, stride=layer.stride, dilation=d)
        elif kind in ("maxpool", "avgpool"):
            p = layer.padding
            y = F.avg_pool2d(F.pad(ins[0], (p, p, p, p)), layer.kernel, layer.stride, ceil_mode=layer.ceil_mode)
        elif kind in ("add", "concat"):  # one channel each: a concat's field is its inputs' union, as a sum's
            y = sum(ins[1:], ins[0])
        elif kind in ("batchnorm", "activation", "dropout"):
            y = ins[0]
        else:
            raise AssertionError(f"no twin for {kind}")
        outs.append(y)
    out = outs[-1]
    size = out.shape[-2]
    i = size // 2

    def rows(at: int) -> tuple[int, int]:
        (g,) = torch.autograd.grad(out[0, 0, at, out.shape[-1] // 2], x, retain_graph=True)
        nz = torch.nonzero(g[0, 0].abs().sum(dim=1)).flatten()
        return int(nz.min()), int(nz.max())

    lo, hi = rows(i)
    lo2, _ = rows(i + 1)
    assert 0 < lo and hi < n - 1, f"the field of output {i} is clipped by the image: take n > {n}"
    jump = lo2 - lo
    return hi - lo + 1, jump, lo - i * jump


def test_seed_network_every_window_layer():
    exam = load_exam()
    for position in (1, 2, 3, 4):
        # by hand for pool2: R = 1 + 6·1 + 2·1 + 4·2 + 1·2 = 19, J = 1·1·2·1·2 = 4, A = 0 − 1 − 0 − 0 − 2·2 = −5
        assert tuple(ask(exam, position).value) == measured(exam.network, position, 96)
    assert tuple(ask(exam, "pool2").value) == (19, 4, -5)


@pytest.mark.parametrize("model, layer, n", [
    ("vgg16", "features.30", 480),          # pool5: R = 212, J = 32 (the published figures)
    ("vgg16", "features.15", 160),          # an activation: its conv's field
    ("resnet18", "layer2.1.relu2", 256),    # two residual adds, a strided 1×1 shortcut
    ("alexnet", "features.12", 480),        # 11×11 stride 4, ceil-free max pools
    ("mobilenet_v2", "features.6.add", 256),  # depthwise 3×3 convolutions, inverted residuals
])
def test_zoo_models(model, layer, n):
    network = load_target(model).network
    exam = dataclasses.replace(load_exam(), network=network, source=model)
    target = next(i for i, node in enumerate(network.nodes, start=1) if node.name == layer)
    assert tuple(ask(exam, layer).value) == measured(network, target, n)


def test_vgg16_pool5_published():
    exam = dataclasses.replace(load_exam(), network=load_target("vgg16").network)
    r, j, a = ask(exam, "features.30").value
    assert (r, j) == (212, 32)  # as tabulated for VGG-16's pool5 (e.g. Araujo et al., Distill 2019)


def test_steps_show_the_recurrence():
    a = ask(load_exam(), "conv2")
    labels = [s.label for s in a.steps]
    assert labels[:3] == ["step.rf_input"] * 3 and labels.count("step.rf") == 9  # 3 layers × (R, J, A)
    r1 = next(s for s in a.steps if str(s.symbol) == "R_1")
    assert r1.value == 7 and {str(k): v for k, v in r1.values.items()} == {"R_0": 1, "J_0": 1, "k_1": 7}


def test_bad_layers():
    exam = load_exam()
    with pytest.raises(SpecError, match=r"question q\.layer: layer 5 \(fc1\) is a dense layer"):
        ask(exam, "fc1")
    with pytest.raises(SpecError, match=r"question q\.layer: no layer named 'conv3' \(did you mean 'conv2'\?\)"):
        ask(exam, "conv3")
    with pytest.raises(SpecError, match=r"question q\.layer: no layer 7 \(the network has 6"):
        ask(exam, 7)


def test_through_the_pipeline(tmp_path):
    """Solve, the sheet, and the verifier re-deriving it: a padding mistake moves the start."""
    from symcnn.verify.diagnose import diagnoser

    text = load_exam_text().replace('kind = "softmax.delta"', 'kind = "network.receptive_field"\nlayer = "pool2"')
    text = text.replace("decimals = 2\n", "", 1)
    path = tmp_path / "e.toml"
    path.write_text(text, encoding="utf-8")
    s = solve(load_exam(path))
    assert tuple(s.answer("3d").value) == (19, 4, -5)
    d = diagnoser(s)
    # conv1 unpadded: every start moves 1 to the right: A = 0 − 0 − 0 − 0 − 2·2 = −4
    codes = [x.code for x in d.explain("3d", (19, 4, -4))[0]]
    assert codes == ["CONV_PADDING"]


def load_exam_text() -> str:
    from symcnn.exam.spec import embedded_text

    return embedded_text()
