"""Scale: a 1,000-layer network goes through every stage; sizes of 2^62 and more stay exact;
a layer that a deep network shrinks to nothing is reported by name.

Expected values are computed here with plain Python integers from the layer rules
(``(n + 2p − k) // s + 1``, ``k·k·C·F`` weights …), independently of symcnn.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys

import pytest

from symcnn.cli import main
from symcnn.exam.spec import embedded_text, parse_exam

DEPTH = 1000
HEAD = embedded_text().split("[[network.layers]]")[0]  # exam, dataset (128×128×3 crops)
TAIL = embedded_text()[embedded_text().index("[training]"):].replace("layers = [1, 2, 3, 4]", "layers = [1, 2, 999]")


def deep_spec(depth: int = DEPTH) -> str:
    """conv 3×3 (padding 1, 4 filters) every 4th layer, ReLU between, a 2-unit dense layer last."""
    layers = []
    for i in range(depth - 1):
        if i % 4 == 0:
            layers.append(f'[[network.layers]]\nname = "conv{i}"\ntype = "conv2d"\nkernel = 3\nfilters = 4\npadding = 1\n')
        else:
            layers.append(f'[[network.layers]]\nname = "relu{i}"\ntype = "activation"\nfunction = "relu"\n')
    layers.append('[[network.layers]]\nname = "out"\ntype = "dense"\nunits = 2\nactivation = "softmax"\n')
    return HEAD + "\n".join(layers) + "\n" + TAIL


@pytest.fixture(scope="module")
def deep(tmp_path_factory):
    path = tmp_path_factory.mktemp("deep") / "deep.toml"
    path.write_text(deep_spec(), encoding="utf-8")
    from symcnn.exam.solve import solve

    exam = parse_exam(path.read_text(encoding="utf-8"), str(path))
    return path, exam, solve(exam)


@pytest.fixture(scope="module")
def deep_tex(deep):
    latex = pytest.importorskip("symcnn.render.latex.sheet", reason="the LaTeX sheet (issue 3)")
    return latex.sheet_tex(deep[2], "en")


def test_deep_network_derives_and_evaluates_exactly(deep):
    _, exam, solution = deep
    assert len(exam.network.nodes) == DEPTH
    convs = DEPTH // 4  # layers 0, 4, 8, … 996
    # conv1 reads 3 channels, the others 4; padding 1 keeps 128×128
    params = (3 * 3 * 3 * 4 + 4) + (convs - 1) * (3 * 3 * 4 * 4 + 4) + (128 * 128 * 4 * 2 + 2)
    macs = 3 * 3 * 3 * 128 * 128 * 4 + (convs - 1) * 3 * 3 * 4 * 128 * 128 * 4 + 128 * 128 * 4 * 2
    assert solution.answer("2b").value == params
    assert solution.answer("3a").value == macs
    assert solution.answer("2a").value == ((128, 128, 4), (128, 128, 4), (128, 128, 4))
    assert sys.getrecursionlimit() <= 3000  # nobody raised the limit to get here


def test_deep_network_renders_as_text_json_and_latex(deep, deep_tex):
    from rich.console import Console

    from symcnn.render.jsonout import solution_json
    from symcnn.render.terminal import solution_view

    _, exam, solution = deep
    for width in (80, 200):
        out = io.StringIO()
        Console(file=out, width=width).print(solution_view(solution, "en", width))
        assert "relu997" in out.getvalue() and "conv996" in out.getvalue()
    answers = {a["id"]: a for a in json.loads(solution_json(solution))["answers"]}
    assert answers["3a"]["value"] == solution.answer("3a").value
    assert "relu997" in deep_tex and deep_tex.rstrip().endswith(r"\end{document}")


@pytest.mark.skipif(not (shutil.which("pdflatex") and shutil.which("pdftotext")), reason="needs pdflatex and pdftotext")
def test_deep_network_sheet_compiles(deep_tex, tmp_path):
    """The 1,000-layer sheet compiles (hundreds of pages) and shows the last layers."""
    from symcnn.render.latex import run_latex

    pdf = tmp_path / "deep.pdf"
    pdf.write_bytes(run_latex(deep_tex.encode("utf-8"), "deep.tex").pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "relu997" in text and "conv996" in text


def test_deep_network_sweeps_and_gives_formulas(deep, capsys):
    path, _, solution = deep
    assert main(["sweep", str(path), "--size", "128:130", "--json"]) == 0
    sweep = json.loads(capsys.readouterr().out)
    row = dict(zip(sweep["columns"], sweep["rows"][0]))
    assert (row["H"], row["out.params"]) == (128, 128 * 128 * 4 * 2 + 2)
    assert main(["formulas", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)


def test_a_layer_deep_inside_that_vanishes_is_named(capsys, tmp_path):
    """Seven 2×2 pools take 128 to 1; the eighth, layer 800 of 1,000, has nothing left to pool."""
    text = deep_spec()
    for n, i in enumerate(range(100, 801, 100)):
        text = text.replace(f'name = "conv{i}"\ntype = "conv2d"\nkernel = 3\nfilters = 4\npadding = 1\n',
                            f'name = "pool{n + 1}"\ntype = "maxpool"\nkernel = 2\n')
    spec = tmp_path / "vanishing.toml"
    spec.write_text(text, encoding="utf-8")
    assert main(["solve", str(spec)]) == 2
    err = capsys.readouterr().err
    assert err == (f"symcnn: error: {spec}: layer 801 (pool8): kernel 2 is larger than the padded input"
                   " height 1 (height 1, padding 0) (input 1×1×4)\n")


# --------------------------------------------------------------------------- exact at 2^62 and beyond

BIG = 2**62 + 3


def big_spec() -> str:
    return f"""
