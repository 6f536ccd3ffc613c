"""Sweeps: rows equal `symcnn solve`, exact far beyond int64, streamed CSV, deep networks.

Expected values come from `symcnn solve` (itself checked by hand in test_exam.py), from
``network.evaluate`` at single sizes, or from plain Python integer arithmetic written
out here independently of symcnn's rules.
"""

from __future__ import annotations

import csv
import dataclasses
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symcnn.cli import main
from symcnn.model.layers import Conv2d, Dense
from symcnn.model.network import Network, Node, derive, evaluate
from symcnn.scaling.sweep import INT64_MAX, chunks, format_rows, plan, write_csv


def row(exam, h, w):
    """The single sweep row at h × w, as a dict of Python ints."""
    sw = plan(exam, range(h, h + 1), range(w, w + 1))
    (c,) = chunks(sw)
    return {k: int(np.asarray(v).reshape(-1)[0]) if isinstance(v, np.ndarray) else int(v) for k, v in c.columns.items()}


def test_row_equals_solve_at_128(exam, solution):
    r = row(exam, 128, 128)
    names = [n.name for n in exam.network.nodes]
    shapes = tuple((r[f"{n}.H"], r[f"{n}.W"], r[f"{n}.D"]) for n in names[:4])
    assert shapes == solution.answer("2a").value
    assert r["params"] == solution.answer("2b").value
    conv = exam.convention
    assert r[f"cost.{conv}"] == solution.answer("3a").value
    assert r[f"batch.{conv}"] == solution.answer("3b").value
    assert r[f"run.{conv}"] == solution.answer("3c").value
    assert r["activation_bytes"] == solution.answer("4a").value
    assert r["memory_bytes"] == solution.answer("4b").value


def test_row_equals_solve_at_256_by_1024(exam, solution):
    r = row(exam, 256, 1024)
    assert r[f"cost.{exam.convention}"] == solution.answer("4c").value
    numbers = evaluate(exam.network, (256, 1024, 3))
    assert r["params"] == numbers.params


def by_hand(h, w):
    """The exam network's totals in plain Python ints (formulas written out here, not symcnn's)."""
    h1, w1 = h + 2 - 7 + 1, w + 2 - 7 + 1  # conv1 k7 p1 s1
    h2, w2 = (h1 - 3) // 2 + 1, (w1 - 3) // 2 + 1  # maxpool k3 s2
    h3, w3 = h2 - 5 + 1, w2 - 5 + 1  # conv2 k5
    h4, w4 = (h3 + 4 - 2) // 2 + 1, (w3 + 4 - 2) // 2 + 1  # avgpool k2 s2 p2
    params = (7 * 7 * 3 * 16 + 16) + (5 * 5 * 16 * 48 + 48) + (h4 * w4 * 48 * 4096 + 4096) + (4096 * 2 + 2)
    macs = 7 * 7 * 3 * 16 * h1 * w1 + 5 * 5 * 16 * 48 * h3 * w3 + h4 * w4 * 48 * 4096 + 4096 * 2
    values = h * w * 3 + h1 * w1 * 16 + h2 * w2 * 16 + h3 * w3 * 48 + h4 * w4 * 48 + 4096 + 2
    # 256,000 samples / batch 64 = 4,000 iterations; forward + equal backward; 100 epochs
    return {"pool2.H": h4, "params": params, "cost.macs": macs, "activation_bytes": 4 * values,
            "run.macs": 100 * 4000 * 2 * 64 * macs}


@pytest.mark.parametrize("n", [2**40, 2**62, 2**62 + 12345])
def test_exact_far_beyond_int64(exam, n):
    sw = plan(exam, range(n - 2, n + 1), range(n - 2, n + 1))
    assert "run.macs" in sw.wide and "conv1.H" not in sw.wide
    (c,) = chunks(sw)
    for i, (h, w) in enumerate(zip(c.columns["H"].tolist(), c.columns["W"].tolist())):
        expected = by_hand(int(h), int(w))
        for key, value in expected.items():
            assert int(c.columns[key][i]) == value, (key, h, w)


