"""The per-layer kinds (layer.shape, .params, .weights, .biases, .cost, .values), answers in
units, and questions at another input size: values from PyTorch or by hand, bad options, and
the whole pipeline (JSON, sheet, paper, verify with planted mistakes, variants)."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from symcnn import load_exam, solve
from symcnn.errors import SpecError
from symcnn.exam.spec import embedded_text, parse_exam

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "next_year.toml"


def exam_with(questions: str, name: str = "e.toml"):
    """The seed exam's data and network, asked ``questions`` (TOML [[questions]] tables)."""
    text = embedded_text()
    return parse_exam(text[: text.index("[[questions]]")] + questions, name)


def answer(questions: str):
    return solve(exam_with(questions)).answers[0]


def q(kind: str, **options) -> str:
    lines = [f'[[questions]]\nid = "x"\nkind = "{kind}"']
    for k, v in options.items():
        lines.append(f"{k} = {json.dumps(v)}".replace("True", "true"))
    return "\n".join(lines).replace(": true", ": true") + "\n"


# --------------------------------------------------------------------------- values


def test_by_hand_on_the_seed_network():
    # conv2: 5·5·16·48 weights, 48 biases; fc1: 30·30·48 inputs (pool2 is 30 × 30 × 48) × 4096 units
    assert answer(q("layer.params", layer="conv2")).value == 5 * 5 * 16 * 48 + 48
    assert answer(q("layer.weights", layer=5)).value == 30 * 30 * 48 * 4096
    assert answer(q("layer.biases", layers=["conv1", "fc2"])).value == (16, 2)
    assert answer(q("layer.params", layers=["conv1", "fc2"], sum=True)).value == (7 * 7 * 3 * 16 + 16) + (4096 * 2 + 2)
    # conv2's MACs: 5·5·16 per output value, 57·57·48 values
    assert answer(q("layer.cost", layer="conv2")).value == 5 * 5 * 16 * 57 * 57 * 48
    assert answer(q("layer.values", layers=[2, "pool2"])).value == (61 * 61 * 16, 30 * 30 * 48)
    assert answer(q("layer.shape", layer="pool1")).value == (61, 61, 16)
    assert answer(q("layer.shape", layers=["fc1", 3])).value == ((4096,), (57, 57, 48))


def test_against_pytorch():
    torch = pytest.importorskip("torch", reason="torch is an optional extra; CI installs torch==2.13.0")
    from torch_twins import exam_net, zeroed

    net = zeroed(exam_net)
    modules = {"conv1": net[0], "conv2": net[3], "fc1": net[8], "fc2": net[10]}
    for name, m in modules.items():
        assert answer(q("layer.params", layer=name)).value == sum(p.numel() for p in m.parameters())
        assert answer(q("layer.weights", layer=name)).value == m.weight.numel()
        assert answer(q("layer.biases", layer=name)).value == m.bias.numel()
    x = torch.zeros(1, 3, 128, 128)
    outs = {}
    for i, m in enumerate(net):
        x = m(x)
        outs[i] = x
    # the twin's module after which each spec layer's output exists
    for name, i in {"conv1": 1, "pool1": 2, "conv2": 4, "pool2": 6}.items():
        _, c, h, w = outs[i].shape
        assert answer(q("layer.shape", layer=name)).value == (h, w, c)
        assert answer(q("layer.values", layer=name)).value == outs[i].numel()


