"""Pooling with ceil_mode: the rule against PyTorch's own formula, numpy and sympy (torch itself: test_layers_torch.py)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from symcnn.model import rules
from symcnn.model.layers import MaxPool2d
from symcnn.model.network import Network, Node, derive, evaluate


def torch_ceil_out(n: int, k: int, p: int, s: int) -> int:
    """Independent: PyTorch's pooling_output_shape with ceil_mode=True, transcribed."""
    out = -(-(n + 2 * p - k) // s) + 1
    if (out - 1) * s >= n + p:  # the last window would start in the right padding
        out -= 1
    return out


windows = dict(n=st.integers(1, 300), k=st.integers(1, 9), p=st.integers(0, 4), s=st.integers(1, 9))


@given(**windows)
def test_ceil_rule_equals_pytorch_formula(n, k, p, s):
    if 2 * p <= k <= n + 2 * p:  # PyTorch's own preconditions
        assert rules.pool_out_ceil(n, k, p, s) == torch_ceil_out(n, k, p, s)


@given(**windows)
def test_ceil_is_floor_or_one_more(n, k, p, s):
    if 2 * p <= k <= n + 2 * p:
        assert rules.pool_out_ceil(n, k, p, s) - rules.conv_out(n, k, p, s) in (0, 1)


def test_ceil_rule_takes_numpy_arrays():
    n = np.arange(1, 200, dtype=np.int64)
    got = rules.pool_out_ceil(n, 3, 1, 2)
    assert got.dtype.kind == "i"
    assert got.tolist() == [torch_ceil_out(int(v), 3, 1, 2) for v in n]


@given(**windows)
@settings(max_examples=60, deadline=None)
def test_ceil_formula_substitutes_to_the_number(n, k, p, s):
    N, K, P, S = sympy.symbols("N K P S", integer=True, positive=True)
    if 2 * p <= k <= n + 2 * p:
        formula = rules.pool_out_ceil(N, K, P, S)
        assert formula.xreplace({N: n, K: k, P: p, S: s}) == torch_ceil_out(n, k, p, s)


def test_ceil_mode_keeps_one_symbol_per_dimension():
    net = Network((32, 32, 3), (Node("pool", MaxPool2d(kernel=3, stride=2, ceil_mode=True)),))
    formulas = derive(net)
    syms = {str(s) for s in formulas.layers[0].shape[0].free_symbols}
    assert syms == {"H_0", "k_1", "s_1", "p_1"}
    # by hand: 32 = 2·15 + 2, so a 16th window starts at 30 < 32: ceil gives 16, floor 15
    assert evaluate(net).layers[0].shape == (16, 16, 3)
    off = Network((32, 32, 3), (Node("pool", MaxPool2d(kernel=3, stride=2)),))
    assert evaluate(off).layers[0].shape == (15, 15, 3)


def test_spec_reads_ceil_mode():
    from symcnn.errors import SpecError
    from symcnn.exam.spec import embedded_text, parse_exam

    pool1 = 'name = "pool1"\ntype = "maxpool"\n'
    text = embedded_text()
    assert pool1 in text
    exam = parse_exam(text.replace(pool1, pool1 + "ceil_mode = true\n"), "x.toml")
    assert exam.network.nodes[1].layer.ceil_mode is True
    with pytest.raises(SpecError, match=r"x.toml: layer 2 \(pool1\).ceil_mode must be true or false, got 1"):
        parse_exam(text.replace(pool1, pool1 + "ceil_mode = 1\n"), "x.toml")
