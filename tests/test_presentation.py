"""What a teacher and an engineer see (issue 16): options, one notation, both languages, JSON, sheets.

Expected values are worked out in the comments from the seed exam's statement.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace

import pytest

from symcnn.catalogue import catalogue
from symcnn.cli import main
from symcnn.exam.spec import embedded_text, parse_exam
from symcnn.model.conventions import CONVENTIONS


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------- command line (items 4–6)


def test_version(capsys):
    import symcnn

    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out == f"symcnn {symcnn.__version__}\n"


@pytest.mark.parametrize("command", [None, "solve", "init", "sweep", "formulas", "verify", "report"])
def test_every_help_lists_the_conventions(command, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit):
        main([command, "--help"] if command else ["--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert all(name in out for name in CONVENTIONS), out


def test_plot_help_names_the_extra(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit):
        main(["sweep", "--help"])
    assert "symcnn[plot]" in capsys.readouterr().out


def test_plot_without_matplotlib_fails_before_any_work(tmp_path, capsys, monkeypatch):
    """Item 6: no CSV is written, no row computed, when the plot cannot be drawn."""
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if not installed
    csv, png = tmp_path / "big.csv", tmp_path / "cost.png"
    code, out, err = run(capsys, "sweep", "--size", "1:200000", "--csv", str(csv), "--plot", str(png))
    assert code == 2 and out == "" and not csv.exists() and not png.exists()
    assert err.count("\n") == 1 and "symcnn[plot]" in err


def test_report_takes_one_size(capsys):
    """Item 5: --size 224 is 224×224."""
    _, square, _ = run(capsys, "report", "resnet18", "--size", "224", "--json")
    _, both, _ = run(capsys, "report", "resnet18", "--size", "224x224", "--json")
    assert json.loads(square)["input"] == [224, 224, 3] and square == both


def test_sweep_takes_one_size(capsys):
    """Item 5: --size 128 is the one square size 128×128, the same row as 128:128."""
    _, one, _ = run(capsys, "sweep", "--size", "128", "--json")
    _, span, _ = run(capsys, "sweep", "--size", "128:128", "--json")
    data = json.loads(one)
    assert one == span and data["valid"] == 1 and data["rows"][0][:2] == [128, 128]


def test_solve_convention_changes_the_sheet_too(tmp_path, capsys):
    tex = tmp_path / "s.tex"
    assert main(["solve", "--convention", "torch", "--lang", "en", "--latex", str(tex)]) == 0
    assert "Cost convention “torch”" in tex.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- one notation (items 7, 10, 11)


@pytest.fixture(scope="module")
def sheets():
    from symcnn import load_exam, solve
    from symcnn.render.latex.sheet import sheet_tex

    solution = solve(load_exam())
    return {lang: sheet_tex(solution, lang) for lang in ("vi", "en")}


def test_batch_is_B_and_samples_N_on_the_sheet(sheets):
    """Item 7: the steps write F_B = B·F·(r + 1) and T = ⌊(B + N − 1)/B⌋; the assumptions say the same."""
    vi, en = sheets["vi"], sheets["en"]
    assert "mini-batch $B$ = 64 mẫu" in vi and r"$T = \lceil N / B \rceil$, với $N$ mẫu" in vi
    assert "mini-batch $B$ = 64 samples" in en and "batch N" not in en and "samples / N" not in en


def test_steps_read_in_the_order_of_the_rule(sheets, capsys, monkeypatch):
    """Item 10: o′ = o − η·δ (rules.gradient_step), the weights before the bias in P₁, on every surface."""
    assert r"o'_{\mathrm{HT}} &= o_{\mathrm{HT}} - \eta \cdot \delta_{\mathrm{HT}} = 5{,}1 - 0{,}01 \cdot 0{,}869892" \
        in sheets["vi"]
    assert r"P_{1} &= D_{0} \cdot f_{1} \cdot k_{1}^{2} + f_{1}" in sheets["vi"]
    monkeypatch.setenv("COLUMNS", "80")
    _, out, _ = run(capsys, "solve")
    assert "o'_HT = o_HT - η·δ_HT = 5,1 - 0,01·0,869892" in out
    assert "P₁ = D₀·f₁·k₁² + f₁ = 3·16·7² + 16" in out
    _, out, _ = run(capsys, "solve", "--json")
    step = json.loads(out)["answers"][9]["steps"][-1]
    assert step["formula"] == "o_HT - eta*delta_HT" and step["substitution"] == "5.1 - 0.01*0.869892"


def test_no_step_repeats_itself(sheets):
    """Item 10: V₅ = m₅ = 4.096, not V₅ = m₅ = 4.096 = 4.096; H and W of a layer under one label."""
    assert r"V_{5} &= m_{5} = 4.096 \\" in sheets["vi"] and "= 4.096 = 4.096" not in sheets["vi"]
    # 2a asks for 4 layers and 4c derives 4: each label once per question, 8 shape labels in all
    assert sheets["en"].count(r"\textit{Output size of conv1:}") == 2
    assert sheets["en"].count(r"\textit{Output size of pool2:}") == 2


def test_the_update_says_it_uses_the_unrounded_delta(sheets):
    """Item 10: 3e's δ_HT shows 4 decimals (0.8699) and the update substitutes 6: the label says so."""
    assert "with δ unrounded" in catalogue("en")["step.update_unrounded"]
    assert r"δ unrounded" not in sheets["en"]  # escaped for TeX: the Greek letter goes into math
    assert r"(with \ensuremath{\delta} unrounded" in sheets["en"]