def test_zoo_model_against_its_twin():
    torch = pytest.importorskip("torch", reason="torch is an optional extra; CI installs torch==2.13.0")
    import dataclasses

    from symcnn.exam import Question
    from symcnn.exam.kinds import QUESTION_KINDS
    from symcnn.exam.questions import Context
    from symcnn.model.conventions import convention
    from symcnn.model.network import derive, evaluate
    from symcnn.models.report import load_target
    from torch_twins import ResNet18, zeroed

    network = load_target("resnet18").network
    exam = dataclasses.replace(load_exam(), network=network)
    ctx = Context(exam, derive(network), evaluate(network), convention("macs"))
    twin = dict(zeroed(ResNet18).named_modules())
    for name in ("conv1", "layer2.0.downsample.0", "layer3.1.conv2", "fc"):
        got = QUESTION_KINDS["layer.params"].solve(ctx, Question("q", "layer.params", {"layer": name})).value
        assert got == sum(p.numel() for p in twin[name].parameters())
    both = QUESTION_KINDS["layer.weights"].solve(ctx, Question("q", "layer.weights", {"layers": ("conv1", "fc"),
                                                                                     "sum": True})).value
    assert both == twin["conv1"].weight.numel() + twin["fc"].weight.numel()
    del torch


def test_units_exact_half_up():
    # 176,981,106 parameters / 10^6 = 176.981106 → 176.98; / 2^20 bytes: 4 bytes each is 707,924,424 B
    a = answer(q("network.params", unit="M"))
    assert a.value == Decimal("176.98") and a.decimals == 2 and a.unit == "M params"
    assert a.unrounded == Decimal("176.981106")
    b = answer(q("memory.total", unit="MiB", decimals=3))
    # (2,231,816 activation bytes + 707,924,424) / 1,048,576 = 677.2577667… → 677.258
    assert b.value == Decimal("677.258")
    # 2,368 / 1000 = 2.368 → 2.4 with one decimal (half up: 2.35 would be 2.4 too)
    c = answer(q("layer.params", layer="conv1", unit="K", decimals=1))
    assert c.value == Decimal("2.4")
    # each layer on its own: 16 → 0.016 K, 2 → 0.002 K
    d = answer(q("layer.biases", layers=["conv1", "fc2"], unit="K", decimals=3))
    assert d.value == (Decimal("0.016"), Decimal("0.002"))
    e = answer(q("dataset.bytes", unit="GB", decimals=4))  # 12,582,912,000 B
    assert e.value == Decimal("12.5829")
    # 4c in G: its readings too: 2 × 8 = 16 tiles × 275,500,544 = 4,408,008,704; resized: 275,500,544
    f = answer(q("inference.cost", height=256, width=1024, unit="G", decimals=3))
    assert f.value == round(Decimal(solve(load_exam()).answer("4c").value) / 10**9, 3)
    assert [alt.value for alt in f.alternatives] == [Decimal("4.408"), Decimal("0.276")]


def test_at_another_input_size():
    # at 256 × 256: pool2 is 62 × 62 × 48 (252 → 125 → 121 → ⌊(121 + 4 − 2)/2⌋ + 1 = 62)
    a = answer(q("layer.weights", layer="fc1", height=256, width=256))
    assert a.value == 62 * 62 * 48 * 4096
    assert [str(s.symbol) for s in a.steps[:2]] == ["H_0", "W_0"]
    b = answer(q("network.shapes", layers=[4], height=64))  # 64 × 128: 60 × 124, 29 × 61, 25 × 57, 14 × 30
    assert b.value == ((14, 30, 48),)
    from symcnn.verify.diagnose import diagnoser

    s = solve(exam_with(q("network.shapes", layers=[4], height=64)))
    # re-derived at 64 × 128, not at the exam's size: pool2 padded 1 gives ⌊(25 + 2 − 2)/2⌋ + 1 = 13, 29
    assert diagnoser(s).explain("x", ((13, 29, 48),))[0][0].code == "POOL_PADDING"
    c = answer(q("training.forward", height=96, width=96))
    cost96 = 7 * 7 * 3 * 16 * 92 * 92 + 5 * 5 * 16 * 48 * 41 * 41 + 22 * 22 * 48 * 4096 + 4096 * 2
    assert c.value == cost96