def tiny(exam, channels=1):
    """An exam whose network is one dense unit over an H×W×channels input."""
    net = Network((4, 4, channels), (Node("fc", Dense(units=1)),))
    return dataclasses.replace(exam, network=net)


def test_int64_right_up_to_the_limit(exam):
    # isqrt(2^63 - 1) = 3,037,000,499: fc.params = H·W + 1 still fits int64, ×4 bytes does not
    n = 3_037_000_499
    assert n * n + 1 <= INT64_MAX < 4 * (n * n + 1)
    sw = plan(tiny(exam), range(n - 3, n + 1), range(n - 3, n + 1), square=True)
    assert "fc.params" not in sw.wide and "param_bytes" in sw.wide
    (c,) = chunks(sw)
    assert c.columns["fc.params"].dtype == np.int64
    assert [int(v) for v in c.columns["fc.params"]] == [m * m + 1 for m in range(n - 3, n + 1)]
    assert [int(v) for v in c.columns["param_bytes"]] == [4 * (m * m + 1) for m in range(n - 3, n + 1)]


def deep(depth):
    """depth 3×3 convolutions with padding 1 (size kept), then a dense layer."""
    nodes = tuple(Node(f"c{i}", Conv2d(kernel=3, filters=4, padding=1)) for i in range(depth))
    return Network((8, 8, 3), nodes + (Node("fc", Dense(units=2)),))


def test_thousand_layers_derive_and_sweep(exam):
    net = deep(1000)
    formulas = derive(net)
    assert len(formulas.layers) == 1001
    ex = dataclasses.replace(exam, network=net)
    sw = plan(ex, range(20, 23), range(20, 23), square=True)
    (c,) = chunks(sw)
    for i, n in enumerate(range(20, 23)):
        # first conv from 3 channels, 999 from 4; every output n×n×4; dense from n·n·4 to 2
        macs = 9 * 3 * 4 * n * n + 999 * 9 * 4 * 4 * n * n + n * n * 4 * 2
        assert int(c.columns["cost.macs"][i]) == macs
        assert int(c.columns["c999.H"][i]) == n


def test_csv_streams_every_valid_size(exam, tmp_path):
    sw = plan(exam, range(1, 40_001), range(1, 40_001), square=True)
    out = tmp_path / "sweep.csv"
    written = write_csv(sw, out)
    # sizes 1 … 14 leave conv2 an empty output (15 is the smallest valid size)
    assert written == 40_000 - 14
    with out.open(newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        assert tuple(header) == sw.columns
        rows = {int(r[0]): r for r in reader}
    assert len(rows) == written and min(rows) == 15
    for n in (15, 128, 16_385, 40_000):
        cells = dict(zip(header, rows[n]))
        for key, value in by_hand(n, n).items():
            assert int(cells[key]) == value, (n, key)
    assert not list(tmp_path.glob(".*.tmp"))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, INT64_MAX), st.integers(-(2**80), 2**80)), min_size=1, max_size=40))
def test_format_rows_matches_str(pairs):
    a = np.array([p[0] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs], dtype=object)
    expected = "".join(f"{x},{y},7\n" for x, y in pairs).encode()
    assert format_rows([a, b, 7], len(pairs)) == expected