[exam]
title = "Huge"
[dataset]
images = {2**64}
crops_per_image = {2**64}
crop_height = 8
crop_width = 8
channels = 3
bytes_per_value = 1
[network.input]
height = {BIG}
width = {BIG}
channels = 3
[[network.layers]]
name = "conv"
type = "conv2d"
kernel = 3
filters = {2**62}
stride = 2
[[network.layers]]
name = "fc"
type = "dense"
units = {2**63}
[[network.layers]]
name = "out"
type = "dense"
units = 2
[training]
batch_size = {2**62}
epochs = {2**62}
[softmax]
classes = ["a", "b"]
logits = [1, 2]
target = "a"
[[questions]]
id = "crops"
kind = "dataset.crops"
[[questions]]
id = "shapes"
kind = "network.shapes"
layers = [1, 2]
[[questions]]
id = "params"
kind = "network.params"
[[questions]]
id = "forward"
kind = "training.forward"
[[questions]]
id = "memory"
kind = "memory.total"
"""


def test_sizes_of_2_62_and_more_stay_exact(tmp_path, capsys):
    spec = tmp_path / "huge.toml"
    spec.write_text(big_spec(), encoding="utf-8")
    assert main(["solve", str(spec), "--json"]) == 0
    got = {a["id"]: a["value"] for a in json.loads(capsys.readouterr().out)["answers"]}
    side = (BIG - 3) // 2 + 1  # (n + 2·0 − 3) // 2 + 1 = 2^61 + 1
    f = 2**62
    conv_params, fc_in = 3 * 3 * 3 * f + f, side * side * f
    fc_params = fc_in * 2**63 + 2**63
    out_params = 2**63 * 2 + 2  # the output layer: one unit per softmax class
    assert got["crops"] == 2**128
    assert got["shapes"] == [[side, side, f], [2**63]]
    assert got["params"] == conv_params + fc_params + out_params
    assert got["forward"] == 3 * 3 * 3 * side * side * f + fc_in * 2**63 + 2**63 * 2
    values = BIG * BIG * 3 + side * side * f + 2**63 + 2
    assert got["memory"] == 4 * (conv_params + fc_params + out_params) + 4 * values
    assert got["params"] > 2**246 and isinstance(got["params"], int)  # ≈ 2^61·2^61·2^62·2^63: JSON keeps it exact


def test_sweep_at_2_62_is_exact(tmp_path, capsys):
    spec = tmp_path / "huge.toml"
    spec.write_text(big_spec(), encoding="utf-8")
    assert main(["sweep", str(spec), "--size", f"{BIG}:{BIG + 1}", "--json"]) == 0
    sweep = json.loads(capsys.readouterr().out)
    rows = [dict(zip(sweep["columns"], r)) for r in sweep["rows"]]
    for row, n in zip(rows, (BIG, BIG + 1)):
        side = (n - 3) // 2 + 1
        assert row["conv.H"] == side
        assert row["fc.params"] == side * side * 2**62 * 2**63 + 2**63
