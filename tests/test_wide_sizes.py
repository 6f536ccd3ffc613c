"""Sizes, channels and filters from 2^62 to 2^64 through the sweep, the CSV and the LaTeX path.

Every layer rule runs here on numbers beyond int64: the sweep picks int64, Wide limbs or
Python ints per call from its bounds, so values just below and above 2^63 and 2^64
exercise each route (Wide − int, Wide // int, comparisons, a dense layer after a
concat). The reference is ``network.evaluate`` on plain Python ints at each single
size, and the hand-written formulas of one conv layer.
"""

from __future__ import annotations

import csv
import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symcnn.cli import main
from symcnn.model.layers import (
    Activation,
    AdaptiveAvgPool2d,
    Add,
    AvgPool2d,
    BatchNorm2d,
    Concat,
    Conv2d,
    Dense,
    Dropout,
    Flatten,
    GlobalAvgPool2d,
    MaxPool2d,
)
from symcnn.model.network import Network, Node, evaluate
from symcnn.scaling.sweep import chunks, plan
from symcnn.scaling.wide import Wide

BIG = [2**62 - 1, 2**62 + 5, 2**63 - 2, 2**63 - 1, 2**63, 2**63 + 1, 2**64 - 3, 2**64]


def every_rule(channels: int = 3, filters: int = 4) -> Network:
    """One network with every layer type and option: each rule of model/rules.py is called."""
    return Network((64, 64, channels), (
        Node("conv1", Conv2d(kernel=3, filters=filters, stride=2, padding=1, dilation=2, bias=False)),
        Node("bn", BatchNorm2d()),
        Node("relu", Activation(function="relu")),
        Node("pool_ceil", MaxPool2d(kernel=3, stride=2, padding=1, ceil_mode=True)),
        Node("group", Conv2d(kernel=1, filters=2 * filters, groups=2)),
        Node("avg", AvgPool2d(kernel=2, stride=2, padding=1), ("group",)),
        Node("side", Conv2d(kernel=1, filters=2 * filters), ("group",)),
        Node("side_pool", AvgPool2d(kernel=2, stride=2, padding=1), ("side",)),
        Node("sum", Add(), ("avg", "side_pool")),
        Node("cat", Concat(), ("sum", "avg")),
        Node("adapt", AdaptiveAvgPool2d(output=3), ("cat",)),
        Node("drop", Dropout()),
        Node("flat", Flatten()),
        Node("fc", Dense(units=5)),
        Node("gap_branch", GlobalAvgPool2d(), ("cat",)),
        Node("fc2", Dense(units=2, bias=False), ("gap_branch",)),
    ))


def dense_after_concat() -> Network:
    """A dense layer reading a concat: its input size is a sum of two products beyond int64."""
    return Network((8, 8, 3), (
        Node("a", Conv2d(kernel=1, filters=3)),
        Node("b", Conv2d(kernel=1, filters=5), ("input",)),
        Node("cat", Concat(), ("a", "b")),
        Node("fc", Dense(units=7)),
    ))


def reference(network: Network, h: int, w: int) -> dict[str, int]:
    """The row at one size from evaluate() on Python ints."""
    numbers = evaluate(network, (h, w, network.input_shape[2]))
    out = {"params": numbers.params, "activations": numbers.activations}
    for lay in numbers.layers:
        out[f"{lay.name}.params"] = lay.params
        out[f"{lay.name}.activations"] = lay.activations
        for letter, d in zip(("H", "W", "D") if len(lay.shape) == 3 else ("N",), lay.shape):
            out[f"{lay.name}.{letter}"] = d
    return out


def sweep_rows(exam, network, heights, widths, square=False):
    sw = plan(dataclasses.replace(exam, network=network), heights, widths, square)
    rows = []
    for c in chunks(sw):
        for i in range(c.rows):
            rows.append({k: int(v[i]) if isinstance(v, (np.ndarray, Wide)) else int(v) for k, v in c.columns.items()})
    return sw, rows