def test_layers_are_numbered_as_the_layer_table(sheets):
    """Item 11: pool2 is row 4 of the layer table (input 0, conv1, pool1, conv2, pool2)."""
    assert r"\item lớp 4 (pool2): viền 2" in sheets["vi"]
    assert "network.layers[" not in sheets["vi"] + sheets["en"]
    assert r"4 & pool2 &" in sheets["vi"]


def test_questions_are_named_by_their_ids(tmp_path, capsys):
    spec = tmp_path / "x.toml"
    spec.write_text(embedded_text().replace("layers = [1, 2, 3, 4]", "layers = [1, 9]"), encoding="utf-8")
    _, _, err = run(capsys, "solve", str(spec))
    assert err.endswith(f"{spec}: question 2a.layers: no layer 9 (the network has 6)\n")
    spec.write_text(embedded_text().replace('id = "2a"\nkind = "network.shapes"', 'id = "2a"\nkind = "network.shapes"\nlayerz = 1'),
                    encoding="utf-8")
    _, _, err = run(capsys, "solve", str(spec))
    assert f"{spec}: question 2a.layerz is not a known field" in err


# --------------------------------------------------------------------------- Vietnamese and English (items 12–15)


ENGLISH_IN_VI = ("params", "activations", "cost.macs", "memory\\_bytes", "batch.macs", "run.macs", "của input",
                 "conv2d", "maxpool", "delta\\_", r"\text{eta}", "F\\_4", "flip", "rotate", "padding", "kernel",
                 "bó con", "hàm truyền", "đạo hàm thuần", "(forward)", "(bias)")


def test_no_english_words_on_the_vietnamese_sheet(sheets):
    """Item 12: the words the issue found (the rules section names functions: it is left out)."""
    vi = sheets["vi"].split(r"\section{Các công thức đã dùng}")[0]
    vi = vi.replace('"pad should be at most half of effective kernel size"', "")  # PyTorch's message, quoted
    found = [w for w in ENGLISH_IN_VI if w in vi]
    assert not found, found