BAD = [
    (q("layer.params"), r"question x\.layer is missing"),
    (q("layer.params", layer="conv1", layers=["conv2"]), r"question x\.layers: give either layer .* not both"),
    (q("layer.cost", layer="conv9"), r"question x\.layer: no layer named 'conv9'"),
    (q("layer.values", layers=["conv1", 9]), r"question x\.layers\[1\]: no layer 9 \(the network has 6"),
    (q("layer.weights", layers=["conv1", "conv1"]), r"question x\.layers\[1\] repeats an earlier layer"),
    (q("layer.biases", layer=True), r"question x\.layer must be a layer name or its position"),
    (q("network.params", unit="MB"), r"question x\.unit: network\.params answers in a count \(K, M, G\), got 'MB'"),
    (q("memory.total", unit="M"), r"question x\.unit: memory\.total answers in bytes"),
    (q("layer.shape", layer="conv1", unit="K"), r"question x\.unit: layer\.shape answers in neither"),
    (q("network.params", decimals=2), r"question x\.decimals: the answer is exact"),
    (q("network.params", unit="TB"), r"question x\.unit must be one of KB, MB"),
    (q("dataset.crops", height=64), r"question x\.height is not a known field"),
    (q("layer.params", layer="fc1", height=8), r"question x: at 8×128: layer 3 \(conv2\)"),
]


@pytest.mark.parametrize("spec, message", BAD)
def test_bad_options(spec, message):
    with pytest.raises(SpecError, match=message):
        solve(exam_with(spec))


