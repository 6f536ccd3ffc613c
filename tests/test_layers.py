"""The general layers: formulas vs independent integer implementations (PyTorch: test_layers_torch.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symcnn.errors import SpecError
from symcnn.model.exact import expr
from symcnn.model.layers import (
    AdaptiveAvgPool2d,
    Add,
    AvgPool2d,
    BatchNorm2d,
    Concat,
    Conv2d,
    Dense,
    Dropout,
    GlobalAvgPool2d,
    MaxPool2d,
    symbolic,
)
from symcnn.model.network import Network, Node, derive, evaluate


def taps(n: int, k: int, p: int, s: int, r: int) -> int:
    """Independent: window starts whose last tap, r·(k − 1) further on, is inside the padded input."""
    return sum(1 for t in range(0, n + 2 * p, s) if t + r * (k - 1) < n + 2 * p)


def conv_facts(n: int, m: int, c: int, f: int, k: int, p: int, s: int, r: int, g: int, bias: bool):
    """Independent: shape, parameters and MACs of a grouped, dilated conv by counting."""
    h, w = taps(n, k, p, s, r), taps(m, k, p, s, r)
    weights = sum(k * k * (c // g) * (f // g) for _ in range(g))  # each group on its own slice
    macs = sum(k * k * (c // g) for _ in range(h * w) for _ in range(f))
    return (h, w, f), weights + (f if bias else 0), macs


convs = dict(n=st.integers(1, 30), m=st.integers(1, 30), cg=st.integers(1, 4), fg=st.integers(1, 4),
             g=st.integers(1, 4), k=st.integers(1, 5), p=st.integers(0, 3), s=st.integers(1, 3),
             r=st.integers(1, 3), bias=st.booleans())


def build_conv(n, m, cg, fg, g, k, p, s, r, bias):
    layer = Conv2d(kernel=k, filters=fg * g, stride=s, padding=p, dilation=r, groups=g, bias=bias)
    return Network((n, m, cg * g), (Node("conv", layer),))


@given(**convs)
@settings(max_examples=80, deadline=None)
def test_grouped_dilated_conv_counts(n, m, cg, fg, g, k, p, s, r, bias):
    net = build_conv(n, m, cg, fg, g, k, p, s, r, bias)
    if r * (k - 1) + 1 > min(n, m) + 2 * p:
        with pytest.raises(SpecError, match="kernel .* is larger than the padded input"):
            evaluate(net)
        return
    lay = evaluate(net).layers[0]
    shape, params, macs = conv_facts(n, m, cg * g, fg * g, k, p, s, r, g, bias)
    assert (lay.shape, lay.params, lay.counts["mac"]) == (shape, params, macs)
    assert lay.counts.get("conv.bias", 0) == (h_w_f(shape) if bias else 0)
    formulas = derive(net)  # the symbolic layer substitutes to the same numbers
    values = evaluate(net).values(formulas)
    lf = formulas.layers[0]
    assert tuple(expr(d).xreplace(values) for d in lf.shape) == shape
    assert lf.params.xreplace(values) == params
    assert lf.counts["mac"].xreplace(values) == macs


def h_w_f(shape):
    return shape[0] * shape[1] * shape[2]


def test_default_groups_and_dilation_add_no_symbols():
    layer, values = symbolic(Conv2d(kernel=3, filters=8), 1)
    assert {str(s) for s in values} == {"k_1", "f_1", "s_1", "p_1"}
    depthwise, values = symbolic(Conv2d(kernel=3, filters=8, groups=8, dilation=2), 2)
    assert {str(s) for s in values} == {"k_2", "f_2", "s_2", "p_2", "g_2", "r_2"}


def test_groups_must_divide_channels_and_filters():
    net = Network((8, 8, 6), (Node("c", Conv2d(kernel=3, filters=8, groups=4)),))
    with pytest.raises(SpecError, match=r"layer 1 \(c\): input channels 6 is not divisible by groups 4"):
        evaluate(net)


def test_depthwise_conv_by_hand():
    # 3×3 depthwise over 32 channels at 10×10, padding 1: 9 weights per channel, 9·100·32 MACs
    net = Network((10, 10, 32), (Node("dw", Conv2d(kernel=3, filters=32, padding=1, groups=32, bias=False)),))
    lay = evaluate(net).layers[0]
    assert (lay.shape, lay.params, lay.counts) == ((10, 10, 32), 288, {"mac": 28_800})


@given(h=st.integers(1, 40), w=st.integers(1, 40), c=st.integers(1, 5), o=st.integers(1, 8))
def test_adaptive_and_global_pool(h, w, c, o):
    net = Network((h, w, c), (Node("a", AdaptiveAvgPool2d(output=o)), Node("g", GlobalAvgPool2d())))
    a, g = evaluate(net).layers
    assert a.shape == (o, o, c) and g.shape == (1, 1, c)
    assert a.counts == {"adaptive_avgpool.in": h * w * c, "adaptive_avgpool.out": o * o * c}
    assert g.counts == {"adaptive_avgpool.in": o * o * c, "adaptive_avgpool.out": c}
    assert a.params == g.params == 0


def test_batchnorm_dropout_dense_without_bias():
    net = Network((5, 4, 6), (Node("bn", BatchNorm2d()), Node("drop", Dropout()),
                              Node("fc", Dense(units=7, bias=False))))
    bn, drop, fc = evaluate(net).layers
    assert (bn.params, bn.counts) == (12, {"batchnorm.numel": 120, "batchnorm.params": 12})
    assert (drop.shape, drop.params, drop.counts) == ((5, 4, 6), 0, {"dropout.numel": 120})
    assert (fc.params, fc.counts) == (120 * 7, {"mac": 840})


def test_residual_add_and_concat():
    net = Network((6, 6, 4), (
        Node("c1", Conv2d(kernel=3, filters=4, padding=1)),
        Node("sum", Add(), ("c1", "input")),
        Node("c2", Conv2d(kernel=1, filters=3)),
        Node("cat", Concat(), ("sum", "c2", "input")),
    ))
    layers = evaluate(net).layers
    assert layers[1].counts == {"add.numel": 144}
    assert layers[3].shape == (6, 6, 11)
    formulas = derive(net)
    assert str(formulas.layers[3].shape[2]) == "D_0 + f_1 + f_3"


@pytest.mark.parametrize("nodes, message", [
    ((Node("c", Conv2d(kernel=1, filters=3)), Node("a", Add(), ("c", "input"))),
     r"input 1 has shape 6×6×4, unlike input 0's 6×6×3"),
    ((Node("a", Add()),), r"needs at least 2 inputs, got 1"),
    ((Node("c", Conv2d(kernel=3, filters=3)), Node("k", Concat(), ("c", "input"))),
     r"input 1 has shape 6×6×4, unlike input 0's 4×4×3"),
])
def test_merge_shape_errors(nodes, message):
    with pytest.raises(SpecError, match=message):
        evaluate(Network((6, 6, 4), nodes))


def test_deep_residual_network_closed_forms_stay_flat():
    from symcnn.model.network import closed_forms

    nodes = []
    for i in range(300):  # 300 residual blocks of a 3×3/1 conv: the size never changes
        nodes += [Node(f"c{i}", Conv2d(kernel=3, filters=4, padding=1)),
                  Node(f"a{i}", Add(), (f"c{i}", f"a{i - 1}" if i else "input"))]
    forms = closed_forms(Network((16, 16, 4), tuple(nodes)))
    assert forms.sizes == {}
    # by hand: each conv has 3·3·4·4 = 144 weights per position, 300 of them
    assert str(sum(forms.count("mac"))) == "43200*H*W"


layers_any = st.one_of(
    st.builds(Conv2d, kernel=st.integers(1, 4), filters=st.just(4), stride=st.integers(1, 2),
              padding=st.integers(0, 2), dilation=st.integers(1, 2), groups=st.sampled_from([1, 2, 4]),
              bias=st.booleans()),
    st.builds(MaxPool2d, kernel=st.integers(2, 3), stride=st.integers(1, 2), padding=st.integers(0, 1),
              ceil_mode=st.booleans()),
    st.builds(AvgPool2d, kernel=st.integers(2, 3), stride=st.integers(1, 2), ceil_mode=st.booleans()),
    st.just(BatchNorm2d()), st.just(Dropout()), st.just(Add()),
)


@given(layers=st.lists(layers_any, min_size=1, max_size=6), h=st.integers(8, 60), w=st.integers(8, 60))
@settings(max_examples=60, deadline=None)
def test_closed_forms_equal_numbers_for_random_networks(layers, h, w):
    """Every layer's shape, parameters and counts in H and W equal evaluate() at a random size."""
    from symcnn.model.network import closed_forms

    nodes = []
    for i, lay in enumerate(layers):  # an Add sums the previous layer with the one before it
        inputs = (f"l{i - 1}", f"l{i - 2}" if i > 1 else "input") if isinstance(lay, Add) and i else ()
        nodes.append(Node(f"l{i}", lay if inputs or not isinstance(lay, Add) else Dropout(), inputs))
    net = Network((h, w, 4), tuple(nodes))
    try:
        numbers = evaluate(net)
    except SpecError:
        return  # a window too large or an Add of two sizes: the error path is tested above
    forms = closed_forms(net)
    at = forms.at(h, w)
    for lf, ln in zip(forms.numbers.layers, numbers.layers):
        assert tuple(forms.value(d, at) for d in lf.shape) == ln.shape
        assert forms.value(lf.params, at) == ln.params
        assert {k: forms.value(v, at) for k, v in lf.counts.items()} == dict(ln.counts)