def test_no_english_words_in_the_vietnamese_terminal(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    _, solve_out, _ = run(capsys, "solve")
    _, report_out, _ = run(capsys, "report")
    _, formulas_out, _ = run(capsys, "formulas")
    for out in (solve_out, report_out, formulas_out):
        out = out.replace('"pad should be at most half of effective kernel size"', "")  # PyTorch's message, quoted
        found = [w.replace("\\", "") for w in ENGLISH_IN_VI if w.replace("\\", "") in out]
        assert not found, found
    assert "kết nối đầy đủ" in report_out and "tích chập" in report_out  # the type column in words


def test_vietnamese_word_choice():
    """Item 13: as a Vietnamese lecturer writes it."""
    vi = catalogue("vi")
    assert vi["layer_kind.dense"] == "kết nối đầy đủ" and vi["layer_kind.activation"] == "hàm kích hoạt"
    assert "SGD" in vi["rule.gradient_step"] and "giảm dần theo gradient" in vi["rule.gradient_step"]
    assert not [k for k, v in vi.items() if "bó con" in v or "lớp đầy đủ" in v or "hàm truyền" in v]


def test_seed_transforms_are_in_the_spec_language():
    """Item 13: the spec is Vietnamese; its transforms too, still four of them (1 + 4 = 5 per crop)."""
    exam = parse_exam(embedded_text(), "<seed>")
    assert exam.language == "vi" and len(exam.dataset.transforms) == 4
    assert all(t.startswith(("lật", "xoay")) for t in exam.dataset.transforms)


def test_one_byte_is_not_bytes(sheets):
    """Item 13: the seed stores each value in 1 byte."""
    assert "stored in 1 byte." in sheets["en"] and "byte(s)" not in sheets["en"]
    assert "each real number takes 4 bytes" in sheets["en"]


def test_class_labels(sheets, capsys, monkeypatch):
    """Item 14: [softmax] labels name each class in full; the symbols keep the short names."""
    assert "lớp Hồ Gươm (HG)" in sheets["vi"] and r"o_{\mathrm{HG}}" in sheets["vi"]
    assert "ảnh thuộc lớp Hồ Gươm (HG)" in sheets["vi"]
    monkeypatch.setenv("COLUMNS", "80")
    _, out, _ = run(capsys, "solve")
    assert "xác suất softmax của lớp Hồ Tây (HT)" in out


@pytest.mark.parametrize("labels, message", [
    ('["Hồ Gươm"]', "softmax.labels must give one name per class (2: HG, HT), got 1"),
    ('["Hồ", "Hồ"]', "softmax.labels[1] repeats an earlier item, got 'Hồ'"),
    ('[1, 2]', "softmax.labels[0] must be"),
])
def test_class_labels_are_checked(labels, message, tmp_path, capsys):
    spec = tmp_path / "x.toml"
    spec.write_text(embedded_text().replace('labels = ["Hồ Gươm", "Hồ Tây"]', f"labels = {labels}"), encoding="utf-8")
    code, _, err = run(capsys, "solve", str(spec))
    assert code == 2 and f"{spec}: {message}" in err


def test_labels_are_optional():
    exam = parse_exam(embedded_text().replace('labels = ["Hồ Gươm", "Hồ Tây"]', ""), "<x>")
    assert exam.softmax.labels == () and exam.softmax.name("HG") == "HG"


def test_jupyter_displays_in_the_exam_language():
    """Item 15: an Answer and a Step show in the exam's language and format, as the Solution does."""
    from symcnn import load_exam, solve

    exam = load_exam()
    for lang, number, word in (("vi", "51.200", "mẫu"), ("en", "51{,}200", "samples")):
        a = solve(replace(exam, language=lang)).answer("1a")
        assert number in a._repr_latex_() and word in a._repr_latex_() and number in a.steps[0]._repr_latex_()


# --------------------------------------------------------------------------- JSON and the key review (21, 22)


def test_report_json_has_the_warnings(capsys):
    _, out, _ = run(capsys, "report", "--json")
    (w,) = json.loads(out)["warnings"]
    assert (w["code"], w["layer"], w["index"], w["padding"], w["kernel"]) == ("pool_padding", "pool2", 4, 2, 2)
    _, out, _ = run(capsys, "report", "resnet18", "--json")
    assert json.loads(out)["warnings"] == []


@pytest.fixture(scope="module")
def review_tex():
    from symcnn import load_exam, solve
    from symcnn.render.latex.review_sheet import review_tex
    from symcnn.verify.keyfile import load_key
    from symcnn.verify.review import review

    return review_tex(review(load_key(), solve(load_exam())), "vi")


def test_review_prints_each_question_title_once(review_tex):
    """Item 22: the corrected working follows its own question's title, not a second copy of it."""
    assert review_tex.count("Câu 2a. Kích thước (H, W, D) đầu ra của các lớp") == 1
    assert review_tex.count(r"\subsection*{Lời giải đã sửa}") == 13  # one per question, as a heading


def test_review_summary_never_breaks_a_shape(review_tex):
    summary = review_tex.split(r"\section")[0]
    assert r"\binoppenalty=10000" in summary
    assert r"$61 \times 61 \times 16$; $57 \times 57 \times 48$" in summary  # one math run per shape


def test_review_working_lines_keep_their_spaces(review_tex):
    assert r"\medmuskip=4mu plus 2mu" in review_tex  # spaces around + may stretch, never shrink