def test_cli_json_and_errors(capsys, tmp_path):
    assert main(["sweep", "--size", "127:129", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r[0] for r in data["rows"]] == [127, 128, 129] and data["valid"] == 3
    assert main(["sweep", "--size", "9:5"]) == 2
    assert "--size" in capsys.readouterr().err
    bad = tmp_path / "out.svg"
    assert main(["sweep", "--size", "20:30", "--plot", str(bad)]) == 2
    assert not bad.exists() and "--plot" in capsys.readouterr().err
    assert main(["sweep", "--size", "1:14"]) == 2  # no valid size at all
    assert "invalid" in capsys.readouterr().err
    # 100,000 × 100,000 = 10^10 sizes: refused at once, naming the count
    assert main(["sweep", "--height", "1:100000", "--width", "1:100000"]) == 2
    assert "10,000,000,000 input sizes" in capsys.readouterr().err
    assert main(["sweep", "--size", f"1:{2**64}"]) == 2  # more sizes than len() can count
    assert f"{2**64:,} input sizes" in capsys.readouterr().err


def test_columns_select_what_is_written(exam, tmp_path, capsys):
    out = tmp_path / "torch.csv"
    assert main(["sweep", "--size", "126:130", "--columns", "*.cost.torch,cost.torch", "--csv", str(out)]) == 0
    rows = list(csv.reader(out.read_text().splitlines()))
    layers = [n.name for n in exam.network.nodes]
    assert rows[0] == ["H", "W", *[f"{n}.cost.torch" for n in layers], "cost.torch"]
    cells = dict(zip(rows[0], rows[3]))  # size 128
    assert int(cells["H"]) == 128
    # FlopCounterMode: 2 per MAC of conv and dense layers, no bias, nothing else (by hand)
    assert int(cells["cost.torch"]) == 2 * by_hand(128, 128)["cost.macs"]
    assert int(cells["pool1.cost.torch"]) == 0
    assert main(["sweep", "--size", "126:130", "--columns", "cost.nope", "--csv", str(tmp_path / "x.csv")]) == 2
    assert "--columns: 'cost.nope'" in capsys.readouterr().err and not (tmp_path / "x.csv").exists()


def test_cli_csv_and_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="--plot needs the plot extra (matplotlib)")
    out, fig = tmp_path / "s.csv", tmp_path / "s.png"
    assert main(["sweep", "--height", "100:130:10", "--width", "64:65", "--csv", str(out), "--plot", str(fig)]) == 0
    lines = out.read_text().splitlines()
    assert len(lines) == 1 + 4 * 2 and lines[2].startswith("100,65,")
    assert fig.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, INT64_MAX), min_size=1, max_size=30), st.integers(0, 10**11), st.integers(0, 10**6))
def test_wide_limbs_match_python_ints(xs, m, c):
    from symcnn.scaling.wide import Wide

    w = Wide.from_int64(np.array(xs, dtype=np.int64))
    got = (w * m + c) * 3 + np.array(xs, dtype=np.int64)
    assert got.tolist() == [(x * m + c) * 3 + x for x in xs]
    assert format_rows([got], len(xs)) == "".join(f"{(x * m + c) * 3 + x}\n" for x in xs).encode()


def test_wide_columns_are_not_python_objects(exam):
    # the run's cost passes int64 near size 4,000 (100 epochs · 4,000 iterations · 128 · ~2e11)
    sw = plan(exam, range(40_000, 40_010), range(40_000, 40_010), square=True)
    (c,) = chunks(sw)
    from symcnn.scaling.wide import Wide

    assert isinstance(c.columns["run.macs"], Wide)
    assert [int(v) for v in c.columns["run.macs"]] == [by_hand(n, n)["run.macs"] for n in range(40_000, 40_010)]


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v2"])
def test_zoo_graph_sweep_equals_evaluate(exam, name):
    # residual adds, concatenations, batch norms, depthwise convs: every total at every grid size
    from symcnn.model.conventions import CONVENTIONS
    from symcnn.models.zoo import load_model

    net = load_model(name).network
    sw = plan(dataclasses.replace(exam, network=net), range(190, 260, 33), range(150, 270, 59))
    (c,) = chunks(sw)

    def at(col, i):
        return int(col[i]) if hasattr(col, "__len__") else int(col)

    for i, (h, w) in enumerate(zip(c.columns["H"].tolist(), c.columns["W"].tolist())):
        numbers = evaluate(net, (h, w, 3))
        assert at(c.columns["params"], i) == numbers.params
        assert at(c.columns["activations"], i) == numbers.activations
        for conv in CONVENTIONS.values():
            assert at(c.columns[f"cost.{conv.name}"], i) == sum(conv.cost(lay.counts) for lay in numbers.layers)