@pytest.mark.parametrize("n", BIG)
@pytest.mark.parametrize("build", [every_rule, dense_after_concat])
def test_every_rule_beyond_int64(exam, build, n):
    net = build()
    sw, rows = sweep_rows(exam, net, range(n - 2, n + 1), range(n - 1, n + 1))
    assert len(rows) == 6
    for r in rows:
        ref = reference(net, r["H"], r["W"])
        assert {k: r[k] for k in ref} == ref


@pytest.mark.parametrize("c", [2**62, 2**63 - 1, 2**63 + 7, 2**64])
def test_channels_and_filters_beyond_int64(exam, c):
    f = c // 8 * 2  # even: the grouped conv splits 2·f channels in two groups
    net = every_rule(channels=c, filters=f)
    sw, rows = sweep_rows(exam, net, range(100, 103), range(100, 103), square=True)
    for r in rows:
        assert {k: r[k] for k in reference(net, r["H"], r["W"])} == reference(net, r["H"], r["W"])
    # conv1 by hand: k 3, dilation 2 (effective kernel 5), stride 2, padding 1, no bias
    h1 = (100 + 2 - 5) // 2 + 1
    assert rows[0]["conv1.H"] == h1 and rows[0]["conv1.params"] == 9 * c * f


@settings(max_examples=40, deadline=None)
@given(st.integers(2**62, 2**64 - 4), st.integers(2**62, 2**64 - 4))
def test_any_size_in_the_wide_range(exam, h, w):
    net = every_rule()
    _, rows = sweep_rows(exam, net, range(h, h + 3), range(w, w + 2))
    for r in rows:
        assert {k: r[k] for k in reference(net, r["H"], r["W"])} == reference(net, r["H"], r["W"])


def test_wide_is_a_number_type():
    """Wide against Python ints: every operation a rule uses, Wide on either side, exact."""
    values = [0, 1, 2**63 - 1, 2**63, 10**31, 10**32 - 1]
    x = Wide.of(np.array([2**63 - 1, 5, 0], dtype=np.int64), 3) * 10**13 + 2**63
    xs = x.tolist()
    for k in (1, 3, 2**64, -7):
        assert np.asarray(x - k).tolist() == [v - k for v in xs]
        assert np.asarray(k - x).tolist() == [k - v for v in xs]
        assert np.asarray(x + k).tolist() == [v + k for v in xs]
        assert np.asarray(x * k).tolist() == [v * k for v in xs]
        assert (x > k).tolist() == [v > k for v in xs] and (x <= k).tolist() == [v <= k for v in xs]
        if k > 0:
            assert np.asarray(x // k).tolist() == [v // k for v in xs]
            assert np.asarray(x % k).tolist() == [v % k for v in xs]
    assert np.asarray(-x).tolist() == [-v for v in xs] and abs(x).tolist() == xs
    assert np.asarray(x - x).tolist() == [0, 0, 0] and (x == x).all()
    big = Wide.of(values[-1], 1)
    assert np.asarray(big * big).tolist() == [(10**32 - 1) ** 2]  # beyond Wide: Python ints, still exact


def test_sweep_csv_and_latex_at_huge_sizes(tmp_path, capsys):
    """The command line: CSV rows and the solution sheet of an exam whose input is near 2^63."""
    from symcnn.exam.spec import embedded_text

    text = embedded_text()
    n = 2**63 + 3
    spec = tmp_path / "huge.toml"
    spec.write_text(text.replace("crop_height = 128", f"crop_height = {n}").replace("crop_width = 128", f"crop_width = {n}"),
                    encoding="utf-8")
    out = tmp_path / "big.csv"
    assert main(["sweep", str(spec), "--size", f"{2**62}:{2**62 + 3}", "--csv", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 4
    for r in rows:
        h = int(r["H"])
        assert int(r["conv1.H"]) == h + 2 - 7 + 1  # conv1: k 7, p 1, s 1
    assert main(["solve", str(spec), "--latex", str(tmp_path / "sheet.tex")]) == 0, capsys.readouterr().err
    assert (tmp_path / "sheet.tex").stat().st_size > 1000
