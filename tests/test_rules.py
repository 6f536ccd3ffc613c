"""Per-layer formulas against an independent integer implementation (hypothesis)."""

from __future__ import annotations

import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from symcnn.model import rules
from symcnn.model.layers import AvgPool2d, Conv2d, Dense, MaxPool2d, symbolic
from symcnn.model.network import Network, Node, derive, evaluate


def positions(n: int, k: int, p: int, s: int) -> int:
    """Independent: count the window start positions that fit in the padded input."""
    return len(range(0, n + 2 * p - k + 1, s))


@given(n=st.integers(1, 500), k=st.integers(1, 15), p=st.integers(0, 7), s=st.integers(1, 9))
def test_conv_out_counts_window_positions(n, k, p, s):
    if k <= n + 2 * p:
        assert rules.conv_out(n, k, p, s) == positions(n, k, p, s)


@given(n=st.integers(1, 300), k=st.integers(1, 9), p=st.integers(0, 4), s=st.integers(1, 5))
@settings(max_examples=60, deadline=None)
def test_symbolic_formula_equals_integer_rule(n, k, p, s):
    N, K, P, S = sympy.symbols("N K P S", integer=True, positive=True)
    formula = rules.conv_out(N, K, P, S)
    if k <= n + 2 * p:
        assert formula.subs({N: n, K: k, P: p, S: s}) == positions(n, k, p, s)


conv = st.builds(Conv2d, kernel=st.integers(1, 5), filters=st.integers(1, 8), stride=st.integers(1, 3),
                 padding=st.integers(0, 2))
pool = st.builds(MaxPool2d, kernel=st.integers(1, 3), stride=st.integers(1, 3), padding=st.integers(0, 1))
apool = st.builds(AvgPool2d, kernel=st.integers(1, 3), stride=st.integers(1, 3), padding=st.integers(0, 1))


@given(layers=st.lists(st.one_of(conv, pool, apool), min_size=1, max_size=5),
       h=st.integers(16, 64), w=st.integers(16, 64), c=st.integers(1, 4), units=st.integers(1, 10))
@settings(max_examples=60, deadline=None)
def test_network_formulas_equal_numbers(layers, h, w, c, units):
    """derive() with the values substituted equals evaluate(), and both equal a hand loop."""
    nodes = tuple(Node(f"l{i}", lay) for i, lay in enumerate(layers)) + (Node("fc", Dense(units=units)),)
    net = Network((h, w, c), nodes)
    shape = (h, w, c)
    expected_params = 0
    for lay in layers:  # independent integer implementation
        if shape[0] + 2 * lay.padding < lay.kernel or shape[1] + 2 * lay.padding < lay.kernel:
            return
        out = (positions(shape[0], lay.kernel, lay.padding, lay.stride),
               positions(shape[1], lay.kernel, lay.padding, lay.stride),
               lay.filters if isinstance(lay, Conv2d) else shape[2])
        if isinstance(lay, Conv2d):
            expected_params += lay.kernel ** 2 * shape[2] * lay.filters + lay.filters
        shape = out
    expected_params += shape[0] * shape[1] * shape[2] * units + units
    numbers = evaluate(net)
    formulas = derive(net)
    values = numbers.values(formulas)
    assert numbers.params == expected_params
    for lf, ln in zip(formulas.layers, numbers.layers):
        assert tuple(sympy.sympify(d).xreplace(values) for d in lf.shape) == ln.shape
        assert lf.params.xreplace(values) == ln.params
        assert {k: v.xreplace(values) for k, v in lf.counts.items()} == dict(ln.counts)


def test_symbolic_layer_has_one_symbol_per_hyperparameter():
    layer, values = symbolic(Conv2d(kernel=7, filters=16, stride=1, padding=1), 1)
    assert {str(s): v for s, v in values.items()} == {"k_1": 7, "f_1": 16, "s_1": 1, "p_1": 1}
    assert str(layer.kernel) == "k_1"


def test_closed_form_expands_only_on_request(exam):
    formulas = derive(exam.network)
    last = formulas.layers[3]  # pool2: its H is a formula in H_3 only
    assert {str(s) for s in last.shape[0].free_symbols} == {"H_3", "k_4", "p_4", "s_4"}
    closed = formulas.closed_form(last.shape[0])
    assert "H_0" in {str(s) for s in closed.free_symbols}
    assert closed.xreplace({**formulas.hyper_values, formulas.input_symbols[0]: 128}) == 30


def test_deep_network_derives_without_recursion():
    net = Network((64, 64, 3), tuple(Node(f"c{i}", Conv2d(kernel=1, filters=3)) for i in range(1000)))
    formulas = derive(net)
    assert len(formulas.layers) == 1000
    assert evaluate(net).layers[-1].shape == (64, 64, 3)
    assert str(formulas.layers[-1].counts["mac"])  # printing stays flat
