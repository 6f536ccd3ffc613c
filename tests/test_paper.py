"""The question paper (`symcnn paper`): no answers, points per part, the drawing, bad points."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from symcnn import load_exam, solve
from symcnn.catalogue import LANGUAGES
from symcnn.classroom.drawing import MAX_ROWS, PER_ROW
from symcnn.classroom.papers import paper_tex
from symcnn.cli import main
from symcnn.exam.spec import embedded_text, parse_exam
from symcnn.models.zoo import load_model
from symcnn.regenerate import paper_path
from symcnn.render.latex import number_latex
from test_latex_pdf import needs_pdftotext, needs_tex, pdf_text

ROOT = Path(__file__).resolve().parents[1]
SEED = embedded_text()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_committed_paper_matches_the_code(solution, lang):
    path = ROOT / paper_path(lang)
    assert path.read_text(encoding="utf-8") == paper_tex(solution, lang), (
        f"{path} is stale: regenerate it with `python -m symcnn.regenerate`")


def _numbers(value):
    if isinstance(value, tuple):
        for v in value:
            yield from _numbers(v)
    else:
        yield value


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_paper_prints_no_answer(solution, lang):
    tex = paper_tex(solution, lang)
    body = tex.split(r"\begin{document}", 1)[1]
    # the drawing's coordinates and lengths are no answers
    body = re.sub(r"\\(put|line|vector|framebox|makebox)\([^)]*\)(\{[\d.]+\})?", "", body)
    for a in solution.answers:
        for n in _numbers(a.value):
            if isinstance(n, int) and n < 1000:  # small numbers (16, 30) also appear as layer settings
                continue
            assert number_latex(n, lang) not in body, (a.id, n)
            assert str(n) not in body, (a.id, n)
    for a in solution.answers:
        if a.id == "2a":  # the shapes: no "124 × 124" anywhere, not even in the drawing
            for shape in a.value:
                assert rf"{shape[0]} \times {shape[1]}" not in body


def test_points_per_part_add_up_from_the_spec(solution):
    spec = tomllib.loads(SEED)
    parts: dict[str, Decimal] = {}
    for q in spec["questions"]:
        parts.setdefault(q["id"][0], Decimal(0))
        parts[q["id"][0]] += Decimal(str(q["points"]))
    # the seed exam gives 2, 3, 3 and 1.5 points to parts 1-4
    assert parts == {"1": 2, "2": 3, "3": 3, "4": Decimal("1.5")}
    tex = paper_tex(solution, "en")
    for part, points in parts.items():
        assert rf"\subsection{{Part {part} ({points.normalize():f} pt)}}" in tex
    assert f"{sum(parts.values()).normalize():f} points in all" in tex
    assert r"\subsection{Phần 4 (1,5 điểm)}" in paper_tex(solution, "vi")


def test_a_question_text_overrides_the_catalogue_and_is_escaped():
    spec = SEED.replace('id = "1a"\nkind = "dataset.crops"\n',
                        'id = "1a"\nkind = "dataset.crops"\ntext = "Count the crops: 50% & \\\\input{x}"\n')
    exam = parse_exam(spec, "t.toml")
    assert exam.questions[0].text == "Count the crops: 50% & \\input{x}"
    tex = paper_tex(solve(exam), "en")
    assert r"Count the crops: 50\% \& \textbackslash{}input\{x\}" in tex
    assert "How many training samples are there after cropping?" not in tex


@pytest.mark.parametrize("points, why", [
    ("0", "must be a number above 0"),
    ("-1", "must be a number above 0"),
    ("0.125", "at most two decimals"),
    ('"1"', "must be a number"),
    ("1001", "at most 1000"),
])
def test_bad_points_are_one_line_and_exit_2(tmp_path, capsys, points, why):
    spec = tmp_path / "exam.toml"
    spec.write_text(SEED.replace('id = "1a"\nkind = "dataset.crops"\npoints = 0.5\n',
                                 f'id = "1a"\nkind = "dataset.crops"\npoints = {points}\n'), encoding="utf-8")
    out = tmp_path / "paper.tex"
    assert main(["paper", str(spec), "--latex", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{spec}: question 1a.points" in err and why in err, err
    assert not out.exists()


def test_paper_command_writes_and_needs_latex(tmp_path, capsys):
    out = tmp_path / "p.tex"
    assert main(["paper", "--latex", str(out), "--lang", "en"]) == 0
    assert out.read_text(encoding="utf-8") == paper_tex(solve(load_exam()), "en")
    assert capsys.readouterr().out == f"wrote {out}\n"  # the status line in the output's language
    assert main(["paper", "--latex", str(out)]) == 0
    assert capsys.readouterr().out == f"đã ghi {out}\n"
    with pytest.raises(SystemExit) as e:
        main(["paper"])
    assert e.value.code == 2


# --------------------------------------------------------------------------- the drawing


def _chain(n: int) -> str:
    """A spec whose network is a chain of n convolutions (3×3, padding 1) and a dense output."""
    layers = "".join(f'[[network.layers]]\nname = "c{i}"\ntype = "conv2d"\nkernel = 3\nfilters = 8\npadding = 1\n\n'
                     for i in range(n - 1))
    head, _, rest = SEED.partition("[[network.layers]]")
    tail = rest[rest.index("[training]"):]
    return head + layers + '[[network.layers]]\nname = "out"\ntype = "dense"\nunits = 2\n\n' + tail


def test_seed_network_is_drawn_box_by_box(solution):
    tex = paper_tex(solution, "en")
    picture = tex[tex.index(r"\begin{picture}"):tex.index(r"\end{picture}")]
    assert picture.count(r"\framebox") == len(solution.exam.network.nodes) + 1  # the input and every layer
    assert r"128 \times 128 \times 3" in picture  # the input's size is stated by the spec
    assert r"H_{1} \times W_{1} \times 16" in picture  # conv1's size is asked: symbols, its 16 filters stated
    assert "4{,}096" in picture  # fc1's units are stated


def test_a_longer_chain_wraps_into_rows():
    n = PER_ROW + 4
    tex = paper_tex(solve(parse_exam(_chain(n), "chain.toml")), "en")
    picture = tex[tex.index(r"\begin{picture}"):tex.index(r"\end{picture}")]
    assert picture.count(r"\framebox") == n + 1
    ys = [float(m) for m in re.findall(r"\\put\([\d.]+,(-[\d.]+)\)\{\\framebox", picture)]
    first, second = ys[:PER_ROW], ys[PER_ROW:]
    assert len(second) == n + 1 - PER_ROW and max(second) < min(first) - 1  # the rest is a row further down


def test_too_deep_or_branched_networks_are_not_drawn_but_said(exam):
    deep = PER_ROW * MAX_ROWS + 5
    tex = paper_tex(solve(parse_exam(_chain(deep), "deep.toml")), "en")
    assert r"\begin{picture}" not in tex
    assert f"The network has {deep} layers: too many to draw legibly" in tex
    resnet = dataclasses.replace(exam, network=load_model("resnet18").network)
    tex = paper_tex(solve(resnet), "vi")
    assert r"\begin{picture}" not in tex and "không phải một chuỗi đơn" in tex
    assert tex.count(r"\\") > len(resnet.network.nodes)  # the table still lists every layer


@needs_tex
@needs_pdftotext
def test_paper_pdf_reads_as_a_question_paper(tmp_path):
    out = tmp_path / "p.tex"
    assert main(["paper", "--latex", str(out), "--pdf", "--lang", "en"]) == 0
    text = pdf_text(out.with_suffix(".pdf"))
    for words in ("Question paper", "Part 1", "Part 4", "Answer:", "Student ID", "conv1"):
        assert words in text
    assert "51,200" not in text  # 200 × 256: the answer to 1a
