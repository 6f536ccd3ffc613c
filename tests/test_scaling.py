"""Formulas in H_0, W_0, leading terms, valid sizes and border losses, checked independently."""

from __future__ import annotations

import dataclasses

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from symcnn.errors import SpecError
from symcnn.model.layers import AvgPool2d, Dense
from symcnn.model.network import Network, Node, evaluate
from symcnn.render.printing import formula_text
from symcnn.scaling.formulas import border_losses, growth, merge_floors, smallest_valid
from symcnn.scaling.sweep import chunks, plan


@pytest.fixture(scope="module")
def totals(exam):
    return {g.key: g for g in growth(exam)}


def test_smallest_valid_by_hand(exam):
    # conv2 (k5) needs pool1's output >= 5: floor((H - 4 - 3)/2) + 1 >= 5  <=>  H >= 15
    assert smallest_valid(exam.network).square == 15
    evaluate(exam.network, (15, 15, 3))
    with pytest.raises(SpecError):
        evaluate(exam.network, (14, 14, 3))
    with pytest.raises(SpecError):
        evaluate(exam.network, (14, 400, 3))


def test_leading_terms_by_hand(totals):
    h, w = sympy.symbols("H_0 W_0", integer=True, positive=True)
    # fc1 reads 48 maps of about H/4 × W/4, to 4096 units: 48·4096/16 = 12288 weights per pixel
    assert totals["params"].leading == 12288 * h * w
    assert totals["params"].drivers == ("fc1",)
    # conv1 7·7·3·16 = 2352 per output pixel (≈ H·W); conv2 5·5·16·48 = 19200 per pixel of ≈ H/2 × W/2
    assert totals["cost.macs"].leading == (2352 + 19200 // 4 + 12288) * h * w
    assert set(totals["cost.macs"].drivers) == {"conv1", "conv2", "fc1"}
    assert all(g.order == h * w and g.degree == 2 for g in totals.values())


@pytest.mark.parametrize("size", [(15, 15), (128, 128), (256, 1024), (333, 17)])
def test_exact_formulas_equal_the_sweep(exam, totals, size):
    h, w = sympy.symbols("H_0 W_0", integer=True, positive=True)
    sw = plan(exam, range(size[0], size[0] + 1), range(size[1], size[1] + 1))
    (c,) = chunks(sw)
    for key, g in totals.items():
        assert g.exact.subs({h: size[0], w: size[1]}) == int(c.columns[key][0]), key


@settings(max_examples=80, deadline=None)
@given(st.integers(-10**6, 10**6), st.integers(1, 50), st.integers(-100, 100), st.integers(1, 9))
def test_merge_floors_is_exact(y, a, r, c):
    x = sympy.Symbol("x", integer=True)
    nested = sympy.floor((sympy.floor(x / a) + r) / c)
    merged = merge_floors(nested)
    assert merged.subs(x, y) == ((y // a) + r) // c


def test_deep_strided_chain_has_one_floor_per_axis(exam):
    # 120 stride-2 pools: the unmerged closed form would nest 120 floors (sympy's printer dies near 100)
    nodes = tuple(Node(f"p{i}", AvgPool2d(kernel=2, stride=2)) for i in range(120))
    ex = dataclasses.replace(exam, network=Network((8, 8, 3), nodes + (Node("fc", Dense(units=2)),)))
    g = {t.key: t for t in growth(ex)}["params"]
    text = formula_text(g.exact)
    assert text.count("floor") == 2
    h = sympy.Symbol("H_0", integer=True, positive=True)
    w = sympy.Symbol("W_0", integer=True, positive=True)
    n = 2**120 * 5 + 2**119
    # each pool: floor(n/2); 120 of them: floor(n / 2^120) = 5; params = 5·5·3·2 + 2
    assert g.exact.subs({h: n, w: n}) == 5 * 5 * 3 * 2 + 2


def test_border_losses_against_evaluate(exam):
    losses = {b.layer: b for b in border_losses(exam)}
    assert losses["pool1"].period == 2 and losses["pool2"].period == 4
    for n in range(15, 60):
        shapes = list(evaluate(exam.network, (n, n, 3)).shapes())
        # pool1 reads conv1's output (shapes[1]); k3 s2: (m - 3) mod 2 rows never reached
        assert ((shapes[1][0] - 3) % 2 != 0) == (n % 2 in losses["pool1"].losing)
        # pool2 reads conv2's output (shapes[3]); k2 s2 p2: (m + 4 - 2) mod 2
        assert ((shapes[3][0] + 2) % 2 != 0) == (n % 4 in losses["pool2"].losing)
    assert losses["conv1"].losing == () and losses["conv2"].losing == ()
