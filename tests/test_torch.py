"""Shapes, parameter counts and MACs against PyTorch (CI installs torch==2.13.0)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symcnn.errors import SpecError
from symcnn.model.layers import AvgPool2d, Conv2d, Dense, MaxPool2d
from symcnn.model.network import Network, Node, evaluate

torch = pytest.importorskip("torch", reason="torch is an optional extra; CI installs torch==2.13.0")
nn = torch.nn


def to_torch(net: Network) -> "nn.Sequential":
    """Build the PyTorch twin of a chain network, independently of symcnn's formulas."""
    mods = []
    c = net.input_shape[2]
    for node in net.nodes:
        lay = node.layer
        if isinstance(lay, Conv2d):
            mods.append(nn.Conv2d(c, lay.filters, lay.kernel, lay.stride, lay.padding))
            c = lay.filters
        elif isinstance(lay, (MaxPool2d, AvgPool2d)):
            cls = nn.MaxPool2d if isinstance(lay, MaxPool2d) else nn.AvgPool2d
            if 2 * lay.padding > lay.kernel:  # PyTorch refuses it: pad explicitly (docs/facts.md)
                mods += [nn.ZeroPad2d(lay.padding), cls(lay.kernel, lay.stride, 0)]
            else:
                mods.append(cls(lay.kernel, lay.stride, lay.padding))
        elif isinstance(lay, Dense):
            mods += [nn.Flatten(), nn.LazyLinear(lay.units)]
    return nn.Sequential(*mods)


def torch_facts(net: Network, device: str = "cpu"):
    """Per-layer shapes, parameter count and MACs of the torch twin (meta: no memory used)."""
    with torch.device(device):
        model = to_torch(net)
    h, w, c = net.input_shape
    x = torch.zeros(1, c, h, w, device=device)
    shapes = []
    for m in model:
        x = m(x)
        if not isinstance(m, (nn.Flatten, nn.ZeroPad2d)):
            shapes.append(tuple(x.shape[2:]) + (x.shape[1],) if x.dim() == 4 else (x.shape[1],))
    params = sum(p.numel() for p in model.parameters())
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, c, h, w, device=device))
    return shapes, params, counter.get_total_flops() // 2  # FlopCounterMode counts 2 per MAC


def test_exam_network_matches_torch(exam):
    shapes, params, macs = torch_facts(exam.network)
    numbers = evaluate(exam.network)
    assert [lay.shape for lay in numbers.layers] == shapes
    assert numbers.params == params
    assert sum(lay.counts.get("mac", 0) for lay in numbers.layers) == macs


def test_exam_network_at_256x1024_matches_torch(exam):
    import dataclasses

    big = dataclasses.replace(exam.network, input_shape=(256, 1024, 3))
    shapes, params, macs = torch_facts(big, "meta")  # fc1 alone has 3.1e9 weights
    numbers = evaluate(big)
    assert [lay.shape for lay in numbers.layers] == shapes
    assert numbers.params == params
    assert sum(lay.counts.get("mac", 0) for lay in numbers.layers) == macs


conv = st.builds(Conv2d, kernel=st.integers(1, 5), filters=st.integers(1, 6), stride=st.integers(1, 3),
                 padding=st.integers(0, 2))
pool = st.builds(MaxPool2d, kernel=st.integers(1, 3), stride=st.integers(1, 3), padding=st.integers(0, 1))
apool = st.builds(AvgPool2d, kernel=st.integers(2, 3), stride=st.integers(1, 3), padding=st.integers(0, 1))


@given(layers=st.lists(st.one_of(conv, pool, apool), min_size=1, max_size=4),
       h=st.integers(12, 40), w=st.integers(12, 40), c=st.integers(1, 3), units=st.integers(1, 5))
@settings(max_examples=40, deadline=None)
def test_random_networks_match_torch(layers, h, w, c, units):
    net = Network((h, w, c), tuple(Node(f"l{i}", lay) for i, lay in enumerate(layers)) + (Node("fc", Dense(units=units)),))
    try:
        numbers = evaluate(net)
    except SpecError:
        return  # the network vanishes; the error path is tested elsewhere
    shapes, params, macs = torch_facts(net)
    assert [lay.shape for lay in numbers.layers] == shapes
    assert numbers.params == params
    assert sum(lay.counts.get("mac", 0) for lay in numbers.layers) == macs
