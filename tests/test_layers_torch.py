"""The general layers against PyTorch: grouped/dilated conv, adaptive pooling, ceil_mode."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symcnn.model.layers import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from symcnn.model.network import Network, Node, evaluate
from test_layers import build_conv, convs

torch = pytest.importorskip("torch", reason="torch is an optional extra; CI installs torch==2.13.0")


@given(**convs)
@settings(max_examples=60, deadline=None)
def test_grouped_dilated_conv_matches_torch(n, m, cg, fg, g, k, p, s, r, bias):
    if r * (k - 1) + 1 > min(n, m) + 2 * p:
        return
    net = build_conv(n, m, cg, fg, g, k, p, s, r, bias)
    conv = torch.nn.Conv2d(cg * g, fg * g, k, s, p, dilation=r, groups=g, bias=bias)
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        y = conv(torch.zeros(1, cg * g, n, m))
    lay = evaluate(net).layers[0]
    assert lay.shape == (y.shape[2], y.shape[3], y.shape[1])
    assert lay.params == sum(q.numel() for q in conv.parameters())
    assert lay.counts["mac"] == counter.get_total_flops() // 2


@given(h=st.integers(1, 30), w=st.integers(1, 30), o=st.integers(1, 9))
@settings(max_examples=40, deadline=None)
def test_adaptive_pool_matches_torch(h, w, o):
    y = torch.nn.AdaptiveAvgPool2d(o)(torch.zeros(1, 2, h, w))
    assert evaluate(Network((h, w, 2), (Node("a", AdaptiveAvgPool2d(output=o)),))).layers[0].shape == (
        y.shape[2], y.shape[3], 2)


@given(n=st.integers(1, 40), m=st.integers(1, 40), k=st.integers(1, 5), p=st.integers(0, 2),
       s=st.integers(1, 5), avg=st.booleans())
@settings(max_examples=80, deadline=None)
def test_ceil_mode_matches_torch(n, m, k, p, s, avg):
    if not 2 * p <= k <= min(n, m) + 2 * p:
        return
    cls, tcls = (AvgPool2d, torch.nn.AvgPool2d) if avg else (MaxPool2d, torch.nn.MaxPool2d)
    net = Network((n, m, 2), (Node("pool", cls(kernel=k, stride=s, padding=p, ceil_mode=True)),))
    y = tcls(k, s, p, ceil_mode=True)(torch.zeros(1, 2, n, m))
    assert evaluate(net).layers[0].shape == (y.shape[2], y.shape[3], 2)