def test_bad_option_is_one_line_exit_2(tmp_path):
    path = tmp_path / "bad.toml"
    text = embedded_text()
    path.write_text(text[: text.index("[[questions]]")] + q("layer.cost", layer="conv9"), encoding="utf-8")
    out = tmp_path / "sheet.tex"
    run = subprocess.run([sys.executable, "-m", "symcnn", "solve", str(path), "--latex", str(out)],
                         capture_output=True, text=True, env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 2 and not out.exists()
    assert run.stderr.count("\n") == 1 and "question x.layer: no layer named 'conv9'" in run.stderr


# --------------------------------------------------------------------------- the pipeline


@pytest.fixture(scope="module")
def next_year():
    return solve(load_exam(EXAMPLE))


def test_example_json(next_year):
    from symcnn.render.jsonout import solution_json

    data = {a["id"]: a for a in json.loads(solution_json(next_year))["answers"]}
    assert data["1e"]["value"] == [16, 48, 4096, 2]
    assert data["2d"]["value"] == [19, 4, -5]
    assert data["3a"]["unit"] == "M params" and data["3a"]["unrounded"] == "176.981106"


def test_example_terminal_writes_lists_not_shapes(next_year):
    from symcnn.render.terminal import answer_text

    assert answer_text(next_year.answer("1e"), next_year.answer("1e").value, "en").replace("\u00a0", " ") == \
        "Answer: [16; 48; 4,096; 2] parameters"
    assert "million parameters" in answer_text(next_year.answer("3a"), next_year.answer("3a").value, "en").replace(
        "\u00a0", " ")


def test_example_sheet_and_paper(next_year):
    from symcnn.classroom.papers import paper_tex
    from symcnn.render.latex.sheet import sheet_tex

    for lang in ("en", "vi"):
        sheet, paper = sheet_tex(next_year, lang), paper_tex(next_year, lang)
        assert "question_text." not in sheet + paper and "step." not in sheet and "kind." not in sheet
    sheet = sheet_tex(next_year, "en")
    assert r"\frac{176{,}981{,}106}{10^{6}}" in sheet  # the exact value and the converted one
    assert "of the layers conv1, conv2, fc2 together" in sheet and "of the layers conv1, conv2, fc2 together" in \
        paper_tex(next_year, "en")
    assert "của từng lớp conv1, pool1, conv2, pool2" in paper_tex(next_year, "vi")


def test_text_override_on_paper_and_sheet():
    from symcnn.classroom.papers import paper_tex
    from symcnn.render.latex.sheet import sheet_tex

    s = solve(exam_with(q("layer.params", layer="conv2", text="Count conv2's learned numbers.")))
    assert "Count conv2's learned numbers." in paper_tex(s, "en")
    assert "Count conv2's learned numbers." in sheet_tex(s, "vi")


def test_every_kind_is_worded_in_both_languages():
    from symcnn.catalogue import catalogue
    from symcnn.exam.kinds import QUESTION_KINDS

    for lang in ("en", "vi"):
        for kind in QUESTION_KINDS:
            assert f"question_text.{kind}" in catalogue(lang), (lang, kind)
            assert f"kind.{kind}" in catalogue(lang), (lang, kind)


def test_planted_mistakes_are_diagnosed(next_year):
    from symcnn.verify.diagnose import diagnoser

    d = diagnoser(next_year)
    # 1b: conv2's biases left out: 5·5·16·48 = 19,200
    assert [x.code for x in d.explain("1b", 5 * 5 * 16 * 48)[0]] == ["PARAMS_BIAS"]
    # 1c: every bias left out of conv1 + conv2 + fc2: 2,352 + 19,200 + 8,192
    assert [x.code for x in d.explain("1c", 2352 + 19200 + 8192)[0]] == ["PARAMS_BIAS"]
    # 1a: pool2 padded 1: ⌊(57 + 2 − 2)/2⌋ + 1 = 29
    assert d.explain("1a", ((124, 124, 16), (61, 61, 16), (57, 57, 48), (29, 29, 48)))[0][0].code == "POOL_PADDING"
    # 3c at 256 × 256: fc1's biases left out: 62·62·48·4096
    assert [x.code for x in d.explain("3c", 62 * 62 * 48 * 4096)[0]] == ["PARAMS_BIAS"]
    # 3a in M with pool2 padded 1: fc1 = 29·29·48·4096 + 4096; (2,368 + 19,248 + 165,351,424 + 8,194)/10^6 = 165.38
    assert d.explain("3a", Decimal("165.38"))[0][0].code == "POOL_PADDING"
    # 3b asked in MiB, answered in MB: 710,156,240 / 10^6 = 710.16
    assert [x.code for x in d.explain("3b", Decimal("710.16"))[0]] == ["UNIT_SCALE"]
    # 2d: pool2 padded 1: A = −1 − 1·2 = −3
    assert [x.code for x in d.explain("2d", (19, 4, -3))[0]] == ["POOL_PADDING"]


def test_verify_a_key_of_the_example(tmp_path):
    from symcnn.verify.keyfile import parse_key
    from symcnn.verify.review import review

    key = parse_key('[questions.1b]\nvalues = [19200]\n[questions.2c]\nvalues = [[17, 2, -1]]\n', "k.toml")
    s = solve(load_exam(EXAMPLE))
    result = {x.id: x for x in review(key, s).questions}
    assert result["2c"].verdict == "correct" and result["1b"].verdict == "wrong"
    assert result["1b"].claims[0].explanations[0][0].code == "PARAMS_BIAS"


def test_variants_of_the_example():
    """Variants draw other kernels, strides and paddings; each variant's field is its own network's."""
    from symcnn.classroom.variants import generate

    vs = generate(EXAMPLE.read_text(encoding="utf-8"), str(EXAMPLE), 3, 0, workers=1)
    assert len(vs.variants) == 3
    for v in vs.variants:
        s = v.solve()
        r, j, a = 1, 1, 0  # an independent loop over the chain of windows up to pool2
        for node in s.exam.network.nodes[:4]:
            layer = node.layer
            r, j, a = r + (layer.kernel - 1) * j, j * layer.stride, a - layer.padding * j
        assert tuple(s.answer("2d").value) == (r, j, a)


SIZED = [("network.shapes", {}), ("network.params", {}), ("training.forward", {}), ("training.batch", {}),
         ("training.run", {}), ("memory.activations", {}), ("memory.total", {}),
         ("layer.shape", {"layers": ["pool1", "fc1"]}), ("layer.params", {"layer": "fc1"}),
         ("layer.weights", {"layers": ["conv2", "fc1"], "sum": True}), ("layer.cost", {"layers": [1, 5]}),
         ("layer.values", {"layer": "pool2"})]


@pytest.mark.parametrize("kind, options", SIZED)
def test_height_width_is_the_exam_at_that_size(kind, options):
    """Asked at 96 × 112, a question has the answer of the same exam whose input is 96 × 112 (its crop),
    and the verifier's graph re-derives that value from the question's own sizes."""
    from symcnn.verify.graph import build

    text = embedded_text()
    small = text.replace("crop_height = 128", "crop_height = 96").replace("crop_width = 128", "crop_width = 112")
    other = parse_exam(small[: small.index("[[questions]]")] + q(kind, **options), "small.toml")
    here = solve(exam_with(q(kind, height=96, width=112, **options)))
    assert here.answers[0].value == solve(other).answers[0].value
    g = build(here)
    assert g.value(g.target("x")) == here.answers[0].value
    # a mistake at that size is found there: pool2 padded 1, the exam at 96 × 112 re-solved with it
    from symcnn.verify.diagnose import diagnoser

    planted = small.replace("stride = 2\npadding = 2", "stride = 2\npadding = 1")
    assert planted != small
    wrong = solve(parse_exam(planted[: planted.index("[[questions]]")] + q(kind, **options), "p.toml")).answers[0].value
    if wrong != here.answers[0].value:
        assert "POOL_PADDING" in {x.code for e in diagnoser(here).explain("x", wrong) for x in e}


def test_moodle_export_of_the_example(tmp_path):
    """Every question of the example exports, its fields' right answers are `solve --json`'s."""
    from test_moodle import check_quiz, export, questions, solve_json

    root = export(tmp_path, str(EXAMPLE), "--lang", "en")
    solved = solve_json(str(EXAMPLE))
    assert [q.findtext("name/text") for q in questions(root)] == list(solved)
    assert check_quiz(root, solved.get, "given an earlier wrong answer") > 13 * 3
    kinds = {q.findtext("name/text"): q.get("type") for q in questions(root)}
    assert kinds["2c"] == kinds["1e"] == kinds["1a"] == "cloze" and kinds["1b"] == kinds["3a"] == "numerical"


def test_grading_the_example(tmp_path):
    """Students' cells for the new kinds (lists, R; J; A, values in units) are read and graded."""
    import csv
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from symcnn.cli import main

    rows = [["Timestamp", "Email Address", "Score", "1b", "1e", "2c", "3b"],
            ["2025/01/01", "a@x.org", "0 / 4", "19248", "16; 48; 4096; 2", "17; 2; -1", "677.26"],
            # conv2's biases left out; conv1 unpadded (A = 0); 710,156,240 B written in MB
            ["2025/01/01", "b@x.org", "0 / 4", "19200", "16; 48; 4096; 2", "17; 2; 0", "710.16"]]
    responses = tmp_path / "r.csv"
    with responses.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    out = tmp_path / "grades"
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        assert main(["grade", str(responses), "--exam", str(EXAMPLE), "--out", str(out), "--lang", "en"]) == 0
    book = list(csv.DictReader((out / "gradebook.csv").open(encoding="utf-8")))
    assert [book[0][f"{q}_verdict"] for q in ("1b", "1e", "2c", "3b")] == ["correct"] * 4
    assert [book[1][f"{q}_verdict"] for q in ("1b", "1e", "2c", "3b")] == ["wrong", "correct", "wrong", "wrong"]
    found = json.loads((out / "class.json").read_text(encoding="utf-8"))
    text = json.dumps(found)
    assert "PARAMS_BIAS" in text and "CONV_PADDING" in text and "UNIT_SCALE" in text
